/** @module Tests of the lint rule averaged-gate: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, ring } from '../test-helpers.ts';
import { averagedGate } from './averaged-gate.ts';

describe('averaged-gate', () => {
  it('warns when a whole-bake gate averages over more than 1h of bake', () => {
    const findings = check(averagedGate, (p) => {
      p.spec.gates = { 'error-rate': { metric: 'error_rate', max: 0.01, evaluate: 'whole-bake' } };
    });
    expect(findings).toEqual([{
      rule: 'averaged-gate',
      severity: 'warning',
      path: ['spec', 'gates', 'error-rate', 'evaluate'],
      message: 'gate error-rate has evaluate: whole-bake, so on ring-1 (bake 1d) it judges one mean of error_rate over 23h50m; a 15-minute spike is diluted away in an average wider than 1h (use evaluate: interval)',
    }]);
  });

  it('is silent when the averaged part of the bake (after warmup) is at most 1h', () => {
    const findings = check(averagedGate, (p) => {
      p.spec.gates = { ...p.spec.gates, smoke: { metric: 'error_rate', max: 0.05, evaluate: 'whole-bake' } };
      ring(p, 'ring-0').bake = '1h10m';
      ring(p, 'ring-0').gates = ['smoke'];
    });
    expect(findings).toEqual([]);
  });

  it('is silent for a whole-bake gate no ring uses', () => {
    const findings = check(averagedGate, (p) => {
      p.spec.gates = { ...p.spec.gates, unused: { metric: 'cpu', max: 0.9, evaluate: 'whole-bake' } };
    });
    expect(findings).toEqual([]);
  });

  it('is silent for gates evaluated per interval', () => {
    expect(check(averagedGate)).toEqual([]);
  });
});
