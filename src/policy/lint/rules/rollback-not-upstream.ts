/**
 * @module Lint rule rollback-not-upstream (error): a ring's onFailure.rollback names a ring
 * downstream of it (not yet deployed when it fails) or a ring that does not exist.
 */
import { listSome } from '../../source.ts';
import type { Finding, LintRule } from '../types.ts';

export const rollbackNotUpstream: LintRule = {
  id: 'rollback-not-upstream',
  severity: 'error',
  description: 'onFailure.rollback names a downstream or unknown ring',
  check({ policy }) {
    const rings = policy.spec.rings;
    const findings: Finding[] = [];
    const position = new Map<string, number>();
    rings.forEach((r, i) => { if (!position.has(r.name)) position.set(r.name, i); });
    rings.forEach((ring, i) => {
      (ring.onFailure.rollback ?? []).forEach((name, j) => {
        const at = position.get(name) ?? -1;
        if (at >= 0 && at <= i) return;
        findings.push({
          rule: rollbackNotUpstream.id,
          severity: rollbackNotUpstream.severity,
          path: ['spec', 'rings', i, 'onFailure', 'rollback', j],
          message:
            at < 0
              ? `spec.rings[${i}].onFailure.rollback: "${name}" is not a ring (rings: ${listSome(rings.map((r) => r.name))})`
              : `spec.rings[${i}].onFailure.rollback: "${name}" is downstream of ${ring.name}`,
        });
      });
    });
    return findings;
  },
};
