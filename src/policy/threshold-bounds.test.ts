/** @module Tests of the bounds of threshold gates in a policy: criticalMax and criticalMin load, lint clean, and are checked against max and min. */
import { describe, expect, it } from 'vitest';
import { PolicyError, formatLocated } from '../errors.ts';
import { policyJsonSchema } from './json-schema.ts';
import { lint } from './lint/lint.ts';
import { BASE_POLICY, policyWith } from './lint/test-helpers.ts';

const withGate = (gate: Record<string, unknown>) => () =>
  policyWith((p) => {
    p.spec.gates = { 'error-rate': gate as never };
  });

function problems(gate: Record<string, unknown>): string[] {
  try {
    withGate(gate)();
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('criticalMax and criticalMin', () => {
  it('load on a threshold gate and lint clean', () => {
    const { policy } = withGate({ metric: 'error_rate', max: 0.01, criticalMax: 0.03, min: 0, criticalMin: 0 })();
    expect(policy.spec.gates['error-rate']).toMatchObject({ max: 0.01, criticalMax: 0.03, min: 0, criticalMin: 0 });
    expect(lint({ policy })).toEqual([]);
    expect(BASE_POLICY).toContain('error-rate');
  });

  it('are optional', () => {
    const { policy } = withGate({ metric: 'error_rate', max: 0.01 })();
    expect(policy.spec.gates['error-rate']!.criticalMax).toBeUndefined();
    expect(policy.spec.gates['error-rate']!.criticalMin).toBeUndefined();
  });

  it('must not be tighter than max and min', () => {
    expect(problems({ metric: 'error_rate', max: 0.01, criticalMax: 0.005 })).toEqual([
      expect.stringMatching(/spec\.gates\.error-rate\.criticalMax: criticalMax \(0\.005\) is below max \(0\.01\)$/),
    ]);
    expect(problems({ metric: 'qps', min: 10, criticalMin: 20 })).toEqual([
      expect.stringMatching(/spec\.gates\.error-rate\.criticalMin: criticalMin \(20\) is above min \(10\)$/),
    ]);
    expect(problems({ metric: 'error_rate', max: 0.01, criticalMax: 0.01 })).toEqual([]);
  });

  it('must not cross the bound on the other side', () => {
    expect(problems({ metric: 'qps', min: 10, criticalMax: 5 })).toEqual([
      expect.stringMatching(/spec\.gates\.error-rate\.criticalMax: criticalMax \(5\) is below min \(10\)$/),
    ]);
    expect(problems({ metric: 'qps', max: 10, criticalMin: 20 })).toEqual([
      expect.stringMatching(/spec\.gates\.error-rate\.criticalMin: criticalMin \(20\) is above max \(10\)$/),
    ]);
  });

  it('do not replace max and/or min, and belong to threshold gates only', () => {
    expect(problems({ metric: 'error_rate', criticalMax: 0.03 })).toEqual([expect.stringMatching(/spec\.gates\.error-rate: a threshold gate needs max and\/or min$/)]);
    expect(problems({ compare: { metric: 'error_rate', maxIncrease: 0.005 }, criticalMax: 0.03 })).toEqual([
      expect.stringMatching(/spec\.gates\.error-rate: a comparison gate takes maxIncrease\/maxRatio inside compare, not max\/min or criticalMax\/criticalMin$/),
    ]);
  });

  it('are numbers', () => {
    expect(problems({ metric: 'error_rate', max: 0.01, criticalMax: 'high' })).toEqual([expect.stringMatching(/spec\.gates\.error-rate\.criticalMax: /)]);
  });

  it('are in the JSON Schema editors use', () => {
    const gate = (policyJsonSchema() as { properties: { spec: { properties: { gates: { additionalProperties: { properties: Record<string, unknown> } } } } } }).properties.spec.properties.gates.additionalProperties;
    expect(Object.keys(gate.properties)).toEqual(expect.arrayContaining(['max', 'min', 'criticalMax', 'criticalMin']));
  });
});
