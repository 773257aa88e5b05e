import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../adapters/sqlite/sqlite-store.ts';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { HOUR } from '../policy/duration.ts';
import type { Store } from '../ports.ts';
import type { Actor, EvaluationView } from './controller-types.ts';
import { Controller } from './controller.ts';
import { SERIES_RETENTION } from './evaluation-log.ts';
import { MemoryStore } from './memory-store.ts';
import { snapshotFromStore } from './release-snapshot.ts';
import { SimulatedClock } from './simulated-clock.ts';

const operator: Actor = { user: 'olga', groups: [], role: 'operator' };
const approver: Actor = { user: 'bob', groups: ['release-team'], role: 'viewer' };
// Five hours of rings, then three days watched: every series passes the evaluation log's retention.
const WATCHED = BASE.replace('spec:\n', 'spec:\n  watch: { afterComplete: 72h }\n');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const stores: Array<[string, () => Store]> = [
  ['the memory store', () => new MemoryStore()],
  ['SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-compaction-'));
    dirs.push(dir);
    return SqliteStore.open(join(dir, 'meridian.db'));
  }],
];

async function allEvaluations(controller: Controller, id: string): Promise<EvaluationView[]> {
  const out: EvaluationView[] = [];
  let cursor: string | undefined;
  do {
    const page = await controller.evaluations(id, { limit: '500', ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return out;
}

describe.each(stores)('the input log behind snapshots, on %s', (_name, open) => {
  it('keeps the other inputs and the gate rounds the evaluation log holds; a restart reads the same evaluations, counts and state', async () => {
    const store = open();
    const clock = new SimulatedClock(T0);
    const policy = policyOf(WATCHED);
    const world = fakeWorld(policy, clock);
    const first = new Controller({ policy, policyText: WATCHED, ports: world, store, clock });
    const { id } = await first.start({ version: 'v2' }, operator);
    await clock.advance(5 * HOUR, () => first.idle());
    await first.approve(id, 'ring-3', approver);
    await clock.advance(90 * HOUR, () => first.idle());
    const before = await first.get(id);
    expect(before.phase).toBe('completed');
    const evaluations = await allEvaluations(first, id);
    // Every gate round of 3 days of watching is counted; the log holds the newest of each series.
    expect(before.evaluationCounts.pass).toBeGreaterThan(4 * 72 * 12);
    expect(evaluations.length).toBeLessThan(before.evaluationCounts.pass);
    expect(evaluations.length).toBeGreaterThanOrEqual(8 * SERIES_RETENTION);
    await first.close();

    const kept = await store.inputs(id);
    const snapshot = await store.latestSnapshot(id);
    const recorded = Math.max(kept.at(-1)!.seq, snapshot!.seq);
    const types = (list: typeof kept) => new Set(list.map((i) => (i.input as { type: string }).type));
    // No tick behind the snapshot is left, and far fewer gate rounds than were recorded.
    expect(kept.filter((i) => i.seq < snapshot!.seq && (i.input as { type: string }).type === 'tick')).toEqual([]);
    expect(kept.length).toBeLessThan(recorded / 2);
    expect(types(kept)).toEqual(new Set(['start', 'claimed', 'deployed', 'health', 'gates', 'approval', 'tick']));
    expect(snapshotFromStore(snapshot!.state).evaluationCounts).not.toBeNull();

    const second = new Controller({ policy, policyText: WATCHED, ports: fakeWorld(policy, clock), store, clock });
    const after = await second.get(id);
    expect(after).toEqual(before);
    expect(await allEvaluations(second, id)).toEqual(evaluations);
    await second.close();
    await store.close();
  }, 60_000);

  it('reads a snapshot written before snapshots carried counts: the counts are those of the rounds it replays', async () => {
    const store = open();
    const clock = new SimulatedClock(T0);
    const policy = policyOf();
    const first = new Controller({ policy, policyText: BASE, ports: fakeWorld(policy, clock), store, clock });
    const { id } = await first.start({ version: 'v2' }, operator);
    await clock.advance(3 * HOUR, () => first.idle());
    const counts = (await first.get(id)).evaluationCounts;
    await first.close();
    // As an older Meridian saved it: the bare engine state.
    const latest = (await store.latestSnapshot(id))!;
    await store.saveSnapshot(id, latest.seq, snapshotFromStore(latest.state).state);
    const second = new Controller({ policy, policyText: BASE, ports: fakeWorld(policy, clock), store, clock });
    expect((await second.get(id)).evaluationCounts).toEqual(counts);
    await second.close();
    await store.close();
  });
});
