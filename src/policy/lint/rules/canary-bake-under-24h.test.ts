/** @module Tests of the lint rule canary-bake-under-24h: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, ring } from '../test-helpers.ts';
import { canaryBakeUnder24h } from './canary-bake-under-24h.ts';

describe('canary-bake-under-24h', () => {
  it('is an error when the first production ring bakes less than 24h', () => {
    const findings = check(canaryBakeUnder24h, (p) => {
      ring(p, 'ring-1').bake = '23h30m';
    });
    expect(findings).toEqual([{
      rule: 'canary-bake-under-24h',
      severity: 'error',
      path: ['spec', 'rings', 1, 'bake'],
      message: 'ring-1 is the first production ring and has bake 23h30m; it needs at least 1d to see a full day of traffic',
    }]);
  });

  it('counts a missing bake as 0m', () => {
    const findings = check(canaryBakeUnder24h, (p) => { delete ring(p, 'ring-1').bake; });
    expect(findings.map((f) => f.message)).toEqual(['ring-1 is the first production ring and has bake 0m; it needs at least 1d to see a full day of traffic']);
  });

  it('does not hold the internal ring to 24h', () => {
    expect(check(canaryBakeUnder24h, (p) => { ring(p, 'ring-0').bake = '30m'; })).toEqual([]);
  });

  it('accepts exactly 24h', () => {
    expect(check(canaryBakeUnder24h)).toEqual([]);
  });
});
