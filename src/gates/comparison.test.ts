/** @module Tests of comparison gates: a clear regression fails, noise passes, short samples are inconclusive. */
import { describe, expect, it } from 'vitest';
import type { Gate } from '../policy/schema.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { compareSamples } from './comparison.ts';

/** mulberry32: a small seeded generator, so every sample below is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n error rates around `mean` with standard deviation `sd` (Box–Muller), never below 0. */
function errorRates(random: () => number, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => Math.max(0, mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
}

const common = { evaluate: 'interval', interval: 5 * MINUTE, warmup: 10 * MINUTE, failures: 2, inconclusiveLimit: 3, mustHaveData: true } as const;
const compare = { metric: 'error_rate', baseline: 'stable-regions', confidence: 0.98, lookback: HOUR };
const vsBaseline: Gate = { ...common, compare: { ...compare, maxIncrease: 0.005 } };
const significanceOnly: Gate = { ...common, compare };
const AT = Date.parse('2026-03-02T12:00:00Z');

describe('a comparison gate', () => {
  it('fails a clear regression and says by how much', () => {
    const canary = [0.05, 0.051, 0.049, 0.052, 0.048];
    const baseline = [0.002, 0.0021, 0.0019, 0.0022, 0.0018];
    expect(compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, canary, baseline)).toEqual({
      gate: 'vs-baseline',
      region: 'eu-west-1',
      at: AT,
      kind: 'compare',
      result: 'fail',
      value: expect.closeTo(0.048, 12),
      // complete separation of 5 against 5: exact p = 1/C(10, 5) = 1/252
      detail: 'error_rate in eu-west-1 is higher than baseline by 0.048 (median 0.05 vs 0.002, p=0.004 < 0.02; maxIncrease 0.005)',
    });
  });

  it('fails a regression in noisy samples: 12 canary samples near 5% against 36 baseline samples near 0.2%', () => {
    const random = mulberry32(42);
    const canary = errorRates(random, 12, 0.05, 0.005);
    const baseline = errorRates(random, 36, 0.002, 0.0005);
    const ev = compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, canary, baseline);
    expect(ev.result).toBe('fail');
    expect(ev.value).toBeCloseTo(0.04494017553358612, 15);
    expect(ev.detail).toBe(
      'error_rate in eu-west-1 is higher than baseline by 0.04494 (median 0.04702 vs 0.002014, p=1.4e-7 < 0.02; maxIncrease 0.005)',
    );
  });

  it('passes noise: 500 canaries drawn like their baselines never fail with the maxIncrease band', () => {
    let banded = 0;
    let unbanded = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const random = mulberry32(seed);
      const canary = errorRates(random, 12, 0.002, 0.0005);
      const baseline = errorRates(random, 36, 0.002, 0.0005);
      if (compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, canary, baseline).result === 'fail') banded++;
      if (compareSamples('vs-baseline', significanceOnly, 'eu-west-1', AT, canary, baseline).result === 'fail') unbanded++;
    }
    expect(banded).toBe(0);
    // Significance alone errs at about the nominal 2%: 13 of 500 (2.6%).
    expect(unbanded).toBe(13);
  });

  it('passes a significant increase that stays within the band', () => {
    const canary = [0.0030, 0.0031, 0.0029, 0.0032, 0.0028];
    const baseline = [0.002, 0.0021, 0.0019, 0.0022, 0.0018];
    const ev = compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, canary, baseline);
    expect([ev.result, ev.detail]).toEqual([
      'pass',
      'error_rate in eu-west-1 is higher than baseline by 0.001 (median 0.003 vs 0.002, p=0.004 < 0.02) but within maxIncrease 0.005',
    ]);
  });

  it('fails on significance alone when it sets neither maxIncrease nor maxRatio', () => {
    const canary = [0.0030, 0.0031, 0.0029, 0.0032, 0.0028];
    const baseline = [0.002, 0.0021, 0.0019, 0.0022, 0.0018];
    const ev = compareSamples('vs-baseline', significanceOnly, 'eu-west-1', AT, canary, baseline);
    expect([ev.result, ev.detail]).toEqual([
      'fail',
      'error_rate in eu-west-1 is higher than baseline by 0.001 (median 0.003 vs 0.002, p=0.004 < 0.02)',
    ]);
  });

  it('judges maxRatio on the ratio of medians', () => {
    const canary = [0.0030, 0.0031, 0.0029, 0.0032, 0.0028];
    const baseline = [0.002, 0.0021, 0.0019, 0.0022, 0.0018];
    const tight: Gate = { ...common, compare: { ...compare, maxRatio: 0.2 } };
    const loose: Gate = { ...common, compare: { ...compare, maxRatio: 1 } };
    expect(compareSamples('vs-baseline', tight, 'eu-west-1', AT, canary, baseline).detail).toBe(
      'error_rate in eu-west-1 is higher than baseline by 0.001 (median 0.003 vs 0.002, p=0.004 < 0.02; relative increase 0.5 > maxRatio 0.2)',
    );
    expect(compareSamples('vs-baseline', loose, 'eu-west-1', AT, canary, baseline).result).toBe('pass');
  });

  it('fails when either band is exceeded, if it sets both', () => {
    const canary = [0.0030, 0.0031, 0.0029, 0.0032, 0.0028];
    const baseline = [0.002, 0.0021, 0.0019, 0.0022, 0.0018];
    const both: Gate = { ...common, compare: { ...compare, maxIncrease: 0.005, maxRatio: 0.2 } };
    expect(compareSamples('vs-baseline', both, 'eu-west-1', AT, canary, baseline).result).toBe('fail');
    const neither: Gate = { ...common, compare: { ...compare, maxIncrease: 0.005, maxRatio: 1 } };
    expect(compareSamples('vs-baseline', neither, 'eu-west-1', AT, canary, baseline).detail).toBe(
      'error_rate in eu-west-1 is higher than baseline by 0.001 (median 0.003 vs 0.002, p=0.004 < 0.02) but within maxIncrease 0.005 and maxRatio 1',
    );
  });

  it('takes any rise over a baseline median of zero as beyond maxRatio', () => {
    const ratioOnly: Gate = { ...common, compare: { ...compare, maxRatio: 10 } };
    const ev = compareSamples('vs-baseline', ratioOnly, 'eu-west-1', AT, [0.001, 0.002, 0.003, 0.004, 0.005], [0, 0, 0, 0, 0]);
    expect(ev.result).toBe('fail');
    expect(ev.detail).toContain('relative increase Infinity > maxRatio 10');
  });

  it('passes when the canary is not significantly higher', () => {
    const canary = [0.0021, 0.0018, 0.0024, 0.0019, 0.0020];
    const baseline = [0.002, 0.0022, 0.0017, 0.0023, 0.0019]; // U = 13 of 25, exactly the mean: p = 0.5
    const ev = compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, canary, baseline);
    expect([ev.result, ev.detail]).toEqual([
      'pass',
      'error_rate in eu-west-1 shows no significant increase over baseline (median 0.002 vs 0.002, p=0.5 ≥ 0.02)',
    ]);
  });
});

