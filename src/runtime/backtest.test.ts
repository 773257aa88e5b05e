/** @module Tests of backtest: the evaluations it makes for a ring deployed at a given moment, the
 * verdicts (failed, passed, inconclusive by halt or by the end of the range), and that over the
 * simulated fleet's metrics it reaches the same verdict at the same evaluation as the engine did in
 * every example scenario.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricQuery, Metrics } from '../ports.ts';
import { loadScenario } from '../sim/scenario.ts';
import { backtest } from './backtest.ts';
import { runSimulation } from './simulate.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DEPLOYED = Date.parse('2026-03-02T04:35:00Z');
const HEALTHY = DEPLOYED + 5 * MIN;

const POLICY = `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.25, clusters: [{ name: ap1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.30, clusters: [{ name: eu1 }] }
    - { name: us-east-1, timezone: America/New_York, userShare: 0.45, clusters: [{ name: us1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h, gates: [error-rate] }
    - { name: ring-1, regions: [ap-south-1], bake: 4h, gates: [error-rate, vs-baseline] }
    - { name: ring-2, regions: [eu-west-1], bake: 2h, gates: [error-rate, vs-baseline] }
    - { name: ring-3, regions: [us-east-1], bake: 1h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
    vs-baseline: { compare: { metric: error_rate, maxIncrease: 0.005 } }
  windows: { deploy: always }
`;

const policy = (text = POLICY): Policy => loadPolicy(text, 'shop.yaml').policy;

/** Metrics from a function of (region, window end); records what was asked. */
function metricsOf(rate: (region: string, to: number, from: number) => number | null): Metrics & { asked: Array<{ q: MetricQuery; from: number; to: number }> } {
  const asked: Array<{ q: MetricQuery; from: number; to: number }> = [];
  return {
    asked,
    async value(q, from, to) {
      asked.push({ q, from, to });
      return rate(q.region, to, from);
    },
    async series(q, from, to, step) {
      asked.push({ q, from, to });
      const out: number[] = [];
      for (let t = from + step; t <= to; t += step) {
        const v = rate(q.region, t, t - step);
        if (v !== null) out.push(v * (1 + 0.01 * Math.sin(t / MIN)));
      }
      return out;
    },
  };
}

/** A rate per minute (the minute starting at t) → the mean over a window; no data when less than half the window reported, as with the simulator. */
function perMinute(rate: (region: string, t: number) => number | null): (region: string, to: number, from: number) => number | null {
  return (region, to, from) => {
    let sum = 0;
    let n = 0;
    for (let t = from; t < to; t += MIN) {
      const v = rate(region, t);
      if (v !== null) {
        sum += v;
        n++;
      }
    }
    return n === 0 || n * 2 < (to - from) / MIN ? null : sum / n;
  };
}

