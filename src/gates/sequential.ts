/**
 * @module The sequential test behind comparison gates: a running statistic over per-minute
 * differences between a canary and its baseline, folded one minute at a time, whose chance of ever
 * crossing its boundary on a canary no worse than its baseline is at most α over the whole bake.
 * Pure numerics on plain data (the state is JSON: finite numbers and arrays, nothing else); no gate,
 * policy or metrics knowledge lives here. O(1) time and memory per minute, whatever the bake length.
 *
 * The method: a Shiryaev–Roberts change detector (the sum-form sibling of Page's CUSUM), mixed over
 * design shifts λ ∈ {¼, ½, 1, 2}, on robustly standardised excesses over the band.
 *
 * - Each minute gives u = canary − baseline and the excess e = u − band (band: maxIncrease, or
 *   maxRatio × |baseline|, the smaller when both are set, 0 when neither is). H0: E[e] ≤ 0.
 * - z = e / σ, clipped to ±3, where σ is the long-run (autocorrelation-aware) standard deviation of
 *   u, estimated from the minutes before this one only (predictable), so the increments below are
 *   fair bets under H0 whatever the metric's unit or noise.
 * - For each λ: L = exp(λz − λ²/2) has E[L] ≤ 1 under H0, and R ← L·(1 + R) (R starts at 0). R̄, the
 *   mean of the four, minus the number of minutes folded is a supermartingale, so by Ville's
 *   inequality P(R̄ ever reaches T/α within T minutes) ≤ α. Unlike a plain SPRT, R forgets a long
 *   good past (a good canary keeps R near 0), so a regression that starts hours into the bake is
 *   caught as fast as one present from the start.
 * - The statistic is log(1 + R̄), the boundary log(1 + A(n)): A = T/(0.9α) for the first T minutes (T,
 *   the horizon: the bake), then T·2ʲ/(0.1α·2⁻ʲ) for minutes in (T·2ʲ⁻¹, T·2ʲ], so that watching a
 *   ring past its bake, however long, spends only the last tenth of α. One crossing is the verdict.
 *
 * The noise estimate, and why each part is there (each was needed in calibration, see
 * comparison.calibration.test.ts):
 * - Level-free: after the first 20 minutes every variance comes from differences of u (lag 1 and
 *   lag 10), never from deviations around a running mean, so a regression (a step in u) is not
 *   mistaken for noise. A lag-1 difference beyond 6 lag-1 spreads is a jump: the 10 lag-10
 *   differences that straddle it are left out (a step moves one lag-1 difference but ten lag-10
 *   ones; learnt as noise, a 2× error rate right after the first 20 minutes went unseen for an
 *   hour in the simulator).
 * - Scale and shape: σ² = V·(1 + ρ)/(1 − ρ), the variance of a sum per minute of an AR(1) with
 *   marginal variance V and lag-1 autocorrelation ρ (per-minute samples of real metrics are
 *   correlated). The scale V is read from the lag-1 differences at once (a step moves only one of
 *   them); the shape ρ from the ratio of the lag-1 and lag-10 half-squared differences, both over
 *   the minutes up to SHAPE_DELAY (20) minutes ago once the noise is learnt. A step moves ten lag-10
 *   differences, and read as correlation it multiplied σ by 2 to 14 within 15 minutes of the onset
 *   (p99 ×1.6 took an hour in the simulator); delayed, the shape a regression is judged by is the
 *   one measured before it, and the test has had 20 minutes to see the step for what it is.
 * - The first 20 minutes: the lag-10 ratio rests on ten differences then, and it read ρ anywhere
 *   between 0 and 0.6 for independent minutes. Over those minutes alone (no regression to mistake
 *   for noise yet, and one there only makes the estimate larger), the lag-1 autocorrelation around
 *   their mean, corrected for its small-sample bias ((1 + 3ρ)/n), is far steadier; it counts as 20
 *   minutes of evidence, and the level-free ratio takes over as its own minutes accumulate.
 * - Uncertainty: ρ is raised by two standard errors, √(1 − ρ²)/√n (n the minutes its estimate
 *   rests on), and capped; V is taken from the lag-1 spreads with the estimate itself (with the
 *   raised ρ there the uncertainty was counted twice, once in V and once in (1 + ρ)/(1 − ρ)), or
 *   from the lag-10 spread with the raised ρ, whichever is larger.
 * - Changing noise: error rates are noisier at night (fewer requests), so V is the larger of a slow
 *   estimate (half-life 4 h) and a fast one (half-life 10 min) that follows a rising noise at once.
 * - Outliers: each difference is clipped to 3 estimated standard deviations before it updates a
 *   variance, and z is clipped to ±3, so one wild minute moves neither much.
 * - Start: the first 20 minutes only learn the noise; after them the variance is inflated by
 *   (1 + 10/n_eff), n_eff the minutes folded discounted for correlation, so an estimate made of few
 *   effectively independent minutes cannot trip the gate.
 *
 * Ville's bound is exact for fair bets; with an estimated noise it holds as far as the estimate
 * does, which is what the calibration test measures (2,000 bakes with ρ = 0.5: 0.45% against 2%;
 * with ρ = 0.9, 1.4%). The price of testing "worse than the band" rather than "worse than the
 * baseline" is time for shifts just past the band (p99 ×1.3 with maxRatio 0.2: about 3 hours on
 * 8% noise a minute); large ones fail in minutes once the first 20 are learnt. What stays is the
 * price of a noise known from 20 minutes: a ρ of 0 cannot yet be told from one of 0.45, and with
 * the start's inflation σ is about 2.5 times the noise's own for a regression that starts right
 * after them (1.4 times an hour later).
 */
