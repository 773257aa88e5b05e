/** @module Gates on a real Prometheus (Debian's `prometheus` package) loaded with synthetic history
 * through promtool: the midnight-rollover spike that a whole-bake average misses, a slow latency
 * regression caught by a comparison gate, a good release, a gap in the data, Prometheus stopping
 * mid-bake, and the adapter's answers and errors as the real server gives them.
 * Fails when CI=true and Prometheus is missing; elsewhere it is skipped with one warning.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/adapters/prometheus/metrics.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { AdapterError } from '../../src/errors.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Metrics } from '../../src/ports.ts';
import { backtest } from '../../src/runtime/backtest.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';
import { runInVirtualTime } from '../../src/runtime/virtual-run.ts';
import { createFleet } from '../../src/sim/fleet.ts';
import { formatOpenMetrics } from '../../src/sim/openmetrics.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { HOUR, MINUTE, describePrometheus, examplePolicy, startPrometheus, syntheticHistory, type PrometheusInstance } from './support/prometheus.ts';

const at = (iso: string): number => Date.parse(iso);
// promtool writes and fsyncs one block per 2h of history: under a loaded CI machine that takes a
// while, and a hook that timed out would leave its Prometheus to the watchdog alone.
const START = 180_000;
const STOP = 60_000;
const inRange = (t: number, from: string, to: string): boolean => t >= at(from) && t < at(to);

// Four stories at four dates, one Prometheus. Each ring-1 (ap-south-1) "deploys" at 04:35 UTC
// (healthy 04:40, 24h bake until 04:40 the next day), as the simulated webapp release does.
const STORY = {
  spike: { deployedAt: '2026-03-02T04:35:00Z', from: '2026-03-02T00:00:00Z', to: '2026-03-03T08:00:00Z' },
  latency: { deployedAt: '2026-03-09T04:35:00Z', from: '2026-03-09T00:00:00Z', to: '2026-03-10T08:00:00Z' },
  good: { deployedAt: '2026-03-16T04:35:00Z', from: '2026-03-16T00:00:00Z', to: '2026-03-17T08:00:00Z' },
  gap: { deployedAt: '2026-03-23T04:35:00Z', from: '2026-03-23T00:00:00Z', to: '2026-03-24T08:00:00Z' },
} as const;
const inStory = (t: number): boolean => Object.values(STORY).some((s) => inRange(t, s.from, s.to));
const healthyOf = (s: { deployedAt: string }): number => at(s.deployedAt) + 5 * MINUTE;

function history(): string {
  const only = (f: (t: number) => number | null) => (t: number) => (inStory(t) ? f(t) : null);
  const canary = {
    errorRate: only((t) => {
      if (inRange(t, '2026-03-03T00:00:00Z', '2026-03-03T00:15:00Z')) return 0.15; // the midnight rollover
      if (inRange(t, '2026-03-23T10:40:00Z', '2026-03-23T11:10:00Z')) return null; // the gap
      return 0.002;
    }),
    p99LatencyMs: only((t) => {
      if (inRange(t, '2026-03-23T10:40:00Z', '2026-03-23T11:10:00Z')) return null;
      // The slow regression: +1.2% per hour of uptime, so still far under the 200 ms max after 24h.
      const s = STORY.latency;
      if (inRange(t, s.deployedAt, s.to)) return 120 * (1 + (0.012 * Math.max(0, t - healthyOf(s))) / HOUR);
      return 120;
    }),
    noise: 0.05,
  };
  const stable = { errorRate: only(() => 0.002), p99LatencyMs: only(() => 120), noise: 0.05 };
  return syntheticHistory(at('2026-03-02T00:00:00Z'), at('2026-03-24T08:00:00Z'), {
    internal: stable,
    'ap-south-1': canary,
    'eu-west-1': stable,
    'us-east-1': stable,
  });
}

/** Ring-1's gates with a comparison on p99 latency added (ratio of medians above 10% fails). */
const LATENCY_COMPARE: Array<[Array<string | number>, unknown]> = [
  [['spec', 'gates', 'p99-vs-baseline'], { compare: { metric: 'p99_latency_ms', maxRatio: 0.1 } }],
  [['spec', 'rings', 1, 'gates'], ['error-rate', 'p99-latency', 'p99-vs-baseline']],
];

