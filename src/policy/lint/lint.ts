/**
 * @module Running the lint rules over a policy (and, for `lint --release`, a release): every
 * finding, errors first, then in the order of the lint table. Pure; formatting is the CLI's job.
 */
import { RULES } from './rules/index.ts';
import type { Finding, LintContext, LintRule } from './types.ts';

export function lint(ctx: LintContext, rules: readonly LintRule[] = RULES): Finding[] {
  const order = new Map(rules.map((r, i) => [r.id, i]));
  const rank = (f: Finding): number => (f.severity === 'error' ? 0 : 1);
  return rules
    .flatMap((rule) => rule.check(ctx))
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || (order.get(a.f.rule) ?? 0) - (order.get(b.f.rule) ?? 0) || a.i - b.i)
    .map(({ f }) => f);
}
