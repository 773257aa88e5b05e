/**
 * @module Lint rule tier-timing (warning): the time from the first production ring's deploy to GA,
 * assuming no waits (each ring from the first production one on takes delivery.deployTime + bake),
 * is under the service tier's minimum (tier 1: 5d, tier 2: 2d, tier 3: 1d).
 */
import { DAY, formatDuration } from '../../duration.ts';
import { firstProductionRingIndex } from '../../model.ts';
import type { Policy } from '../../schema.ts';
import type { LintRule } from '../types.ts';

export const TIER_MINIMUM: Readonly<Record<1 | 2 | 3, number>> = { 1: 5 * DAY, 2: 2 * DAY, 3: 1 * DAY };

/** Time from the first production ring's deploy to GA without waits; undefined without production rings. */
export function productionDuration(policy: Policy): number | undefined {
  const first = firstProductionRingIndex(policy);
  if (first < 0) return undefined;
  return policy.spec.rings.slice(first).reduce((s, r) => s + policy.spec.delivery.deployTime + r.bake, 0);
}

export const tierTiming: LintRule = {
  id: 'tier-timing',
  severity: 'warning',
  description: "the planned time from first production deploy to GA is under the tier's minimum (tier 1: 5d, tier 2: 2d, tier 3: 1d)",
  check({ policy }) {
    const took = productionDuration(policy);
    const tier = policy.spec.service.tier;
    const min = TIER_MINIMUM[tier];
    if (took === undefined || took >= min) return [];
    return [{
      rule: tierTiming.id,
      severity: tierTiming.severity,
      path: ['spec', 'service', 'tier'],
      message: `first production deploy to GA takes ${formatDuration(took)} without waits; tier ${tier} needs at least ${formatDuration(min)}`,
    }];
  },
};
