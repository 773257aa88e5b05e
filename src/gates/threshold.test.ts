/** @module Tests of threshold checks: their results and the exact sentences they give people. */
import { describe, expect, it } from 'vitest';
import type { Gate } from '../policy/schema.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { checkThreshold, criticalBound, detailOf } from './threshold.ts';

/** What a check says, in words: a pass leaves them out and detailOf says them when read. */
const says = (gateName: string, gate: Gate, value: number, kind: 'interval' | 'hour' = 'interval'): string => detailOf(checkThreshold(gateName, gate, 'eu-west-1', AT, kind, value), gate);

const AT = Date.parse('2026-03-02T01:00:00Z');
const defaults = { evaluate: 'interval', interval: 5 * MINUTE, warmup: 10 * MINUTE, failures: 2, inconclusiveLimit: 3, mustHaveData: true } as const;
const errorRate: Gate = { ...defaults, metric: 'error_rate', max: 0.01 };
const qps: Gate = { ...defaults, metric: 'qps', min: 10 };
const latency: Gate = { ...defaults, metric: 'p99_latency_ms', min: 1, max: 200 };

describe('a threshold check', () => {
  it('passes a value within max and says so when read', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', 0.0021);
    expect(ev).toEqual({ gate: 'error-rate', region: 'eu-west-1', at: AT, kind: 'interval', result: 'pass', value: 0.0021, margin: expect.closeTo(0.79, 12) });
    expect(detailOf(ev, errorRate)).toBe('error_rate 0.0021 ≤ max 0.01');
    expect(says('error-rate', errorRate, 0.0021, 'hour')).toBe('error_rate 0.0021 ≤ max 0.01 (mean over the hour to 01:00Z)');
  });

  it('fails a value above max', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', 0.0512);
    expect(ev.result).toBe('fail');
    expect(ev.value).toBe(0.0512);
    expect(ev.detail).toBe('error_rate 0.0512 > max 0.01');
  });

  it('passes a value exactly at max', () => {
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', 0.01).result).toBe('pass');
  });

  it('fails a value below min', () => {
    const ev = checkThreshold('traffic', qps, 'eu-west-1', AT, 'interval', 3.2);
    expect([ev.result, ev.detail]).toEqual(['fail', 'qps 3.2 < min 10']);
    expect(says('traffic', qps, 12)).toBe('qps 12 ≥ min 10');
  });

  it('names both bounds when the gate has both', () => {
    expect(says('p99', latency, 150)).toBe('p99_latency_ms 150 within [min 1, max 200]');
    expect(checkThreshold('p99', latency, 'eu-west-1', AT, 'interval', 0.5).detail).toBe('p99_latency_ms 0.5 < min 1');
  });

  it('prints numbers to 4 significant digits', () => {
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', 0.051234567).detail).toBe('error_rate 0.05123 > max 0.01');
    expect(checkThreshold('p99', latency, 'eu-west-1', AT, 'interval', 123456).detail).toBe('p99_latency_ms 123500 > max 200');
  });

  it('prints as many digits as it takes to tell a value from its bound', () => {
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', 0.0100004).detail).toBe('error_rate 0.0100004 > max 0.01');
  });

  it('fails an infinite p99, which means the quantile fell past the last histogram bucket', () => {
    expect(checkThreshold('p99', latency, 'eu-west-1', AT, 'interval', Infinity).detail).toBe('p99_latency_ms Infinity > max 200');
  });

  it('says the hour when it judges the mean of the sliding hour', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'hour', 0.039);
    expect([ev.kind, ev.result, ev.detail]).toEqual(['hour', 'fail', 'error_rate 0.039 > max 0.01 (mean over the hour to 01:00Z)']);
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'hour', 0.039, AT - HOUR).detail).toBe('error_rate 0.039 > max 0.01 (mean over the hour to 01:00Z)');
  });

  it('says how long the window was when it is shorter than an hour (the first hour after the warmup)', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'hour', 0.039, AT - 25 * MINUTE);
    expect(ev.detail).toBe('error_rate 0.039 > max 0.01 (mean over the 25m to 01:00Z)');
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'hour', null, AT - 25 * MINUTE).detail).toBe('no data for error_rate in eu-west-1 over the 25m to 01:00Z');
  });
});

