/**
 * @module Lint rule insufficient-headroom (warning): a production region's capacity is under
 * traffic.minHeadroom, or losing any single production region would push the others past capacity
 * (planDrain refuses draining it while every production region serves).
 */
import { planDrain } from '../../../plan/headroom.ts';
import { productionRegions } from '../../model.ts';
import { regionIndex } from '../format.ts';
import type { Finding, LintRule } from '../types.ts';

export const insufficientHeadroom: LintRule = {
  id: 'insufficient-headroom',
  severity: 'warning',
  description: "a production region's capacity is under minHeadroom, or losing any single production region would push the others past capacity",
  check({ policy }) {
    const min = policy.spec.traffic.minHeadroom;
    const production = productionRegions(policy);
    const findings: Finding[] = [];
    for (const r of production) {
      if (r.capacity < min) {
        findings.push({
          rule: insufficientHeadroom.id,
          severity: insufficientHeadroom.severity,
          path: ['spec', 'regions', regionIndex(policy, r.name), 'capacity'],
          message: `${r.name} has capacity ${r.capacity}, under traffic.minHeadroom ${min}`,
        });
      }
    }
    if (production.length < 2) return findings;
    for (const r of production) {
      const plan = planDrain(policy, r.name);
      if (plan.allowed) continue;
      findings.push({
        rule: insufficientHeadroom.id,
        severity: insufficientHeadroom.severity,
        path: ['spec', 'regions', regionIndex(policy, r.name), 'userShare'],
        message: `losing ${r.name} would push the other regions past capacity: ${plan.reason ?? ''}`,
      });
    }
    return findings;
  },
};
