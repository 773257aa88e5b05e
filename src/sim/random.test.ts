import { describe, expect, it } from 'vitest';
import { hashString, noise, uniform } from './random.ts';

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
});
