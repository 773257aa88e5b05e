/**
 * @module The Mann–Whitney U test (Wilcoxon rank-sum) and the Hodges–Lehmann shift estimate, with the
 * normal CDF they need. Pure numerics; no gate or policy knowledge lives here.
 *
 * Conventions follow R's `wilcox.test(a, b)`: `u` is W, the number of pairs (a_i, b_j) with
 * a_i > b_j, ties counting one half. Without ties and with n1, n2 ≤ 20 the p-values are exact, from
 * the distribution of U counted by the recurrence c(m, n, u) = c(m − 1, n, u − n) + c(m, n − 1, u)
 * (the largest observation belongs either to a, beating all n of b, or to b). Otherwise they use the
 * normal approximation with the tie-corrected variance and a continuity correction of ½ towards the
 * mean. `z` is always (U − μ)/σ with the tie-corrected σ and no continuity correction; it is
 * reported for people, the p-values do not come from it.
 */

export interface MannWhitney {
  /** U for `a`: pairs with a_i > b_j, plus half the tied pairs (R's W). */
  u: number;
  /** (U − n1·n2/2)/σ, tie-corrected, without continuity correction; 0 when σ is 0. */
  z: number;
  /** One-sided p-value for "a is stochastically greater than b". */
  pGreater: number;
  /** One-sided p-value for "a is stochastically less than b". */
  pLess: number;
  pTwoSided: number;
  /** Hodges–Lehmann estimate of the shift a − b: the median of the pairwise differences a_i − b_j. */
  shift: number;
}

/** Largest sample sizes for which the exact distribution is used (when there are no ties). */
export const EXACT_MAX_N = 20;
/** Most pairwise differences the Hodges–Lehmann estimate sorts; larger samples are thinned. */
export const MAX_PAIRS = 250_000;

/**
 * erfc(x), Numerical Recipes' Chebyshev fit (Press et al., "Numerical Recipes", §6.2, `erfcc`):
 * fractional error below 1.2·10⁻⁷ everywhere, so tail probabilities keep their relative accuracy.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** The median of `xs` (mean of the two middle values for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Counts of arrangements giving U = 0 … n1·n2 for samples of n1 and n2 distinct values. */
export function exactUCounts(n1: number, n2: number): number[] {
  // prev[j] holds the counts for (i − 1, j); row[j] those for (i, j).
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const row: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const counts = new Array<number>(i * j + 1).fill(0);
      const left = row[j - 1]!; // (i, j − 1): the largest value is one of b's
      for (let u = 0; u < left.length; u++) counts[u]! += left[u]!;
      const up = prev[j]!; // (i − 1, j): the largest value is one of a's and beats all j of b
      for (let u = 0; u < up.length; u++) counts[u + j]! += up[u]!;
      row.push(counts);
    }
    prev = row;
  }
  return prev[n2]!;
}

function thin(sorted: Float64Array, k: number): Float64Array {
  const n = sorted.length;
  if (k >= n) return sorted;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = sorted[Math.floor(((i + 0.5) * n) / k)]!;
  return out;
}

/**
 * Median of all a_i − b_j. When n1·n2 exceeds MAX_PAIRS, each sorted sample is thinned to evenly
 * spaced order statistics (the ((i + ½)/k)-quantiles) so that at most MAX_PAIRS differences remain:
 * deterministic, and it keeps the shape of both distributions.
 */
export function hodgesLehmann(a: readonly number[], b: readonly number[]): number {
  let sa: Float64Array = Float64Array.from(a).sort();
  let sb: Float64Array = Float64Array.from(b).sort();
  if (sa.length * sb.length > MAX_PAIRS) {
    const root = Math.floor(Math.sqrt(MAX_PAIRS));
    if (sa.length <= root) sb = thin(sb, Math.floor(MAX_PAIRS / sa.length));
    else if (sb.length <= root) sa = thin(sa, Math.floor(MAX_PAIRS / sb.length));
    else {
      sa = thin(sa, root);
      sb = thin(sb, root);
    }
  }
  const diffs = new Float64Array(sa.length * sb.length);
  let k = 0;
  for (const x of sa) for (const y of sb) diffs[k++] = x - y;
  const mid = diffs.length >> 1;
  const upper = selectKth(diffs, mid);
  if (diffs.length % 2 === 1) return upper;
  // After selection every value left of `mid` is ≤ the upper middle: the lower middle is their max.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (diffs[i]! > lower) lower = diffs[i]!;
  return (lower + upper) / 2;
}

/** The k-th smallest value (0-based), by in-place quickselect: O(n) on average instead of a sort. */
export function selectKth(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    // Median of three as the pivot keeps sorted and constant inputs fast.
    const m = (lo + hi) >> 1;
    const a = xs[lo]!, b = xs[m]!, c = xs[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i] = xs[j]!;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
}

export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitney {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError(`mannWhitney needs at least one value on each side (got ${n1} and ${n2})`);
  for (const v of [...a, ...b]) if (Number.isNaN(v)) throw new RangeError('mannWhitney: samples must not contain NaN');

  // Midranks of the pooled sample; rank sum of a; tie groups.
  const pooled = [...a.map((v) => ({ v, fromA: true })), ...b.map((v) => ({ v, fromA: false }))].sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0; // Σ (t³ − t)
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && pooled[j + 1]!.v === pooled[i]!.v) j++;
    const t = j - i + 1;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (pooled[k]!.fromA) rankSumA += midrank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt((n1 * n2 / 12) * (n + 1 - tieTerm / (n * (n - 1) || 1)));
  const z = sigma > 0 ? (u - mu) / sigma : 0;
  const shift = hodgesLehmann(a, b);

  if (tieTerm === 0 && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N) {
    const counts = exactUCounts(n1, n2);
    let total = 0;
    let atLeast = 0;
    let atMost = 0;
    for (let k = 0; k < counts.length; k++) {
      total += counts[k]!;
      if (k >= u) atLeast += counts[k]!;
      if (k <= u) atMost += counts[k]!;
    }
    const pGreater = atLeast / total;
    const pLess = atMost / total;
    const pTwoSided = Math.min(1, 2 * (u > mu ? pGreater : pLess));
    return { u, z, pGreater, pLess, pTwoSided, shift };
  }

  if (!(sigma > 0)) return { u, z, pGreater: 1, pLess: 1, pTwoSided: 1, shift };
  const pGreater = normalCdf(-(u - mu - 0.5) / sigma);
  const pLess = normalCdf((u - mu + 0.5) / sigma);
  const zTwo = (u - mu - Math.sign(u - mu) * 0.5) / sigma;
  const pTwoSided = Math.min(1, 2 * Math.min(normalCdf(zTwo), normalCdf(-zTwo)));
  return { u, z, pGreater, pLess, pTwoSided, shift };
}
