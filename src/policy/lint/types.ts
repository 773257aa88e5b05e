/**
 * @module The shapes of lint: a rule, what it sees (policy and, for `lint --release`, the release),
 * and what it reports. Rules live one per file in rules/; nothing here runs them.
 */
import type { Policy, ReleaseRequest } from '../schema.ts';
import type { Path } from '../source.ts';

export type Severity = 'error' | 'warning';

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  /** The field the finding is about, e.g. ['spec', 'rings', 1, 'bake']. */
  path: Path;
  /** Which document `path` points into; the policy unless said otherwise (release-level rules). */
  document?: 'policy' | 'release';
}

export interface LintContext {
  policy: Policy;
  /** Given by `lint --release`; release-level rules stay silent without it. */
  release?: ReleaseRequest;
}

export interface LintRule {
  id: string;
  /** The rule's default severity; a finding may say otherwise (canary-not-smallest). */
  severity: Severity;
  description: string;
  check(ctx: LintContext): Finding[];
}
