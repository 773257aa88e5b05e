/** @module Tests of threshold checks: their results and the exact sentences they give people. */
import { describe, expect, it } from 'vitest';
import type { Gate } from '../policy/schema.ts';
import { MINUTE } from '../policy/duration.ts';
import { checkThreshold } from './threshold.ts';

const AT = Date.parse('2026-03-02T01:00:00Z');
const defaults = { evaluate: 'interval', interval: 5 * MINUTE, warmup: 10 * MINUTE, failures: 2, inconclusiveLimit: 3, mustHaveData: true } as const;
const errorRate: Gate = { ...defaults, metric: 'error_rate', max: 0.01 };
const qps: Gate = { ...defaults, metric: 'qps', min: 10 };
const latency: Gate = { ...defaults, metric: 'p99_latency_ms', min: 1, max: 200 };

describe('a threshold check', () => {
  it('passes a value within max and says so', () => {
    expect(checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', 0.0021)).toEqual({
      gate: 'error-rate',
      region: 'eu-west-1',
      at: AT,
      kind: 'interval',
      result: 'pass',
      value: 0.0021,
      detail: 'error_rate 0.0021 ≤ max 0.01',
    });
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
    expect(checkThreshold('traffic', qps, 'eu-west-1', AT, 'interval', 12).detail).toBe('qps 12 ≥ min 10');
  });

  it('names both bounds when the gate has both', () => {
    expect(checkThreshold('p99', latency, 'eu-west-1', AT, 'interval', 150).detail).toBe('p99_latency_ms 150 within [min 1, max 200]');
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

  it('says the hour when it judges an hour mean', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'hour', 0.039);
    expect([ev.kind, ev.result, ev.detail]).toEqual(['hour', 'fail', 'error_rate 0.039 > max 0.01 (mean over the hour to 01:00Z)']);
  });
});

describe('a threshold check without a usable value', () => {
  it('is inconclusive when there is no data over the last interval', () => {
    const ev = checkThreshold('error-rate', errorRate, 'eu-west-1', AT, 'interval', null);
    expect([ev.result, ev.value, ev.detail]).toEqual(['inconclusive', null, 'no data for error_rate in eu-west-1 over the last 5m']);
  });

  it('is inconclusive when there is no data over an hour bucket', () => {
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
