/**
 * @module Comparison gates: each round folds the canary's new minutes against its baseline's into the
 * gate's sequential statistic (sequential.ts) and judges it, so that a canary no worse than its
 * baseline fails a bake at most 1 − confidence of the time however long the bake and however many
 * rounds look at it. Pure: minutes and the previous state come in as data, an Evaluation goes out.
 *
 * - The gate fails when the canary is significantly worse AND the shift exceeds the band: the
 *   statistic tests H0 "canary − baseline ≤ band" each minute, band = `maxIncrease` (absolute) or
 *   `maxRatio` × baseline (relative), the smaller when both are set (either one exceeded suffices),
 *   0 when neither is (significance alone). Any metric: the test is scale-free.
 * - One crossing of the boundary fails the ring: no "failures in a row" on top (compare-fold.ts).
 * - `margin` = 1 − statistic/boundary; `value` = the estimated shift (canary − baseline, a 30-minute
 *   exponentially weighted mean).
 * - A round without a single minute that has both a canary and a baseline value is inconclusive and
 *   carries no samples; minutes missing on either side are left out, never counted as passes.
 *
 * Where the state lives: in the ring's tracker of the gate and region (compare-fold.ts, which
 * track() calls for evaluations that carry samples). The statistic is a function of the recorded
 * evaluations' samples alone, so replaying a release rebuilds it exactly; the runtime judges a round
 * from the same state with judgeComparison, so the evaluation it records says what the fold decides.
 */
import { MINUTE } from '../policy/duration.ts';
import type { Gate } from '../policy/schema.ts';
import type { CompareSamples, Evaluation, MinuteSample, SequentialSettings } from './types.ts';
import { rememberFold } from './compare-fold.ts';
import { sig } from './format.ts';
import { LEARNING_MINUTES, boundary, crossed, initialSequential, sequentialMargin, statistic, updateSequential, type SequentialState } from './sequential.ts';

export type CompareGate = Gate & { compare: NonNullable<Gate['compare']> };

function compareOf(gateName: string, gate: Gate): NonNullable<Gate['compare']> {
  if (gate.compare === undefined) throw new TypeError(`gate "${gateName}" has no compare block, so it is not a comparison gate`);
  return gate.compare;
}

/** The test of a comparison gate in a ring baking `bake` ms: its band, α and horizon (bake after warmup, in minutes). */
export function compareSettings(gateName: string, gate: Gate, bake: number): SequentialSettings {
  const c = compareOf(gateName, gate);
  return {
    ...(c.maxIncrease !== undefined ? { maxIncrease: c.maxIncrease } : {}),
    ...(c.maxRatio !== undefined ? { maxRatio: c.maxRatio } : {}),
    alpha: Math.round((1 - c.confidence) * 1e12) / 1e12,
    horizon: Math.max(1, Math.ceil((bake - gate.warmup) / MINUTE)),
  };
}

function bandText(s: Pick<SequentialSettings, 'maxIncrease' | 'maxRatio'>): string {
  const parts = [s.maxIncrease !== undefined ? `maxIncrease ${sig(s.maxIncrease)}` : '', s.maxRatio !== undefined ? `maxRatio ${sig(s.maxRatio)}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' or ') : 'no band (significance alone)';
}

function minutes(n: number): string {
  return `${n} min`;
}

function signed(x: number): string {
  return x > 0 ? `+${sig(x)}` : sig(x);
}

function percent(shift: number, base: number): string {
  if (base === 0) return '';
  return ` (${signed(Math.round((1000 * shift) / Math.abs(base)) / 10)}%)`;
}

export interface ComparisonRound {
  gateName: string;
  gate: Gate;
  region: string;
  /** When the round was made: the end of the window it read. */
  at: number;
  /** The gate's state before this round (null for its first). */
  prior: SequentialState | null;
  /** The round's minutes; minutes without both values are left out. */
  minutes: readonly MinuteSample[];
  settings: SequentialSettings;
  /** What the baseline is, for people: `stable regions (12)`, `us-east-1`, `its own v1 over 7 days`. */
  baseline: string;
  /** Say in words what a pass read (default true); the controller keeps no words of a pass, so it asks for none. */
  describePass?: boolean;
}

/** No comparison this round: missing data, a provider error, no baseline. Never a pass. */
export function inconclusiveComparison(gateName: string, region: string, at: number, detail: string): Evaluation {
  return { gate: gateName, region, at, kind: 'compare', result: 'inconclusive', value: null, detail };
}

/** Judge one round: fold its new minutes into the prior state and say what the statistic says now. */
export function judgeComparison(round: ComparisonRound): Evaluation {
  const { gateName, gate, region, at, settings } = round;
  const metric = compareOf(gateName, gate).metric;
  const prior = round.prior ?? initialSequential();
  const fresh = round.minutes.filter((m) => Number.isFinite(m.canary) && Number.isFinite(m.baseline) && (prior.last === null || m.at > prior.last));
  if (fresh.length === 0) {
    return inconclusiveComparison(gateName, region, at, `no minute to compare ${metric} in ${region} with ${round.baseline}: the canary or the baseline has no samples`);
  }
  const next = updateSequential(prior, fresh, settings);
  const fail = crossed(next, settings);
  const words = fail || round.describePass !== false;
  const samples: CompareSamples = { ...settings, minutes: fresh.map(sampleOf) };
  rememberFold(samples, round.prior, next);
  return {
    gate: gateName,
    region,
    at,
    kind: 'compare',
    result: fail ? 'fail' : 'pass',
    value: next.shift,
    ...(words ? { detail: roundDetail(round, metric, fresh, next, fail) } : {}),
    margin: sequentialMargin(next, settings),
    samples,
  };
}

/** A minute as a round records it: its three fields, whatever else the caller's object holds. */
function sampleOf(m: MinuteSample): MinuteSample {
  return { at: m.at, canary: m.canary, baseline: m.baseline };
}

/** What a round read and what its statistic says, in words. */
function roundDetail(round: ComparisonRound, metric: string, fresh: readonly MinuteSample[], next: SequentialState, fail: boolean): string {
  const { region, settings } = round;
  const canary = fresh.reduce((a, m) => a + m.canary, 0) / fresh.length;
  const base = fresh.reduce((a, m) => a + m.baseline, 0) / fresh.length;
  const recent = `${sig(canary)} vs ${sig(base)} over the last ${minutes(fresh.length)}`;
  const shift = `shift ${signed(next.shift)}${percent(next.shift, next.base)}`;
  const evidence = `evidence ${sig(statistic(next), 3)} of ${sig(boundary(next.n, settings), 3)} after ${minutes(next.n)}`;
  if (fail) return `${metric} in ${region} is higher than ${round.baseline} beyond ${bandText(settings)}: ${recent}, ${shift}; ${evidence} (false alarms ≤ ${sig(settings.alpha)} per bake)`;
  if (next.n <= LEARNING_MINUTES) return `${metric} in ${region} vs ${round.baseline}: ${recent}, ${shift}; learning its noise (${next.n} of ${LEARNING_MINUTES} min)`;
  return `${metric} in ${region} vs ${round.baseline}: ${recent}, ${shift}; no sustained increase beyond ${bandText(settings)} (${evidence})`;
}
