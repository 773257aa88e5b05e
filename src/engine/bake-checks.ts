/**
 * @module What a ring's bake evaluates and when: the evaluation times of its gates (each gate's
 * interval grid and the end of the bake) and the metric checks due at each. Shared by the engine and
 * by backtest, so a backtest judges history exactly as a release would have.
 *
 * At each of its evaluation times a threshold gate reads the last interval and the sliding hour
 * (schedule.ts); `evaluate: whole-bake` is evaluated the same way, never as one mean over the bake.
 * A comparison gate compares its lookback. Nothing here grows with the bake: each call costs what
 * the ring's gates and regions do.
 */
import { evaluationTimes, isEvaluationTime, slidingWindow } from '../gates/schedule.ts';
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
  for (const { gate } of gatesOf(policy, ring)) {
    for (const t of evaluationTimes(gate, bake.healthyAt, bake.bakeUntil)) times.add(t);
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
  const checks: GateCheck[] = [];
  // One baseline list per baseline the ring's gates name, shared by every region's check: the
  // regions of a ring compare against the same stable pool.
  const pools = new Map<string, string[]>();
  const poolOf = (spec: string): string[] => {
    let regions = pools.get(spec);
    if (!regions) pools.set(spec, (regions = baseline(spec)));
    return regions;
  };
  for (const { name, gate } of gatesOf(policy, ring)) {
    if (!extension && !isEvaluationTime(gate, healthyAt, bakeUntil, t)) continue;
    const window = gate.compare ? null : slidingWindow(t, healthyAt, gate.warmup);
    const baselineRegions = gate.compare ? poolOf(gate.compare.baseline) : null;
    for (const region of ring.regions) {
      if (gate.compare) {
        const from = Math.max(healthyAt + gate.warmup, t - gate.compare.lookback);
        checks.push({ gate: name, region, kind: 'compare', from, to: t, baselineRegions: baselineRegions! });
        continue;
      }
      checks.push({ gate: name, region, kind: 'interval', from: t - gate.interval, to: t });
      if (window) checks.push({ gate: name, region, kind: 'hour', from: window.from, to: window.to });
    }
  }
  return checks;
}
