/** @module The operator finishes the job after a failed release, with real git and a real SQLite
 * file: ring-2 fails and its policy rolls back ring-2 alone, so the release ends `rolled-back` with
 * ap-south-1 still on the new version. The release says so in plain words, and `rollback --ring
 * ring-1` on the finished release writes one more `git revert` commit, is audited, and leaves every
 * region on the previous version. A later release of the service, or a region changed since, makes
 * such a rollback refused with the reason.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { tempDir, testEnv } from '../../src/adapters/gitops/testing.ts';
import { SqliteStore } from '../../src/adapters/sqlite/index.ts';
import { T0, fakeWorld } from '../../src/engine/fake-ports.test-helper.ts';
import { ConflictError } from '../../src/errors.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Health } from '../../src/ports.ts';
import type { Actor } from '../../src/runtime/controller-types.ts';
import { Controller } from '../../src/runtime/controller.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';
import { shopPolicy } from './support/shop-policy.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const operator: Actor = { user: 'olga', groups: [], role: 'operator' };

/** ring-2 failing rolls back ring-2 alone, leaving ring-1 on the new version. */
function policyText(repo: string | null): string {
  return shopPolicy({ bakes: ['10m', '20m', '20m'], gate: 'max: 0.01, interval: 5m, warmup: 0m', ring2: 'onFailure: { rollback: [ring-2] }', repo });
}


function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env }, (error, stdout) => resolve({ code: error ? 1 : 0, stdout }));
  });
}

