/** @module Tests of the lint rule simultaneous-deploy: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, ring } from '../test-helpers.ts';
import { simultaneousDeploy } from './simultaneous-deploy.ts';

describe('simultaneous-deploy', () => {
  it('is an error when one ring holds every production region', () => {
    const findings = check(simultaneousDeploy, (p) => {
      ring(p, 'ring-1').regions = ['eu-west-1', 'ap-south-1', 'us-east-1'];
      p.spec.rings = p.spec.rings.filter((r) => r.name === 'ring-0' || r.name === 'ring-1');
    });
    expect(findings).toEqual([{
      rule: 'simultaneous-deploy',
      severity: 'error',
      path: ['spec', 'rings', 1, 'regions'],
      message: 'ring-1 holds every production region (eu-west-1, ap-south-1 and us-east-1): a bad release reaches 100% of users at once; split them into rings, smallest region first',
    }]);
  });

  it('still fires when the internal region deploys in the same ring', () => {
    const findings = check(simultaneousDeploy, (p) => {
      p.spec.rings = [{ name: 'all', regions: ['internal', 'eu-west-1', 'ap-south-1', 'us-east-1'], bake: '24h', gates: ['error-rate'] }];
    });
    expect(findings.map((f) => f.path)).toEqual([['spec', 'rings', 0, 'regions']]);
  });

  it('is silent when production regions are spread over rings', () => {
    expect(check(simultaneousDeploy)).toEqual([]);
  });

  it('is silent when two rings share the production regions', () => {
    const findings = check(simultaneousDeploy, (p) => {
      ring(p, 'ring-2').regions = ['ap-south-1', 'us-east-1'];
      p.spec.rings = p.spec.rings.filter((r) => r.name !== 'ring-3');
    });
    expect(findings).toEqual([]);
  });
});