describe('backtest', () => {
  it('evaluates from warmup after healthy (deployedAt + deploy time) to the end of the bake, and passes good history', async () => {
    const m = metricsOf(() => 0.002);
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('passed');
    expect([r.healthyAt, r.bakeUntil]).toEqual([HEALTHY, HEALTHY + 4 * HOUR]);
    const intervals = r.evaluations.filter((e) => e.gate === 'error-rate' && e.kind === 'interval');
    expect(intervals[0]!.at).toBe(HEALTHY + 15 * MIN);
    expect(intervals.at(-1)!.at).toBe(HEALTHY + 4 * HOUR);
    expect(intervals).toHaveLength((4 * 60 - 10) / 5);
    // The sliding hour is checked with every interval once the ring has run an hour past its warmup.
    expect(r.evaluations.filter((e) => e.gate === 'error-rate' && e.kind === 'hour').map((e) => e.at)).toEqual(intervals.map((e) => e.at).filter((at) => at >= HEALTHY + 70 * MIN));
    const hourWindows = m.asked.filter((a) => a.q.region === 'ap-south-1' && a.q.metric === 'error_rate' && a.to - a.from === HOUR);
    expect(hourWindows[0]).toMatchObject({ from: HEALTHY + 10 * MIN, to: HEALTHY + 70 * MIN });
    expect(hourWindows.at(-1)).toMatchObject({ from: HEALTHY + 3 * HOUR, to: HEALTHY + 4 * HOUR });
    expect(r.endedAt).toBe(HEALTHY + 4 * HOUR);
    expect(r.firstFailure).toBeNull();
    expect(r.reason).toBe('every gate of ring-1 passed through the end of its bake (2026-03-02T08:40:00Z)');
  });

  it('fails at the second consecutive failing interval, and stops there', async () => {
    const spike = HEALTHY + 2 * HOUR;
    // 1.5% for 15 minutes: each interval over max, never enough to move its hour over it.
    const m = metricsOf(perMinute((_r, t) => (t >= spike && t < spike + 15 * MIN ? 0.015 : 0.002)));
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('failed');
    expect(r.firstFailure).toEqual({ at: spike + 10 * MIN, gate: 'error-rate', region: 'ap-south-1', value: 0.015, detail: 'error_rate 0.015 > max 0.01' });
    expect(r.evaluations.at(-1)!.at).toBe(spike + 10 * MIN);
    expect(r.evaluations.filter((e) => e.result === 'fail').map((e) => e.at)).toEqual([spike + 5 * MIN, spike + 10 * MIN]);
  });

  it('fails on the sliding hour as soon as a spike moves it over max, not at an hour phased to the deploy', async () => {
    const spike = HEALTHY + 2 * HOUR + 20 * MIN;
    const m = metricsOf(perMinute((_r, t) => (t >= spike && t < spike + 15 * MIN ? 0.15 : 0.002)));
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('failed');
    expect(r.firstFailure).toMatchObject({ at: spike + 5 * MIN, gate: 'error-rate', detail: 'error_rate 0.01433 > max 0.01 (mean over the hour to 07:05Z)' });
    expect(r.evaluations.find((e) => e.result === 'fail' && e.kind === 'hour')!.at).toBe(spike + 5 * MIN);
  });

  it('fails at once on one interval beyond criticalMax', async () => {
    const spike = HEALTHY + 2 * HOUR;
    const critical = policy(POLICY.replace('error-rate: { metric: error_rate, max: 0.01 }', 'error-rate: { metric: error_rate, max: 0.01, criticalMax: 0.03 }'));
    const m = metricsOf(perMinute((_r, t) => (t >= spike && t < spike + 5 * MIN ? 0.0512 : 0.002)));
    const r = await backtest(critical, 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('failed');
    expect(r.firstFailure).toEqual({ at: spike + 5 * MIN, gate: 'error-rate', region: 'ap-south-1', value: expect.closeTo(0.0512, 12), detail: 'error_rate 0.0512 > criticalMax 0.03' });
  });

  it('fails on an hour mean at once', async () => {
    const m = metricsOf((_r, to, from) => (to - from === HOUR && to === HEALTHY + 3 * HOUR ? 0.02 : 0.002));
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('failed');
    expect(r.firstFailure).toMatchObject({ at: HEALTHY + 3 * HOUR, gate: 'error-rate' });
    expect(r.evaluations.find((e) => e.result === 'fail')!.kind).toBe('hour');
  });

  it('halts, inconclusive, after three inconclusive evaluations in a row', async () => {
    const gap = HEALTHY + HOUR;
    const m = metricsOf((_r, to) => (to > gap && to <= gap + 30 * MIN ? null : 0.002));
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('inconclusive');
    expect(r.halted).toEqual({ at: gap + 15 * MIN, gate: 'error-rate', region: 'ap-south-1', detail: 'no data for error_rate in ap-south-1 over the last 5m' });
    expect(r.reason).toMatch(/^3 consecutive inconclusive evaluations of error-rate in ap-south-1 halted the release at 2026-03-02T05:55:00Z/);
  });

  it('halts on a 14-minute gap: three intervals without data, though each sliding hour over it has data', async () => {
    const gap = HEALTHY + HOUR - 4 * MIN; // around the first whole hour of bake
    const m = metricsOf(perMinute((_r, t) => (t >= gap && t < gap + 14 * MIN ? null : 0.002)));
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('inconclusive');
    expect(r.halted).toMatchObject({ at: HEALTHY + HOUR + 10 * MIN, gate: 'error-rate' });
    // The one sliding hour checked over the gap (the first, at 70 minutes past healthy) has data, and passes.
    expect(r.evaluations.filter((e) => e.gate === 'error-rate' && e.kind === 'hour' && e.at > gap && e.at <= gap + 15 * MIN).map((e) => e.result)).toEqual(['pass']);
  });

  it('never passes a gate with mustHaveData: false that had no data in a region during the whole bake', async () => {
    const lenient = policy(POLICY.replace('error-rate: { metric: error_rate, max: 0.01 }', 'error-rate: { metric: error_rate, max: 0.01, mustHaveData: false }'));
    const r = await backtest(lenient, 'ring-3', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 3 * HOUR }, metricsOf((region) => (region === 'us-east-1' ? null : 0.002)));
    expect(r.verdict).toBe('inconclusive');
    expect(r.halted).toBeNull();
    expect(r.reason).toBe('the bake ended at 2026-03-02T05:40:00Z but the last results never all passed before the range ended (2026-03-02T07:35:00Z)');
  });

  it('lets a gate with mustHaveData: false ride over a gap at the end of the bake once it had data', async () => {
    const lenient = policy(POLICY.replace('error-rate: { metric: error_rate, max: 0.01 }', 'error-rate: { metric: error_rate, max: 0.01, mustHaveData: false }'));
    const end = HEALTHY + HOUR;
    const m = metricsOf((region, to) => (region === 'us-east-1' && to > end - 20 * MIN ? null : 0.002));
    const r = await backtest(lenient, 'ring-3', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 3 * HOUR }, m);
    expect(r.verdict).toBe('passed');
    expect(r.endedAt).toBe(end);
  });

  it('is inconclusive when the range ends before the bake', async () => {
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: HEALTHY + HOUR }, metricsOf(() => 0.002));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toBe('the range ends at 2026-03-02T05:40:00Z, before the bake does (2026-03-02T08:40:00Z), with no failure so far');
  });

  it('evaluates only inside [from, to]', async () => {
    const from = HEALTHY + 2 * HOUR;
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from, to: DEPLOYED + 6 * HOUR }, metricsOf(() => 0.002));
    expect(Math.min(...r.evaluations.map((e) => e.at))).toBe(from);
    expect(r.verdict).toBe('passed');
  });

  it('keeps evaluating after the bake while the last results do not allow promotion, as the engine does', async () => {
    const end = HEALTHY + 4 * HOUR;
    const m = metricsOf((_r, to, from) => (to === end && to - from === 5 * MIN ? 0.05 : 0.002));
    const r = await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + 6 * HOUR }, m);
    expect(r.verdict).toBe('passed');
    expect(r.endedAt).toBe(end + 5 * MIN);
    expect(r.reason).toBe('every gate of ring-1 passed through the end of its bake (2026-03-02T08:40:00Z), promoted at 2026-03-02T08:45:00Z');
  });

  it('compares against the production regions of later rings (still on the previous version)', async () => {
    const m = metricsOf(() => 0.002);
    await backtest(policy(), 'ring-2', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + HOUR }, m);
    const baseline = new Set(m.asked.filter((a) => a.q.region !== 'eu-west-1').map((a) => a.q.region));
    expect([...baseline]).toEqual(['us-east-1']);
  });

  it('passes the versions to the queries', async () => {
    const m = metricsOf(() => 0.002);
    await backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: HEALTHY + 15 * MIN, version: 'v2', previousVersion: 'v1' }, m);
    expect(m.asked.find((a) => a.q.region === 'ap-south-1')!.q).toEqual({ metric: 'error_rate', region: 'ap-south-1', ring: 'ring-1', version: 'v2' });
    expect(m.asked.find((a) => a.q.region === 'us-east-1')!.q.version).toBe('v1');
  });

  it('names the known rings for an unknown one', async () => {
    const p = backtest(policy(), 'ring-9', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED + HOUR }, metricsOf(() => 0));
    await expect(p).rejects.toThrow(UsageError);
    await expect(p).rejects.toThrow('ring "ring-9" is not in policy shop (known: ring-0, ring-1, ring-2, ring-3)');
  });

  it('refuses a range that ends before it starts', async () => {
    await expect(backtest(policy(), 'ring-1', { deployedAt: DEPLOYED, from: DEPLOYED, to: DEPLOYED }, metricsOf(() => 0))).rejects.toThrow('the range must end after it starts');
  });
});

