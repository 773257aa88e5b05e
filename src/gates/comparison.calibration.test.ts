/**
 * @module Calibration of comparison gates over many seeded synthetic bakes (synthetic.test-helper.ts:
 * AR(1)-correlated, heavy-tailed, diurnally varying per-minute samples against a pool of 8 stable
 * regions): how often a good canary fails a 24-hour bake (at most 1 − confidence = 2%), and how
 * soon a regression is caught. Each bake is judged as the engine judges it: rounds of 5 minutes,
 * each folded into the statistic, a crossing at any round failing it. Pure and seeded.
 */
import { describe, expect, it } from 'vitest';
import { crossed, initialSequential, updateSequential } from './sequential.ts';
import { syntheticBake, type SyntheticBake } from './synthetic.test-helper.ts';
import type { SequentialSettings } from './types.ts';

const DAY_MINUTES = 1440;
const ALPHA = 0.02;
/** An error rate of 0.2% with 15% noise a minute (about 45 failures a minute), correlated 0.5 minute to minute. */
const errors: SyntheticBake = { minutes: DAY_MINUTES, pool: 8, level: 0.002, cv: 0.15, rho: 0.5 };
/** A p99 latency of 150 ms with 8% noise a minute. */
const latency: SyntheticBake = { minutes: DAY_MINUTES, pool: 8, level: 150, cv: 0.08, rho: 0.5 };

/** Minutes from `onset` to the end of the round that failed the bake (Infinity when it passed). */
function detection(spec: SyntheticBake, settings: SequentialSettings, seed: number): number {
  const minutes = syntheticBake(spec, seed);
  let s = initialSequential();
  for (let i = 0; i < minutes.length; i += 5) {
    s = updateSequential(s, minutes.slice(i, i + 5), settings);
    if (crossed(s, settings)) return i + 5 - (spec.onset ?? 0);
  }
  return Infinity;
}

function bakes(spec: SyntheticBake, settings: SequentialSettings, n: number, firstSeed = 1): number[] {
  return Array.from({ length: n }, (_, k) => detection(spec, settings, firstSeed + k));
}

/** Wilson's one-sided upper confidence bound of a rate seen k times in n (z = 2.326: 99%). */
function wilsonUpper(k: number, n: number, z = 2.326): number {
  const p = k / n;
  return (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('false alarms of a comparison gate over whole 24-hour bakes (confidence 0.98)', () => {
  it('fail 9 of 2,000 bakes of a canary exactly like its baseline and no band, within 2%', () => {
    const failed = bakes(errors, { alpha: ALPHA, horizon: DAY_MINUTES }, 2000).filter(Number.isFinite).length;
    expect(failed).toBe(9);
    // Sampling error: even the 99% upper confidence bound of the rate (Wilson), 0.96%, is within 2%.
    expect(wilsonUpper(failed, 2000)).toBeLessThan(0.01);
  });

  it('fail 4 of 1,000 bakes of a canary 20% above its baseline with maxRatio 0.2 (exactly at its band)', () => {
    const failed = bakes({ ...errors, factor: 1.2 }, { maxRatio: 0.2, alpha: ALPHA, horizon: DAY_MINUTES }, 1000).filter(Number.isFinite).length;
    expect(failed).toBe(4);
    expect(wilsonUpper(failed, 1000)).toBeLessThan(0.0125);
  });

  it('fail 12 of 1,000 bakes against 2 stable regions with samples correlated 0.9 minute to minute (a sum per minute 4.4 times as wide as one minute)', () => {
    // Twenty minutes of such samples look much like independent ones; the shape's two standard errors are what keeps this within 2%.
    const failed = bakes({ ...errors, pool: 2, rho: 0.9 }, { alpha: ALPHA, horizon: DAY_MINUTES }, 1000, 5000).filter(Number.isFinite).length;
    expect(failed).toBe(12);
  });

  it('never fail a canary within its band: 300 bakes at baseline with maxRatio 0.5', () => {
    expect(bakes(errors, { maxRatio: 0.5, alpha: ALPHA, horizon: DAY_MINUTES }, 300).filter(Number.isFinite)).toEqual([]);
  });
});

describe('how soon a comparison gate catches a regression (200 bakes each)', () => {
  const twice = { maxRatio: 0.5, alpha: ALPHA, horizon: DAY_MINUTES };
  const slower = { maxRatio: 0.2, alpha: ALPHA, horizon: DAY_MINUTES };

  it('catches an error rate twice its baseline (maxRatio 0.5) present from the start within 5½ hours, in half the bakes within 2', () => {
    const d = bakes({ ...errors, factor: 2 }, twice, 200);
    expect(Math.max(...d)).toBeLessThanOrEqual(330);
    expect(median(d)).toBe(115);
  });

  it('catches it sooner when it starts 10 hours into the bake: within 2 hours of its onset, in half within 20 minutes', () => {
    const d = bakes({ ...errors, factor: 2, onset: 600 }, twice, 200);
    expect(Math.max(...d)).toBeLessThanOrEqual(120);
    expect(median(d)).toBe(20);
  });

  it('catches a p99 latency 1.3 times its baseline (maxRatio 0.2) from the start within 9½ hours, in half within 3¼', () => {
    const d = bakes({ ...latency, factor: 1.3 }, slower, 200);
    expect(Math.max(...d)).toBeLessThanOrEqual(570);
    expect(median(d)).toBe(195);
  });

  it('catches it 10 hours into the bake within 6 hours of its onset, in half within 1⅔', () => {
    const d = bakes({ ...latency, factor: 1.3, onset: 600 }, slower, 200);
    expect(Math.max(...d)).toBeLessThanOrEqual(360);
    expect(median(d)).toBe(100);
  });

  it('catches a p99 latency 1.6 times its baseline (maxRatio 0.1) that starts right after the 20 learning minutes, in half within 20 minutes of its onset', () => {
    // Independent minutes against 2 stable regions, as the simulator draws them. The step is judged
    // by the noise's shape from before it; read as correlation it had made σ 2 to 14 times wider
    // (median 90 minutes).
    const d = bakes({ minutes: DAY_MINUTES, pool: 2, level: 120, cv: 0.12, rho: 0, factor: 1.6, onset: 20 }, { maxRatio: 0.1, alpha: ALPHA, horizon: DAY_MINUTES }, 200);
    expect(median(d)).toBe(20);
    expect(d.filter(Number.isFinite)).toHaveLength(200);
  });
});
