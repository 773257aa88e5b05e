/**
 * @module Lint rule averaged-gate (warning): a threshold gate uses `evaluate: whole-bake` on a ring
 * whose evaluated bake (bake minus the gate's warmup) is longer than 1h, so a short spike is
 * diluted away in the mean.
 */
import { formatDuration, HOUR } from '../../duration.ts';
import type { Finding, LintRule } from '../types.ts';

export const MAX_AVERAGE = HOUR;

export const averagedGate: LintRule = {
  id: 'averaged-gate',
  severity: 'warning',
  description: 'a gate uses evaluate: whole-bake over more than 1h',
  check({ policy }) {
    const findings: Finding[] = [];
    for (const [name, gate] of Object.entries(policy.spec.gates)) {
      if (gate.evaluate !== 'whole-bake' || gate.metric === undefined) continue;
      const users = policy.spec.rings.filter((r) => r.gates.includes(name));
      const longest = users.reduce<(typeof users)[number] | undefined>((a, b) => (a === undefined || b.bake > a.bake ? b : a), undefined);
      if (!longest) continue;
      const window = longest.bake - gate.warmup;
      if (window <= MAX_AVERAGE) continue;
      findings.push({
        rule: averagedGate.id,
        severity: averagedGate.severity,
        path: ['spec', 'gates', name, 'evaluate'],
        message: `gate ${name} has evaluate: whole-bake, so on ${longest.name} (bake ${formatDuration(longest.bake)}) it judges one mean of ${gate.metric} over ${formatDuration(window)}; a 15-minute spike is diluted away in an average wider than ${formatDuration(MAX_AVERAGE)} (use evaluate: interval)`,
      });
    }
    return findings;
  },
};
