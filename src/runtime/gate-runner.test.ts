import { describe, expect, it } from 'vitest';
import { policyOf } from '../engine/fake-ports.test-helper.ts';
import type { GateCheck } from '../engine/types.ts';
import { AdapterError } from '../errors.ts';
import { sequentialOf } from '../gates/compare-fold.ts';
import { initialTracker, track, type TrackerState } from '../gates/tracker.ts';
import type { Policy } from '../policy/schema.ts';
import type { MetricQuery, Metrics } from '../ports.ts';
import { runGateChecks } from './gate-runner.ts';

const MIN = 60_000;
const policy = policyOf(`
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: a, timezone: UTC, userShare: 0.2, clusters: [{ name: a }] }
    - { name: b, timezone: UTC, userShare: 0.2, clusters: [{ name: b }] }
    - { name: c, timezone: UTC, userShare: 0.2, clusters: [{ name: c }] }
    - { name: d, timezone: Europe/London, userShare: 0.2, clusters: [{ name: d }] }
    - { name: e, timezone: UTC, userShare: 0.2, clusters: [{ name: e }] }
  rings:
    - { name: ring-1, regions: [a, b, c], bake: 24h, gates: [err, cmp] }
    - { name: ring-2, regions: [d, e], bake: 24h, gates: [err] }
  gates:
    err: { metric: error_rate, max: 0.01 }
    cmp: { compare: { metric: error_rate, maxRatio: 0.5 } }
`);

/** The same policy with the comparison against each region's own history. */
function withSelf(p: Policy): Policy {
  const copy = structuredClone(p);
  copy.spec.gates.cmp!.compare!.baseline = 'self';
  return copy;
}

const ctx = (metrics: Metrics, extra: { trackers?: Record<string, TrackerState>; policy?: Policy } = {}) => ({
  policy: extra.policy ?? policy,
  metrics,
  ring: 'ring-1',
  version: 'v2',
  previousVersion: 'v1',
  ...(extra.trackers ? { trackers: extra.trackers } : {}),
});

/** Metrics whose series are `rate(region, minute start)` per whole minute, logging every series asked. */
function recording(rate: (q: MetricQuery, t: number) => number | null = (q) => (q.region === 'a' ? 0.004 : 0.002)) {
  const asked: string[] = [];
  const metrics: Metrics = {
    value: async () => 0.001,
    series: async (q, from, to, step) => {
      asked.push(`${q.region} ${q.version} ${new Date(from).toISOString()} ${new Date(to).toISOString()} ${step}`);
      const out: number[] = [];
      for (let t = from; t + step <= to; t += step) {
        const v = rate(q, t);
        if (v !== null) out.push(v);
      }
      return out;
    },
  };
  return { asked, metrics };
}

const T0 = Date.parse('2026-03-02T10:00:00Z');
const cmp = (region: string, from: number, to: number, baselineRegions = ['d', 'e']): GateCheck => ({ gate: 'cmp', region, kind: 'compare', from, to, baselineRegions });

