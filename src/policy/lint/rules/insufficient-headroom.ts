/**
 * @module Lint rule insufficient-headroom (warning): a production region's capacity is under
 * traffic.minHeadroom, or losing any single production region would push the others past capacity
 * (planDrain refuses draining it while every production region serves). Each residency zone is
 * checked on its own: losing a region of a zone must be absorbable inside that zone. Linear in
 * regions (n·log n with refusals): the spare capacity is summed once per zone, never once per region.
 */
import { regionsThatCannotBeLost } from '../../../plan/headroom.ts';
import type { Finding, LintRule } from '../types.ts';

export const insufficientHeadroom: LintRule = {
  id: 'insufficient-headroom',
  severity: 'warning',
  description: "a production region's capacity is under minHeadroom, or losing any single production region would push the others past capacity",
  check({ policy }) {
    const min = policy.spec.traffic.minHeadroom;
    const regions = policy.spec.regions;
    const at = new Map<unknown, number>(regions.map((r, i) => [r, i]));
    const findings: Finding[] = [];
    let production = 0;
    regions.forEach((r, i) => {
      if (r.internal) return;
      production += 1;
      if (r.capacity < min) {
        findings.push({
          rule: insufficientHeadroom.id,
          severity: insufficientHeadroom.severity,
          path: ['spec', 'regions', i, 'capacity'],
          message: `${r.name} has capacity ${r.capacity}, under traffic.minHeadroom ${min}`,
        });
      }
    });
    if (production < 2) return findings;
    for (const { region, reason } of regionsThatCannotBeLost(policy)) {
      findings.push({
        rule: insufficientHeadroom.id,
        severity: insufficientHeadroom.severity,
        path: ['spec', 'regions', at.get(region) ?? -1, 'userShare'],
        message: `losing ${region.name} would push the other ${region.residency === undefined ? '' : `${region.residency} `}regions past capacity: ${reason}`,
      });
    }
    return findings;
  },
};