describePrometheus('gates on a real Prometheus', () => {
  let prom: PrometheusInstance;
  let dir: string;

  beforeAll(async () => {
    prom = await startPrometheus(history());
    dir = mkdtempSync(join(tmpdir(), 'meridian-prom-test-'));
  }, START);
  afterAll(async () => {
    await prom?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, STOP);

  const range = (s: (typeof STORY)[keyof typeof STORY], until: string = s.to) => ({ deployedAt: at(s.deployedAt), from: at(s.deployedAt), to: at(until) });

  it('(a) fails the ring on the 15-minute midnight spike inside a 24h bake, which one average over the whole bake would miss', async () => {
    const { policy } = examplePolicy(prom.url);
    const caught = await backtest(policy, 'ring-1', range(STORY.spike), new PrometheusMetrics(policy));
    expect(caught.verdict).toBe('failed');
    // Five minutes of 15% move the sliding hour over 1%: the ring fails at the first evaluation in the spike.
    expect(caught.firstFailure).toMatchObject({ at: at('2026-03-03T00:05:00Z'), gate: 'error-rate', region: 'ap-south-1' });
    const fails = caught.evaluations.filter((e) => e.result === 'fail');
    // The interval, the sliding hour and the comparison against the stable regions all see it at once.
    expect(fails.map((e) => [new Date(e.at).toISOString(), e.kind])).toEqual([
      ['2026-03-03T00:05:00.000Z', 'interval'],
      ['2026-03-03T00:05:00.000Z', 'hour'],
      ['2026-03-03T00:05:00.000Z', 'compare'],
    ]);
    expect(fails[0]!.value!).toBeGreaterThan(0.14);
    expect(fails[1]!.value!).toBeGreaterThan(0.01); // (55 × 0.2% + 5 × 15%) / 60 ≈ 1.4%

    // The whole bake's mean is far under the bound: 15 bad minutes in 1430 disappear in it.
    expect(await new PrometheusMetrics(policy).value({ metric: 'error_rate', region: 'ap-south-1', ring: 'ring-1', version: '' }, healthyOf(STORY.spike) + 10 * MINUTE, healthyOf(STORY.spike) + 24 * HOUR)).toBeLessThan(0.01);
    // evaluate: whole-bake is only a name lint warns about: such a gate is judged per interval and sliding hour, and catches the spike the same way.
    const { policy: averaged } = examplePolicy(prom.url, [
      [['spec', 'gates', 'error-rate-avg'], { metric: 'error_rate', max: 0.01, evaluate: 'whole-bake' }],
      [['spec', 'rings', 1, 'gates'], ['error-rate-avg']],
    ]);
    const averagedRun = await backtest(averaged, 'ring-1', range(STORY.spike, '2026-03-03T05:00:00Z'), new PrometheusMetrics(averaged));
    expect(averagedRun.firstFailure).toMatchObject({ at: at('2026-03-03T00:05:00Z'), gate: 'error-rate-avg' });
  });

  it('(a) through the command line: meridian backtest --json', async () => {
    const file = join(dir, 'webapp-prometheus.yaml');
    writeFileSync(file, examplePolicy(prom.url).text);
    const io = memoryIo();
    const s = STORY.spike;
    const code = await main(['backtest', file, '--ring', 'ring-1', '--deployed-at', s.deployedAt, '--from', s.deployedAt, '--to', s.to, '--json'], io);
    expect(code).toBe(0);
    const doc = JSON.parse(io.stdout());
    expect(doc.verdict).toBe('failed');
    expect(doc.firstFailure).toMatchObject({ at: '2026-03-03T00:05:00.000Z', gate: 'error-rate', region: 'ap-south-1' });
  });

  it('(b) catches a slow latency regression with the comparison gate while the threshold never fires', async () => {
    const { policy } = examplePolicy(prom.url, LATENCY_COMPARE);
    const r = await backtest(policy, 'ring-1', range(STORY.latency), new PrometheusMetrics(policy));
    expect(r.verdict).toBe('failed');
    expect(r.firstFailure!.gate).toBe('p99-vs-baseline');
    expect(r.firstFailure!.detail).toMatch(/^p99_latency_ms in ap-south-1 is higher than stable regions \(2\) beyond maxRatio 0\.1: .* after \d+ min \(false alarms ≤ 0\.02 per bake\)$/);
    const hours = (r.firstFailure!.at - healthyOf(STORY.latency)) / HOUR;
    expect(hours).toBeGreaterThan(6);
    expect(hours).toBeLessThan(14);
    const threshold = r.evaluations.filter((e) => e.gate === 'p99-latency');
    expect(threshold.length).toBeGreaterThan(50);
    expect(threshold.every((e) => e.result === 'pass')).toBe(true);
    expect(Math.max(...threshold.map((e) => e.value!))).toBeLessThan(200);
  });

  it('(c) passes a good release at the end of its bake', async () => {
    const { policy } = examplePolicy(prom.url, LATENCY_COMPARE);
    const r = await backtest(policy, 'ring-1', range(STORY.good), new PrometheusMetrics(policy));
    expect(r.verdict).toBe('passed');
    expect(r.endedAt).toBe(healthyOf(STORY.good) + 24 * HOUR);
    expect(r.evaluations.filter((e) => e.result !== 'pass')).toEqual([]);
    // every interval, sliding hour and comparison of a 24h bake was read: two threshold gates read
    // their interval at each of the 286 evaluations and their sliding hour at the 275 from an hour
    // past warmup on, the comparison once at each
    expect(r.evaluations.length).toBe(2 * 286 + 2 * 275 + 286);
  });

  it('(d) reads a gap in the data as inconclusive, never a pass, and halts after three in a row', async () => {
    const { policy } = examplePolicy(prom.url);
    const r = await backtest(policy, 'ring-1', range(STORY.gap), new PrometheusMetrics(policy));
    expect(r.verdict).toBe('inconclusive');
    expect(r.halted).toMatchObject({ at: at('2026-03-23T10:55:00Z'), gate: 'error-rate', region: 'ap-south-1' });
    const around = r.evaluations.filter((e) => e.at > at('2026-03-23T10:40:00Z') && e.gate === 'error-rate' && e.kind === 'interval');
    expect(around.map((e) => [new Date(e.at).toISOString().slice(11, 16), e.result, e.detail])).toEqual([
      ['10:45', 'inconclusive', 'no data for error_rate in ap-south-1 over the last 5m'],
      ['10:50', 'inconclusive', 'no data for error_rate in ap-south-1 over the last 5m'],
      ['10:55', 'inconclusive', 'no data for error_rate in ap-south-1 over the last 5m'],
    ]);
    expect(r.evaluations.every((e) => e.result !== 'fail')).toBe(true);
  });

  it('answers what Prometheus returns: one value, null for nothing, errors that name the label sets and the parse error', async () => {
    const { policy } = examplePolicy(prom.url, [
      [['spec', 'metrics', 'prometheus', 'queries', 'by_code'], 'rate(http_requests_total{region="{{region}}"}[{{interval}}])'],
      [['spec', 'metrics', 'prometheus', 'queries', 'broken'], 'sum(rate(http_requests_total{region="{{region}}"}[{{interval}}])'],
    ]);
    const m = new PrometheusMetrics(policy);
    const q = (metric: string, region = 'ap-south-1') => ({ metric, region, ring: 'ring-1', version: 'v2' });
    const t = at('2026-03-16T12:00:00Z');
    expect(await m.value(q('error_rate'), t - 5 * MINUTE, t)).toBeCloseTo(0.002, 3);
    expect(await m.value(q('error_rate'), at('2026-03-05T12:00:00Z') - 5 * MINUTE, at('2026-03-05T12:00:00Z'))).toBeNull();
    expect(await m.series(q('error_rate'), t - HOUR, t, MINUTE)).toHaveLength(60);
    const several = await m.value(q('by_code'), t - 5 * MINUTE, t).catch((e: unknown) => e);
    expect(several).toBeInstanceOf(AdapterError);
    expect((several as Error).message).toContain('returned 2 series where one was expected ({code="200", region="ap-south-1"}, {code="500", region="ap-south-1"})');
    const broken = await m.value(q('broken'), t - 5 * MINUTE, t).catch((e: unknown) => e);
    expect((broken as Error).message).toMatch(/rejected the query \(HTTP 400 Bad Request, bad_data: invalid parameter "query": .*parse error.*\): sum\(rate\(/);
  });
});

describePrometheus('a region name cannot inject PromQL', () => {
  const HOSTILE = 'x"} or vector(1) or up{a="';
  let prom: PrometheusInstance;
  const t = at('2026-03-02T12:00:00Z');

  beforeAll(async () => {
    prom = await startPrometheus(
      formatOpenMetrics([HOSTILE, 'plain'], t - HOUR, t, (region) => ({ requests: 1000, errorRate: region === HOSTILE ? 0.25 : 0.5, p99LatencyMs: 1, cpu: 1, memory: 1 })),
    );
  }, START);
  afterAll(async () => {
    await prom?.dispose();
  }, STOP);

  it('matches the hostile name exactly, and nothing else', async () => {
    const text = `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: hostile }
spec:
  service: { name: hostile }
  regions:
    - { name: ${JSON.stringify(HOSTILE)}, timezone: UTC, userShare: 0.5, clusters: [{ name: a }] }
    - { name: 'x"} or vector(1) #', timezone: UTC, userShare: 0.5, clusters: [{ name: b }] }
  rings:
    - { name: ring-1, regions: [${JSON.stringify(HOSTILE)}], bake: 1h, gates: [error-rate] }
    - { name: ring-2, regions: ['x"} or vector(1) #'], bake: 1h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  metrics:
    provider: prometheus
    prometheus:
      url: ${prom.url}
      queries:
        error_rate: sum(rate(http_requests_total{region="{{region}}",code=~"5.."}[{{interval}}])) / sum(rate(http_requests_total{region="{{region}}"}[{{interval}}]))
        by_regex: sum(rate(http_requests_total{region=~"{{region}}",code=~"5.."}[{{interval}}])) / sum(rate(http_requests_total{region=~"{{region}}"}[{{interval}}]))
`;
    const { policy } = loadPolicy(text, 'hostile.yaml');
    const m = new PrometheusMetrics(policy);
    const q = (metric: string, region: string) => ({ metric, region, ring: 'ring-1', version: 'v2' });
    expect(await m.value(q('error_rate', HOSTILE), t - 5 * MINUTE, t)).toBeCloseTo(0.25, 12);
    expect(await m.value(q('by_regex', HOSTILE), t - 5 * MINUTE, t)).toBeCloseTo(0.25, 12);
    // Injected, `or vector(1)` would answer 1; escaped, the name matches no series.
    expect(await m.value(q('error_rate', 'x"} or vector(1) #'), t - 5 * MINUTE, t)).toBeNull();
  });
});

describePrometheus('Prometheus stopping mid-bake', () => {
  let prom: PrometheusInstance;
  beforeAll(async () => {
    prom = await startPrometheus(syntheticHistory(at('2026-03-02T00:00:00Z'), at('2026-03-03T12:00:00Z')));
  }, START);
  afterAll(async () => {
    await prom?.dispose();
  }, STOP);

  it('(e) makes the gates inconclusive and halts the release: the ring is never promoted', async () => {
    const { policy } = examplePolicy(prom.url);
    const { scenario } = loadScenario(
      'apiVersion: meridian.dev/v1alpha1\nkind: Scenario\nmetadata: { name: prometheus-down }\nspec:\n  start: "2026-03-02T03:30:00Z"\n  release: { version: v2.1.0, previous: v2.0.0 }\n',
      'prometheus-down.yaml',
      policy,
    );
    const clock = new SimulatedClock(scenario.spec.start);
    const fleet = createFleet(policy, scenario, clock);
    const stopAt = at('2026-03-02T10:40:00Z'); // six hours into ring-1's 24h bake
    const real = new PrometheusMetrics(policy, { timeoutMs: 5000 });
    const stopping: Metrics = {
      async value(q, from, to) {
        if (to >= stopAt) await prom.stop();
        return real.value(q, from, to);
      },
      async series(q, from, to, step) {
        if (to >= stopAt) await prom.stop();
        return real.series(q, from, to, step);
      },
    };
    const { state } = await runInVirtualTime(
      policy,
      {
        type: 'start', at: scenario.spec.start, versions: {},
        release: { id: 'prom-down', service: 'webapp', version: 'v2.1.0', previousVersion: 'v2.0.0', changes: ['app'], schemaPhase: 'expand' },
      },
      { delivery: fleet, health: fleet, metrics: stopping, traffic: fleet, hooks: fleet, approvalsFor: (r) => fleet.approvalsFor(r) },
      clock,
      scenario.spec.start + 14 * 24 * HOUR,
    );
    expect(state.phase).toBe('halted');
    expect(state.rings.map((r) => r.verdict)).toEqual(['passed', null, null, null]);
    expect(state.rings[1]!.status).toBe('baking');
    expect(state.rings[2]!.deployedAt).toBeNull();
    const inconclusive = state.events.filter((e) => e.type === 'gate.inconclusive');
    expect(inconclusive.length).toBeGreaterThanOrEqual(3);
    expect(inconclusive.every((e) => e.at >= stopAt)).toBe(true);
    expect(inconclusive[0]!.detail).toMatch(/cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)/);
    // Three interval evaluations without data, then the halt; sliding-hour checks are not counted. The
    // internal ring, watched since it passed, is the first to have three in a row.
    const halted = state.events.find((e) => e.type === 'release.halted')!;
    expect(halted.at).toBeLessThanOrEqual(at('2026-03-02T10:50:00Z'));
    expect(halted.detail).toMatch(/^3 consecutive inconclusive evaluations of error-rate in (ap-south-1|internal \(ring-0, watched since it passed\)): could not read error_rate/);
    expect(state.events.some((e) => e.type === 'ring.passed' && e.ring === 'ring-1')).toBe(false);
  });
});
