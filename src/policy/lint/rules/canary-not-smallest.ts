/**
 * @module Lint rule canary-not-smallest (warning; error when the canary holds the largest share):
 * the first production ring's user share is not the smallest of the production rings.
 */
import { firstProductionRingIndex, isProductionRing, productionRegions, ringUserShare } from '../../model.ts';
import { describeRing, percent } from '../format.ts';
import type { LintRule } from '../types.ts';

/** Shares closer than this are equal (they are written with two decimals). */
const TIE = 1e-9;

export const canaryNotSmallest: LintRule = {
  id: 'canary-not-smallest',
  severity: 'warning',
  description: "the first production ring's user share is not the smallest of the production rings",
  check({ policy }) {
    const first = firstProductionRingIndex(policy);
    const canary = policy.spec.rings[first];
    if (!canary) return [];
    const others = policy.spec.rings.filter((r, i) => i !== first && isProductionRing(policy, r));
    if (others.length === 0) return [];
    const share = ringUserShare(policy, canary);
    const smallestRing = others.reduce((a, b) => (ringUserShare(policy, b) < ringUserShare(policy, a) ? b : a));
    const smallestOther = ringUserShare(policy, smallestRing);
    if (share <= smallestOther + TIE) return [];
    const largestOther = Math.max(...others.map((r) => ringUserShare(policy, r)));
    const smallestRegion = productionRegions(policy).reduce((a, b) => ((b.userShare ?? 0) < (a.userShare ?? 0) ? b : a));
    const advice = `put the smallest region first (${smallestRegion.name}, ${percent(smallestRegion.userShare ?? 0)})`;
    const path = ['spec', 'rings', first, 'regions'];
    if (share + TIE >= largestOther) {
      return [{
        rule: canaryNotSmallest.id,
        severity: 'error',
        path,
        message: `${describeRing(policy, canary)} is the first production ring but holds the largest user share; ${advice}`,
      }];
    }
    return [{
      rule: canaryNotSmallest.id,
      severity: 'warning',
      path,
      message: `${describeRing(policy, canary)} is the first production ring but ${smallestRing.name} holds less (${percent(smallestOther)}); ${advice}`,
    }];
  },
};