describe('a threshold check with critical bounds', () => {
  const critical: Gate = { ...errorRate, criticalMax: 0.03 };
  const floor: Gate = { ...qps, criticalMin: 2 };

  it('names criticalMax when the value is beyond it', () => {
    const ev = checkThreshold('error-rate', critical, 'eu-west-1', AT, 'interval', 0.0512);
    expect([ev.result, ev.detail]).toEqual(['fail', 'error_rate 0.0512 > criticalMax 0.03']);
    expect(checkThreshold('error-rate', critical, 'eu-west-1', AT, 'hour', 0.0512).detail).toBe('error_rate 0.0512 > criticalMax 0.03 (mean over the hour to 01:00Z)');
  });

  it('names criticalMin when the value is below it', () => {
    expect(checkThreshold('traffic', floor, 'eu-west-1', AT, 'interval', 1.5).detail).toBe('qps 1.5 < criticalMin 2');
  });

  it('names max, not the critical bound, for a value between them', () => {
    expect(checkThreshold('error-rate', critical, 'eu-west-1', AT, 'interval', 0.02).detail).toBe('error_rate 0.02 > max 0.01');
    expect(checkThreshold('traffic', floor, 'eu-west-1', AT, 'interval', 3).detail).toBe('qps 3 < min 10');
    expect(checkThreshold('error-rate', critical, 'eu-west-1', AT, 'interval', 0.03).detail).toBe('error_rate 0.03 > max 0.01');
  });

  it('names a critical bound that stands alone when a value passes', () => {
    const ceilingOnly: Gate = { ...qps, criticalMax: 5000 };
    expect(says('traffic', ceilingOnly, 12)).toBe('qps 12 within [min 10, criticalMax 5000]');
    expect(checkThreshold('traffic', ceilingOnly, 'eu-west-1', AT, 'interval', 6000).detail).toBe('qps 6000 > criticalMax 5000');
  });

  it('tells which bound was crossed', () => {
    expect(criticalBound(critical, 0.0512)).toBe('criticalMax');
    expect(criticalBound(critical, 0.03)).toBeNull();
    expect(criticalBound(floor, 1.9)).toBe('criticalMin');
    expect(criticalBound(errorRate, 1)).toBeNull();
    expect(criticalBound(critical, NaN)).toBeNull();
  });
});

describe('the margin of a conclusive threshold check', () => {
  const margin = (g: Gate, v: number): number | undefined => checkThreshold('g', g, 'eu-west-1', AT, 'interval', v).margin;

  it('is the share of max left, 0 at max, negative beyond it', () => {
    expect(margin(errorRate, 0.0025)).toBeCloseTo(0.75, 12);
    expect(margin(errorRate, 0.01)).toBe(0);
    expect(margin(errorRate, 0.0512)).toBeCloseTo(-4.12, 12);
  });

  it('is the share of min left for a floor', () => {
    expect(margin(qps, 12)).toBeCloseTo(0.2, 12);
    expect(margin(qps, 3.2)).toBeCloseTo(-0.68, 12);
  });

  it('is the smallest over the bounds that apply, critical ones included', () => {
    expect(margin(latency, 150)).toBeCloseTo(0.25, 12); // 50/200 against max, 149/1 against min
    expect(margin({ ...qps, criticalMax: 50 }, 45)).toBeCloseTo(0.1, 12); // 5/50 against criticalMax, 3.5 against min
    expect(margin({ ...errorRate, criticalMax: 0.03 }, 0.0512)).toBeCloseTo(-4.12, 12);
  });

  it('is an absolute difference against a bound of 0, and measured from |bound| for a negative one', () => {
    const zero: Gate = { ...defaults, metric: 'errors', max: 0 };
    expect(margin(zero, 0)).toBe(0);
    expect(margin(zero, 0.002)).toBeCloseTo(-0.002, 15);
    const negative: Gate = { ...defaults, metric: 'drift', max: -5 };
    expect(margin(negative, -6)).toBeCloseTo(0.2, 12);
    expect(margin(negative, -4)).toBeCloseTo(-0.2, 12);
  });

  it('is set on sliding-hour checks too, and absent when inconclusive', () => {
    expect(checkThreshold('g', errorRate, 'eu-west-1', AT, 'hour', 0.005).margin).toBeCloseTo(0.5, 12);
    expect(checkThreshold('g', errorRate, 'eu-west-1', AT, 'interval', null)).not.toHaveProperty('margin');
  });
});

describe('a threshold check without a usable value', () => {
  it('is inconclusive when there is no data over the last interval', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', null);
    expect([ev.result, ev.value, ev.detail]).toEqual(['inconclusive', null, 'no data for error_rate in eu-west-1 over the last 5m']);
  });

  it('is inconclusive when there is no data over the sliding hour', () => {
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'hour', null).detail).toBe(
      'no data for error_rate in eu-west-1 over the hour to 01:00Z',
    );
  });

  it("is inconclusive with the provider's message when the provider fails", () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', { error: 'query timed out after 10s' });
    expect([ev.result, ev.value, ev.detail]).toEqual([
      'inconclusive',
      null,
      'could not read error_rate in eu-west-1 over the last 5m: query timed out after 10s',
    ]);
  });

  it('is inconclusive, never a pass, when the value is NaN', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', NaN);
    expect([ev.result, ev.value, ev.detail]).toEqual(['inconclusive', null, 'error_rate in eu-west-1 over the last 5m is not a number']);
  });
});