describe('a comparison gate with too few samples', () => {
  const five = [0.001, 0.002, 0.003, 0.004, 0.005];

  it('is inconclusive and names the short side and its count', () => {
    const ev = compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, [0.05, 0.05, 0.05], five);
    expect([ev.result, ev.value, ev.detail]).toEqual([
      'inconclusive',
      null,
      'too few samples to compare error_rate in eu-west-1: canary has 3 samples (need at least 5)',
    ]);
    expect(compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, five, [0.001]).detail).toBe(
      'too few samples to compare error_rate in eu-west-1: baseline has 1 sample (need at least 5)',
    );
    expect(compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, [], []).detail).toBe(
      'too few samples to compare error_rate in eu-west-1: canary has 0 samples and baseline 0 samples (need at least 5 each)',
    );
  });

  it('does not count NaN samples', () => {
    expect(compareSamples('vs-baseline', vsBaseline, 'eu-west-1', AT, [...five.slice(1), NaN], five).result).toBe('inconclusive');
  });

  it('is no comparison gate without a compare block', () => {
    const threshold: Gate = { ...common, metric: 'error_rate', max: 0.01 };
    expect(() => compareSamples('error-rate', threshold, 'eu-west-1', AT, five, five)).toThrow(
      'gate "error-rate" has no compare block, so it is not a comparison gate',
    );
  });
});
