/**
 * @module The strategy comparison (scenario.md): the same scenario under every strategy, over
 * several seeds, reduced to means. Deterministic.
 */
import type { Policy } from '../policy/schema.ts';
import { STRATEGIES, strategyPolicy, type Strategy } from '../policy/strategies.ts';
import type { Scenario } from '../sim/scenario.ts';
import { outcomeOf, type Outcome } from './report.ts';
import { runSimulation } from './simulate.ts';

export interface StrategyResult {
  strategy: Strategy;
  /** The most frequent outcome over the seeds (ties: the worse one). */
  outcome: Outcome;
  outcomes: Partial<Record<Outcome, number>>;
  userMinutes: number;
  /** Mean minutes from fault onset to detection over the runs that detected it; null if none did. */
  detectionMinutes: number | null;
  /** Mean hours from start to completion over the runs that completed; null if none did. */
  hoursToComplete: number | null;
  /** What the strategy had to change besides the rings, if anything. */
  note: string | null;
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
const SEVERITY: Outcome[] = ['halted', 'rolled-back', 'waiting', 'completed'];

export async function compareStrategies(policy: Policy, scenario: Scenario, seeds: number): Promise<StrategyResult[]> {
  const results: StrategyResult[] = [];
  for (const strategy of STRATEGIES) {
    const { policy: p, note } = strategyPolicy(policy, strategy);
    const exposure: number[] = [];
    const detection: number[] = [];
    const hours: number[] = [];
    const outcomes: Partial<Record<Outcome, number>> = {};
    for (let k = 0; k < seeds; k++) {
      const run = await runSimulation(p, scenario, { seed: scenario.spec.seed + k });
      const outcome = outcomeOf(run.state);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      exposure.push(run.userMinutes);
      const d = run.state.detection;
      if (d && run.faultOnset !== null) detection.push((d.at - run.faultOnset) / 60_000);
      if (run.state.phase === 'completed' && run.state.completedAt !== null) hours.push((run.state.completedAt - scenario.spec.start) / 3_600_000);
    }
    const outcome = SEVERITY.reduce<Outcome>((best, o) => ((outcomes[o] ?? 0) > (outcomes[best] ?? 0) ? o : best), SEVERITY.find((o) => outcomes[o]) ?? 'waiting');
    results.push({ strategy, outcome, outcomes, userMinutes: r2(mean(exposure))!, detectionMinutes: r2(mean(detection)), hoursToComplete: r2(mean(hours)), note });
  }
  return results;
}
