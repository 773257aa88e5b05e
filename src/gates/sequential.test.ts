/** @module Tests of the sequential statistic: its boundary, its fold (idempotent, order- and round-free, JSON-safe) and its noise estimate. */
import { describe, expect, it } from 'vitest';
import {
  DESIGN_SHIFTS,
  LEARNING_MINUTES,
  LONG_LAG,
  SHAPE_DELAY,
  autocorrelation,
  bandAt,
  boundary,
  crossed,
  initialSequential,
  noiseScale,
  sequentialMargin,
  statistic,
  updateSequential,
} from './sequential.ts';
import { syntheticBake } from './synthetic.test-helper.ts';
import type { MinuteSample, SequentialSettings } from './types.ts';

const settings: SequentialSettings = { alpha: 0.02, horizon: 1440 };
const MIN = 60_000;
const noisy = syntheticBake({ minutes: 600, pool: 6, level: 0.002, cv: 0.15, rho: 0.5 }, 7);

/** Fold `minutes` in rounds of `size`. */
function inRounds(minutes: readonly MinuteSample[], size: number, s = settings) {
  let state = initialSequential();
  for (let i = 0; i < minutes.length; i += size) state = updateSequential(state, minutes.slice(i, i + size), s);
  return state;
}

describe('the boundary', () => {
  it('spends 90% of α within the horizon: log(1 + T/(0.9α))', () => {
    expect(boundary(1, settings)).toBeCloseTo(Math.log1p(1440 / 0.018), 12);
    expect(boundary(1440, settings)).toBe(boundary(1, settings));
  });

  it('rises past the horizon, spending the last tenth over doubling epochs, so watching forever stays within α', () => {
    expect(boundary(1441, settings)).toBeCloseTo(Math.log1p((2 * 1440) / (0.02 * 0.1 * 0.5)), 12);
    expect(boundary(2880, settings)).toBe(boundary(1441, settings));
    expect(boundary(2881, settings)).toBeCloseTo(Math.log1p((4 * 1440) / (0.02 * 0.1 * 0.25)), 12);
    // Σ over epochs of T_j/A_j = α (0.9 + 0.1·(½ + ¼ + …)) = α.
  });

  it('is higher for a higher confidence', () => {
    expect(boundary(10, { alpha: 0.001, horizon: 1440 })).toBeGreaterThan(boundary(10, settings));
  });
});

describe('the band at a minute', () => {
  it('is maxIncrease, or maxRatio of the baseline, the smaller when both are set, 0 when neither is', () => {
    expect(bandAt({ maxIncrease: 0.005 }, 0.002)).toBe(0.005);
    expect(bandAt({ maxRatio: 0.5 }, 0.002)).toBeCloseTo(0.001, 15);
    expect(bandAt({ maxIncrease: 0.005, maxRatio: 0.5 }, 0.002)).toBeCloseTo(0.001, 15);
    expect(bandAt({ maxIncrease: 0.0005, maxRatio: 0.5 }, 0.002)).toBe(0.0005);
    expect(bandAt({}, 0.002)).toBe(0);
  });
});

describe('folding minutes', () => {
  it('gives the same state whether the minutes come one by one, five at a time or all at once', () => {
    const all = updateSequential(initialSequential(), noisy, settings);
    expect(inRounds(noisy, 1)).toEqual(all);
    expect(inRounds(noisy, 5)).toEqual(all);
    expect(inRounds(noisy, 60)).toEqual(all);
  });

  it('skips minutes already folded, so a round that rereads its lookback changes nothing twice', () => {
    const once = inRounds(noisy, 5);
    let again = initialSequential();
    for (let end = 5; end <= noisy.length; end += 5) again = updateSequential(again, noisy.slice(Math.max(0, end - 60), end), settings);
    expect(again).toEqual(once);
    expect(updateSequential(once, noisy.slice(-30), settings)).toEqual(once);
  });

  it('sorts a round by time and leaves out minutes without two finite values', () => {
    const five = noisy.slice(0, 5);
    const shuffled = [five[3]!, five[0]!, { at: five[4]!.at - 30_000, canary: NaN, baseline: 0.002 }, five[4]!, five[1]!, five[2]!];
    expect(updateSequential(initialSequential(), shuffled, settings)).toEqual(updateSequential(initialSequential(), five, settings));
    expect(updateSequential(initialSequential(), [{ at: 0, canary: Infinity, baseline: 1 }], settings).n).toBe(0);
  });

  it('never changes the state it is given', () => {
    const before = inRounds(noisy.slice(0, 100), 5);
    const copy = structuredClone(before);
    updateSequential(before, noisy.slice(100, 200), settings);
    expect(before).toEqual(copy);
  });

  it('keeps a small state whatever the bake length, and it survives JSON (stored in release snapshots)', () => {
    const long = syntheticBake({ minutes: 5 * 1440, pool: 4, level: 150, cv: 0.08, rho: 0.5 }, 3);
    const state = inRounds(long, 5);
    expect(state.n).toBe(5 * 1440);
    expect(state.recent).toHaveLength(LONG_LAG + SHAPE_DELAY);
    expect(state.learn).toHaveLength(6);
    expect(state.r).toHaveLength(DESIGN_SHIFTS.length);
    expect(JSON.stringify(state).length).toBeLessThan(1100);
    const revived = JSON.parse(JSON.stringify(state));
    expect(revived).toEqual(state);
    expect(updateSequential(revived, long.slice(-5).map((m) => ({ ...m, at: m.at + 5 * MIN })), settings)).toEqual(
      updateSequential(state, long.slice(-5).map((m) => ({ ...m, at: m.at + 5 * MIN })), settings),
    );
  });
});

