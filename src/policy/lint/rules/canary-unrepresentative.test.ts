/** @module Tests of the lint rule canary-unrepresentative: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, region } from '../test-helpers.ts';
import { canaryUnrepresentative } from './canary-unrepresentative.ts';

describe('canary-unrepresentative', () => {
  it('warns when a region of the first production ring is not representative', () => {
    const findings = check(canaryUnrepresentative, (p) => {
      region(p, 'eu-west-1').representative = false;
    });
    expect(findings).toEqual([{
      rule: 'canary-unrepresentative',
      severity: 'warning',
      path: ['spec', 'regions', 1, 'representative'],
      message: 'eu-west-1 has representative: false but is in ring-1, the first production ring; its traffic does not exercise the same code paths, so a passing canary proves little',
    }]);
  });

  it('ignores unrepresentative regions in later rings', () => {
    expect(check(canaryUnrepresentative, (p) => { region(p, 'ap-south-1').representative = false; })).toEqual([]);
  });

  it('is silent when the canary is representative', () => {
    expect(check(canaryUnrepresentative)).toEqual([]);
  });
});