import type { MinuteSample, SequentialSettings } from './types.ts';

/** The design shifts, in standard deviations of a minute's excess. */
export const DESIGN_SHIFTS: readonly number[] = [0.25, 0.5, 1, 2];
/** Minutes spent learning the noise before the statistic moves. */
export const LEARNING_MINUTES = 20;
/** Lag of the long difference the AR(1) fit uses. */
export const LONG_LAG = 10;
/** Half-lives (minutes) of the slow and the fast variance estimates. */
export const SLOW_HALF_LIFE = 240;
export const FAST_HALF_LIFE = 10;
/** Share of α spent within the horizon; the rest covers watching past it. */
export const WITHIN_HORIZON = 0.9;
/** Once the noise is learnt, the shape (ρ) is read from the differences that ended this many minutes ago. */
export const SHAPE_DELAY = 20;

const CLIP = 3;
/** A lag-1 difference beyond JUMP lag-1 spreads is a jump (from minute JUMP_AFTER on, once there is a spread). */
const JUMP = 6;
const JUMP_AFTER = 5;
const INFLATE = 10;
const RHO_MAX = 0.95;
const RHO_STANDARD_ERRORS = 2;
const DISPLAY_HALF_LIFE = 30;
const R_CAP = 1e200;

/** The running statistic of one gate in one region. Plain JSON data. */
export interface SequentialState {
  /** Minutes folded. */
  n: number;
  /** Starts (epoch ms) of the first and last minutes folded; a minute at or before `last` is skipped. */
  first: number | null;
  last: number | null;
  /** The last LONG_LAG + SHAPE_DELAY values of u = canary − baseline, oldest first. */
  recent: number[];
  /** The scale: slow and fast exponentially weighted means of (Δ₁u)²/2, up to this minute. */
  d1: number;
  fast: number;
  /** The shape: slow exponentially weighted means of (Δ₁₀u)²/2 and (Δ₁u)²/2 over the same minutes (SHAPE_DELAY behind once learnt). */
  d10: number;
  shape1: number;
  /** The minute (counted from 0) of the last jump, −1 when none: the long differences that straddle it are left out. */
  jumpAt: number;
  /** Moments of u over the learning minutes: count, Σu, Σu², Σ u·(previous u), the first u, the last u. */
  learn: number[];
  /** Shiryaev–Roberts statistics, one per design shift. */
  r: number[];
  /** What people read: exponentially weighted (30 min) means of u and of the baseline. */
  shift: number;
  base: number;
}

export function initialSequential(): SequentialState {
  return { n: 0, first: null, last: null, recent: [], d1: 0, fast: 0, d10: 0, shape1: 0, jumpAt: -1, learn: [0, 0, 0, 0, 0, 0], r: DESIGN_SHIFTS.map(() => 0), shift: 0, base: 0 };
}

/** The band at one minute: how much above its baseline the canary may be without failing. */
export function bandAt(settings: Pick<SequentialSettings, 'maxIncrease' | 'maxRatio'>, baseline: number): number {
  const { maxIncrease, maxRatio } = settings;
  const ratio = maxRatio === undefined ? undefined : maxRatio * Math.abs(baseline);
  if (maxIncrease !== undefined && ratio !== undefined) return Math.min(maxIncrease, ratio);
  return maxIncrease ?? ratio ?? 0;
}

/**
 * AR(1) ρ from q = (Δ₁ variance)/(Δ₁₀ variance) = (1 − ρ)/(1 − ρ¹⁰): the fixed point of
 * ρ = 1 − q(1 − ρ¹⁰), reached from below (from 1 − q the iteration rises to the root, a contraction
 * there); stopped at RHO_MAX, beyond which the cap applies anyway.
 */
function rhoFromRatio(q: number): number {
  if (!(q < 1)) return 0;
  let rho = 1 - q;
  for (let i = 0; i < 60 && rho < RHO_MAX; i++) {
    const r2 = rho * rho;
    const r8 = r2 * r2 * r2 * r2;
    const next = 1 - q * (1 - r8 * r2);
    if (next - rho < 1e-9) return next;
    rho = next;
  }
  return rho;
}

