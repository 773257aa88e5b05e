/**
 * @module Counter-based seeded randomness for the simulated fleet: a draw is a pure function of
 * (seed, keys), so the value for (region, metric, minute) is the same whichever order, or however
 * often, it is asked for. No state, no Math.random.
 */

const TWO_32 = 4294967296;

/** murmur3's finaliser: a bijective 32-bit avalanche. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3's block step: fold one 32-bit word into the running hash. */
function mixWord(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

/** Fold an integer (any safe integer, negative too) into the hash as two 32-bit words. */
function mixInteger(h: number, n: number): number {
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

/**
 * A standard normal N(0, 1) draw determined only by `seed` and `keys` (integers): two uniforms
 * from independent hash streams, then Box–Muller.
 */
export function noise(seed: number, ...keys: number[]): number {
  const u1 = uniform(seed, keys, 1);
  const u2 = uniform(seed, keys, 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
