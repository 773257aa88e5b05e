/** @module Tests of the lint rule no-deploy-windows: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check } from '../test-helpers.ts';
import { noDeployWindows } from './no-deploy-windows.ts';

describe('no-deploy-windows', () => {
  it('warns when production rings may deploy at any time', () => {
    const findings = check(noDeployWindows, (p) => {
      p.spec.windows = { deploy: 'always' };
    });
    expect(findings).toEqual([{
      rule: 'no-deploy-windows',
      severity: 'warning',
      path: ['spec', 'windows', 'deploy'],
      message: 'windows.deploy is always, so production rings (ring-1, ring-2 and ring-3) may start deploying outside business hours, when few people are there to notice; use business-hours',
    }]);
  });

  it('is silent with business-hours windows', () => {
    expect(check(noDeployWindows, (p) => { p.spec.windows = { deploy: 'business-hours' }; })).toEqual([]);
  });

  it('is silent when windows are left at their default', () => {
    expect(check(noDeployWindows)).toEqual([]);
  });
});
