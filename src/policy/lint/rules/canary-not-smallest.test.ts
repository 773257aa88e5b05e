/** @module Tests of the lint rule canary-not-smallest: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, region, ring } from '../test-helpers.ts';
import { canaryNotSmallest } from './canary-not-smallest.ts';

describe('canary-not-smallest', () => {
  it('is an error when the first production ring holds the largest user share', () => {
    const findings = check(canaryNotSmallest, (p) => {
      ring(p, 'ring-1').regions = ['us-east-1'];
      ring(p, 'ring-3').regions = ['eu-west-1'];
    });
    expect(findings).toEqual([{
      rule: 'canary-not-smallest',
      severity: 'error',
      path: ['spec', 'rings', 1, 'regions'],
      message: 'ring-1 (us-east-1, 45% of users) is the first production ring but holds the largest user share; put the smallest region first (eu-west-1, 25%)',
    }]);
  });

  it('is a warning when the first production ring is neither the smallest nor the largest', () => {
    const findings = check(canaryNotSmallest, (p) => {
      ring(p, 'ring-1').regions = ['ap-south-1'];
      ring(p, 'ring-2').regions = ['eu-west-1'];
    });
    expect(findings).toEqual([{
      rule: 'canary-not-smallest',
      severity: 'warning',
      path: ['spec', 'rings', 1, 'regions'],
      message: 'ring-1 (ap-south-1, 30% of users) is the first production ring but ring-2 holds less (25%); put the smallest region first (eu-west-1, 25%)',
    }]);
  });

  it('compares rings by the sum of their regions', () => {
    const findings = check(canaryNotSmallest, (p) => {
      ring(p, 'ring-1').regions = ['eu-west-1', 'ap-south-1'];
      p.spec.rings = p.spec.rings.filter((r) => r.name !== 'ring-2');
    });
    expect(findings.map((f) => [f.severity, f.message])).toEqual([[
      'error',
      'ring-1 (eu-west-1 and ap-south-1, 55% of users) is the first production ring but holds the largest user share; put the smallest region first (eu-west-1, 25%)',
    ]]);
  });

  it('is silent when the first production ring is the smallest', () => {
    expect(check(canaryNotSmallest)).toEqual([]);
  });

  it('is silent when the first production ring ties for the smallest share', () => {
    const findings = check(canaryNotSmallest, (p) => {
      region(p, 'eu-west-1').userShare = 0.3;
      region(p, 'ap-south-1').userShare = 0.3;
      region(p, 'us-east-1').userShare = 0.4;
    });
    expect(findings).toEqual([]);
  });
});
