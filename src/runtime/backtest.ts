/** @module Backtest: judge one ring's gates over a stretch of recorded history as if the ring had
 * been deployed at a given moment. The evaluation times and checks come from the engine's own
 * bake-checks.ts, the readings from any Metrics (Prometheus in practice) through the engine's gate
 * runner, and the verdicts from the engine's tracker, so history is judged exactly as a release
 * would have judged it. What the engine does after a failure (rollback) or a halt (wait for a
 * person) is out of scope: the backtest stops there.
 */
import { detailOf } from '../gates/threshold.ts';
import { bakeSchedule, checksAt, type Bake } from '../engine/bake-checks.ts';
import { UsageError } from '../errors.ts';
import { initialTracker, readyToPromote, track, type TrackerState } from '../gates/tracker.ts';
import type { EvaluationKind, GateResult } from '../gates/types.ts';
import { gatesOf, productionRegions } from '../policy/model.ts';
import type { Policy } from '../policy/schema.ts';
import type { Metrics } from '../ports.ts';
import { runGateChecks } from './gate-runner.ts';

export interface BacktestRange {
  /** When the ring would have started deploying (epoch ms); it is healthy a deploy time later. */
  deployedAt: number;
  /** Evaluations outside [from, to] are not made. */
  from: number;
  to: number;
  /** The version under test and the one it replaces, for `{{version}}` in queries (default: unknown). */
  version?: string;
  previousVersion?: string;
}

export interface BacktestEvaluation {
  at: number;
  gate: string;
  region: string;
  value: number | null;
  result: GateResult;
  kind: EvaluationKind;
  detail: string;
}

export type BacktestVerdict = 'passed' | 'failed' | 'inconclusive';

export interface BacktestResult {
  ring: string;
  regions: string[];
  healthyAt: number;
  bakeUntil: number;
  verdict: BacktestVerdict;
  /** The evaluation whose tracker failed the ring. */
  firstFailure: { at: number; gate: string; region: string; value: number | null; detail: string } | null;
  /** The evaluation whose tracker halted the release (too many inconclusives in a row). */
  halted: { at: number; gate: string; region: string; detail: string } | null;
  /** When the verdict was reached, or the last evaluation made. */
  endedAt: number | null;
  /** One sentence: why this verdict. */
  reason: string;
  evaluations: BacktestEvaluation[];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The baseline of a comparison gate for ring `index`: a region name as written, or for
 * `stable-regions` the production regions of the rings after it, which a release that reached this
 * ring would still run on the previous version (the regions of earlier rings run the new one).
 */
function baselineFor(policy: Policy, index: number): (spec: string) => string[] {
  const later = new Set(policy.spec.rings.slice(index + 1).flatMap((r) => r.regions));
  const stable = productionRegions(policy)
    .map((r) => r.name)
    .filter((name) => later.has(name));
  return (spec) => (spec === 'stable-regions' ? stable : [spec]);
}

export async function backtest(policy: Policy, ringName: string, range: BacktestRange, metrics: Metrics): Promise<BacktestResult> {
  const index = policy.spec.rings.findIndex((r) => r.name === ringName);
  if (index < 0) {
    throw new UsageError(`ring "${ringName}" is not in policy ${policy.metadata.name} (known: ${policy.spec.rings.map((r) => r.name).join(', ')})`);
  }
  const ring = policy.spec.rings[index]!;
  for (const [k, v] of Object.entries({ deployedAt: range.deployedAt, from: range.from, to: range.to })) {
    if (!Number.isFinite(v)) throw new RangeError(`backtest ${k} must be an instant in epoch milliseconds (got ${v})`);
  }
  if (!(range.to > range.from)) throw new UsageError(`the range must end after it starts (from ${iso(range.from)}, to ${iso(range.to)})`);

  const healthyAt = range.deployedAt + policy.spec.delivery.deployTime;
  const bake: Bake = { healthyAt, bakeUntil: healthyAt + ring.bake };
  const baseline = baselineFor(policy, index);
  const gates = gatesOf(policy, ring);
  const minInterval = gates.length > 0 ? Math.min(...gates.map(({ gate }) => gate.interval)) : 5 * 60_000;
  const ctx = {
    policy,
    metrics,
    ring: ring.name,
    version: range.version ?? '',
    previousVersion: range.previousVersion ?? '',
  };

  const result: BacktestResult = {
    ring: ring.name,
    regions: [...ring.regions],
    healthyAt: bake.healthyAt,
    bakeUntil: bake.bakeUntil,
    verdict: 'inconclusive',
    firstFailure: null,
    halted: null,
    endedAt: null,
    reason: '',
    evaluations: [],
  };
  const trackers = new Map<string, TrackerState>();
  const schedule = bakeSchedule(policy, ring, bake).filter((t) => t >= range.from && t <= range.to);

  while (schedule.length > 0) {
    const t = schedule.shift()!;
    result.endedAt = t;
    const checks = checksAt(policy, ring, bake, t, baseline);
    const evaluations = await runGateChecks({ ...ctx, trackers: Object.fromEntries(trackers) }, checks);
    for (const ev of evaluations) {
      result.evaluations.push({ at: ev.at, gate: ev.gate, region: ev.region, value: ev.value, result: ev.result, kind: ev.kind, detail: detailOf(ev, policy.spec.gates[ev.gate]) });
    }
    for (const ev of evaluations) {
      const gate = policy.spec.gates[ev.gate];
      if (!gate) continue;
      const key = `${ev.gate}@${ev.region}`;
      const step = track(trackers.get(key) ?? initialTracker(), ev, gate);
      trackers.set(key, step.state);
      if (step.verdict === 'failed') {
        result.verdict = 'failed';
        result.firstFailure = { at: ev.at, gate: ev.gate, region: ev.region, value: ev.value, detail: detailOf(ev, gate) };
        result.reason = `${ev.gate} failed ${ring.name} in ${ev.region} at ${iso(ev.at)}: ${detailOf(ev, gate)}`;
        return result;
      }
      if (step.verdict === 'halt') {
        result.halted = { at: ev.at, gate: ev.gate, region: ev.region, detail: detailOf(ev, gate) };
        result.reason = `${gate.inconclusiveLimit} consecutive inconclusive evaluations of ${ev.gate} in ${ev.region} halted the release at ${iso(ev.at)}: ${ev.detail}`;
        return result;
      }
    }
    if (t >= bake.bakeUntil && schedule.length === 0) {
      if (readyToPromote(Object.fromEntries(trackers), policy.spec.gates)) {
        result.verdict = 'passed';
        result.reason = `every gate of ${ring.name} passed through the end of its bake (${iso(bake.bakeUntil)})${t > bake.bakeUntil ? `, promoted at ${iso(t)}` : ''}`;
        return result;
      }
      // Like the engine: the bake is over but the last results do not allow promotion; keep evaluating.
      if (t + minInterval <= range.to) schedule.push(t + minInterval);
    }
  }

  if (result.endedAt === null) {
    result.reason = `no evaluation of ${ring.name} falls in the range ${iso(range.from)} to ${iso(range.to)} (healthy at ${iso(bake.healthyAt)}, bake until ${iso(bake.bakeUntil)})`;
  } else if (range.to < bake.bakeUntil) {
    result.reason = `the range ends at ${iso(range.to)}, before the bake does (${iso(bake.bakeUntil)}), with no failure so far`;
  } else {
    result.reason = `the bake ended at ${iso(bake.bakeUntil)} but the last results never all passed before the range ended (${iso(range.to)})`;
  }
  return result;
}
