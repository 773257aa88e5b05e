import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EXACT_BINOMIAL_BELOW, binomial3, binomialByInversion, binomialFrom, binomialFromNormal, hash32, hashPrefix, hashString, noise, noise3, noiseFrom,
  uniform, uniform3, uniformFrom,
} from './random.ts';

describe('the seeded noise generator', () => {
  it('gives the same draw for the same seed and keys, whatever was asked before', () => {
    const keys = Array.from({ length: 50 }, (_, i) => [i % 4, i % 5, 29_000_000 + i] as const);
    const forward = keys.map((k) => noise(7, ...k));
    const backward = [...keys].reverse().map((k) => noise(7, ...k)).reverse();
    const again = keys.map((k) => noise(7, ...k));
    expect(backward).toEqual(forward);
    expect(again).toEqual(forward);
  });

  it('gives different draws for different seeds', () => {
    const a = Array.from({ length: 20 }, (_, m) => noise(1, 3, 0, m));
    const b = Array.from({ length: 20 }, (_, m) => noise(2, 3, 0, m));
    expect(a.filter((x, i) => x === b[i])).toEqual([]);
  });

  it('tells keys apart, including their order and large or negative values', () => {
    expect(noise(1, 1, 2)).not.toBe(noise(1, 2, 1));
    expect(noise(1, 2 ** 40)).not.toBe(noise(1, 0));
    expect(noise(1, -1)).not.toBe(noise(1, 1));
    expect(noise(1, 5)).not.toBe(noise(1, 5, 0));
  });

  it('draws a standard normal: mean 0 and standard deviation 1 over 200,000 draws', () => {
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const z = noise(42, i);
      sum += z;
      squares += z * z;
      if (Math.abs(z) > 1.96) beyond2++;
    }
    const mean = sum / n;
    const sd = Math.sqrt(squares / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sd - 1)).toBeLessThan(0.01);
    expect(Math.abs(beyond2 / n - 0.05)).toBeLessThan(0.003);
  });

  it('draws uniforms strictly inside (0, 1)', () => {
    for (let i = 0; i < 10_000; i++) {
      const u = uniform(9, [i]);
      expect(u > 0 && u < 1).toBe(true);
    }
  });

  it('refuses keys that are not integers', () => {
    expect(() => noise(1, 0.5)).toThrow(new RangeError('random keys and seeds are integers; got 0.5'));
  });

  it('hashes names to stable unsigned 32-bit keys', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('eu-west-1')).not.toBe(hashString('eu-west-2'));
  });

  it('gives the same draws through the three-key functions as through the general ones', () => {
    for (let i = 0; i < 200; i++) {
      const keys = [hashString(`r${i}`), i % 5, 29_000_000 + i * 7919 - 2 ** 33] as const;
      expect(noise3(7, ...keys)).toBe(noise(7, ...keys));
      expect(uniform3(7, ...keys, 3)).toBe(uniform(7, [...keys], 3));
    }
  });
});

/** P(X ≤ k) for X ~ Binomial(n, p), k = 0 … last, summed from the pmf in logs. */
function binomialCdf(n: number, p: number, last: number): number[] {
  const out: number[] = [];
  let logPmf = n * Math.log1p(-p);
  let cdf = 0;
  for (let k = 0; k <= last; k++) {
    cdf += Math.exp(logPmf);
    out.push(cdf);
    logPmf += Math.log((n - k) / (k + 1)) + Math.log(p / (1 - p));
  }
  return out;
}

/** The largest gap between the empirical CDF of `draws` and the exact one (Kolmogorov's D). */
function distance(draws: number[], n: number, p: number): number {
  const last = draws.reduce((a, b) => Math.max(a, b), 0);
  const exact = binomialCdf(n, p, last);
  const counts = new Array<number>(last + 1).fill(0);
  for (const d of draws) counts[d]!++;
  let seen = 0;
  let worst = 0;
  for (let k = 0; k <= last; k++) {
    seen += counts[k]!;
    worst = Math.max(worst, Math.abs(seen / draws.length - exact[k]!));
  }
  return worst;
}

