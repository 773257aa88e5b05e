/**
 * @module Every lint rule, in the order of the lint table (policy.md "Lint rules"). Findings of the
 * same severity are reported in this order.
 */
import type { LintRule } from '../types.ts';
import { averagedGate } from './averaged-gate.ts';
import { canaryBakeUnder24h } from './canary-bake-under-24h.ts';
import { canaryNotSmallest } from './canary-not-smallest.ts';
import { canaryUnmonitored } from './canary-unmonitored.ts';
import { canaryUnrepresentative } from './canary-unrepresentative.ts';
import { infraAndAppTogether } from './infra-and-app-together.ts';
import { insufficientHeadroom } from './insufficient-headroom.ts';
import { noAutomatedRollback } from './no-automated-rollback.ts';
import { noDeployWindows } from './no-deploy-windows.ts';
import { replicationDuringSchemaChange } from './replication-during-schema-change.ts';
import { rollbackNotUpstream } from './rollback-not-upstream.ts';
import { simultaneousDeploy } from './simultaneous-deploy.ts';
import { tierTiming } from './tier-timing.ts';
import { zoneWithoutCanary } from './zone-without-canary.ts';

export const RULES: readonly LintRule[] = [
  simultaneousDeploy,
  canaryNotSmallest,
  canaryUnmonitored,
  canaryUnrepresentative,
  canaryBakeUnder24h,
  zoneWithoutCanary,
  noAutomatedRollback,
  insufficientHeadroom,
  averagedGate,
  noDeployWindows,
  tierTiming,
  infraAndAppTogether,
  replicationDuringSchemaChange,
  rollbackNotUpstream,
];
