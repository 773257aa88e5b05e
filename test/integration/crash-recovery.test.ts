/** @module Crash recovery in-process, with real git and a real SQLite file: a controller "dies"
 * right after GitOps delivery pushed a ring's deploy (or rollback) commit and before the result was
 * recorded; a second controller on the same database, with a fresh working clone, recovers the
 * release, finds the pushed commit by its trailers instead of writing it again, and carries the
 * release to its end. Health is a small working fake: healthy once the commit is on the branch.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { tempDir, testEnv } from '../../src/adapters/gitops/testing.ts';
import { SqliteStore } from '../../src/adapters/sqlite/index.ts';
import { T0, fakeWorld } from '../../src/engine/fake-ports.test-helper.ts';
import type { EngineInput } from '../../src/engine/types.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/schema.ts';
import type { Delivery, DeliveryResult, Health, RingTarget } from '../../src/ports.ts';
import type { Actor, ReleaseView } from '../../src/runtime/controller-types.ts';
import { Controller } from '../../src/runtime/controller.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';
import { shopPolicy } from './support/shop-policy.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const operator: Actor = { user: 'olga', groups: [], role: 'operator' };
/** ring-2's region (eu-west-1) errs at 5% in the rollback case. */
let failEu = false;

/** Three rings with short bakes; ring-2 failing rolls back ring-2 then ring-1. */
function policyText(repo: string | null): string {
  return shopPolicy({ bakes: ['10m', '20m', '20m'], gate: 'max: 0.01, interval: 5m, warmup: 0m', ring2: 'onFailure: { rollback: [ring-1, ring-2] }', repo });
}


function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Fixture {
  dir: string;
  env: NodeJS.ProcessEnv;
  remote: string;
  text: string;
  policy: Policy;
  db: string;
}

async function fixture(): Promise<Fixture> {
  const dir = await tempDir('meridian-crash-');
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), loadPolicy(policyText(null), 'seed.yaml').policy, undefined, { env });
  const text = policyText(remote);
  return { dir, env, remote, text, policy: loadPolicy(text, 'crash.yaml').policy, db: join(dir, 'meridian.db') };
}

/** Health as Argo CD would report it for a GitOps commit: healthy once the commit is on the remote branch. */
function commitHealth(f: Fixture): Health {
  return {
    status: async (_target: RingTarget, ref: string) => {
      const r = await git(f.remote, ['merge-base', '--is-ancestor', ref, 'main'], f.env);
      return r.code === 0
        ? { healthy: true, failed: false, detail: `synced to ${ref.slice(0, 7)}` }
        : { healthy: false, failed: false, detail: `${ref.slice(0, 7)} is not on main` };
    },
    regionUp: async () => true,
  };
}

type Step = `${string}/${'deploy' | 'rollback'}`;

/**
 * One controller "process": its own SQLite connection, clock, working clone and GitOps adapter.
 * With `crashAfter`, the first delivery of that step pushes its commit and then never answers.
 */
function boot(f: Fixture, start: number, workDir: string, crashAfter?: Step) {
  const store = SqliteStore.open(f.db);
  const clock = new SimulatedClock(start);
  const errors: unknown[] = [];
  const gitLog: string[] = [];
  const world = fakeWorld(f.policy, clock, { errorRate: (region) => (region === 'eu-west-1' && failEu ? 0.05 : 0.001) });
  const real = new GitOpsDelivery(f.policy, { workDir: join(f.dir, workDir), env: f.env, logger: (l) => gitLog.push(l) });
  let signalCrash: () => void = () => {};
  const crashed = new Promise<void>((resolve) => { signalCrash = resolve; });
  let hasCrashed = false;
  const land = async (kind: 'deploy' | 'rollback', t: RingTarget): Promise<DeliveryResult> => {
    const result = await (kind === 'deploy' ? real.deploy(t) : real.rollback(t));
    if (crashAfter === `${t.ring}/${kind}` && !hasCrashed) {
      hasCrashed = true;
      signalCrash();
      return new Promise<never>(() => {}); // the process dies here: pushed, never recorded
    }
    return result;
  };
  const delivery: Delivery = { deploy: (t) => land('deploy', t), rollback: (t) => land('rollback', t) };
  const controller = new Controller({
    policy: f.policy, policyText: f.text, ports: { ...world, delivery, health: commitHealth(f) }, store, clock, onError: (e) => errors.push(e),
  });
  /** Move time on, letting the controller settle after each timer (or stop waiting once it "died"). */
  const advance = (ms: number): Promise<void> => clock.advance(ms, () => Promise.race([controller.idle(), crashed]));
  /** Advance one minute at a time until the crash point is reached (bounded). */
  const untilCrash = async (limit: number): Promise<void> => {
    for (let waited = 0; !hasCrashed; waited += MINUTE) {
      if (waited > limit) throw new Error(`${crashAfter} never happened within ${limit / MINUTE} minutes`);
      await advance(MINUTE);
    }
  };
  return { store, clock, controller, advance, untilCrash, errors, gitLog };
}