describe('the seeded binomial draw', () => {
  const N = 100_000;
  // Kolmogorov's D over 100,000 draws exceeds 0.0052 with probability 0.1% when the draws follow
  // the distribution exactly; a biased method would show here (the plain normal approximation is
  // 0.012 off at a mean of 30).
  const D = 0.0052 + 5e-4;
  const draws = (n: number, p: number, seed: number) => Array.from({ length: N }, (_, i) => binomial3(n, p, seed, 11, 0, i));

  it.each([
    ['a production minute (2,000 expected)', 1_000_000, 0.002],
    ['the internal ring’s minute (120 expected)', 60_000, 0.002],
    ['the threshold of the approximation (30 expected)', 1_000_000, EXACT_BINOMIAL_BELOW / 1_000_000],
    ['a small count just under it (29 expected)', 1_000_000, 29e-6],
    ['a small count (3 expected)', 300_000, 1e-5],
    ['mostly zeros (0.2 expected)', 200_000, 1e-6],
    ['a few requests at an even rate', 40, 0.5],
    ['a high error rate (drawn as the rarer successes)', 100_000, 0.9999],
  ])('follows Binomial(n, p) for %s', (_name, n, p) => {
    const d = draws(n, p, 5);
    const flipped = p > 0.5;
    expect(distance(flipped ? d.map((k) => n - k) : d, n, flipped ? 1 - p : p)).toBeLessThan(D);
    expect(d.every((k) => Number.isInteger(k) && k >= 0 && k <= n)).toBe(true);
  });

  it('is a pure function of its keys, and 0 or n at the ends', () => {
    expect(binomial3(1_000_000, 0.002, 3, 1, 0, 42)).toBe(binomial3(1_000_000, 0.002, 3, 1, 0, 42));
    expect(binomial3(1_000_000, 0.002, 3, 1, 0, 42)).not.toBe(binomial3(1_000_000, 0.002, 4, 1, 0, 42));
    expect(binomial3(0, 0.5, 1, 1, 0, 1)).toBe(0);
    expect(binomial3(1000, 0, 1, 1, 0, 1)).toBe(0);
    expect(binomial3(1000, 1, 1, 1, 0, 1)).toBe(1000);
  });

  it('rounds the approximation to the nearest count (the continuity correction) and keeps it in [0, n]', () => {
    expect(binomialFromNormal(10_000, 0.5, 0)).toBe(5000);
    expect(binomialFromNormal(10_000, 0.5, 0.0099)).toBe(5000); // 5000.495 → 5000
    expect(binomialFromNormal(10_000, 0.5, 0.0101)).toBe(5001); // 5000.505 → 5001
    expect(binomialFromNormal(100, 0.3, -50)).toBe(0);
    expect(binomialFromNormal(100, 0.3, 50)).toBe(100);
  });
});

/**
 * The generator as first written (every key split into two words by division), kept here as the
 * reference that the faster paths must match bit for bit.
 */
