import { describe, expect, it } from 'vitest';
import { MINUTE_CACHE_SIZE, MinuteCache } from './minute-cache.ts';

describe('the minute cache', () => {
  it('holds nothing until a minute is stored, then gives back both its values', () => {
    const cache = new MinuteCache(3, 5);
    expect(cache.find(2, 4, 29_000_000)).toBe(false);
    cache.store(2, 4, 29_000_000, 6000, 12);
    expect(cache.find(2, 4, 29_000_000)).toBe(true);
    expect([cache.first, cache.second]).toEqual([6000, 12]);
  });

  it('keeps regions, metrics and minutes apart', () => {
    const cache = new MinuteCache(2, 2);
    cache.store(0, 0, 100, 1, 2);
    expect(cache.find(1, 0, 100)).toBe(false);
    expect(cache.find(0, 1, 100)).toBe(false);
    expect(cache.find(0, 0, 101)).toBe(false);
    expect(cache.find(0, 0, 100 + MINUTE_CACHE_SIZE)).toBe(false);
  });

  it('replaces a minute with the one a cache-length later, and keeps the last cache-length of them', () => {
    const cache = new MinuteCache(1, 1);
    for (let m = -5; m < MINUTE_CACHE_SIZE + 10; m++) cache.store(0, 0, m, m, -m);
    expect(cache.find(0, 0, 9)).toBe(false);
    expect(cache.find(0, 0, 10)).toBe(true);
    expect(cache.find(0, 0, MINUTE_CACHE_SIZE + 9)).toBe(true);
    expect([cache.first, cache.second]).toEqual([MINUTE_CACHE_SIZE + 9, -(MINUTE_CACHE_SIZE + 9)]);
  });

  it('holds NaN as a value', () => {
    const cache = new MinuteCache(1, 1);
    cache.store(0, 0, 7, NaN, 0);
    expect(cache.find(0, 0, 7)).toBe(true);
    expect(cache.first).toBeNaN();
  });

  it('sums any window of the run of a two-value metric from its running totals, as a loop over its minutes would', () => {
    const cache = new MinuteCache(1, 2, { paired: [0] });
    const requests = (m: number) => 1000 + ((m * 7919) % 500);
    const errors = (m: number) => (m * 31) % 9;
    for (let m = 100; m < 100 + 3 * MINUTE_CACHE_SIZE; m++) cache.store(0, 0, m, requests(m), errors(m), m % 50 !== 0);
    const loop = (from: number, to: number) => {
      let a = 0, b = 0, n = 0;
      for (let m = from; m < to; m++) if (m % 50 !== 0) { a += requests(m); b += errors(m); n++; }
      return [a, b, n];
    };
    const end = 100 + 3 * MINUTE_CACHE_SIZE;
    for (const [from, to] of [[end - 60, end], [end - 5, end], [end - MINUTE_CACHE_SIZE + 1, end - 60]]) {
      expect(cache.sum(0, 0, from!, to!)).toBe(true);
      expect([cache.sumFirst, cache.sumSecond, cache.counted]).toEqual(loop(from!, to!));
    }
    // Minutes the cache no longer holds, or not yet: no sum.
    expect(cache.sum(0, 0, end - MINUTE_CACHE_SIZE - 1, end)).toBe(false);
    expect(cache.sum(0, 0, end - 5, end + 1)).toBe(false);
    // A one-value metric keeps no totals.
    cache.store(0, 1, 7, 0.5, 0);
    expect(cache.sum(0, 1, 7, 8)).toBe(false);
    expect(cache.find(0, 1, 7) && [cache.first, cache.second]).toEqual([0.5, 0]);
  });

  it('keeps running totals for a one-value metric when asked, with no second value', () => {
    const cache = new MinuteCache(1, 2, { paired: [0], totals: [0, 1] });
    const sample = (m: number) => 120_000_000 + ((m * 104_729) % 9_000_000); // millionths of a latency
    for (let m = 0; m < 200; m++) cache.store(0, 1, m, m % 17 === 0 ? NaN : sample(m), 0, m % 17 !== 0);
    let a = 0, n = 0;
    for (let m = 140; m < 200; m++) if (m % 17 !== 0) { a += sample(m); n++; }
    expect(cache.sum(0, 1, 140, 200) && [cache.sumFirst, cache.sumSecond, cache.counted]).toEqual([a, 0, n]);
    expect(cache.find(0, 1, 199) && [cache.first, cache.second]).toEqual([sample(199), 0]);
  });

  it('begins a new run where a minute is missing, and sums only inside a run', () => {
    const cache = new MinuteCache(1, 1);
    for (let m = 0; m < 10; m++) cache.store(0, 0, m, 1, 0);
    for (let m = 12; m < 20; m++) cache.store(0, 0, m, 2, 1);
    expect(cache.sum(0, 0, 12, 20) && [cache.sumFirst, cache.sumSecond, cache.counted]).toEqual([16, 8, 8]);
    expect(cache.sum(0, 0, 5, 15)).toBe(false);
    expect(cache.runEnd(0, 0)).toBe(20);
  });
});