const dirs: string[] = [];
const stores: SqliteStore[] = [];
const controllers: Controller[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.close();
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A controller on a fresh SQLite file; with `shared`, on the GitOps repository of an earlier setup. */
async function setup(shared?: string) {
  const dir = shared ?? (await tempDir('meridian-finish-'));
  if (!shared) dirs.push(dir);
  const env = testEnv(dir);
  const n = shared ? 2 : 1;
  const remote = shared ? join(dir, 'remote', 'gitops.git') : await initDemoRepo(join(dir, 'remote'), loadPolicy(policyText(null), 'seed.yaml').policy, undefined, { env });
  const text = policyText(remote);
  const policy = loadPolicy(text, 'finish.yaml').policy;
  const store = SqliteStore.open(join(dir, `meridian-${n}.db`));
  stores.push(store);
  const clock = new SimulatedClock(T0);
  let euOnNew = false;
  const world = fakeWorld(policy, clock, { errorRate: (region) => (region === 'eu-west-1' && euOnNew ? 0.05 : 0.001) });
  const real = new GitOpsDelivery(policy, { workDir: join(dir, `work-${n}`), env });
  const delivery = {
    versions: real.versions.bind(real),
    deploy: async (t: Parameters<typeof real.deploy>[0]) => { const r = await real.deploy(t); if (t.ring === 'ring-2') euOnNew = true; return r; },
    rollback: async (t: Parameters<typeof real.rollback>[0]) => { const r = await real.rollback(t); if (t.ring === 'ring-2') euOnNew = false; return r; },
  };
  const health: Health = {
    status: async (_t, ref) => ((await git(remote, ['merge-base', '--is-ancestor', ref, 'main'], env)).code === 0
      ? { healthy: true, failed: false, detail: 'synced' } : { healthy: false, failed: false, detail: 'not on main' }),
  };
  const controller = new Controller({ policy, policyText: text, ports: { ...world, delivery, health }, store, clock });
  controllers.push(controller);
  const advance = (ms: number) => clock.advance(ms, () => controller.idle());
  const steps = async (): Promise<string[]> => {
    const r = await git(remote, ['log', '--reverse', '--format=%s|%(trailers:key=Meridian-Step,valueonly)', 'main'], env);
    return r.stdout.split('\n').filter((l) => l.includes('|') && !l.endsWith('|')).map((l) => l.trim());
  };
  return { controller, store, advance, steps, dir };
}

describe('after a failed release, the operator can finish the job', () => {
  it('rolls back a ring still on the new version from a rolled-back release: one more git revert, audited', async () => {
    const { controller, store, advance, steps } = await setup();
    const { id } = await controller.start({ version: 'v2.1.0', revision: 'release/v2.1.0' }, operator);
    await advance(3 * HOUR);
    const failed = await controller.get(id);
    expect(failed.phase).toBe('rolled-back');
    expect(failed.versions['ap-south-1']).toBe('v2.1.0');
    expect(failed.leftBehind).toBe(`internal (ring-0), ap-south-1 (ring-1) still run v2.1.0; roll back with: meridian release rollback ${id} [--ring ring-1|ring-0]`);
    expect(failed.actions).toEqual({ approve: [], resume: false, abort: false, rollback: ['ring-1', 'ring-0'] });

    await controller.rollback(id, operator, 'ring-1');
    await advance(10 * MINUTE);
    const done = await controller.get(id);
    expect(done.phase).toBe('rolled-back');
    expect(done.versions).toMatchObject({ 'ap-south-1': 'unknown', 'eu-west-1': 'unknown' });
    expect(done.leftBehind).toBe(`internal (ring-0) still runs v2.1.0; roll back with: meridian release rollback ${id} [--ring ring-0]`);
    expect(done.rings.map((r) => `${r.name} ${r.status}`)).toEqual(['ring-0 passed', 'ring-1 rolled-back', 'ring-2 rolled-back']);
    const history = await steps();
    expect(history.slice(-2).map((s) => s.split('|')[1])).toEqual(['ring-2/rollback', 'ring-1/rollback']);
    expect(history.at(-1)).toBe('shop v2.1.0: rollback ring-1 (ap-south-1)|ring-1/rollback');
    const audit = (await store.audit()).map((a) => `${a.actor} ${a.action} ${a.outcome}`);
    expect(audit.at(-1)).toBe('olga release.rollback ring-1 ok');
    // Nothing left to roll back in ring 1: said so, and audited.
    await expect(controller.rollback(id, operator, 'ring-1')).rejects.toThrow(new ConflictError('ring "ring-1" does not run v2.1.0; nothing to roll back'));
  });

  it('refuses to roll back a finished release once a later release of the service has started', async () => {
    const { controller, advance } = await setup();
    const { id } = await controller.start({ version: 'v2.1.0', revision: 'release/v2.1.0' }, operator);
    await advance(3 * HOUR);
    expect((await controller.get(id)).phase).toBe('rolled-back');
    const { id: next } = await controller.start({ version: 'v2.1.1', revision: 'release/v2.1.1' }, operator);
    await expect(controller.rollback(id, operator, 'ring-1')).rejects.toThrow(new ConflictError(`release ${next} of shop is in progress: roll back through it, or abort it first`));
    await advance(5 * MINUTE);
    await controller.abort(next, operator);
    // The later release put v2.1.1 on internal: the first release no longer rolls ring-0 back...
    await expect(controller.rollback(id, operator, 'ring-0')).rejects.toThrow(
      new ConflictError(`internal now runs v2.1.1, not v2.1.0: a later release changed it, so ${id} no longer rolls it back`),
    );
    // ...but ring-1, which nothing touched since, it still does.
    await controller.rollback(id, operator, 'ring-1');
    await advance(10 * MINUTE);
    expect((await controller.get(id)).versions['ap-south-1']).toBe('unknown');
  });
});

describe('a fresh database', () => {
  it('reads what each region runs from the GitOps repository instead of saying "unknown"', async () => {
    const first = await setup();
    const { id } = await first.controller.start({ version: 'v2.1.0', revision: 'release/v2.1.0' }, operator);
    await first.advance(3 * HOUR);
    expect((await first.controller.get(id)).phase).toBe('rolled-back');
    // A new server with an empty database, on the same GitOps repository.
    const second = await setup(first.dir);
    const { id: next } = await second.controller.start({ version: 'v2.1.1', revision: 'release/v2.1.1' }, operator);
    const view = await second.controller.get(next);
    expect(view.previousVersion).toBe('v2.1.0');
    expect(view.events[0]!.detail).toBe('shop v2.1.1 (from v2.1.0)');
    // eu-west-1 was rolled back to what the first release knew it ran: nothing recorded then either.
    expect(view.versions).toMatchObject({ internal: 'v2.1.0', 'ap-south-1': 'v2.1.0', 'eu-west-1': 'unknown' });
  });
});