const reference = (() => {
  const TWO_32 = 4294967296;
  const fmix32 = (x: number): number => {
    let h = x >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  };
  const mixWord = (h: number, word: number): number => {
    let k = Math.imul(word, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let x = h ^ k;
    x = (x << 13) | (x >>> 19);
    return (Math.imul(x, 5) + 0xe6546b64) | 0;
  };
  const mixInteger = (h: number, n: number): number => {
    if (!Number.isSafeInteger(n)) throw new RangeError(`random keys and seeds are integers; got ${n}`);
    const hi = Math.floor(n / TWO_32);
    const lo = n - hi * TWO_32;
    return mixWord(mixWord(h, lo >>> 0), hi | 0);
  };
  const hash32 = (seed: number, keys: readonly number[], stream = 0): number => {
    let h = mixInteger(0x2545f491, seed);
    for (const k of keys) h = mixInteger(h, k);
    h = mixWord(h, stream);
    return fmix32(h ^ (keys.length + 2));
  };
  const uniform3 = (seed: number, a: number, b: number, c: number, stream: number): number => (hash32(seed, [a, b, c], stream) + 0.5) / TWO_32;
  const noise3 = (seed: number, a: number, b: number, c: number): number => {
    const u1 = uniform3(seed, a, b, c, 1);
    const u2 = uniform3(seed, a, b, c, 2);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const binomial3 = (n: number, p: number, seed: number, a: number, b: number, c: number): number => {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const flip = p > 0.5;
    const q = flip ? 1 - p : p;
    const k = n * q < EXACT_BINOMIAL_BELOW ? binomialByInversion(n, q, uniform3(seed, a, b, c, 3)) : binomialFromNormal(n, q, noise3(seed, a, b, c));
    return flip ? n - k : k;
  };
  return { hash32, uniform3, noise3, binomial3 };
})();

/** Integer keys of every kind: around the 32-bit edges, negative, ≥ 2^32, up to the safe limits, minute numbers. */
const key = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.integer({ min: 28_000_000, max: 30_000_000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 2 ** 33 + 5, 29_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
);
const RUNS = { numRuns: 5000 };

describe('the draws from a precomputed prefix (seed, a, b)', () => {
  it('give the same uniforms as uniform3 and the reference, on every stream', () => {
    fc.assert(
      fc.property(key, key, key, key, fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer()), (seed, a, b, c, stream) => {
        const want = reference.uniform3(seed, a, b, c, stream);
        expect(uniformFrom(hashPrefix(seed, a, b), c, stream)).toBe(want);
        expect(uniform3(seed, a, b, c, stream)).toBe(want);
        expect(uniform(seed, [a, b, c], stream)).toBe(want);
      }),
      RUNS,
    );
  });

  it('give the same normals as noise3 and the reference', () => {
    fc.assert(
      fc.property(key, key, key, key, (seed, a, b, c) => {
        const want = reference.noise3(seed, a, b, c);
        expect(noiseFrom(hashPrefix(seed, a, b), c)).toBe(want);
        expect(noise3(seed, a, b, c)).toBe(want);
        expect(noise(seed, a, b, c)).toBe(want);
      }),
      RUNS,
    );
  });

  it('give the same binomial counts as binomial3 and the reference, exact and approximated', () => {
    const n = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 3_000_000 }), fc.constantFrom(-1, 0, 1, 60_000, 1_000_000));
    const p = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1e-4, noNaN: true }), fc.constantFrom(0, 1e-6, 0.002, 0.5, 0.9999, 1));
    fc.assert(
      fc.property(n, p, key, key, key, key, (n, p, seed, a, b, c) => {
        const want = reference.binomial3(n, p, seed, a, b, c);
        expect(binomialFrom(n, p, hashPrefix(seed, a, b), c)).toBe(want);
        expect(binomial3(n, p, seed, a, b, c)).toBe(want);
      }),
      RUNS,
    );
  });

  it('match the reference over a run of minutes of one region and metric', () => {
    for (const [seed, region] of [[1, hashString('eu-west-1')], [-7, 2 ** 32 - 1], [2 ** 40 + 3, -(2 ** 33)]] as const) {
      for (let metric = 0; metric < 5; metric++) {
        const prefix = hashPrefix(seed, region, metric);
        for (let minute = 29_000_000; minute < 29_000_500; minute++) {
          expect(noiseFrom(prefix, minute)).toBe(reference.noise3(seed, region, metric, minute));
          expect(binomialFrom(2000, 0.002, prefix, minute)).toBe(reference.binomial3(2000, 0.002, seed, region, metric, minute));
          expect(binomialFrom(200_000, 0.002, prefix, minute)).toBe(reference.binomial3(200_000, 0.002, seed, region, metric, minute));
        }
      }
    }
  });

  it('leave hash32 as it was for any number of keys', () => {
    fc.assert(
      fc.property(key, fc.array(key, { maxLength: 6 }), fc.integer(), (seed, keys, stream) => {
        expect(hash32(seed, keys, stream)).toBe(reference.hash32(seed, keys, stream));
      }),
      RUNS,
    );
  });

  it('refuse seeds and keys that are not safe integers, with the same message', () => {
    for (const bad of [0.5, -1.5, 2 ** 53, NaN, Infinity]) {
      const message = `random keys and seeds are integers; got ${bad}`;
      expect(() => hashPrefix(bad, 1, 2)).toThrow(new RangeError(message));
      expect(() => hashPrefix(1, bad, 2)).toThrow(new RangeError(message));
      expect(() => noiseFrom(hashPrefix(1, 2, 3), bad)).toThrow(new RangeError(message));
      expect(() => binomialFrom(1000, 0.01, hashPrefix(1, 2, 3), bad)).toThrow(new RangeError(message));
      expect(() => noise3(1, 2, 3, bad)).toThrow(new RangeError(message));
    }
  });
});
