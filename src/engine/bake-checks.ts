/**
 * @module What a ring's bake evaluates and when: the evaluation times of its gates (interval grid,
 * hour buckets, the end of the bake) and the metric checks due at each. Shared by the engine and by
 * backtest, so a backtest judges history exactly as a release would have.
 */
import { evaluationTimes, hourBucketEnds, hourBucketWindow } from '../gates/schedule.ts';
import { gatesOf } from '../policy/model.ts';
import type { Policy, Ring } from '../policy/schema.ts';
import type { GateCheck } from './types.ts';

export interface Bake {
  healthyAt: number;
  bakeUntil: number;
}

/** Every evaluation time of the bake, ascending, always including its end. */
export function bakeSchedule(policy: Policy, ring: Ring, bake: Bake): number[] {
  const times = new Set<number>([bake.bakeUntil]);
  const gates = gatesOf(policy, ring);
  for (const { gate } of gates) {
    for (const t of evaluationTimes(gate, bake.healthyAt, bake.bakeUntil)) times.add(t);
  }
  if (gates.some(({ gate }) => gate.metric !== undefined && gate.evaluate === 'interval')) {
    for (const t of hourBucketEnds(bake.healthyAt, bake.bakeUntil)) times.add(t);
  }
  return [...times].sort((a, b) => a - b);
}

/**
 * The checks due at time t. After the bake's end (t > bakeUntil: the bake is over but the last
 * results did not allow promotion) every gate is checked on its interval. `baseline` names the
 * regions a stable-regions comparison compares against.
 */
export function checksAt(policy: Policy, ring: Ring, bake: Bake, t: number, baseline: (spec: string) => string[]): GateCheck[] {
  const { healthyAt, bakeUntil } = bake;
  const extension = t > bakeUntil;
  const hourEnds = new Set(hourBucketEnds(healthyAt, bakeUntil));
  const checks: GateCheck[] = [];
  for (const { name, gate } of gatesOf(policy, ring)) {
    const onGrid = extension || evaluationTimes(gate, healthyAt, bakeUntil).includes(t);
    for (const region of ring.regions) {
      if (gate.compare) {
        if (!onGrid) continue;
        const from = Math.max(healthyAt + gate.warmup, t - gate.compare.lookback);
        checks.push({ gate: name, region, kind: 'compare', from, to: t, baselineRegions: baseline(gate.compare.baseline) });
      } else if (gate.evaluate === 'whole-bake') {
        if (t >= bakeUntil) checks.push({ gate: name, region, kind: 'hour', from: healthyAt + gate.warmup, to: t });
      } else {
        if (onGrid) checks.push({ gate: name, region, kind: 'interval', from: t - gate.interval, to: t });
        if (!extension && hourEnds.has(t)) {
          const w = hourBucketWindow(t, healthyAt, gate.warmup);
          if (w.to > w.from) checks.push({ gate: name, region, kind: 'hour', from: w.from, to: w.to });
        }
      }
    }
  }
  return checks;
}
