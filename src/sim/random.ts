/**
 * @module Counter-based seeded randomness for the simulated fleet: a draw is a pure function of
 * (seed, keys), so the value for (region, metric, minute) is the same whichever order, or however
 * often, it is asked for. No state, no Math.random. The `…3` variants take exactly three integer
 * keys as arguments and allocate nothing, for per-minute loops; they give the same draws as the
 * general functions with those three keys. The `…From` variants take the hash state after the
 * first two keys (`hashPrefix(seed, a, b)`) and fold only the last key, for loops that draw many
 * minutes of one (region, metric): they give the same draws as the `…3` variants.
 */

const TWO_32 = 4294967296;

/** murmur3's finaliser: a bijective 32-bit avalanche, as a signed 32-bit integer (`>>> 0` for the unsigned value). */
function fmix32Signed(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** murmur3's finaliser, unsigned. */
function fmix32(x: number): number {
  return fmix32Signed(x) >>> 0;
}

/** murmur3's scramble of a 32-bit word before it is folded in. */
function scramble(word: number): number {
  const k = Math.imul(word, 0xcc9e2d51);
  return Math.imul((k << 15) | (k >>> 17), 0x1b873593);
}

/** murmur3's block step after the scramble: fold a scrambled word into the running hash. */
function foldScrambled(h: number, k: number): number {
  const x = h ^ k;
  return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
}

/** murmur3's block step: fold one 32-bit word into the running hash. */
function mixWord(h: number, word: number): number {
  return foldScrambled(h, scramble(word));
}

/** Scrambled words that are folded in often: the high word of a negative 32-bit key, and streams 1 to 3. */
const SCRAMBLED_MINUS_ONE = scramble(-1);
const SCRAMBLED_STREAM_1 = scramble(1);
const SCRAMBLED_STREAM_2 = scramble(2);
const SCRAMBLED_STREAM_3 = scramble(3);

/**
 * Fold an integer (any safe integer, negative too) into the hash as two 32-bit words: the low word
 * (n mod 2^32), then the high word (floor(n / 2^32)). For −2^31 ≤ n < 2^32 the low word is n's
 * 32-bit pattern and the high word is −1 or 0 (which scrambles to 0), so no division is needed.
 */
function mixInteger(h: number, n: number): number {
  if ((n | 0) === n) return foldScrambled(mixWord(h, n), n < 0 ? SCRAMBLED_MINUS_ONE : 0);
  if (n >>> 0 === n) return foldScrambled(mixWord(h, n | 0), 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`random keys and seeds are integers; got ${n}`);
  const hi = Math.floor(n / TWO_32);
  const lo = n - hi * TWO_32;
  return mixWord(mixWord(h, lo >>> 0), hi | 0);
}

/** A 32-bit hash of a seed, integer keys and a stream number. */
export function hash32(seed: number, keys: readonly number[], stream = 0): number {
  let h = mixInteger(0x2545f491, seed);
  for (const k of keys) h = mixInteger(h, k);
  h = mixWord(h, stream);
  return fmix32(h ^ (keys.length + 2));
}

/**
 * The hash state after folding in the seed and the first two of three keys (a signed 32-bit
 * integer, fits an Int32Array): what `uniformFrom`, `noiseFrom` and `binomialFrom` take in place
 * of (seed, a, b). Throws a RangeError, as the draws do, when the seed or a key is not a safe integer.
 */
export function hashPrefix(seed: number, a: number, b: number): number {
  return mixInteger(mixInteger(mixInteger(0x2545f491, seed), a), b);
}

/** (hash + ½) / 2^32 of the final hash of a three-key state `h` whose stream is already folded in. */
function unitOf(h: number): number {
  return ((fmix32Signed(h ^ 5) >>> 0) + 0.5) / TWO_32;
}

/** Box–Muller on the uniforms of streams 1 and 2 of the three-key state `h` (all keys folded in). */
function normalOf(h: number): number {
  const u1 = unitOf(foldScrambled(h, SCRAMBLED_STREAM_1));
  const u2 = unitOf(foldScrambled(h, SCRAMBLED_STREAM_2));
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A 32-bit hash of a string (FNV-1a), to turn names such as regions into keys. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A uniform draw in the open interval (0, 1), determined by (seed, keys, stream). */
export function uniform(seed: number, keys: readonly number[], stream = 0): number {
  return (hash32(seed, keys, stream) + 0.5) / TWO_32;
}

/** uniform(seed, [a, b, c], stream), allocating nothing. */
export function uniform3(seed: number, a: number, b: number, c: number, stream: number): number {
  return uniformFrom(hashPrefix(seed, a, b), c, stream);
}

/** uniform3(seed, a, b, c, stream) from prefix = hashPrefix(seed, a, b). */
export function uniformFrom(prefix: number, c: number, stream: number): number {
  return unitOf(mixWord(mixInteger(prefix, c), stream));
}

/**
 * A standard normal N(0, 1) draw determined only by `seed` and `keys` (integers): two uniforms
 * from independent hash streams, then Box–Muller.
 */
export function noise(seed: number, ...keys: number[]): number {
  const u1 = uniform(seed, keys, 1);
  const u2 = uniform(seed, keys, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** noise(seed, a, b, c), allocating nothing. */
export function noise3(seed: number, a: number, b: number, c: number): number {
  return normalOf(mixInteger(hashPrefix(seed, a, b), c));
}

/** noise3(seed, a, b, c) from prefix = hashPrefix(seed, a, b): c is folded in once for both uniforms. */
export function noiseFrom(prefix: number, c: number): number {
  return normalOf(mixInteger(prefix, c));
}

/**
 * Below this expected count (of the rarer outcome) a binomial draw is exact (inversion of the
 * binomial CDF); from it on, the normal approximation below. The approximation's CDF is within
 * 5e-4 of the exact one at every count for a mean of 30 (whatever n and p), 1e-4 at 120 (the internal
 * ring's minute), 6e-6 at 2,000 (a production region's minute); without the skewness term it would
 * be 1.2e-2 at 30. Inversion takes about mean + 1 steps.
 */
export const EXACT_BINOMIAL_BELOW = 30;

/**
 * The k with F(k − 1) < u ≤ F(k) for Binomial(n, p), p ≤ 0.5 and a small mean: walk the CDF up from
 * k = 0 (pmf(0) = (1 − p)^n ≥ e^(−1.4 · mean), so nothing underflows at the means used here).
 */
export function binomialByInversion(n: number, p: number, u: number): number {
  let f = Math.exp(n * Math.log1p(-p));
  let cdf = f;
  const odds = p / (1 - p);
  let k = 0;
  while (u > cdf && k < n) {
    f *= ((n - k) / (k + 1)) * odds;
    k++;
    cdf += f;
    if (f === 0 && k > n * p) break; // rounding left the CDF a hair under u, far out in the tail
  }
  return k;
}

/**
 * Binomial(n, p) for p ≤ 0.5 and mean np ≥ EXACT_BINOMIAL_BELOW from one standard normal z: the
 * Cornish–Fisher quantile with the skewness term, x = np + σ (z + γ (z² − 1) / 6) with
 * σ = √(np(1 − p)) and γ = (1 − 2p)/σ, rounded to the nearest count, which is the continuity
 * correction (P(k ≤ K) = Φ(z at K + ½)). Clipped to [0, n]. x is increasing in z for |z| < 3/γ,
 * which holds for every z the generator gives (|z| < 6.7, γ < 0.26 here).
 */
export function binomialFromNormal(n: number, p: number, z: number): number {
  const mean = n * p;
  const sd = Math.sqrt(mean * (1 - p));
  const skew = (1 - 2 * p) / sd;
  const k = Math.floor(mean + sd * (z + (skew * (z * z - 1)) / 6) + 0.5);
  return k < 0 ? 0 : k > n ? n : k;
}

/**
 * A Binomial(n, p) draw (n a whole number ≥ 0, p in [0, 1]) determined by (seed, a, b, c): how many
 * of n requests failed. Exact inversion on a uniform for small expected counts (so zeros and small
 * counts come out with their true probabilities), the skew-corrected normal approximation on
 * noise3(seed, a, b, c) for large ones; by symmetry the rarer outcome is the one drawn. Allocates
 * nothing.
 */
export function binomial3(n: number, p: number, seed: number, a: number, b: number, c: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  return binomialFrom(n, p, hashPrefix(seed, a, b), c);
}

/** binomial3(n, p, seed, a, b, c) from prefix = hashPrefix(seed, a, b). */
export function binomialFrom(n: number, p: number, prefix: number, c: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  const h = mixInteger(prefix, c);
  const k = n * q < EXACT_BINOMIAL_BELOW ? binomialByInversion(n, q, unitOf(foldScrambled(h, SCRAMBLED_STREAM_3))) : binomialFromNormal(n, q, normalOf(h));
  return flip ? n - k : k;
}
