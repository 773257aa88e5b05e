/** @module Tests of the lint rule insufficient-headroom: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { planDrain } from '../../../plan/headroom.ts';
import { loadPolicy } from '../../load.ts';
import { fleetPolicy } from '../../testing.ts';
import { check, countingRegionReads, region } from '../test-helpers.ts';
import { insufficientHeadroom } from './insufficient-headroom.ts';

describe('insufficient-headroom', () => {
  it('warns when a production region has less capacity than traffic.minHeadroom', () => {
    const findings = check(insufficientHeadroom, (p) => {
      region(p, 'us-east-1').capacity = 1.2;
    });
    expect(findings).toEqual([{
      rule: 'insufficient-headroom',
      severity: 'warning',
      path: ['spec', 'regions', 3, 'capacity'],
      message: 'us-east-1 has capacity 1.2, under traffic.minHeadroom 1.3',
    }]);
  });

  it('uses the policy minHeadroom', () => {
    const findings = check(insufficientHeadroom, (p) => {
      p.spec.traffic = { minHeadroom: 2.5 };
      region(p, 'eu-west-1').capacity = 3;
    });
    expect(findings.map((f) => f.message)).toEqual([
      'ap-south-1 has capacity 2, under traffic.minHeadroom 2.5',
      'us-east-1 has capacity 2, under traffic.minHeadroom 2.5',
    ]);
  });

  it('warns for each region whose loss would push the others past capacity', () => {
    const findings = check(insufficientHeadroom, (p) => {
      region(p, 'eu-west-1').capacity = 1.4;
      region(p, 'ap-south-1').capacity = 1.5;
      region(p, 'us-east-1').capacity = 1.4;
    });
    expect(findings).toEqual([
      {
        rule: 'insufficient-headroom',
        severity: 'warning',
        path: ['spec', 'regions', 2, 'userShare'],
        message: 'losing ap-south-1 would push the other regions past capacity: draining ap-south-1 (30% of users) needs 0.3 of spare capacity; us-east-1 and eu-west-1 have 0.28 (us-east-1 0.18, eu-west-1 0.1)',
      },
      {
        rule: 'insufficient-headroom',
        severity: 'warning',
        path: ['spec', 'regions', 3, 'userShare'],
        message: 'losing us-east-1 would push the other regions past capacity: draining us-east-1 (45% of users) needs 0.45 of spare capacity; ap-south-1 and eu-west-1 have 0.25 (ap-south-1 0.15, eu-west-1 0.1)',
      },
    ]);
  });

  it('does not ask a single production region to survive its own loss', () => {
    const findings = check(insufficientHeadroom, (p) => {
      p.spec.regions = p.spec.regions.filter((r) => r.name === 'internal' || r.name === 'us-east-1');
      region(p, 'us-east-1').userShare = 1;
      p.spec.rings = [
        { name: 'ring-0', regions: ['internal'], bake: '1h', gates: ['error-rate'] },
        { name: 'ring-1', regions: ['us-east-1'], bake: '24h', gates: ['error-rate'] },
      ];
    });
    expect(findings).toEqual([]);
  });

  it('is silent when every region has headroom and any one can be lost', () => {
    expect(check(insufficientHeadroom)).toEqual([]);
  });
});

describe('insufficient-headroom on a large fleet', () => {
  /** Most regions at capacity 1.0; every 20th at 1.25: losing a region of weight 7 is refused, the others are not. */
  const fleet = (regions: number) =>
    loadPolicy(fleetPolicy({ regions, capacity: (i) => (i % 20 === 0 ? 1.25 : 1.0) }), 'fleet.yaml').policy;

  it('reports on 120 regions exactly what planDrain and minHeadroom say about each region', () => {
    const policy = fleet(120);
    const production = policy.spec.regions.map((r, i) => ({ r, i })).filter(({ r }) => !r.internal);
    const expected = [
      ...production
        .filter(({ r }) => r.capacity < 1.3)
        .map(({ r, i }) => ({ rule: 'insufficient-headroom', severity: 'warning', path: ['spec', 'regions', i, 'capacity'], message: `${r.name} has capacity ${r.capacity}, under traffic.minHeadroom 1.3` })),
      ...production.flatMap(({ r, i }) => {
        const plan = planDrain(policy, r.name);
        return plan.allowed
          ? []
          : [{ rule: 'insufficient-headroom', severity: 'warning', path: ['spec', 'regions', i, 'userShare'], message: `losing ${r.name} would push the other regions past capacity: ${plan.reason}` }];
      }),
    ];
    const findings = insufficientHeadroom.check({ policy });
    expect(findings.filter((f) => f.path[3] === 'userShare').length).toBe(18);
    expect(findings).toEqual(expected);
  });

  it('reads each region a bounded number of times, not once per other region', () => {
    const { policy, reads } = countingRegionReads(fleet(150));
    insufficientHeadroom.check({ policy });
    expect(reads()).toBeLessThan(40 * 150);
  });
});