describe('the statistic', () => {
  it(`does not move during the first ${LEARNING_MINUTES} minutes, which only learn the noise`, () => {
    const bad = noisy.map((m) => ({ ...m, canary: m.canary * 10 }));
    const learning = updateSequential(initialSequential(), bad.slice(0, LEARNING_MINUTES), settings);
    expect(statistic(learning)).toBe(0);
    expect(sequentialMargin(learning, settings)).toBe(1);
  });

  it('crosses within minutes of a large regression once the noise is known, and says so by a negative margin', () => {
    const known = updateSequential(initialSequential(), noisy.slice(0, 120), settings);
    expect(crossed(known, settings)).toBe(false);
    let s = known;
    let minutes = 0;
    for (const m of noisy.slice(120)) {
      s = updateSequential(s, [{ ...m, canary: m.canary * 3 }], settings);
      minutes++;
      if (crossed(s, settings)) break;
    }
    expect(crossed(s, settings)).toBe(true);
    expect(minutes).toBeLessThanOrEqual(10);
    expect(sequentialMargin(s, settings)).toBeLessThanOrEqual(0);
  });

  it('stays near 0 (margin near 1) for a canary well within its band', () => {
    const banded = { ...settings, maxRatio: 0.5 };
    const s = inRounds(noisy, 5, banded);
    expect(statistic(s)).toBeLessThan(1);
    expect(sequentialMargin(s, banded)).toBeGreaterThan(0.9);
  });

  it('fails a canary that is constantly above a noiseless baseline, and never one equal to it', () => {
    const flat = Array.from({ length: 60 }, (_, i) => ({ at: i * MIN, canary: 0.003, baseline: 0.002 }));
    expect(crossed(updateSequential(initialSequential(), flat, settings), settings)).toBe(true);
    // Exactly at H0's edge every bet is exp(−λ²/2): R settles at L/(1 − L), far below the boundary.
    const same = Array.from({ length: 10 * 1440 }, (_, i) => ({ at: i * MIN, canary: 0.002, baseline: 0.002 }));
    const s = updateSequential(initialSequential(), same, settings);
    expect(statistic(s)).toBeCloseTo(Math.log1p(DESIGN_SHIFTS.reduce((a, l) => a + Math.exp(-(l * l) / 2) / (1 - Math.exp(-(l * l) / 2)), 0) / 4), 6);
    expect(sequentialMargin(s, settings)).toBeGreaterThan(0.8);
  });
});

describe('the noise estimate', () => {
  it('sees the autocorrelation of the samples (AR(1) with ρ = 0.8: 0.8 or a little more)', () => {
    const s = updateSequential(initialSequential(), syntheticBake({ minutes: 1440, pool: 8, level: 1, cv: 0.1, rho: 0.8 }, 11), settings);
    expect(autocorrelation(s)).toBeGreaterThan(0.75);
    expect(autocorrelation(s)).toBeLessThan(0.9);
  });

  it('is not fooled into calling a regression noise: an hour after a step of 6 noise widths it is less than 40% higher', () => {
    const before = updateSequential(initialSequential(), noisy.slice(0, 300), settings);
    const stepped = updateSequential(before, noisy.slice(300, 360).map((m) => ({ ...m, canary: m.canary + 0.002 })), settings);
    const unstepped = updateSequential(before, noisy.slice(300, 360), settings);
    expect(noiseScale(stepped) / noiseScale(unstepped)).toBeLessThan(1.4);
    // The spread around the mean of those 6 hours, which counts the step as noise, is twice as wide.
    const spread = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - xs.reduce((b, y) => b + y, 0) / xs.length) ** 2, 0) / xs.length);
    const u = (ms: MinuteSample[]) => ms.map((m) => m.canary - m.baseline);
    const withStep = [...u(noisy.slice(0, 300)), ...u(noisy.slice(300, 360)).map((x) => x + 0.002)];
    expect(spread(withStep) / spread(u(noisy.slice(0, 360)))).toBeGreaterThan(2);
  });

  it(`reads a step right after the ${LEARNING_MINUTES} learning minutes with the shape from before it: 15 minutes on, σ is less than 10% wider`, () => {
    for (let seed = 1; seed <= 5; seed++) {
      // Independent minutes (σ of u about 17 ms), then a step of 60 ms: ten lag-10 differences carry it.
      const iid = syntheticBake({ minutes: 35, pool: 2, level: 120, cv: 0.12, rho: 0 }, seed);
      const learnt = updateSequential(initialSequential(), iid.slice(0, LEARNING_MINUTES), settings);
      const stepped = updateSequential(learnt, iid.slice(LEARNING_MINUTES).map((m) => ({ ...m, canary: m.canary + 60 })), settings);
      const unstepped = updateSequential(learnt, iid.slice(LEARNING_MINUTES), settings);
      expect(noiseScale(stepped) / noiseScale(unstepped)).toBeLessThan(1.1);
    }
  });
});
