/** @module Tests of when gates are evaluated during a bake and which window each hour bucket averages. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { evaluationTimes, hourBucketEnds, hourBucketWindow, lookbackWindow } from './schedule.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const gate = { interval: 5 * MINUTE, warmup: 10 * MINUTE };
const minutes = (ts: number[]): number[] => ts.map((t) => (t - T0) / MINUTE);

describe('interval evaluations', () => {
  it('start one interval after the warmup and end exactly at the end of the bake', () => {
    expect(minutes(evaluationTimes(gate, T0, T0 + HOUR))).toEqual([15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
  });

  it('add the end of the bake when it falls between two grid points', () => {
    expect(minutes(evaluationTimes(gate, T0, T0 + 32 * MINUTE))).toEqual([15, 20, 25, 30, 32]);
  });

  it('happen 286 times over a 24h bake at the defaults', () => {
    const times = evaluationTimes(gate, T0, T0 + 24 * HOUR);
    expect(times.length).toBe((24 * 60 - 10) / 5);
    expect(times.at(-1)).toBe(T0 + 24 * HOUR);
  });

  it('still happen once, at the end, when the bake is no longer than the warmup', () => {
    expect(minutes(evaluationTimes(gate, T0, T0 + 8 * MINUTE))).toEqual([8]);
    expect(minutes(evaluationTimes(gate, T0, T0 + 10 * MINUTE))).toEqual([10]);
  });

  it('do not happen when the bake ends before the ring is healthy', () => {
    expect(evaluationTimes(gate, T0, T0 - 1)).toEqual([]);
  });

  it('refuse an interval of zero', () => {
    expect(() => evaluationTimes({ interval: 0, warmup: 0 }, T0, T0 + HOUR)).toThrow('a gate interval must be longer than 0 ms, got 0');
  });
});

describe('hour buckets', () => {
  it('end at each of the 24 whole hours of a 24h bake', () => {
    const ends = hourBucketEnds(T0, T0 + 24 * HOUR);
    expect(ends.length).toBe(24);
    expect(ends[0]).toBe(T0 + HOUR);
    expect(ends.at(-1)).toBe(T0 + 24 * HOUR);
  });

  it('add the end of the bake when the last partial hour lasts at least 5 minutes', () => {
    expect(minutes(hourBucketEnds(T0, T0 + 2 * HOUR + 5 * MINUTE))).toEqual([60, 120, 125]);
    expect(minutes(hourBucketEnds(T0, T0 + 2 * HOUR + 4 * MINUTE))).toEqual([60, 120]);
    expect(minutes(hourBucketEnds(T0, T0 + 30 * MINUTE))).toEqual([30]);
    expect(minutes(hourBucketEnds(T0, T0 + 4 * MINUTE))).toEqual([]);
  });

  it('leave out, given the warmup, a bucket lying almost wholly inside it', () => {
    expect(minutes(hourBucketEnds(T0, T0 + 12 * MINUTE, 10 * MINUTE))).toEqual([]);
    expect(minutes(hourBucketEnds(T0, T0 + 15 * MINUTE, 10 * MINUTE))).toEqual([15]);
    expect(minutes(hourBucketEnds(T0, T0 + 2 * HOUR, 10 * MINUTE))).toEqual([60, 120]);
  });

  it('average the first hour from the end of the warmup', () => {
    expect(hourBucketWindow(T0 + HOUR, T0, 10 * MINUTE)).toEqual({ from: T0 + 10 * MINUTE, to: T0 + HOUR });
  });

  it('average a whole later hour', () => {
    expect(hourBucketWindow(T0 + 5 * HOUR, T0, 10 * MINUTE)).toEqual({ from: T0 + 4 * HOUR, to: T0 + 5 * HOUR });
  });

  it('judge a final partial hour on the trailing hour before the end of the bake', () => {
    expect(hourBucketWindow(T0 + 2 * HOUR + 20 * MINUTE, T0, 10 * MINUTE)).toEqual({
      from: T0 + HOUR + 20 * MINUTE,
      to: T0 + 2 * HOUR + 20 * MINUTE,
    });
  });

  it('never average more than one hour, nor less than 5 minutes, nor anything before the warmup ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 * 24 * 60 }),
        fc.integer({ min: 0, max: 90 }),
        (bakeMinutes, warmupMinutes) => {
          const bakeUntil = T0 + bakeMinutes * MINUTE;
          const warmup = warmupMinutes * MINUTE;
          const ends = hourBucketEnds(T0, bakeUntil, warmup);
          let previous = T0;
          for (const end of ends) {
            const { from, to } = hourBucketWindow(end, T0, warmup);
            expect(end).toBeGreaterThan(previous);
            expect(end).toBeLessThanOrEqual(bakeUntil);
            expect(to - from).toBeLessThanOrEqual(HOUR);
            expect(to - from).toBeGreaterThanOrEqual(5 * MINUTE);
            expect(from).toBeGreaterThanOrEqual(T0 + warmup);
            previous = end;
          }
        },
      ),
    );
  });
});

describe('the comparison lookback', () => {
  it('reaches back one lookback, but not into the warmup', () => {
    expect(lookbackWindow(T0 + 3 * HOUR, T0, 10 * MINUTE, HOUR)).toEqual({ from: T0 + 2 * HOUR, to: T0 + 3 * HOUR });
    expect(lookbackWindow(T0 + 30 * MINUTE, T0, 10 * MINUTE, HOUR)).toEqual({ from: T0 + 10 * MINUTE, to: T0 + 30 * MINUTE });
  });
});
