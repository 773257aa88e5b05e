/**
 * @module Lint rule no-deploy-windows (warning): `windows.deploy: always` with production rings, so
 * production deploys may start at night or at weekends.
 */
import { isProductionRing } from '../../model.ts';
import { listNames } from '../format.ts';
import type { LintRule } from '../types.ts';

export const noDeployWindows: LintRule = {
  id: 'no-deploy-windows',
  severity: 'warning',
  description: 'windows.deploy: always for production rings',
  check({ policy }) {
    if (policy.spec.windows.deploy !== 'always') return [];
    const production = policy.spec.rings.filter((r) => isProductionRing(policy, r)).map((r) => r.name);
    if (production.length === 0) return [];
    return [{
      rule: noDeployWindows.id,
      severity: noDeployWindows.severity,
      path: ['spec', 'windows', 'deploy'],
      message: `windows.deploy is always, so production rings (${listNames(production)}) may start deploying outside business hours, when few people are there to notice; use business-hours`,
    }];
  },
};
