/** @module Tests of the lint rule infra-and-app-together: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, releaseWith } from '../test-helpers.ts';
import { infraAndAppTogether } from './infra-and-app-together.ts';

describe('infra-and-app-together', () => {
  it('is an error when a release changes infrastructure and the app together', () => {
    const findings = check(infraAndAppTogether, undefined, releaseWith({ changes: ['infra', 'app'] }));
    expect(findings).toEqual([{
      rule: 'infra-and-app-together',
      severity: 'error',
      path: ['spec', 'changes'],
      document: 'release',
      message: 'changes lists both infra and app (infra, app); release the infrastructure change on its own first, then the app, so a failure points at one of them',
    }]);
  });

  it('is silent for an infrastructure-only release', () => {
    expect(check(infraAndAppTogether, undefined, releaseWith({ changes: ['infra'] }))).toEqual([]);
  });

  it('is silent for an app release with a schema change', () => {
    expect(check(infraAndAppTogether, undefined, releaseWith({ changes: ['app', 'schema'] }))).toEqual([]);
  });

  it('is silent without a release', () => {
    expect(check(infraAndAppTogether)).toEqual([]);
  });
});
