/**
 * @module Lint rule no-automated-rollback (error): a production ring has no metric gate, so nothing
 * can fail it and trigger its rollback.
 */
import { hasMetricGate, isProductionRing } from '../../model.ts';
import { describeRing } from '../format.ts';
import type { LintRule } from '../types.ts';

export const noAutomatedRollback: LintRule = {
  id: 'no-automated-rollback',
  severity: 'error',
  description: 'a production ring has no metric gate (so nothing can trigger its rollback)',
  check({ policy }) {
    return policy.spec.rings.flatMap((ring, i) =>
      isProductionRing(policy, ring) && !hasMetricGate(policy, ring)
        ? [{
            rule: noAutomatedRollback.id,
            severity: noAutomatedRollback.severity,
            path: ['spec', 'rings', i, 'gates'],
            message: `${describeRing(policy, ring)} lists no metric gate in gates, so nothing can fail it and trigger its rollback`,
          }]
        : [],
    );
  },
};
