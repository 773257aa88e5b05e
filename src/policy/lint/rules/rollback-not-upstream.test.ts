/** @module Tests of the lint rule rollback-not-upstream: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../errors.ts';
import { check, policyWith, ring } from '../test-helpers.ts';
import { rollbackNotUpstream } from './rollback-not-upstream.ts';

describe('rollback-not-upstream', () => {
  it('is an error when a ring rolls back a ring downstream of it', () => {
    const findings = check(rollbackNotUpstream, (p) => {
      ring(p, 'ring-2').onFailure = { rollback: ['ring-2', 'ring-3'] };
    });
    expect(findings).toEqual([{
      rule: 'rollback-not-upstream',
      severity: 'error',
      path: ['spec', 'rings', 2, 'onFailure', 'rollback', 1],
      message: 'spec.rings[2].onFailure.rollback: "ring-3" is downstream of ring-2',
    }]);
  });

  it('is an error when a ring rolls back a ring that does not exist', () => {
    // loadPolicy already refuses unknown names; lint also guards policies built in code.
    expect(() => policyWith((p) => { ring(p, 'ring-2').onFailure = { rollback: ['ring-9'] }; })).toThrow(PolicyError);
    const { policy } = policyWith();
    policy.spec.rings[2]!.onFailure.rollback = ['ring-9'];
    expect(rollbackNotUpstream.check({ policy }).map((f) => f.message)).toEqual([
      'spec.rings[2].onFailure.rollback: "ring-9" is not a ring (rings: ring-0, ring-1, ring-2, ring-3)',
    ]);
  });

  it('is silent when a ring rolls back itself and upstream rings', () => {
    expect(check(rollbackNotUpstream, (p) => { ring(p, 'ring-3').onFailure = { rollback: ['ring-1', 'ring-2', 'ring-3'] }; })).toEqual([]);
  });

  it('is silent with the default rollback', () => {
    expect(check(rollbackNotUpstream)).toEqual([]);
  });
});
