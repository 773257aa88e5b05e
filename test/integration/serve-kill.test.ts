/** @module A real `meridian serve` process killed with SIGKILL mid-release, twice, on simulated
 * providers at 600x: each restart on the same SQLite file resumes the release under the same id
 * without repeating a ring's deploy, the release carries on, SIGTERM shuts down cleanly (exit 0),
 * and `meridian audit verify` finds the audit log intact. Kills happen only while a ring bakes: the
 * simulated fleet lives in memory and starts afresh with each process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite/index.ts';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import type { Page, ReleaseSummary, ReleaseView } from '../../src/runtime/controller-types.ts';
import { killAll, pollUntil, startServe, type ServeProcess } from './support/serve-process.ts';
import { shopPolicy } from './support/shop-policy.ts';

const POLICY = shopPolicy();

let dir: string;
let token: string;
let db: string;
const SERVE_ARGS = (): string[] => ['--policy', join(dir, 'policy.yaml'), '--db', db, '--tokens', join(dir, 'tokens.json'), '--time-scale', '600', '--port', '0', '--work-dir', join(dir, 'work')];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-serve-kill-'));
  db = join(dir, 'meridian.db');
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  token = newToken();
  appendToken(join(dir, 'tokens.json'), { user: 'olga', groups: [], role: 'operator', hash: hashToken(token), createdAt: new Date().toISOString() });
});

afterEach(async () => {
  await killAll();
});

afterAll(async () => {
  await killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(server: ServeProcess, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function view(server: ServeProcess, id: string): Promise<ReleaseView> {
  const r = await call(server, `/api/v1/releases/${id}`);
  expect(r.status).toBe(200);
  return r.body as ReleaseView;
}

const ringStatus = (v: ReleaseView, ring: string): string => v.rings.find((r) => r.name === ring)!.status;
const statuses = (v: ReleaseView): string => `${v.phase}: ${v.rings.map((r) => `${r.name} ${r.status}`).join(', ')}`;
const count = (v: ReleaseView, type: string, ring: string): number => v.events.filter((e) => e.type === type && e.ring === ring).length;

/** Poll the release (every `intervalMs`, default 100 ms, up to 20 s) until `ready` holds. */
function until(server: ServeProcess, id: string, what: string, ready: (v: ReleaseView) => boolean, intervalMs = 100): Promise<ReleaseView> {
  return pollUntil(what, async () => {
    const v = await view(server, id);
    if (v.phase === 'halted' || v.phase === 'rolled-back') throw new Error(`the release stopped while waiting for ${what}: ${statuses(v)} (${v.haltReason ?? ''})\n${server.output()}`);
    return { done: ready(v) ? v : undefined, seen: statuses(v) };
  }, { timeoutMs: 20_000, intervalMs });
}

async function kill(server: ServeProcess): Promise<void> {
  const exit = await server.stop('SIGKILL');
  expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
}

/** `meridian audit verify --db D`, in-process: exit 0 and "audit log intact". */
async function verifyAudit(): Promise<void> {
  const io = memoryIo();
  const code = await main(['audit', 'verify', '--db', db], io);
  expect({ code, stderr: io.stderr() }).toEqual({ code: 0, stderr: expect.stringMatching(/^audit log intact: [1-9]\d* (entry|entries)\n$/) });
}