describe('backtest over the simulated fleet agrees with the engine', async () => {
  const dir = new URL('../../examples/scenarios/', import.meta.url);
  const { policy: webapp } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    it(`in ${file}: every deployed ring's verdict, at the same evaluation`, async () => {
      const { scenario } = loadScenario(readFileSync(new URL(file, dir), 'utf8'), file, webapp);
      const run = await runSimulation(webapp, scenario);
      const s = run.state;
      let compared = 0;
      for (const rs of s.rings) {
        if (rs.deployedAt === null) continue;
        // A ring's bake decides it first (passed or failed); a ring that passed stays watched, and may fail later.
        const decided = s.events.find((e) => e.ring === rs.name && (e.type === 'ring.passed' || e.type === 'ring.failed'));
        const r = await backtest(webapp, rs.name, { deployedAt: rs.deployedAt, from: rs.deployedAt, to: decided?.at ?? run.endedAt, version: scenario.spec.release.version, previousVersion: scenario.spec.release.previous }, run.metrics);
        compared++;
        if (decided?.type === 'ring.passed') {
          expect(r.verdict, rs.name).toBe('passed');
          expect(r.endedAt).toBe(decided!.at);
        } else if (rs.verdict === 'failed') {
          expect(r.verdict, rs.name).toBe('failed');
          expect({ at: r.firstFailure!.at, gate: r.firstFailure!.gate }).toEqual({ at: s.detection!.at, gate: s.detection!.gate });
        } else if (s.phase !== 'halted') {
          // Rolled back undecided: a ring upstream failed after promotion while this one baked.
          expect(s.rings.some((x) => x.verdict === 'failed')).toBe(true);
          expect(rs.rolledBack).toBe(true);
        } else {
          expect(r.verdict, rs.name).toBe('inconclusive');
          expect(r.halted!.at).toBe(s.events.find((e) => e.type === 'release.halted')!.at);
        }
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
