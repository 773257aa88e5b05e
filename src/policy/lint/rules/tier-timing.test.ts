/** @module Tests of the lint rule tier-timing: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, ring } from '../test-helpers.ts';
import { tierTiming } from './tier-timing.ts';

describe('tier-timing', () => {
  it('warns when first production deploy to GA is shorter than the tier minimum', () => {
    const findings = check(tierTiming, (p) => {
      p.spec.delivery = { deployTime: '20m' };
      ring(p, 'ring-2').bake = '6h';
      ring(p, 'ring-3').bake = '4h20m';
    });
    expect(findings).toEqual([{
      rule: 'tier-timing',
      severity: 'warning',
      path: ['spec', 'service', 'tier'],
      message: 'first production deploy to GA takes 1d11h20m without waits; tier 2 needs at least 2d',
    }]);
  });

  it('holds tier 1 services to 5 days', () => {
    const findings = check(tierTiming, (p) => { p.spec.service.tier = 1; });
    expect(findings.map((f) => f.message)).toEqual(['first production deploy to GA takes 2d15m without waits; tier 1 needs at least 5d']);
  });

  it('does not count the internal ring before the first production ring', () => {
    expect(check(tierTiming, (p) => { ring(p, 'ring-0').bake = '3d'; ring(p, 'ring-3').bake = '6h'; }).map((f) => f.message)).toEqual([
      'first production deploy to GA takes 1d18h15m without waits; tier 2 needs at least 2d',
    ]);
  });

  it('lets tier 3 services finish in a day', () => {
    const findings = check(tierTiming, (p) => {
      p.spec.service.tier = 3;
      ring(p, 'ring-2').bake = '0m';
      ring(p, 'ring-3').bake = '0m';
    });
    expect(findings).toEqual([]);
  });

  it('is silent when the rollout takes at least the minimum', () => {
    expect(check(tierTiming)).toEqual([]);
  });
});