describe('meridian serve killed with SIGKILL mid-release', () => {
  it('resumes the release after each kill without repeating a ring, shuts down on SIGTERM, and keeps the audit log intact', async () => {
    const first = await startServe({ cwd: dir, args: SERVE_ARGS() });
    expect(first.service).toBe('shop');
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const started = await call(first, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
    expect(started.status).toBe(201);
    const { id } = started.body as { id: string };

    // Kill while ring-0 bakes (10m at 600x: about one second of real time, so look often).
    await until(first, id, 'ring-0 baking', (v) => ringStatus(v, 'ring-0') === 'baking', 50);
    await kill(first);
    // The killed process left its write-ahead log behind; the audit log reads intact all the same.
    await verifyAudit();

    const second = await startServe({ cwd: dir, args: SERVE_ARGS() });
    await second.waitForOutput(/store: SQLite at .*, 1 release\(s\) resumed/);
    const resumed = await view(second, id);
    expect(resumed.id).toBe(id);
    expect(count(resumed, 'ring.deploy.started', 'ring-0')).toBe(1);
    expect(ringStatus(resumed, 'ring-0')).toMatch(/^(baking|passed)$/);

    const onRing1 = await until(second, id, 'ring-1 deploying or baking', (v) => ['deploying', 'baking'].includes(ringStatus(v, 'ring-1')));
    expect(ringStatus(onRing1, 'ring-0')).toBe('passed');
    expect(count(onRing1, 'ring.deploy.started', 'ring-0')).toBe(1);
    expect(count(onRing1, 'ring.deploy.started', 'ring-1')).toBe(1);

    // Kill while ring-1 bakes.
    await until(second, id, 'ring-1 baking', (v) => ringStatus(v, 'ring-1') === 'baking');
    await kill(second);

    const third = await startServe({ cwd: dir, args: SERVE_ARGS() });
    await third.waitForOutput(/store: SQLite at .*, 1 release\(s\) resumed/);
    const again = await view(third, id);
    expect(again.id).toBe(id);
    expect(ringStatus(again, 'ring-1')).toMatch(/^(baking|passed)$/);
    expect([count(again, 'ring.deploy.started', 'ring-0'), count(again, 'ring.deploy.started', 'ring-1')]).toEqual([1, 1]);

    // And it goes on: ring-1 passes and ring-2 deploys, still each ring once.
    const onRing2 = await until(third, id, 'ring-2 deploying or baking', (v) => ['deploying', 'baking'].includes(ringStatus(v, 'ring-2')));
    expect(ringStatus(onRing2, 'ring-1')).toBe('passed');
    expect(['ring-0', 'ring-1', 'ring-2'].map((r) => count(onRing2, 'ring.deploy.started', r))).toEqual([1, 1, 1]);
    expect(['ring-0', 'ring-1'].map((r) => count(onRing2, 'ring.passed', r))).toEqual([1, 1]);
    expect(onRing2.events.filter((e) => e.type === 'release.started')).toHaveLength(1);
    const list = await call(third, '/api/v1/releases');
    expect((list.body as Page<ReleaseSummary>).items.map((v) => v.id)).toEqual([id]);

    const exit = await third.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(third.output()).toContain('meridian: shutting down');

    await verifyAudit();

    // Time only moves forward across the restarts: every recorded input is at or after the one before.
    const store = SqliteStore.open(db, { readonly: true });
    const times = (await store.inputs(id)).map(({ input }) => (input as { at: number }).at);
    await store.close();
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  }, 55_000);
});

describe('meridian serve killed with SIGKILL while a ring deploys (simulated providers)', () => {
  it('carries the deploy on after the restart instead of failing the ring', async () => {
    const db2 = join(dir, 'deploy-kill.db');
    const args = ['--policy', join(dir, 'policy.yaml'), '--db', db2, '--tokens', join(dir, 'tokens.json'), '--time-scale', '60', '--port', '0', '--work-dir', join(dir, 'work2')];
    const first = await startServe({ cwd: dir, args });
    const started = await call(first, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
    expect(started.status).toBe(201);
    const { id } = started.body as { id: string };
    // At 60x a deploy takes 5 s of real time: kill while ring-0 is still deploying.
    const deploying = await view(first, id);
    expect(ringStatus(deploying, 'ring-0')).toBe('deploying');
    await kill(first);

    const second = await startServe({ cwd: dir, args });
    const baking = await until(second, id, 'ring-0 healthy after the restart', (v) => ['baking', 'passed'].includes(ringStatus(v, 'ring-0')));
    expect(baking.events.filter((e) => e.type === 'ring.failed')).toEqual([]);
    expect(count(baking, 'ring.deploy.started', 'ring-0')).toBe(1);
    expect(count(baking, 'ring.deploy.completed', 'ring-0')).toBe(1);
    await second.stop('SIGTERM');
  }, 40_000);
});
