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
});
