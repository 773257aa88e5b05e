/**
 * @module Lint rule canary-unrepresentative (warning): a region of the first production ring is
 * `representative: false`, so a passing canary says little about the other regions.
 */
import { firstProductionRingIndex, ringRegions } from '../../model.ts';
import { regionIndex } from '../format.ts';
import type { LintRule } from '../types.ts';

export const canaryUnrepresentative: LintRule = {
  id: 'canary-unrepresentative',
  severity: 'warning',
  description: 'a region of the first production ring is representative: false',
  check({ policy }) {
    const canary = policy.spec.rings[firstProductionRingIndex(policy)];
    if (!canary) return [];
    return ringRegions(policy, canary)
      .filter((r) => !r.internal && !r.representative)
      .map((r) => ({
        rule: canaryUnrepresentative.id,
        severity: canaryUnrepresentative.severity,
        path: ['spec', 'regions', regionIndex(policy, r.name), 'representative'],
        message: `${r.name} has representative: false but is in ${canary.name}, the first production ring; its traffic does not exercise the same code paths, so a passing canary proves little`,
      }));
  },
};
