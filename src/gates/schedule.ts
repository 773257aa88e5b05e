/**
 * @module When a gate is evaluated during a ring's bake, and which window each of its readings
 * covers. Pure arithmetic on epoch milliseconds.
 *
 * Interval evaluations fall on the grid healthyAt + warmup + k·interval (k ≥ 1), each reading the
 * interval that just ended, up to and including bakeUntil. bakeUntil is always evaluated, even when
 * it is off the grid (its window then overlaps the previous one) or when the bake is no longer than
 * the warmup: the last word before promotion is always a fresh reading, and a gated ring never
 * reaches the end of its bake without any evaluation at all.
 *
 * At every interval evaluation a threshold gate also checks the sliding hour: the mean over
 * [max(at − 1h, healthyAt + warmup), at). It is never wider than one hour, so no spike is averaged
 * into a longer mean; it slides with the evaluations rather than being phased to the deploy, so a
 * spike that moves its hour over a bound is judged as soon as it does; it leaves the warmup out; and
 * it is not checked until it spans at least 5 minutes (a shorter mean says no more than the
 * interval reading does).
 */
import type { Gate } from '../policy/schema.ts';
import { HOUR } from '../policy/duration.ts';

/** The widest mean any verdict rests on: the sliding window of every threshold gate. */
export const SLIDING_WINDOW = HOUR;

/** The shortest sliding window that gets a check of its own: a full one (policy.md, "once the ring has run that long"). */
export const MIN_SLIDING_WINDOW = SLIDING_WINDOW;

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
 * Whether `at` is one of evaluationTimes(gate, healthyAt, bakeUntil), in constant time (the engine
 * asks at every evaluation; the list grows with the bake).
 */
export function isEvaluationTime(gate: Pick<Gate, 'interval' | 'warmup'>, healthyAt: number, bakeUntil: number, at: number): boolean {
  assertInstants(healthyAt, bakeUntil);
  if (!(gate.interval > 0)) throw new RangeError(`a gate interval must be longer than 0 ms, got ${gate.interval}`);
  if (bakeUntil < healthyAt || at > bakeUntil) return false;
  if (at === bakeUntil) return true;
  const start = healthyAt + Math.max(0, gate.warmup);
  return at > start && (at - start) % gate.interval === 0;
}

/**
 * The sliding window a threshold gate checks at `at`: [at − 1h, at), or null until the ring has
 * been healthy an hour past its warmup.
 */
export function slidingWindow(at: number, healthyAt: number, warmup: number): { from: number; to: number } | null {
  assertInstants(at, healthyAt);
  const from = Math.max(at - SLIDING_WINDOW, healthyAt + Math.max(0, warmup));
  return at - from >= MIN_SLIDING_WINDOW ? { from, to: at } : null;
}

/**
 * The window a comparison evaluated at `at` reads: [max(at − lookback, healthyAt + warmup), at), so that
 * a canary is never judged on samples from before it settled.
 */
export function lookbackWindow(at: number, healthyAt: number, warmup: number, lookback: number): { from: number; to: number } {
  const from = Math.min(at, Math.max(at - lookback, healthyAt + Math.max(0, warmup)));
  return { from, to: at };
}
