import { describe, expect, it } from 'vitest';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { releaseAnalytics } from './analytics.ts';
import { Controller } from './controller.ts';
import { MemoryStore } from './memory-store.ts';
import { SimulatedClock } from './simulated-clock.ts';

describe('release analytics', () => {
  it('measures lead time, detection, rollback and the change failure rate from what releases recorded', async () => {
    const policy = policyOf();
    const clock = new SimulatedClock(T0);
    let failing = false;
    const world = fakeWorld(policy, clock, {
      errorRate: (region) => (failing && region === 'eu-west-1' ? 0.05 : 0.001),
      approvals: {},
    });
    const store = new MemoryStore();
    const controller = new Controller({ policy, policyText: BASE, ports: world, store, clock });
    const advance = (ms: number) => clock.advance(ms, () => controller.idle());
    const op = { user: 'olga', groups: ['release-team'], role: 'operator' as const };

    // A good release: approved, completed.
    const good = await controller.start({ version: 'v2' }, op);
    await advance(4 * HOUR + 10 * MINUTE);
    await controller.approve(good.id, 'ring-3', op);
    await advance(2 * HOUR);
    // A bad one: ring-2 fails and ring-1 and ring-2 are rolled back.
    failing = true;
    await controller.start({ version: 'v3' }, op);
    await advance(6 * HOUR);

    const views = await Promise.all((await controller.list()).items.map((r) => controller.get(r.id)));
    const a = releaseAnalytics(views, policy.spec.rings.map((r) => r.name));
    expect(a).toMatchObject({ releases: 2, completed: 1, rolledBack: 1, changeFailureRate: 0.5 });
    expect(a.leadTimeHours.n).toBe(1);
    // Healthy, 10m warmup, then two failing 5-minute checks in a row (failures: 2): caught 20 minutes in.
    expect(a.detectMinutes).toEqual({ n: 1, median: 20 });
    expect(a.rollbackMinutes).toEqual({ n: 2, median: 1 });
    expect(a.rings.map((r) => [r.ring, r.deployed, r.passed, r.failed])).toEqual([
      ['ring-0', 2, 2, 0], ['ring-1', 2, 2, 0], ['ring-2', 2, 1, 1], ['ring-3', 1, 1, 0],
    ]);
    expect(a.rings[0]!.hoursToPass).toEqual({ n: 2, median: 1.02 });
  });

  it('says nothing rather than zero when there is nothing to measure', () => {
    expect(releaseAnalytics([], ['ring-1'])).toMatchObject({ changeFailureRate: null, leadTimeHours: { n: 0, median: null } });
  });
});
