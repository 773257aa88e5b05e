/** @module Tests of the lint rule canary-unmonitored: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, region, ring } from '../test-helpers.ts';
import { canaryUnmonitored } from './canary-unmonitored.ts';

describe('canary-unmonitored', () => {
  it('is an error when a region of the first production ring is not monitored', () => {
    const findings = check(canaryUnmonitored, (p) => {
      region(p, 'eu-west-1').monitored = false;
    });
    expect(findings).toEqual([{
      rule: 'canary-unmonitored',
      severity: 'error',
      path: ['spec', 'regions', 1, 'monitored'],
      message: 'eu-west-1 has monitored: false but is in ring-1, the first production ring; the canary must be watched to catch a bad release',
    }]);
  });

  it('is an error when the first production ring has no metric gate', () => {
    const findings = check(canaryUnmonitored, (p) => {
      delete ring(p, 'ring-1').gates;
    });
    expect(findings).toEqual([{
      rule: 'canary-unmonitored',
      severity: 'error',
      path: ['spec', 'rings', 1, 'gates'],
      message: 'ring-1 is the first production ring but its gates list no metric gate, so nothing can fail the canary; add one (e.g. on error_rate)',
    }]);
  });

  it('ignores unmonitored regions outside the first production ring', () => {
    const findings = check(canaryUnmonitored, (p) => {
      region(p, 'us-east-1').monitored = false;
      delete ring(p, 'ring-0').gates;
    });
    expect(findings).toEqual([]);
  });

  it('is silent for a monitored, gated canary', () => {
    expect(check(canaryUnmonitored)).toEqual([]);
  });
});