/**
 * The lag-1 autocorrelation of the learning minutes around their mean, corrected for its
 * small-sample bias and kept within [0, RHO_MAX]; null before ten of them (or without spread).
 */
function learntRho(s: SequentialState): number | null {
  const moments = s.learn;
  if (moments === undefined || !(moments[0]! >= LONG_LAG)) return null;
  const [n, sum, squares, products, first, last] = moments as [number, number, number, number, number, number];
  const mean = sum / n;
  const c0 = squares / n - mean * mean;
  if (!(c0 > 0)) return null;
  const c1 = (products - mean * (sum - first) - mean * (sum - last) + (n - 1) * mean * mean) / (n - 1);
  const r = c1 / c0;
  return Math.max(0, Math.min(RHO_MAX, r + (1 + 3 * r) / n));
}

/** Minutes the shape rests on: all of them while learning, then the learning ones plus those SHAPE_DELAY behind. */
function shapeMinutes(n: number): number {
  return n <= LEARNING_MINUTES ? n : LEARNING_MINUTES + Math.max(0, n - LEARNING_MINUTES - SHAPE_DELAY);
}

/**
 * The estimate of ρ (the cap when unknown): the level-free ratio fit, which after the learning
 * minutes is blended with their lag-1 autocorrelation, each weighted by the minutes behind it.
 */
export function rhoEstimate(s: SequentialState): number {
  if (!(s.d10 > 0)) return RHO_MAX;
  const fit = rhoFromRatio((s.shape1 ?? s.d1) / s.d10);
  const learnt = s.n >= LEARNING_MINUTES ? learntRho(s) : null;
  if (learnt === null) return fit;
  const since = shapeMinutes(s.n) - LEARNING_MINUTES;
  return (LEARNING_MINUTES * learnt + since * fit) / (LEARNING_MINUTES + since);
}

/** The lag-1 autocorrelation used, raised by two standard errors and capped (the cap when unknown). */
export function autocorrelation(s: SequentialState): number {
  if (!(s.d10 > 0)) return RHO_MAX;
  const rho = rhoEstimate(s);
  const effective = Math.max(1, Math.min(shapeMinutes(s.n), (2 * SLOW_HALF_LIFE) / Math.LN2));
  return Math.min(RHO_MAX, rho + (RHO_STANDARD_ERRORS * Math.sqrt(Math.max(0, 1 - rho * rho))) / Math.sqrt(effective));
}

/** The long-run standard deviation of u per minute that the next minute is standardised by (0 when there is no spread yet). */
export function noiseScale(s: SequentialState): number {
  const rho = autocorrelation(s);
  const point = Math.min(rho, rhoEstimate(s));
  const r2 = rho * rho;
  const variance = Math.max(s.d10 / (1 - r2 * r2 * r2 * r2 * r2), s.fast / (1 - point), s.d1 / (1 - point));
  const effective = Math.max(1, (s.n * (1 - rho)) / (1 + rho));
  return Math.sqrt(((variance * (1 + rho)) / (1 - rho)) * (1 + INFLATE / effective));
}

/** log(1 + R̄): 0 with no evidence, growing with evidence of an excess over the band. */
export function statistic(s: SequentialState): number {
  let sum = 0;
  for (const r of s.r) sum += r;
  return Math.log1p(sum / s.r.length);
}

/** The boundary after `n` minutes for α and horizon T (see the module comment). */
export function boundary(n: number, settings: Pick<SequentialSettings, 'alpha' | 'horizon'>): number {
  const T = Math.max(1, settings.horizon);
  if (n <= T) return Math.log1p(T / (settings.alpha * WITHIN_HORIZON));
  const j = Math.ceil(Math.log2(n / T));
  return Math.log1p((T * 2 ** j) / (settings.alpha * (1 - WITHIN_HORIZON) * 2 ** -j));
}

export function crossed(s: SequentialState, settings: Pick<SequentialSettings, 'alpha' | 'horizon'>): boolean {
  return s.n > 0 && statistic(s) >= boundary(s.n, settings);
}

/** 1 − statistic/boundary: 1 with no evidence, 0 at the boundary, negative beyond it. */
export function sequentialMargin(s: SequentialState, settings: Pick<SequentialSettings, 'alpha' | 'horizon'>): number {
  return 1 - statistic(s) / boundary(Math.max(1, s.n), settings);
}

const ew = (mean: number, x: number, w: number): number => mean + w * (x - mean);
const weight = (count: number, halfLife: number): number => Math.max(1 / count, Math.LN2 / halfLife);

