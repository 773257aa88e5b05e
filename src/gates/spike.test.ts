/**
 * @module A 24h bake with a 15-minute spike, end to end through the pure gate functions: the
 * sliding hour catches, within the spike, what a whole-bake average dilutes away.
 */
import { describe, expect, it } from 'vitest';
import type { Gate } from '../policy/schema.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { evaluationTimes, slidingWindow } from './schedule.ts';
import { checkThreshold } from './threshold.ts';
import { initialTracker, track } from './tracker.ts';
import type { Evaluation } from './types.ts';

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

  it('fails the sliding hour, and with it the ring, at the first evaluation whose hour holds enough of it', () => {
    let state = initialTracker();
    const hours: Evaluation[] = [];
    let failedAt: Evaluation | undefined;
    for (const at of evaluationTimes(gate, healthyAt, bakeUntil)) {
      const window = slidingWindow(at, healthyAt, gate.warmup);
      if (!window) continue;
      const ev = checkThreshold('error-rate', gate, 'ap-south-1', at, 'hour', meanOver(window.from, window.to), window.from);
      hours.push(ev);
      const r = track(state, ev, { ...gate, failures: 100 });
      state = r.state;
      if (r.verdict === 'failed') {
        failedAt = ev;
        break;
      }
    }
    // One sliding hour per evaluation from an hour past warmup on, until the one that fails.
    expect(hours.length).toBe((9 * 60 + 25 - 10 - 60) / 5 + 1);
    // (55 × 0.002 + 5 × 0.15) / 60: five minutes into the spike the hour already tells.
    expect(failedAt?.detail).toBe('error_rate 0.01433 > max 0.01 (mean over the hour to 09:25Z)');
    expect(failedAt?.at).toBe(spikeFrom + 5 * MINUTE);
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
