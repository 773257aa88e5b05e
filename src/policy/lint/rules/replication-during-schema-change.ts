/**
 * @module Lint rule replication-during-schema-change (error, `lint --release` only): a release
 * with `schema` changes under data.pattern schema-compatible (which promises no schema change), or
 * under region-isolated without a replication.pause hook, so replication runs while regions are on
 * different schemas.
 */
import type { LintRule } from '../types.ts';

export const replicationDuringSchemaChange: LintRule = {
  id: 'replication-during-schema-change',
  severity: 'error',
  description: 'a release with schema changes under schema-compatible, or with replication not paused under region-isolated',
  check({ policy, release }) {
    if (!release || !release.changes.includes('schema')) return [];
    const data = policy.spec.data;
    if (data.pattern === 'schema-compatible') {
      return [{
        rule: replicationDuringSchemaChange.id,
        severity: replicationDuringSchemaChange.severity,
        path: ['spec', 'changes'],
        document: 'release',
        message: `changes lists schema (${release.schemaPhase}) but the policy's data.pattern is schema-compatible, so replication keeps running while regions are on different schemas; use data.pattern region-isolated (pauses replication) or feature-flag`,
      }];
    }
    if (data.pattern === 'region-isolated' && !data.replication?.pause) {
      return [{
        rule: replicationDuringSchemaChange.id,
        severity: replicationDuringSchemaChange.severity,
        path: ['spec', 'data', 'replication', 'pause'],
        message: `the release changes the schema (${release.schemaPhase}) under data.pattern region-isolated, but data.replication.pause is not set, so replication is not paused during the change`,
      }];
    }
    return [];
  },
};
