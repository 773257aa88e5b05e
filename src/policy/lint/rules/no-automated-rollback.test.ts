/** @module Tests of the lint rule no-automated-rollback: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, ring } from '../test-helpers.ts';
import { noAutomatedRollback } from './no-automated-rollback.ts';

describe('no-automated-rollback', () => {
  it('is an error for each production ring without a metric gate', () => {
    const findings = check(noAutomatedRollback, (p) => {
      ring(p, 'ring-2').gates = [];
      delete ring(p, 'ring-3').gates;
    });
    expect(findings).toEqual([
      {
        rule: 'no-automated-rollback',
        severity: 'error',
        path: ['spec', 'rings', 2, 'gates'],
        message: 'ring-2 (ap-south-1, 30% of users) lists no metric gate in gates, so nothing can fail it and trigger its rollback',
      },
      {
        rule: 'no-automated-rollback',
        severity: 'error',
        path: ['spec', 'rings', 3, 'gates'],
        message: 'ring-3 (us-east-1, 45% of users) lists no metric gate in gates, so nothing can fail it and trigger its rollback',
      },
    ]);
  });

  it('counts a comparison gate as a metric gate', () => {
    const findings = check(noAutomatedRollback, (p) => {
      p.spec.gates = { ...p.spec.gates, 'vs-baseline': { compare: { metric: 'error_rate', maxIncrease: 0.005 } } };
      ring(p, 'ring-3').gates = ['vs-baseline'];
    });
    expect(findings).toEqual([]);
  });

  it('does not ask the internal ring for a gate', () => {
    expect(check(noAutomatedRollback, (p) => { delete ring(p, 'ring-0').gates; })).toEqual([]);
  });

  it('is silent when every production ring is gated', () => {
    expect(check(noAutomatedRollback)).toEqual([]);
  });
});
