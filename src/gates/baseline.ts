/**
 * @module The baseline of a comparison at one minute, and where a `self` baseline reads its history.
 * Pure arithmetic on numbers and epoch milliseconds; reading the samples is the runtime's job.
 *
 * The baseline at a minute is the mean of the pool's values then (the stable regions', or the same
 * minute on each of the previous days), each value first clipped to Tukey's far-out fences
 * [Q1 − 3·IQR, Q3 + 3·IQR]: one region in an incident of its own cannot drag the baseline far, yet
 * the centre is a mean, unbiased for a canary that behaves like a typical pool member. A median is
 * not: on a metric made of few counts (an error rate of 2 failures a minute) the median of the pool
 * sits below its mean, and a significance-only gate (no band) then failed 12% of good bakes in
 * calibration instead of at most 2%.
 */
import { DAY, HOUR } from '../policy/duration.ts';
import { firstInstantAtLocal, localMs } from '../plan/zone-time.ts';

/** The q-quantile of sorted values, interpolated between neighbours (R's type 7). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Reused working space (the function is synchronous, so no two calls share it at once). */
let scratch = new Float64Array(64);

/**
 * The fenced mean of the finite values (NaN when there are none). O(n log n) in the pool's size;
 * computed once per minute and shared by every canary region that compares with this pool.
 */
export function baselineCenter(values: ArrayLike<number>): number {
  if (scratch.length < values.length) scratch = new Float64Array(Math.max(values.length, 2 * scratch.length));
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    // Insertion while small (a pool of a few regions, a week of days); a sort below for large pools.
    let j = n++;
    if (values.length <= 32) {
      for (; j > 0 && scratch[j - 1]! > v; j--) scratch[j] = scratch[j - 1]!;
    }
    scratch[j] = v;
  }
  if (n === 0) return NaN;
  const sorted = scratch.subarray(0, n);
  if (values.length > 32) sorted.sort();
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const lo = q1 - 3 * (q3 - q1);
  const hi = q3 + 3 * (q3 - q1);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.min(hi, Math.max(lo, sorted[i]!));
  return sum / n;
}

/** How long before a ring was healthy its region's own history may start counting as the previous version. */
export const SELF_GUARD = HOUR;

/**
 * The windows a `self` baseline reads for the canary window [from, to): the same local clock times
 * on whole earlier days, in the region's time zone (so a DST change keeps the local hours), for
 * `history / 1d` days (at least one). The days are the latest ones whose window ends at least
 * SELF_GUARD before `bakeStart` (when the ring became healthy), so the deploy itself and the new
 * version are never part of their own baseline; a window late in a long bake reaches further back.
 * Newest first; each window is as long as [from, to).
 */
export function selfWindows(from: number, to: number, zone: string, bakeStart: number, history: number): Array<{ from: number; to: number; daysBack: number }> {
  const days = Math.max(1, Math.floor(history / DAY));
  const latestEnd = bakeStart - SELF_GUARD;
  const local = localMs(zone, from);
  const length = to - from;
  const out: Array<{ from: number; to: number; daysBack: number }> = [];
  // The first day back far enough; whole days are ~24 h apart, so start from the UTC estimate and step.
  let k = Math.max(1, Math.ceil((to - latestEnd) / DAY) - 1);
  while (firstInstantAtLocal(zone, local - k * DAY) + length > latestEnd) k++;
  for (let i = 0; i < days; i++, k++) {
    const start = firstInstantAtLocal(zone, local - k * DAY);
    out.push({ from: start, to: start + length, daysBack: k });
  }
  return out;
}
