import { describe, expect, it } from 'vitest';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { ConflictError, ForbiddenError, NotFoundError, UsageError } from '../errors.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import type { Store } from '../ports.ts';
import type { Actor } from './controller-types.ts';
import { Controller } from './controller.ts';
import { MemoryStore } from './memory-store.ts';
import { SimulatedClock } from './simulated-clock.ts';

const operator: Actor = { user: 'olga', groups: [], role: 'operator' };
const approver: Actor = { user: 'bob', groups: ['release-team'], role: 'viewer' };
const admin: Actor = { user: 'root', groups: ['admins'], role: 'admin' };

function setup(store: Store = new MemoryStore(), clock = new SimulatedClock(T0)) {
  const policy = policyOf();
  const world = fakeWorld(policy, clock);
  const controller = new Controller({ policy, policyText: BASE, ports: world, store, clock });
  const advance = (ms: number) => clock.advance(ms, () => controller.idle());
  return { policy, world, controller, store, clock, advance };
}

describe('the controller', () => {
  it('runs a release in time: deploys ring 0 at once and ring 1 after its bake', async () => {
    const { controller, world, advance } = setup();
    const { id } = await controller.start({ version: 'v2' }, operator);
    await advance(0);
    expect(world.log).toEqual(['deploy ring-0 v2']);
    await advance(HOUR + 2 * MINUTE);
    expect(world.log).toEqual(['deploy ring-0 v2', 'deploy ring-1 v2']);
    const view = await controller.get(id);
    expect(view.rings.map((r) => r.status)).toEqual(['passed', 'baking', 'pending', 'pending']);
    expect((await controller.evaluations(id, {})).items.length).toBeGreaterThan(0);
    expect(view.versions).toMatchObject({ internal: 'v2', 'ap-south-1': 'v2', 'eu-west-1': 'unknown' });
  });

  it('allows one release per service at a time (a second start is a conflict naming the first)', async () => {
    const { controller } = setup();
    const { id } = await controller.start({ version: 'v2' }, operator);
    await expect(controller.start({ version: 'v3' }, operator)).rejects.toThrow(ConflictError);
    await expect(controller.start({ version: 'v3' }, operator)).rejects.toThrow(id);
  });

  it('refuses an approval from a non-approver, even an admin, and records it; accepts a group member', async () => {
    const { controller, store, advance, world } = setup();
    const { id } = await controller.start({ version: 'v2' }, operator);
    await advance(5 * HOUR);
    expect((await controller.get(id)).rings[3]!.status).toBe('awaiting-approval');
    await expect(controller.approve(id, 'ring-3', admin)).rejects.toThrow(new ForbiddenError('root is not an approver of ring-3'));
    await controller.approve(id, 'ring-3', approver);
    await advance(2 * HOUR);
    expect(world.log.at(-1)).toBe('deploy ring-3 v2');
    expect((await controller.get(id)).phase).toBe('completed');
    const audit = await store.audit();
    expect(audit.map((a) => `${a.actor} ${a.action} ${a.outcome}`)).toEqual([
      'olga release.start ok', 'root release.approve ring-3 refused', 'bob release.approve ring-3 ok',
    ]);
  });

  it('resumes after a restart without repeating a step: a new controller on the same store carries on', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    const first = setup(store, clock);
    const { id } = await first.controller.start({ version: 'v2' }, operator);
    await first.advance(30 * MINUTE);
    await first.controller.close();
    expect(first.world.log).toEqual(['deploy ring-0 v2']);

    const second = setup(store, clock);
    expect(await second.controller.recover()).toBe(1);
    await second.advance(HOUR);
    expect(second.world.log).toEqual(['deploy ring-1 v2']);
    expect((await second.controller.get(id)).rings[0]!.status).toBe('passed');
  });

  it('re-asks delivery for a deploy whose result was never recorded (delivery is idempotent per step)', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    const policy = policyOf();
    const world = fakeWorld(policy, clock);
    let crash = true;
    let asked = 0;
    const crashing = { ...world, delivery: { ...world.delivery, deploy: async () => { asked++; if (crash) return new Promise<never>(() => {}); return world.delivery.deploy({ ring: 'ring-0', version: 'v2' } as never); } } };
    const c1 = new Controller({ policy, policyText: BASE, ports: crashing, store, clock });
    await c1.start({ version: 'v2' }, operator);
    while (asked === 0) await new Promise((r) => setImmediate(r));
    // The deploy never answers: the process "dies" here, with the deploy asked but not recorded.
    crash = false;
    const c2 = new Controller({ policy, policyText: BASE, ports: crashing, store, clock });
    await c2.recover();
    await clock.advance(2 * MINUTE, () => c2.idle());
    expect(world.log).toEqual(['deploy ring-0 v2']);
  });

  it('says when a release does not exist and refuses a resume of a running release', async () => {
    const { controller } = setup();
    await expect(controller.get('nope')).rejects.toThrow(new NotFoundError('release "nope" not found'));
    const { id } = await controller.start({ version: 'v2' }, operator);
    await expect(controller.resume(id, operator)).rejects.toThrow(new ConflictError('release is running, not halted'));
  });

  it('refuses schema and app changes in one release before creating anything', async () => {
    const { controller, store } = setup();
    await expect(controller.start({ version: 'v2', changes: ['schema', 'app'] }, operator)).rejects.toThrow(UsageError);
    expect(await store.listReleases()).toEqual([]);
  });

  it('tells subscribers about every engine event as it happens', async () => {
    const { controller, advance } = setup();
    const seen: string[] = [];
    controller.subscribe('*', (e) => seen.push(`${e.event.type}${e.event.ring ? ` ${e.event.ring}` : ''}`));
    await controller.start({ version: 'v2' }, operator);
    await advance(2 * MINUTE);
    expect(seen).toEqual(['release.started', 'ring.deploy.started ring-0', 'ring.deploy.completed ring-0']);
  });

  it('rebuilds a release from its latest snapshot and the inputs after it, to the same state as a full replay', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    const first = setup(store, clock);
    const { id } = await first.controller.start({ version: 'v2' }, operator);
    await first.advance(3 * HOUR);
    const snapshot = await store.latestSnapshot(id);
    expect(snapshot?.seq).toBeGreaterThanOrEqual(50);
    // Inputs after the snapshot are replayed onto it (those it sums up may have been deleted: compaction.test.ts).
    expect((await store.inputs(id, snapshot!.seq)).length).toBeGreaterThan(0);
    const before = await first.controller.get(id);
    await first.controller.close();
    const second = setup(store, clock);
    expect(await second.controller.get(id)).toEqual(before);
  });

  it('compares each region over the time since it last changed version, never mixing versions', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    const policy = policyOf();
    const windows: Record<string, string> = {};
    const world = fakeWorld(policy, clock);
    const metrics = { ...world.metrics, value: async (q: { region: string; metric: string }, from: number, to: number) => { if (q.metric === 'error_rate') windows[q.region] = `${(to - from) / 60_000}m`; return 0.001; } };
    const controller = new Controller({ policy, policyText: BASE, ports: { ...world, metrics }, store, clock });
    const { id } = await controller.start({ version: 'v2' }, operator);
    await clock.advance(HOUR + 22 * MINUTE, () => controller.idle());
    windows['ap-south-1'] = '';
    const rows = await controller.comparison(id);
    expect(rows.find((r) => r.region === 'ap-south-1')).toMatchObject({ version: 'v2', status: 'Watch' });
    // ring-1 (ap-south-1) became healthy at T0+1h02: 20 minutes ago. The others: the whole hour.
    expect(windows).toMatchObject({ 'ap-south-1': '20m', 'eu-west-1': '60m', 'us-east-1': '60m' });
  });

  it('does not resume, after a restart, a release that started under another policy, and says why', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    const first = setup(store, clock);
    const { id } = await first.controller.start({ version: 'v2' }, operator);
    await first.advance(10 * MINUTE);
    await first.controller.close();

    const policy = policyOf(BASE.replace('bake: 2h', 'bake: 3h'));
    const errors: string[] = [];
    const world = fakeWorld(policy, clock);
    const controller = new Controller({ policy, policyText: BASE.replace('bake: 2h', 'bake: 3h'), ports: world, store, clock, onError: (e) => errors.push(String((e as Error).message)) });
    expect(await controller.recover()).toBe(0);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^release ${id} started under another policy \\(digest [0-9a-f]{16}; the policy in force is [0-9a-f]{16}\\): restart with that policy to go on, or abort it: it is not resumed$`))]);
    await expect(controller.resume(id, operator)).rejects.toThrow(ConflictError);
    await controller.abort(id, operator);
    expect((await controller.get(id)).phase).toBe('aborted');
  });
});

describe('the progress deadline under scaled time', () => {
  it('does not count the time delivery itself takes: a push that moves a 600x clock by 35 minutes does not fail the ring', async () => {
    const clock = new SimulatedClock(T0);
    const policy = policyOf();
    const world = fakeWorld(policy, clock);
    const appliedAt: Record<string, number> = {};
    const delivery = {
      deploy: async (t: Parameters<typeof world.delivery.deploy>[0]) => {
        // At 600x, 3.5 s of git push and fetch-rebase retries is 35 virtual minutes: timers fire meanwhile.
        if (t.ring === 'ring-1') await clock.advance(35 * MINUTE);
        appliedAt[t.ring] = clock.now();
        return world.delivery.deploy(t);
      },
      rollback: world.delivery.rollback,
    };
    // Like the simulated fleet: healthy five minutes after the commit is applied.
    const health = {
      status: async (t: { ring: string }) => (clock.now() - (appliedAt[t.ring] ?? Infinity) >= 5 * MINUTE
        ? { healthy: true, failed: false, detail: 'Synced, Healthy' } : { healthy: false, failed: false, detail: 'Progressing' }),
    };
    const controller = new Controller({ policy, policyText: BASE, ports: { ...world, delivery, health }, store: new MemoryStore(), clock });
    const { id } = await controller.start({ version: 'v2' }, operator);
    await clock.advance(3 * HOUR, () => controller.idle());
    const view = await controller.get(id);
    expect(view.events.filter((e) => e.type === 'ring.failed')).toEqual([]);
    expect(view.rings.map((r) => r.status).slice(0, 2)).toEqual(['passed', 'baking']);
  });

  it('still fails a ring that is not healthy for the whole deadline after it was applied', async () => {
    const clock = new SimulatedClock(T0);
    const policy = policyOf();
    const world = fakeWorld(policy, clock, { healthy: (t) => t.ring !== 'ring-1' });
    const controller = new Controller({ policy, policyText: BASE, ports: world, store: new MemoryStore(), clock });
    const { id } = await controller.start({ version: 'v2' }, operator);
    await clock.advance(4 * HOUR, () => controller.idle());
    const failed = (await controller.get(id)).events.find((e) => e.type === 'ring.failed');
    expect(failed).toMatchObject({ ring: 'ring-1', detail: 'not synced and healthy 30m after deploy: Progressing; downstream rings will not be deployed' });
  });
});

describe('the audit log of a person signed in through the identity provider', () => {
  it('names the user and who the provider says they are, on every entry of theirs', async () => {
    const { controller, store, advance } = setup();
    const idp = { issuer: 'https://idp.example.com/realms/acme', subject: '248289761001', name: 'Olga Ivanova' };
    const { id } = await controller.start({ version: 'v2' }, { ...operator, idp });
    await advance(5 * HOUR);
    await controller.approve(id, 'ring-3', { ...approver, idp: { ...idp, subject: '1002', name: null } });
    await expect(controller.approve(id, 'ring-3', { ...admin, idp: { ...idp, subject: '7', name: 'Root' } })).rejects.toThrow(ForbiddenError);
    expect((await store.audit()).map((a) => `${a.actor} ${a.action} ${a.outcome}`)).toEqual([
      'olga (Olga Ivanova, subject 248289761001 at https://idp.example.com/realms/acme) release.start ok',
      'bob (subject 1002 at https://idp.example.com/realms/acme) release.approve ring-3 ok',
      'root (Root, subject 7 at https://idp.example.com/realms/acme) release.approve ring-3 refused',
    ]);
  });
});
