/**
 * @module Tests of what a bake evaluates and when: the interval reading and the sliding hour at every
 * evaluation, whole-bake gates judged like interval ones, and, end to end through the pure gate
 * functions, how soon a spike fails the ring and when a gap in the data halts it.
 */
import { describe, expect, it } from 'vitest';
import { checkThreshold, type Reading } from '../gates/threshold.ts';
import { initialTracker, track, type TrackerState, type Verdict } from '../gates/tracker.ts';
import type { Evaluation } from '../gates/types.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/schema.ts';
import { bakeSchedule, checksAt, type Bake } from './bake-checks.ts';
import type { GateCheck } from './types.ts';

const policyWith = (gates: string, bake = '2h', ringGates = '[error-rate]'): Policy =>
  loadPolicy(
    `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 1, clusters: [{ name: ap1 }] }
  rings:
    - { name: ring-1, regions: [ap-south-1], bake: ${bake}, gates: ${ringGates} }
  gates:
${gates}
  windows: { deploy: always }
`,
    'shop.yaml',
  ).policy;

const H = Date.parse('2026-03-02T00:03:00Z'); // healthy three minutes past the hour: nothing is phased to whole hours
const span = (c: GateCheck): [string, string, number, number] => [c.gate, c.kind, (c.from - H) / MINUTE, (c.to - H) / MINUTE];
const ERROR_RATE = '    error-rate: { metric: error_rate, max: 0.01 }';

describe('the checks of a threshold gate', () => {
  const policy = policyWith(ERROR_RATE);
  const ring = policy.spec.rings[0]!;
  const bake: Bake = { healthyAt: H, bakeUntil: H + 2 * HOUR };
  const at = (minutes: number): Array<[string, string, number, number]> => checksAt(policy, ring, bake, H + minutes * MINUTE, () => []).map(span);

  it('read the last interval at every evaluation, and the sliding hour once the ring has run an hour past warmup', () => {
    expect(at(15)).toEqual([['error-rate', 'interval', 10, 15]]);
    expect(at(40)).toEqual([['error-rate', 'interval', 35, 40]]);
    expect(at(70)).toEqual([['error-rate', 'interval', 65, 70], ['error-rate', 'hour', 10, 70]]);
    expect(at(95)).toEqual([['error-rate', 'interval', 90, 95], ['error-rate', 'hour', 35, 95]]);
  });

  it('go on the same way after the bake while the last results do not allow promotion', () => {
    expect(at(125)).toEqual([['error-rate', 'interval', 120, 125], ['error-rate', 'hour', 65, 125]]);
  });

  it('happen on the gate grid and at the end of the bake only, never at hours phased to the deploy', () => {
    const offGrid = policyWith('    error-rate: { metric: error_rate, max: 0.01, warmup: 12m }');
    const times = bakeSchedule(offGrid, offGrid.spec.rings[0]!, bake).map((t) => (t - H) / MINUTE);
    expect(times).toEqual(Array.from({ length: 21 }, (_, k) => 17 + 5 * k).concat([120]));
    expect(times).not.toContain(60);
  });

  it('never average more than one hour', () => {
    const long: Bake = { healthyAt: H, bakeUntil: H + 26 * HOUR };
    const day = policyWith(ERROR_RATE, '26h');
    for (const t of bakeSchedule(day, day.spec.rings[0]!, long)) {
      for (const c of checksAt(day, day.spec.rings[0]!, long, t, () => [])) expect(c.to - c.from).toBeLessThanOrEqual(HOUR);
    }
  });
});

describe('a whole-bake gate', () => {
  const policy = policyWith('    error-rate-avg: { metric: error_rate, max: 0.01, evaluate: whole-bake }', '24h', '[error-rate-avg]');
  const ring = policy.spec.rings[0]!;
  const bake: Bake = { healthyAt: H, bakeUntil: H + 24 * HOUR };

  it('is evaluated exactly like an interval gate: same times, same windows', () => {
    const interval = policyWith('    error-rate-avg: { metric: error_rate, max: 0.01 }', '24h', '[error-rate-avg]');
    expect(bakeSchedule(policy, ring, bake)).toEqual(bakeSchedule(interval, interval.spec.rings[0]!, bake));
    for (const t of bakeSchedule(policy, ring, bake)) {
      expect(checksAt(policy, ring, bake, t, () => [])).toEqual(checksAt(interval, interval.spec.rings[0]!, bake, t, () => []));
    }
  });

  it('is never judged on one mean over the whole bake', () => {
    const last = checksAt(policy, ring, bake, bake.bakeUntil, () => []).map(span);
    expect(last).toEqual([['error-rate-avg', 'interval', 24 * 60 - 5, 24 * 60], ['error-rate-avg', 'hour', 23 * 60, 24 * 60]]);
  });
});

