/** @module Tests of the lint rule replication-during-schema-change: a policy that fires it, with its exact message, and policies that do not. */
import { describe, expect, it } from 'vitest';
import { check, policyWith, releaseWith, type Patch } from '../test-helpers.ts';
import { replicationDuringSchemaChange } from './replication-during-schema-change.ts';

const regionIsolated: Patch = (p) => {
  p.spec.data = { pattern: 'region-isolated', replication: { pause: { command: ['./pause.sh'] }, resume: { command: ['./resume.sh'] } } };
};

describe('replication-during-schema-change', () => {
  it('is an error when a schema change ships under schema-compatible', () => {
    const findings = check(replicationDuringSchemaChange, undefined, releaseWith({ changes: ['app', 'schema'] }));
    expect(findings).toEqual([{
      rule: 'replication-during-schema-change',
      severity: 'error',
      path: ['spec', 'changes'],
      document: 'release',
      message: "changes lists schema (expand) but the policy's data.pattern is schema-compatible, so replication keeps running while regions are on different schemas; use data.pattern region-isolated (pauses replication) or feature-flag",
    }]);
  });

  it('is an error under region-isolated when replication is not paused', () => {
    const { policy } = policyWith(regionIsolated);
    delete policy.spec.data.replication;
    const findings = replicationDuringSchemaChange.check({ policy, release: releaseWith({ changes: ['schema'], schemaPhase: 'contract' }) });
    expect(findings).toEqual([{
      rule: 'replication-during-schema-change',
      severity: 'error',
      path: ['spec', 'data', 'replication', 'pause'],
      message: 'the release changes the schema (contract) under data.pattern region-isolated, but data.replication.pause is not set, so replication is not paused during the change',
    }]);
  });

  it('is silent under region-isolated with a pause hook', () => {
    expect(check(replicationDuringSchemaChange, regionIsolated, releaseWith({ changes: ['schema'] }))).toEqual([]);
  });

  it('is silent for a release without schema changes', () => {
    expect(check(replicationDuringSchemaChange, undefined, releaseWith({ changes: ['app'] }))).toEqual([]);
  });

  it('is silent without a release', () => {
    expect(check(replicationDuringSchemaChange)).toEqual([]);
  });
});
