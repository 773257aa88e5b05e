/** @module Tests of planDrain: proportional spreading, refusals with their numbers, and the capacity invariant. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { round } from '../policy/model.ts';
import { loadPolicy } from '../policy/load.ts';
import { countingRegionReads, policyWith, region } from '../policy/lint/test-helpers.ts';
import { fleetPolicy } from '../policy/testing.ts';
import type { Policy } from '../policy/schema.ts';
import { planDrain, regionsThatCannotBeLost, spareCapacity } from './headroom.ts';

/** The webapp example's regions: ap-south-1 25% ×1.4, eu-west-1 30% ×1.5, us-east-1 45% ×1.4. */
const webapp = (): Policy =>
  policyWith((p) => {
    Object.assign(region(p, 'ap-south-1'), { userShare: 0.25, capacity: 1.4 });
    Object.assign(region(p, 'eu-west-1'), { userShare: 0.3, capacity: 1.5 });
    Object.assign(region(p, 'us-east-1'), { userShare: 0.45, capacity: 1.4 });
  }).policy;

describe('planDrain', () => {
  it('spreads the drained region over the others in proportion to their spare capacity', () => {
    // spare: eu-west-1 (2 − 1) × 0.25 = 0.25, ap-south-1 (2 − 1) × 0.30 = 0.30
    expect(planDrain(policyWith().policy, 'us-east-1')).toEqual({
      allowed: true,
      reason: null,
      shifts: [{ to: 'eu-west-1', share: 0.2045 }, { to: 'ap-south-1', share: 0.2455 }],
    });
  });

  it('allows a drain that fills the others exactly to capacity', () => {
    const policy = policyWith((p) => { region(p, 'eu-west-1').capacity = 1.6; }).policy;
    expect(planDrain(policy, 'us-east-1').shifts).toEqual([{ to: 'eu-west-1', share: 0.15 }, { to: 'ap-south-1', share: 0.3 }]);
  });

  it('refuses when the others lack the spare capacity, and says by how much', () => {
    expect(planDrain(webapp(), 'us-east-1')).toEqual({
      allowed: false,
      reason: 'draining us-east-1 (45% of users) needs 0.45 of spare capacity; eu-west-1 and ap-south-1 have 0.25 (eu-west-1 0.15, ap-south-1 0.1)',
      shifts: [],
    });
  });

  it('counts only the regions still serving', () => {
    expect(planDrain(policyWith().policy, 'us-east-1', ['us-east-1', 'eu-west-1']).reason).toBe(
      'draining us-east-1 (45% of users) needs 0.45 of spare capacity; eu-west-1 has 0.25',
    );
    expect(planDrain(policyWith().policy, 'us-east-1', ['us-east-1']).reason).toBe(
      'draining us-east-1 (45% of users) needs 0.45 of spare capacity; no other production region is serving',
    );
  });

  it('gives a region already short of capacity nothing to take', () => {
    const policy = policyWith((p) => { region(p, 'eu-west-1').capacity = 0.8; }).policy;
    expect(planDrain(policy, 'ap-south-1').shifts).toEqual([{ to: 'us-east-1', share: 0.3 }]);
  });

  it('refuses to drain an unknown or internal region, naming it', () => {
    const policy = policyWith().policy;
    expect(() => planDrain(policy, 'mars-1')).toThrow(new UsageError('region "mars-1" is not a region of the policy (production regions: eu-west-1, ap-south-1, us-east-1)'));
    expect(() => planDrain(policy, 'internal')).toThrow(new UsageError('region "internal" is an internal region: it serves no users (production regions: eu-west-1, ap-south-1, us-east-1)'));
    expect(() => planDrain(policy, 'us-east-1', ['venus-2'])).toThrow(UsageError);
  });

  it('moves exactly the drained share and fills no region past its capacity', () => {
    const base = policyWith().policy;
    const share = fc.integer({ min: 1, max: 100 });
    const capacity = fc.double({ min: 0.5, max: 4, noNaN: true });
    fc.assert(
      fc.property(fc.tuple(share, share, share), fc.tuple(capacity, capacity, capacity), fc.integer({ min: 0, max: 2 }), (shares, caps, drainAt) => {
        const total = shares[0] + shares[1] + shares[2];
        const policy: Policy = structuredClone(base);
        const production = policy.spec.regions.filter((r) => !r.internal);
        production.forEach((r, i) => { r.userShare = shares[i]! / total; r.capacity = caps[i]!; });
        const drained = production[drainAt]!;
        const plan = planDrain(policy, drained.name);
        if (!plan.allowed) {
          expect(plan.shifts).toEqual([]);
          return;
        }
        expect(round(plan.shifts.reduce((s, x) => s + x.share, 0))).toBe(round(drained.userShare!));
        for (const shift of plan.shifts) {
          const to = production.find((r) => r.name === shift.to)!;
          // Shares are whole units of 0.0001, so a region filled to the brim may be over by less than one unit.
          expect(shift.share).toBeLessThanOrEqual(spareCapacity(to) + 1e-4);
        }
      }),
    );
  });

  it('names the five others with the most spare capacity, and counts the rest, when many regions serve', () => {
    // region-1 .. region-29, weights 1 + (i % 7) summing to 114; only region-4 (5/114 × 0.1) and
    // region-12 (6/114 × 0.2) have spare capacity; region-6 serves 7/114.
    const policy = loadPolicy(fleetPolicy({ regions: 30, capacity: (i) => (i === 4 ? 1.1 : i === 12 ? 1.2 : 1) }), 'fleet.yaml').policy;
    expect(planDrain(policy, 'region-6')).toEqual({
      allowed: false,
      reason: 'draining region-6 (6.14% of users) needs 0.0614 of spare capacity; 28 other regions have 0.0149 (region-12 0.0105, region-4 0.0044, region-1 0, region-2 0, region-3 0 and 23 more)',
      shifts: [],
    });
  });

  it('reads each region a bounded number of times to plan one drain', () => {
    const { policy, reads } = countingRegionReads(loadPolicy(fleetPolicy({ regions: 300 }), 'fleet.yaml').policy);
    expect(planDrain(policy, 'region-7').allowed).toBe(true);
    expect(reads()).toBeLessThan(30 * 300);
  });
});

describe('regionsThatCannotBeLost', () => {
  const fleets = [3, 4, 6, 7, 9].map((n) => loadPolicy(fleetPolicy({ regions: n }), 'fleet.yaml').policy);

  it('refuses exactly the regions planDrain refuses, with the same reasons', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fleets),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 8, maxLength: 8 }),
        fc.array(fc.constantFrom(0.5, 1, 1.05, 1.1, 1.25, 1.5, 2, 3), { minLength: 8, maxLength: 8 }),
        (fleet, weights, capacities) => {
          const policy: Policy = structuredClone(fleet);
          const production = policy.spec.regions.filter((r) => !r.internal);
          const total = production.reduce((s, _r, i) => s + weights[i]!, 0);
          production.forEach((r, i) => { r.userShare = weights[i]! / total; r.capacity = capacities[i]!; });
          const expected = production.flatMap((r) => {
            const plan = planDrain(policy, r.name);
            return plan.allowed ? [] : [{ region: r, reason: plan.reason }];
          });
          expect(regionsThatCannotBeLost(policy)).toEqual(expected);
        },
      ),
      { seed: 20261201 },
    );
  });
});
