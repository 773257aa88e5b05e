/**
 * @module Lint rule infra-and-app-together (error, `lint --release` only): a release lists both
 * `infra` and `app` changes, so a failure cannot be pinned on either.
 */
import type { LintRule } from '../types.ts';

export const infraAndAppTogether: LintRule = {
  id: 'infra-and-app-together',
  severity: 'error',
  description: 'a release lists both infra and app changes',
  check({ release }) {
    if (!release || !release.changes.includes('infra') || !release.changes.includes('app')) return [];
    return [{
      rule: infraAndAppTogether.id,
      severity: infraAndAppTogether.severity,
      path: ['spec', 'changes'],
      document: 'release',
      message: `changes lists both infra and app (${release.changes.join(', ')}); release the infrastructure change on its own first, then the app, so a failure points at one of them`,
    }];
  },
};
