/**
 * @module Tests of the controller recording a version that failed: when a ring fails (and only
 * then), for a release resumed after a restart too, once however often it is recorded; and what a
 * forced start keeps across a restart.
 */
import { describe, expect, it } from 'vitest';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { ConflictError } from '../errors.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import type { Store } from '../ports.ts';
import type { Actor } from './controller-types.ts';
import { Controller } from './controller.ts';
import { MemoryStore } from './memory-store.ts';
import { SimulatedClock } from './simulated-clock.ts';

const operator: Actor = { user: 'olga', groups: [], role: 'operator' };

/** A controller on `store` whose regions report `rate()` as their error rate. */
function setup(store: Store, clock: SimulatedClock, rate: () => number) {
  const policy = policyOf();
  const world = fakeWorld(policy, clock, { errorRate: () => rate() });
  const controller = new Controller({ policy, policyText: BASE, ports: world, store, clock });
  return { controller, advance: (ms: number) => clock.advance(ms, () => controller.idle()) };
}

describe('the controller records a version that failed', () => {
  it('when a ring fails its gate: the service, version, release, time and what failed', async () => {
    const store = new MemoryStore();
    const { controller, advance } = setup(store, new SimulatedClock(T0), () => 0.05);
    const { id } = await controller.start({ version: 'v2' }, operator);
    await advance(HOUR);
    const failed = (await controller.get(id)).events.find((e) => e.type === 'ring.failed')!;
    expect(await store.failedVersion('shop', 'v2')).toEqual({
      service: 'shop', version: 'v2', releaseId: id, at: Date.parse(failed.at), reason: `ring ring-0: gate ${failed.detail!.replace('; downstream rings will not be deployed', '')}`,
    });
    expect(await store.failedVersion('shop', 'v1')).toBeNull();
  });

  it('not when a person rolls back or aborts a healthy release', async () => {
    const store = new MemoryStore();
    const { controller, advance } = setup(store, new SimulatedClock(T0), () => 0.001);
    const { id } = await controller.start({ version: 'v2' }, operator);
    await advance(2 * HOUR);
    await controller.rollback(id, operator);
    await advance(30 * MINUTE);
    expect((await controller.get(id)).phase).toBe('rolled-back');
    const { id: next } = await controller.start({ version: 'v3' }, operator);
    await advance(10 * MINUTE);
    await controller.abort(next, operator);
    expect([await store.failedVersion('shop', 'v2'), await store.failedVersion('shop', 'v3')]).toEqual([null, null]);
    await expect(controller.start({ version: 'v2' }, operator)).resolves.toMatchObject({ id: expect.stringMatching(/^shop-v2-/) });
  });

  it('for a release resumed after a restart, when its ring fails under the new controller', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    let rate = 0.001;
    const first = setup(store, clock, () => rate);
    const { id } = await first.controller.start({ version: 'v2' }, operator);
    await first.advance(30 * MINUTE);
    await first.controller.close();
    const second = setup(store, clock, () => rate);
    expect(await second.controller.recover()).toBe(1);
    rate = 0.05;
    await second.advance(HOUR);
    expect((await second.controller.get(id)).phase).toBe('rolled-back');
    expect((await store.failedVersion('shop', 'v2'))?.releaseId).toBe(id);
  });

  it('when the process stopped after recording the failure but before recording the version: on recovery, once', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    // The first process records the ring's failure in the release's log, then stops before the failed version is written.
    const record = store.recordFailedVersion.bind(store);
    store.recordFailedVersion = async () => {};
    const first = setup(store, clock, () => 0.05);
    let closing: Promise<void> | undefined;
    first.controller.subscribe('*', (e) => { if (e.event.type === 'ring.failed') closing = first.controller.close(); });
    const { id } = await first.controller.start({ version: 'v2' }, operator);
    await first.advance(HOUR);
    await closing;
    expect((await store.getRelease(id))?.phase).toBe('rolling-back');
    expect(await store.failedVersion('shop', 'v2')).toBeNull();

    store.recordFailedVersion = record;
    const second = setup(store, clock, () => 0.05);
    await second.controller.recover();
    const recorded = await store.failedVersion('shop', 'v2');
    expect(recorded?.releaseId).toBe(id);
    // A second restart records it again: harmless, the first record stays.
    await second.controller.close();
    const third = setup(store, clock, () => 0.001);
    await third.controller.recover();
    await third.advance(HOUR);
    expect(await store.failedVersion('shop', 'v2')).toEqual(recorded);
    expect(await store.failedVersions([{ service: 'shop', version: 'v2' }])).toEqual([recorded]);
    await expect(third.controller.start({ version: 'v2' }, operator)).rejects.toThrow(ConflictError);
  });
});

describe('a forced start', () => {
  it('is kept across a restart: the view and its events still say it was forced', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    const first = setup(store, clock, () => 0.05);
    const { id: bad } = await first.controller.start({ version: 'v2' }, operator);
    await first.advance(HOUR);
    const { id } = await first.controller.start({ version: 'v2', force: true, reason: '  the spike was the payments provider  ' }, operator);
    const before = await first.controller.get(id);
    expect(before.forced).toMatchObject({ by: 'olga', reason: 'the spike was the payments provider', failedRelease: bad });
    await first.controller.close();

    const second = setup(store, clock, () => 0.001);
    await second.controller.recover();
    const after = await second.controller.get(id);
    expect(after.forced).toEqual(before.forced);
    expect(after.events[1]).toEqual({ at: after.startedAt, type: 'release.forced', detail: `by olga although v2 failed in release ${bad}; reason: the spike was the payments provider` });
    // A release that was not forced says so.
    expect((await second.controller.get(bad)).forced).toBeNull();
  });

  it('tells live subscribers, right after release.started', async () => {
    const store = new MemoryStore();
    const { controller, advance } = setup(store, new SimulatedClock(T0), () => 0.05);
    await controller.start({ version: 'v2' }, operator);
    await advance(HOUR);
    const seen: string[] = [];
    controller.subscribe('*', (e) => seen.push(e.event.type));
    await controller.start({ version: 'v2', force: true, reason: 'fixed upstream' }, operator);
    expect(seen.slice(0, 2)).toEqual(['release.started', 'release.forced']);
  });
});
