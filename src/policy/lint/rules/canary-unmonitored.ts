/**
 * @module Lint rule canary-unmonitored (error): a region of the first production ring is
 * `monitored: false`, or that ring has no metric gate, so nothing can catch a bad canary.
 */
import { firstProductionRingIndex, hasMetricGate, ringRegions } from '../../model.ts';
import { regionIndex } from '../format.ts';
import type { Finding, LintRule } from '../types.ts';

export const canaryUnmonitored: LintRule = {
  id: 'canary-unmonitored',
  severity: 'error',
  description: 'a region of the first production ring is monitored: false, or that ring has no metric gate',
  check({ policy }) {
    const first = firstProductionRingIndex(policy);
    const canary = policy.spec.rings[first];
    if (!canary) return [];
    const findings: Finding[] = ringRegions(policy, canary)
      .filter((r) => !r.internal && !r.monitored)
      .map((r) => ({
        rule: canaryUnmonitored.id,
        severity: canaryUnmonitored.severity,
        path: ['spec', 'regions', regionIndex(policy, r.name), 'monitored'],
        message: `${r.name} has monitored: false but is in ${canary.name}, the first production ring; the canary must be watched to catch a bad release`,
      }));
    if (!hasMetricGate(policy, canary)) {
      findings.push({
        rule: canaryUnmonitored.id,
        severity: canaryUnmonitored.severity,
        path: ['spec', 'rings', first, 'gates'],
        message: `${canary.name} is the first production ring but its gates list no metric gate, so nothing can fail the canary; add one (e.g. on error_rate)`,
      });
    }
    return findings;
  },
};
