/**
 * @module Lint rule simultaneous-deploy (error): one ring holds every production region, so a bad
 * release reaches every user at once.
 */
import { productionRegions } from '../../model.ts';
import { listNames, productionRegionNames } from '../format.ts';
import type { LintRule } from '../types.ts';

export const simultaneousDeploy: LintRule = {
  id: 'simultaneous-deploy',
  severity: 'error',
  description: 'one ring holds every production region',
  check({ policy }) {
    const production = productionRegions(policy).map((r) => r.name);
    if (production.length === 0) return [];
    return policy.spec.rings.flatMap((ring, i) => {
      const held = productionRegionNames(policy, ring);
      if (held.length < production.length) return [];
      return [{
        rule: simultaneousDeploy.id,
        severity: simultaneousDeploy.severity,
        path: ['spec', 'rings', i, 'regions'],
        message: `${ring.name} holds every production region (${listNames(production)}): a bad release reaches 100% of users at once; split them into rings, smallest region first`,
      }];
    });
  },
};
