/** @module Tests of when gates are evaluated during a bake and which window the sliding hour averages. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { evaluationTimes, isEvaluationTime, lookbackWindow, slidingWindow } from './schedule.ts';

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

describe('the sliding hour', () => {
  const warmup = 10 * MINUTE;

  it('averages the last 60 minutes once the ring has been healthy that long past its warmup', () => {
    expect(slidingWindow(T0 + 70 * MINUTE, T0, warmup)).toEqual({ from: T0 + 10 * MINUTE, to: T0 + 70 * MINUTE });
    expect(slidingWindow(T0 + 5 * HOUR + 35 * MINUTE, T0, warmup)).toEqual({ from: T0 + 4 * HOUR + 35 * MINUTE, to: T0 + 5 * HOUR + 35 * MINUTE });
  });

  it('is not checked until the ring has run an hour past its warmup (the interval readings judge before that)', () => {
    expect(slidingWindow(T0 + 15 * MINUTE, T0, warmup)).toBeNull();
    expect(slidingWindow(T0 + 69 * MINUTE, T0, warmup)).toBeNull();
    expect(slidingWindow(T0 + 70 * MINUTE, T0, warmup)).toEqual({ from: T0 + 10 * MINUTE, to: T0 + 70 * MINUTE });
    expect(slidingWindow(T0 + 59 * MINUTE, T0, 0)).toBeNull();
    expect(slidingWindow(T0 + 60 * MINUTE, T0, 0)).toEqual({ from: T0, to: T0 + 60 * MINUTE });
  });

  it('always averages exactly one hour, nothing before the warmup ends', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * 24 * 60 }), fc.integer({ min: 0, max: 90 }), (atMinutes, warmupMinutes) => {
        const w = slidingWindow(T0 + atMinutes * MINUTE, T0, warmupMinutes * MINUTE);
        if (w === null) {
          expect(atMinutes - warmupMinutes).toBeLessThan(60);
          return;
        }
        expect(w.to).toBe(T0 + atMinutes * MINUTE);
        expect(w.to - w.from).toBe(HOUR);
        expect(w.from).toBeGreaterThanOrEqual(T0 + warmupMinutes * MINUTE);
        if (atMinutes - warmupMinutes >= 60) expect(w.to - w.from).toBe(HOUR);
      }),
    );
  });
});

describe('whether an instant is an evaluation time', () => {
  it('answers exactly as the list of evaluation times does, at a cost that does not grow with the bake', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10, max: 3 * 24 * 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 90 }),
        fc.integer({ min: -20, max: 3 * 24 * 60 + 20 }),
        (bakeMinutes, intervalMinutes, warmupMinutes, atMinutes) => {
          const g = { interval: intervalMinutes * MINUTE, warmup: warmupMinutes * MINUTE };
          const bakeUntil = T0 + bakeMinutes * MINUTE;
          const times = evaluationTimes(g, T0, bakeUntil);
          const at = T0 + atMinutes * MINUTE;
          expect(isEvaluationTime(g, T0, bakeUntil, at)).toBe(times.includes(at));
          for (const t of times) expect(isEvaluationTime(g, T0, bakeUntil, t)).toBe(true);
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