describe('running gate checks through the Metrics port', () => {
  it('reads comparison samples on whole minutes, even when the check is not on a minute boundary', async () => {
    const { asked, metrics } = recording();
    const from = Date.parse('2026-03-02T10:00:21.500Z');
    const [ev] = await runGateChecks(ctx(metrics), [cmp('a', from, from + 10 * MIN)]);
    expect(asked).toEqual([
      'd v1 2026-03-02T10:01:00.000Z 2026-03-02T10:10:00.000Z 60000',
      'e v1 2026-03-02T10:01:00.000Z 2026-03-02T10:10:00.000Z 60000',
      'a v2 2026-03-02T10:01:00.000Z 2026-03-02T10:10:00.000Z 60000',
    ]);
    expect(ev!.samples!.minutes.map((m) => new Date(m.at).toISOString().slice(11, 16))).toEqual(['10:01', '10:02', '10:03', '10:04', '10:05', '10:06', '10:07', '10:08', '10:09']);
    expect(ev!.samples!.minutes[0]).toEqual({ at: Date.parse('2026-03-02T10:01:00Z'), canary: 0.004, baseline: 0.002 });
    expect(ev).toMatchObject({ result: 'pass', kind: 'compare', margin: 1 });
    expect(ev!.detail).toBe('error_rate in a vs stable regions (2): 0.004 vs 0.002 over the last 9 min, shift +0.002 (+100%); learning its noise (9 of 20 min)');
  });

  it('reads the baseline pool once a round for every canary region of the ring', async () => {
    const { asked, metrics } = recording();
    const evs = await runGateChecks(ctx(metrics), [cmp('a', T0, T0 + 5 * MIN), cmp('b', T0, T0 + 5 * MIN), cmp('c', T0, T0 + 5 * MIN)]);
    expect(asked.map((a) => a.split(' ')[0])).toEqual(['d', 'e', 'a', 'b', 'c']);
    expect(evs.map((e) => [e.region, e.samples!.minutes.length])).toEqual([['a', 5], ['b', 5], ['c', 5]]);
  });

  it('reads only the minutes after those its statistic folded when it is given the ring’s trackers', async () => {
    const { asked, metrics } = recording();
    const [first] = await runGateChecks(ctx(metrics), [cmp('a', T0, T0 + 30 * MIN)]);
    const trackers = { 'cmp@a': track(initialTracker(), first!, policy.spec.gates.cmp!).state };
    asked.length = 0;
    const [next] = await runGateChecks(ctx(metrics, { trackers }), [cmp('a', T0 + 35 * MIN - 60 * MIN, T0 + 35 * MIN)]);
    expect(asked).toEqual([
      'd v1 2026-03-02T10:30:00.000Z 2026-03-02T10:35:00.000Z 60000',
      'e v1 2026-03-02T10:30:00.000Z 2026-03-02T10:35:00.000Z 60000',
      'a v2 2026-03-02T10:30:00.000Z 2026-03-02T10:35:00.000Z 60000',
    ]);
    expect(next!.detail).toContain('after 35 min');
  });

  it('records rounds that the tracker folds into the statistic the runtime judged by, round after round', async () => {
    // a is twice its baseline after the first hour; the baseline has some noise to learn.
    const { metrics } = recording((q, t) => (q.region === 'a' && t >= T0 + 60 * MIN ? 0.004 : 0.002) * (1 + 0.1 * Math.sin(t / MIN) * (q.region === 'd' ? 1 : -1)));
    let tracker = initialTracker();
    let failedAt: number | null = null;
    for (let t = T0 + 5 * MIN; t <= T0 + 6 * 60 * MIN && failedAt === null; t += 5 * MIN) {
      const [ev] = await runGateChecks(ctx(metrics, { trackers: { 'cmp@a': tracker } }), [cmp('a', Math.max(T0, t - 60 * MIN), t)]);
      const step = track(tracker, ev!, policy.spec.gates.cmp!);
      expect(step.verdict === 'failed').toBe(ev!.result === 'fail');
      tracker = step.state;
      if (step.verdict === 'failed') failedAt = t;
    }
    expect(failedAt).not.toBeNull();
    expect(failedAt! - T0).toBeGreaterThan(60 * MIN);
    expect(sequentialOf(tracker)!.n).toBe((failedAt! - T0) / MIN);
  });

  it('compares a self baseline with its own region on the previous version, at the same local hours of the 7 days before', async () => {
    const { asked, metrics } = recording();
    const healthy = Date.parse('2026-03-30T08:00:00Z');
    const from = healthy + 10 * MIN;
    const [ev] = await runGateChecks(ctx(metrics, { policy: withSelf(policy) }), [cmp('d', from, from + 5 * MIN, ['self'])]);
    expect(asked[0]).toBe('d v2 2026-03-30T08:10:00.000Z 2026-03-30T08:15:00.000Z 60000');
    // London changed clocks on 29 March: 09:10 BST (08:10Z) was 09:10 GMT (09:10Z) before it.
    expect(asked.slice(1).map((a) => a.split(' ').slice(0, 3).join(' '))).toEqual([
      'd v1 2026-03-29T08:10:00.000Z',
      'd v1 2026-03-28T09:10:00.000Z',
      'd v1 2026-03-27T09:10:00.000Z',
      'd v1 2026-03-26T09:10:00.000Z',
      'd v1 2026-03-25T09:10:00.000Z',
      'd v1 2026-03-24T09:10:00.000Z',
      'd v1 2026-03-23T09:10:00.000Z',
    ]);
    expect(ev!.detail).toContain('error_rate in d vs its own v1 at these hours over 7 days: 0.002 vs 0.002 over the last 5 min');
  });

  it('has a self baseline in a ring with no stable region left', async () => {
    const { metrics } = recording();
    const [ev] = await runGateChecks(ctx(metrics, { policy: withSelf(policy) }), [cmp('a', T0, T0 + 5 * MIN, [])]);
    expect(ev!.result).toBe('pass');
  });

  it('reads a series with gaps again minute by minute, so that each value meets its own minute', async () => {
    const { asked, metrics } = recording((q, t) => (q.region === 'd' && t === T0 + 2 * MIN ? null : q.region === 'a' ? 0.004 : 0.002));
    const [ev] = await runGateChecks(ctx(metrics), [cmp('a', T0, T0 + 5 * MIN, ['d'])]);
    expect(asked.filter((a) => a.startsWith('d '))).toHaveLength(6);
    expect(ev!.samples!.minutes.map((m) => (m.at - T0) / MIN)).toEqual([0, 1, 3, 4]);
  });

  it('leaves a baseline region that cannot be read out of the pool, and is inconclusive when none can be read', async () => {
    const failing = (bad: string[]): Metrics => ({
      value: async () => 0.001,
      series: async (q, from, to) => {
        if (bad.includes(q.region)) throw new AdapterError(`Prometheus: ${q.region} timed out`, { retryable: true });
        return Array.from({ length: (to - from) / MIN }, () => 0.002);
      },
    });
    const [some] = await runGateChecks(ctx(failing(['d'])), [cmp('a', T0, T0 + 5 * MIN)]);
    expect(some!.result).toBe('pass');
    const [none] = await runGateChecks(ctx(failing(['d', 'e'])), [cmp('a', T0, T0 + 5 * MIN)]);
    expect(none).toMatchObject({ result: 'inconclusive', detail: 'could not read the baseline of error_rate: d: Prometheus: d timed out' });
    const [canary] = await runGateChecks(ctx(failing(['a'])), [cmp('a', T0, T0 + 5 * MIN)]);
    expect(canary).toMatchObject({ result: 'inconclusive', detail: 'Prometheus: a timed out' });
  });

  it('turns a provider failure into an inconclusive evaluation with its message, never a pass', async () => {
    const metrics: Metrics = {
      value: async () => { throw new AdapterError('Prometheus at http://127.0.0.1:9090: connection refused', { retryable: true }); },
      series: async () => [],
    };
    const [ev] = await runGateChecks(ctx(metrics), [{ gate: 'err', region: 'a', kind: 'interval', from: 0, to: 300_000 }]);
    expect(ev!.result).toBe('inconclusive');
    expect(ev!.detail).toContain('connection refused');
  });

  it('says there is no baseline when no other production region still runs the previous version', async () => {
    const metrics: Metrics = { value: async () => 0.001, series: async () => [0.001] };
    const [ev] = await runGateChecks(ctx(metrics), [cmp('a', 0, 600_000, [])]);
    expect(ev).toMatchObject({ result: 'inconclusive', detail: 'no baseline: no other production region still runs v1' });
  });

  it('keeps the order of the checks in its answer', async () => {
    const { metrics } = recording();
    const evs = await runGateChecks(ctx(metrics), [cmp('a', T0, T0 + 5 * MIN), { gate: 'err', region: 'a', kind: 'interval', from: T0, to: T0 + 5 * MIN }, cmp('b', T0, T0 + 5 * MIN)]);
    expect(evs.map((e) => `${e.gate}@${e.region}`)).toEqual(['cmp@a', 'err@a', 'cmp@b']);
  });
});

