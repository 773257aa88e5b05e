/**
 * @module A 24h bake with a 15-minute spike, end to end through the pure gate functions: the hour
 * bucket catches what a whole-bake average dilutes away.
 */
import { describe, expect, it } from 'vitest';
import type { Gate } from '../policy/schema.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { checkThreshold, evaluationTimes, hourBucketEnds, hourBucketWindow, initialTracker, track, type Evaluation } from './index.ts';

const gate: Gate = {
  metric: 'error_rate',
  max: 0.01,
  evaluate: 'interval',
  interval: 5 * MINUTE,
  warmup: 10 * MINUTE,
  failures: 2,
  inconclusiveLimit: 3,
  mustHaveData: true,
};
const healthyAt = Date.parse('2026-03-02T00:00:00Z');
const bakeUntil = healthyAt + 24 * HOUR;
const spikeFrom = healthyAt + 9 * HOUR + 20 * MINUTE; // 09:20Z to 09:35Z
const spikeTo = spikeFrom + 15 * MINUTE;

/** The error rate for each minute of the bake: 0.2% throughout, 15% during the spike. */
const perMinute = Array.from({ length: 24 * 60 }, (_, m) => {
  const t = healthyAt + m * MINUTE;
  return t >= spikeFrom && t < spikeTo ? 0.15 : 0.002;
});
const meanOver = (from: number, to: number): number => {
  const xs = perMinute.slice((from - healthyAt) / MINUTE, (to - healthyAt) / MINUTE);
  return xs.reduce((s, x) => s + x, 0) / xs.length;
};

describe('a 15-minute spike of 15% errors inside a 24h bake', () => {
  it('would pass max 0.01 if the whole bake were averaged', () => {
    const mean = meanOver(healthyAt, bakeUntil);
    expect(mean).toBeCloseTo((1425 * 0.002 + 15 * 0.15) / 1440, 15); // 0.0035417
    expect(checkThreshold('error-rate', gate, 'ap-south-1', bakeUntil, 'interval', mean).result).toBe('pass');
  });

  it('fails the hour bucket that holds it, and with it the ring, at once', () => {
    let state = initialTracker();
    const hours: Evaluation[] = [];
    let failedAt: Evaluation | undefined;
    for (const end of hourBucketEnds(healthyAt, bakeUntil, gate.warmup)) {
      const { from, to } = hourBucketWindow(end, healthyAt, gate.warmup);
      const ev = checkThreshold('error-rate', gate, 'ap-south-1', end, 'hour', meanOver(from, to));
      hours.push(ev);
      const r = track(state, ev, gate);
      state = r.state;
      if (r.verdict === 'failed' && failedAt === undefined) failedAt = ev;
    }
    expect(hours.length).toBe(24);
    expect(hours.filter((h) => h.result === 'fail').map((h) => h.detail)).toEqual([
      'error_rate 0.039 > max 0.01 (mean over the hour to 10:00Z)', // (45 × 0.002 + 15 × 0.15) / 60
    ]);
    expect(failedAt?.at).toBe(healthyAt + 10 * HOUR);
  });

  it('also fails the interval checks, on the second 5-minute window in a row', () => {
    let state = initialTracker();
    let failedAt: number | undefined;
    for (const at of evaluationTimes(gate, healthyAt, bakeUntil)) {
      const r = track(state, checkThreshold('error-rate', gate, 'ap-south-1', at, 'interval', meanOver(at - gate.interval, at)), gate);
      state = r.state;
      if (r.verdict === 'failed') {
        failedAt = at;
        break;
      }
    }
    expect(failedAt).toBe(spikeFrom + 10 * MINUTE); // windows 09:20–09:25 and 09:25–09:30
  });
});