/** Per-minute readings from `rate`; a window with less than half its minutes reported has no data, as with the simulator. */
function readingsOf(rate: (t: number) => number | null): (from: number, to: number) => Reading {
  return (from, to) => {
    let sum = 0;
    let n = 0;
    for (let t = from; t < to; t += MINUTE) {
      const v = rate(t);
      if (v !== null) {
        sum += v;
        n++;
      }
    }
    return n === 0 || n * 2 < (to - from) / MINUTE ? null : sum / n;
  };
}

/** A ring's bake as the engine runs it: its schedule, the checks due at each time, the readings, the trackers. */
function runBake(policy: Policy, bake: Bake, read: (from: number, to: number) => Reading): { verdict: Verdict; at: Evaluation | null; trackers: Record<string, TrackerState> } {
  const ring = policy.spec.rings[0]!;
  const trackers: Record<string, TrackerState> = {};
  for (const t of bakeSchedule(policy, ring, bake)) {
    for (const c of checksAt(policy, ring, bake, t, () => [])) {
      const gate = policy.spec.gates[c.gate]!;
      const ev = checkThreshold(c.gate, gate, c.region, c.to, c.kind === 'hour' ? 'hour' : 'interval', read(c.from, c.to), c.from);
      const key = `${c.gate}@${c.region}`;
      const step = track(trackers[key] ?? initialTracker(), ev, gate);
      trackers[key] = step.state;
      if (step.verdict !== 'ok') return { verdict: step.verdict, at: ev, trackers };
    }
  }
  return { verdict: 'ok', at: null, trackers };
}

describe('a spike in a 24h bake', () => {
  const bake: Bake = { healthyAt: H, bakeUntil: H + 24 * HOUR };
  const spike = (from: number, minutes: number, rate: number) => (t: number): number => (t >= from && t < from + minutes * MINUTE ? rate : 0.002);

  it('of 15 minutes at 5% against max 1% is caught at the evaluation where the 60-minute mean first exceeds 1%, within the spike', () => {
    // failures: 10 leaves the interval checks out of it: only the sliding hour can fail the ring.
    const policy = policyWith('    error-rate: { metric: error_rate, max: 0.01, failures: 10 }', '24h');
    const from = Date.parse('2026-03-02T09:25:00Z');
    const rate = spike(from, 15, 0.05);
    const r = runBake(policy, bake, readingsOf(rate));
    const firstOver = bakeSchedule(policy, policy.spec.rings[0]!, bake).find((t) => (readingsOf(rate)(t - HOUR, t) as number) > 0.01);
    expect(r.verdict).toBe('failed');
    expect(r.at).toMatchObject({ kind: 'hour', at: firstOver, detail: 'error_rate 0.0124 > max 0.01 (mean over the hour to 09:38Z)' });
    expect(r.at!.at).toBeLessThanOrEqual(from + 15 * MINUTE + 5 * MINUTE);
    expect(r.at!.at).toBe(from + 13 * MINUTE); // (13 × 0.05 + 47 × 0.002) / 60
  });

  it('of 5 minutes at 5% is caught by criticalMax 0.03 at the first evaluation after it', () => {
    const policy = policyWith('    error-rate: { metric: error_rate, max: 0.01, criticalMax: 0.03 }', '24h');
    const from = Date.parse('2026-03-02T09:23:00Z');
    const r = runBake(policy, bake, readingsOf(spike(from, 5, 0.05)));
    expect(r.verdict).toBe('failed');
    expect(r.at).toMatchObject({ kind: 'interval', at: from + 5 * MINUTE, detail: 'error_rate 0.05 > criticalMax 0.03' });
  });

  it('of 5 minutes at 5% passes without criticalMax: one failing interval, and an hour it moves to 0.6% only', () => {
    const policy = policyWith(ERROR_RATE, '24h');
    const r = runBake(policy, bake, readingsOf(spike(Date.parse('2026-03-02T09:23:00Z'), 5, 0.05)));
    expect(r.verdict).toBe('ok');
  });
});

describe('a gap in the data', () => {
  it('of 14 minutes halts the release (interval 5m, inconclusiveLimit 3), though every sliding hour over it has data', () => {
    const policy = policyWith(ERROR_RATE, '24h');
    const bake: Bake = { healthyAt: H, bakeUntil: H + 24 * HOUR };
    const gapFrom = Date.parse('2026-03-02T01:57:00Z');
    const r = runBake(policy, bake, readingsOf((t) => (t >= gapFrom && t < gapFrom + 14 * MINUTE ? null : 0.002)));
    expect(r.verdict).toBe('halt');
    // 01:58–02:03 and 02:03–02:08 have no data, 02:08–02:13 two minutes of five
    expect(r.at).toMatchObject({ kind: 'interval', at: Date.parse('2026-03-02T02:13:00Z'), result: 'inconclusive' });
  });
});
