/** @module Tests of the baseline at a minute (fenced mean of the pool) and of the windows a self baseline reads. */
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { SELF_GUARD, baselineCenter, selfWindows } from './baseline.ts';

describe('the baseline at a minute', () => {
  it('is the mean of the pool when no region stands far out', () => {
    expect(baselineCenter([0.002, 0.003, 0.001, 0.002])).toBeCloseTo(0.002, 15);
    expect(baselineCenter([150])).toBe(150);
  });

  it('clips a region far outside the others to the far-out fence Q3 + 3·IQR', () => {
    // Sorted 0.0019, 0.002, 0.002, 0.0021, 0.0021, 0.05: Q1 = 0.002, Q3 = 0.0021 (R's type 7), so
    // the fence is 0.0024, and 0.05 (a region in an incident of its own) counts as that.
    const pool = [0.002, 0.0019, 0.0021, 0.002, 0.0021, 0.05];
    const fence = 0.0021 + 3 * (0.0021 - 0.002);
    expect(baselineCenter(pool)).toBeCloseTo((0.002 + 0.0019 + 0.0021 + 0.002 + 0.0021 + fence) / 6, 12);
  });

  it('stays a mean on a metric of few counts, where the median of the pool sits below it', () => {
    // Error rates of 0, 1, 2 or 3 failures in 1,000 requests: the median says 0.001, the mean 0.0014.
    expect(baselineCenter([0, 0.001, 0.001, 0.001, 0.002, 0.002, 0.003])).toBeCloseTo(0.01 / 7, 15);
  });

  it('leaves out regions without a value, and is NaN when none has one', () => {
    expect(baselineCenter([NaN, 0.002, Infinity, 0.004])).toBeCloseTo(0.003, 15);
    expect(baselineCenter([NaN, NaN])).toBeNaN();
    expect(baselineCenter([])).toBeNaN();
  });

  it('handles a large pool (500 regions) the same way', () => {
    const pool = Array.from({ length: 500 }, (_, i) => 100 + (i % 10));
    pool[7] = 10_000; // Q1 = 102, Q3 = 107: the fence is 122
    expect(baselineCenter(pool)).toBeCloseTo((pool.reduce((a, v) => a + v, 0) - 10_000 + 122) / 500, 9);
  });
});

describe('the windows of a self baseline', () => {
  const healthy = Date.parse('2026-03-04T10:00:00Z');

  it('are the same window on each of the 7 days before the bake, newest first', () => {
    const from = healthy + 20 * MINUTE;
    const w = selfWindows(from, from + 5 * MINUTE, 'UTC', healthy, 7 * DAY);
    expect(w.map((x) => x.daysBack)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(w[0]).toEqual({ from: from - DAY, to: from - DAY + 5 * MINUTE, daysBack: 1 });
    expect(w[6]!.from).toBe(from - 7 * DAY);
  });

  it('reach further back late in a long bake, so that none ends within an hour before the ring was healthy', () => {
    const from = healthy + 23 * HOUR + 30 * MINUTE; // a day back would be 30 minutes before healthy
    const w = selfWindows(from, from + 5 * MINUTE, 'UTC', healthy, 3 * DAY);
    expect(w.map((x) => x.daysBack)).toEqual([2, 3, 4]);
    expect(Math.max(...w.map((x) => x.to))).toBeLessThanOrEqual(healthy - SELF_GUARD);
    const later = selfWindows(healthy + 50 * HOUR, healthy + 50 * HOUR + 5 * MINUTE, 'UTC', healthy, 3 * DAY);
    expect(later.map((x) => x.daysBack)).toEqual([3, 4, 5]);
  });

  it('keep the local hours across a change of clocks (London, 29 March 2026)', () => {
    // 10:00 BST on 30 March is 09:00Z; a day back (29 March, the change) 10:00 BST is 09:00Z, two
    // days back (28 March, GMT) 10:00 GMT is 10:00Z: 24 h and then 25 h earlier.
    const start = Date.parse('2026-03-30T08:00:00Z');
    const from = Date.parse('2026-03-30T09:00:00Z');
    const w = selfWindows(from, from + 5 * MINUTE, 'Europe/London', start, 2 * DAY);
    expect(w.map((x) => new Date(x.from).toISOString())).toEqual(['2026-03-29T09:00:00.000Z', '2026-03-28T10:00:00.000Z']);
  });

  it('read at least one day however short the history', () => {
    expect(selfWindows(healthy + HOUR, healthy + HOUR + MINUTE, 'UTC', healthy, HOUR)).toHaveLength(1);
  });
});