/** Fold one minute into a state that is the caller's own (mutated in place). */
function foldMinute(s: SequentialState, m: MinuteSample, settings: SequentialSettings): void {
  const u = m.canary - m.baseline;
  if (s.n >= LEARNING_MINUTES) {
    // Standardise by what the minutes before this one say: the bet is fair under H0.
    const scale = noiseScale(s);
    const excess = u - bandAt(settings, m.baseline);
    let z = scale > 0 ? excess / scale : Math.sign(excess) * CLIP;
    z = Math.max(-CLIP, Math.min(CLIP, z));
    for (let k = 0; k < DESIGN_SHIFTS.length; k++) {
      const l = DESIGN_SHIFTS[k]!;
      s.r[k] = Math.min(R_CAP, Math.exp(l * z - (l * l) / 2) * (1 + s.r[k]!));
    }
  }
  const i = s.n;
  s.n += 1;
  if (i < LEARNING_MINUTES) {
    const moments = s.learn;
    if (moments[0]! > 0) moments[3]! += u * moments[5]!;
    else moments[4] = u;
    moments[0]! += 1;
    moments[1]! += u;
    moments[2]! += u * u;
    moments[5] = u;
  }
  // The lag-1 spread: a step moves only one lag-1 difference, so it hardly moves this.
  const spread = Math.sqrt(2 * Math.max(s.d1, s.fast));
  const k = s.recent.length;
  if (k >= 1) {
    const raw = u - s.recent[k - 1]!;
    // A jump: the LONG_LAG long differences that end from it on straddle it and would read a step as noise.
    if (s.n > JUMP_AFTER && spread > 0 && Math.abs(raw) > JUMP * spread) s.jumpAt = i;
    const limit = s.n > JUMP_AFTER && spread > 0 ? CLIP * spread : Infinity;
    const d = Math.max(-limit, Math.min(limit, raw));
    s.d1 = ew(s.d1, (d * d) / 2, weight(s.n - 1, SLOW_HALF_LIFE));
    s.fast = ew(s.fast, (d * d) / 2, weight(s.n - 1, FAST_HALF_LIFE));
  }
  // The shape reads the differences ending at minute j: this one while learning, then the one
  // SHAPE_DELAY minutes back (those that ended within the learning minutes were read then).
  const j = i < LEARNING_MINUTES ? i : i - SHAPE_DELAY;
  const lag = i - j;
  const jumpAt = s.jumpAt ?? -1;
  if (j >= LONG_LAG && (i < LEARNING_MINUTES || j >= LEARNING_MINUTES) && k - lag - LONG_LAG >= 0 && !(jumpAt >= 0 && j >= jumpAt && j < jumpAt + LONG_LAG)) {
    const uj = lag === 0 ? u : s.recent[k - lag]!;
    const long = j >= LEARNING_MINUTES ? CLIP * Math.sqrt(2 * Math.max(s.d1, s.d10, s.fast)) || Infinity : Infinity;
    const d10 = Math.max(-long, Math.min(long, uj - s.recent[k - lag - LONG_LAG]!));
    const short = CLIP * Math.sqrt(2 * Math.max(s.d1, s.fast)) || Infinity;
    const d1 = Math.max(-short, Math.min(short, uj - s.recent[k - lag - 1]!));
    const w = weight(j - LONG_LAG + 1, SLOW_HALF_LIFE);
    s.d10 = ew(s.d10, (d10 * d10) / 2, w);
    s.shape1 = ew(s.shape1 ?? 0, (d1 * d1) / 2, w);
  }
  s.recent.push(u);
  if (s.recent.length > LONG_LAG + SHAPE_DELAY) s.recent.shift();
  const w = weight(s.n, DISPLAY_HALF_LIFE);
  s.shift = ew(s.shift, u, w);
  s.base = ew(s.base, m.baseline, w);
  if (s.first === null) s.first = m.at;
  s.last = m.at;
}

/**
 * The state after folding `minutes` in time order. Minutes at or before the state's last one (an
 * overlapping window, a round asked for twice) and minutes without two finite values are skipped,
 * so folding is idempotent and a round may safely re-read minutes. Never changes its arguments.
 */
export function updateSequential(state: SequentialState, minutes: readonly MinuteSample[], settings: SequentialSettings): SequentialState {
  const s: SequentialState = { ...state, recent: [...state.recent], learn: [...(state.learn ?? [0, 0, 0, 0, 0, 0])], r: [...state.r] };
  let inOrder = true;
  for (let i = 1; i < minutes.length && inOrder; i++) inOrder = minutes[i - 1]!.at <= minutes[i]!.at;
  const ordered = inOrder ? minutes : [...minutes].sort((a, b) => a.at - b.at);
  for (const m of ordered) {
    if (s.last !== null && m.at <= s.last) continue;
    if (!Number.isFinite(m.canary) || !Number.isFinite(m.baseline)) continue;
    foldMinute(s, m, settings);
  }
  return s;
}