const open: SqliteStore[] = [];
const dirs: string[] = [];

afterEach(async () => {
  failEu = false;
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** `release | step` of every Meridian commit on the remote branch, oldest first. */
async function steps(f: Fixture): Promise<string[]> {
  const r = await git(f.remote, ['log', '--reverse', '--format=%(trailers:key=Meridian-Release,valueonly,separator=%x2c)|%(trailers:key=Meridian-Step,valueonly,separator=%x2c)', 'main'], f.env);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '|').map((l) => l.trim());
}

async function shaOf(f: Fixture, id: string, step: Step): Promise<string[]> {
  const r = await git(f.remote, ['log', '--format=%H %(trailers:key=Meridian-Release,valueonly,separator=%x2c) %(trailers:key=Meridian-Step,valueonly,separator=%x2c)', 'main'], f.env);
  return r.stdout.split('\n').filter((l) => l.endsWith(` ${id} ${step}`)).map((l) => l.split(' ')[0]!);
}

const count = (v: ReleaseView, type: string, ring: string): number => v.events.filter((e) => e.type === type && e.ring === ring).length;
const statuses = (v: ReleaseView): string[] => v.rings.map((r) => `${r.name} ${r.status}`);

async function recorded(store: SqliteStore, id: string, type: EngineInput['type'], ring: string): Promise<EngineInput[]> {
  return (await store.inputs(id)).map((i) => i.input as EngineInput).filter((i) => i.type === type && 'ring' in i && i.ring === ring);
}

describe('a release survives a crash between a pushed commit and its recorded result', () => {
  it('a deploy of ring-1 pushed before the crash is found again after the restart, not pushed twice, and the release completes', async () => {
    const f = await fixture();
    dirs.push(f.dir);

    const first = boot(f, T0, 'work-1', 'ring-1/deploy');
    open.push(first.store);
    const { id } = await first.controller.start({ version: 'v2.1.0', revision: 'release/v2.1.0' }, operator);
    await first.untilCrash(2 * HOUR);
    // Dead: ring-1's commit is on the remote, its result is not in the database.
    expect(await steps(f)).toEqual([`${id}|ring-0/deploy`, `${id}|ring-1/deploy`]);
    expect(await recorded(first.store, id, 'deployed', 'ring-1')).toEqual([]);
    expect(first.errors).toEqual([]);

    const second = boot(f, first.clock.now() + 30_000, 'work-2');
    open.push(second.store);
    const before = await second.controller.get(id);
    expect(statuses(before)).toEqual(['ring-0 passed', 'ring-1 deploying', 'ring-2 pending']);
    expect(await second.controller.recover()).toBe(1);
    await second.advance(0);
    const pushed = await shaOf(f, id, 'ring-1/deploy');
    expect(pushed).toHaveLength(1);
    expect(second.gitLog).toContain(`shop v2.1.0: deploy ring-1 (ap-south-1): already on main as ${pushed[0]!.slice(0, 7)}`);
    expect(await recorded(second.store, id, 'deployed', 'ring-1')).toMatchObject([{ ref: pushed[0] }]);

    await second.advance(25 * MINUTE);
    const mid = await second.controller.get(id);
    expect(statuses(mid)).toEqual(['ring-0 passed', 'ring-1 passed', 'ring-2 baking']);

    await second.advance(HOUR);
    const view = await second.controller.get(id);
    expect(view.phase).toBe('completed');
    expect(statuses(view)).toEqual(['ring-0 passed', 'ring-1 passed', 'ring-2 passed']);
    expect(await steps(f)).toEqual([`${id}|ring-0/deploy`, `${id}|ring-1/deploy`, `${id}|ring-2/deploy`]);
    for (const ring of ['ring-0', 'ring-1', 'ring-2']) {
      expect(count(view, 'ring.deploy.started', ring)).toBe(1);
      expect(count(view, 'ring.deploy.completed', ring)).toBe(1);
      expect(count(view, 'ring.passed', ring)).toBe(1);
    }
    const types = view.events.map((e) => `${e.type}${e.ring ? ` ${e.ring}` : ''}`);
    expect(types.indexOf('ring.passed ring-1')).toBeLessThan(types.indexOf('ring.deploy.started ring-2'));
    expect(view.versions).toMatchObject({ internal: 'v2.1.0', 'ap-south-1': 'v2.1.0', 'eu-west-1': 'v2.1.0' });
    expect(second.errors).toEqual([]);
  });

  it('a rollback of ring-2 pushed before the crash is found again after the restart, not reverted twice, and the rollback completes', async () => {
    const f = await fixture();
    dirs.push(f.dir);
    failEu = true;

    const first = boot(f, T0, 'work-1', 'ring-2/rollback');
    open.push(first.store);
    const { id } = await first.controller.start({ version: 'v2.1.0', revision: 'release/v2.1.0' }, operator);
    await first.untilCrash(3 * HOUR);
    expect(await steps(f)).toEqual([`${id}|ring-0/deploy`, `${id}|ring-1/deploy`, `${id}|ring-2/deploy`, `${id}|ring-2/rollback`]);
    expect(await recorded(first.store, id, 'rolled-back', 'ring-2')).toEqual([]);
    expect(first.errors).toEqual([]);

    const second = boot(f, first.clock.now() + 30_000, 'work-2');
    open.push(second.store);
    const before = await second.controller.get(id);
    expect(before.phase).toBe('rolling-back');
    expect(statuses(before)).toEqual(['ring-0 passed', 'ring-1 passed', 'ring-2 rolling-back']);
    expect(await second.controller.recover()).toBe(1);
    await second.advance(0);
    const reverted = await shaOf(f, id, 'ring-2/rollback');
    expect(reverted).toHaveLength(1);
    expect(second.gitLog).toContain(`shop v2.1.0: rollback ring-2 (eu-west-1): already on main as ${reverted[0]!.slice(0, 7)}`);
    expect(await recorded(second.store, id, 'rolled-back', 'ring-2')).toMatchObject([{ ref: reverted[0] }]);

    await second.advance(HOUR);
    const view = await second.controller.get(id);
    expect(view.phase).toBe('rolled-back');
    expect(statuses(view)).toEqual(['ring-0 passed', 'ring-1 rolled-back', 'ring-2 rolled-back']);
    expect(await steps(f)).toEqual([
      `${id}|ring-0/deploy`, `${id}|ring-1/deploy`, `${id}|ring-2/deploy`, `${id}|ring-2/rollback`, `${id}|ring-1/rollback`,
    ]);
    for (const ring of ['ring-2', 'ring-1']) {
      expect(count(view, 'ring.rollback.started', ring)).toBe(1);
      expect(count(view, 'ring.rollback.completed', ring)).toBe(1);
    }
    expect(count(view, 'ring.failed', 'ring-2')).toBe(1);
    expect(view.versions).toMatchObject({ internal: 'v2.1.0', 'ap-south-1': 'unknown', 'eu-west-1': 'unknown' });
    // The two reverts put the ApplicationSet back as ring-0's deploy left it.
    const diff = await git(f.remote, ['diff', '--stat', `${(await shaOf(f, id, 'ring-0/deploy'))[0]}`, 'main'], f.env);
    expect([diff.code, diff.stdout]).toEqual([0, '']);
    expect(second.errors).toEqual([]);
  });
});
