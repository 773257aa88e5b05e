/**
 * @module Lint rule canary-bake-under-24h (error): the first production ring bakes less than 24h,
 * too short to see a full day of traffic.
 */
import { formatDuration, HOUR } from '../../duration.ts';
import { firstProductionRingIndex } from '../../model.ts';
import type { LintRule } from '../types.ts';

export const MIN_CANARY_BAKE = 24 * HOUR;

export const canaryBakeUnder24h: LintRule = {
  id: 'canary-bake-under-24h',
  severity: 'error',
  description: 'the first production ring bakes less than 24h',
  check({ policy }) {
    const first = firstProductionRingIndex(policy);
    const canary = policy.spec.rings[first];
    if (!canary || canary.bake >= MIN_CANARY_BAKE) return [];
    return [{
      rule: canaryBakeUnder24h.id,
      severity: canaryBakeUnder24h.severity,
      path: ['spec', 'rings', first, 'bake'],
      message: `${canary.name} is the first production ring and has bake ${formatDuration(canary.bake)}; it needs at least ${formatDuration(MIN_CANARY_BAKE)} to see a full day of traffic`,
    }];
  },
};