describe('counting the requests of a ring (evidence)', () => {
  const check: GateCheck = { gate: 'evidence', region: 'a', kind: 'requests', from: 0, to: 2 * 60 * MIN };

  it('counts requests from the mean qps over the bake, on the new version', async () => {
    const asked: MetricQuery[] = [];
    const metrics: Metrics = {
      value: async (q) => { asked.push(q); return 12.5; },
      series: async () => [],
    };
    const [ev] = await runGateChecks(ctx(metrics), [check]);
    expect(ev).toMatchObject({ gate: 'evidence', region: 'a', kind: 'requests', result: 'pass', value: 90_000, detail: '90000 requests in a on v2' });
    expect(asked).toEqual([{ metric: 'qps', region: 'a', ring: 'ring-1', version: 'v2' }]);
  });

  it('is inconclusive, with the reason, when qps cannot be read or has no data', async () => {
    const failing: Metrics = { value: async () => { throw new AdapterError('prometheus at http://127.0.0.1:1 is unreachable', { retryable: true }); }, series: async () => [] };
    const empty: Metrics = { value: async () => null, series: async () => [] };
    expect((await runGateChecks(ctx(failing), [check]))[0]).toMatchObject({ result: 'inconclusive', value: null, detail: 'requests in a could not be read: prometheus at http://127.0.0.1:1 is unreachable' });
    expect((await runGateChecks(ctx(empty), [check]))[0]).toMatchObject({ result: 'inconclusive', value: null, detail: 'no qps data in a' });
  });
});
