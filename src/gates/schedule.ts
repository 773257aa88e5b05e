/**
 * @module When a gate is evaluated during a ring's bake, and which window each hour bucket covers.
 * Pure arithmetic on epoch milliseconds.
 *
 * Interval evaluations fall on the grid healthyAt + warmup + k·interval (k ≥ 1), each reading the
 * interval that just ended, up to and including bakeUntil. bakeUntil is always evaluated, even when
 * it is off the grid (its window then overlaps the previous one) or when the bake is no longer than
 * the warmup: the last word before promotion is always a fresh reading, and a gated ring never
 * reaches the end of its bake without any evaluation at all.
 *
 * Hour buckets end at every whole hour of bake (healthyAt + h·1h ≤ bakeUntil) and at bakeUntil
 * when the last, partial hour is at least 5 minutes long; a shorter tail adds too little to deserve
 * a verdict of its own. Each bucket reads [max(end − 1h, healthyAt + warmup), end): never wider than
 * one hour, so a 15-minute spike cannot be averaged away; clipped at the end of the warmup, so the
 * first bucket (and a bake shorter than an hour) leaves the settling-in period out; and the final
 * partial bucket is the trailing hour before bakeUntil, overlapping the previous bucket rather than
 * judging a few minutes alone. Given the warmup, hourBucketEnds also drops a bucket whose window
 * would be shorter than 5 minutes (one that lies almost entirely inside the warmup).
 */
import type { Gate } from '../policy/schema.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';

/** The shortest final partial hour (and the shortest bucket window) that gets its own hour check. */
export const MIN_HOUR_BUCKET = 5 * MINUTE;

function assertInstants(...xs: number[]): void {
  for (const x of xs) if (!Number.isFinite(x)) throw new RangeError(`expected an instant in epoch milliseconds, got ${x}`);
}

/** Instants of the interval evaluations of `gate` for a ring healthy at `healthyAt` whose bake ends at `bakeUntil`. */
export function evaluationTimes(gate: Pick<Gate, 'interval' | 'warmup'>, healthyAt: number, bakeUntil: number): number[] {
  assertInstants(healthyAt, bakeUntil);
  if (!(gate.interval > 0)) throw new RangeError(`a gate interval must be longer than 0 ms, got ${gate.interval}`);
  if (bakeUntil < healthyAt) return [];
  const start = healthyAt + Math.max(0, gate.warmup);
  const times: number[] = [];
  for (let k = 1; start + k * gate.interval <= bakeUntil; k++) times.push(start + k * gate.interval);
  if (times[times.length - 1] !== bakeUntil) times.push(bakeUntil);
  return times;
}

/**
 * Ends of the hour buckets of a bake: every whole hour, plus bakeUntil when the partial hour after the
 * last whole one lasts at least 5 minutes. With `warmup` (default 0), buckets whose window would be
 * shorter than 5 minutes are left out.
 */
export function hourBucketEnds(healthyAt: number, bakeUntil: number, warmup = 0): number[] {
  assertInstants(healthyAt, bakeUntil);
  const ends: number[] = [];
  let lastWhole = healthyAt;
  for (let h = 1; healthyAt + h * HOUR <= bakeUntil; h++) {
    lastWhole = healthyAt + h * HOUR;
    ends.push(lastWhole);
  }
  if (bakeUntil - lastWhole >= MIN_HOUR_BUCKET) ends.push(bakeUntil);
  return ends.filter((end) => {
    const w = hourBucketWindow(end, healthyAt, warmup);
    return w.to - w.from >= MIN_HOUR_BUCKET;
  });
}

/** The window an hour bucket ending at `end` averages over: [max(end − 1h, healthyAt + warmup), end). */
export function hourBucketWindow(end: number, healthyAt: number, warmup: number): { from: number; to: number } {
  const from = Math.min(end, Math.max(end - HOUR, healthyAt + Math.max(0, warmup)));
  return { from, to: end };
}

/**
 * The window a comparison evaluated at `at` reads: [max(at − lookback, healthyAt + warmup), at), so that
 * a canary is never judged on samples from before it settled.
 */
export function lookbackWindow(at: number, healthyAt: number, warmup: number, lookback: number): { from: number; to: number } {
  const from = Math.min(at, Math.max(at - lookback, healthyAt + Math.max(0, warmup)));
  return { from, to: at };
}
