/** @module Tests of the OpenMetrics export: the text format, where samples are stamped, gaps, label
 * escaping, and that PromQL's arithmetic over the exported series gives back exactly what the
 * simulated fleet's Metrics port answers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load.ts';
import { runSimulation } from '../runtime/simulate.ts';
import type { Fleet } from './fleet.ts';
import { escapeLabelValue, exportOpenMetrics, formatOpenMetrics, type MinuteSample } from './openmetrics.ts';
import { loadScenario } from './scenario.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const example = (path: string): string => readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8');

/** Series key (name + labels as written) → [epoch ms, value] in file order. */
function parse(text: string): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(.*) (\S+) (\d+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    if (!out.has(m[1]!)) out.set(m[1]!, []);
    out.get(m[1]!)!.push([Number(m[3]) * 1000, Number(m[2])]);
  }
  return out;
}

const steady = (errorRate: number): MinuteSample => ({ requests: 1000, errorRate, p99LatencyMs: 100, cpu: 0.4, memory: 0.6 });

describe('formatOpenMetrics', () => {
  const text = formatOpenMetrics(['eu'], T0, T0 + 3 * MIN, (_r, t) => steady(t === T0 + MIN ? 0.5 : 0.1));

  it('writes TYPE and HELP for each family, samples with whole-second timestamps, and # EOF last', () => {
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE http_requests counter',
      '# TYPE meridian_sim_p99_latency_ms gauge',
      '# TYPE meridian_sim_cpu_ratio gauge',
      '# TYPE meridian_sim_memory_ratio gauge',
    ]);
    expect(lines.filter((l) => l.startsWith('# HELP'))).toHaveLength(4);
    expect(lines.at(-1)).toBe('# EOF');
    expect(text.endsWith('# EOF\n')).toBe(true);
    for (const l of lines.filter((x) => !x.startsWith('#'))) expect(l).toMatch(/ \d{10}$/);
  });

  it('stamps counters at the end of each minute, counting the minutes before, from 0', () => {
    const s = parse(text);
    expect(s.get('http_requests_total{region="eu",code="500"}')).toEqual([
      [T0, 0],
      [T0 + MIN, 100],
      [T0 + 2 * MIN, 600],
      [T0 + 3 * MIN, 700],
    ]);
    expect(s.get('http_requests_total{region="eu",code="200"}')!.map(([, v]) => v)).toEqual([0, 900, 1400, 2300]);
  });

  it('stamps gauges at the middle of the minute they describe', () => {
    expect(parse(text).get('meridian_sim_p99_latency_ms{region="eu"}')).toEqual([
      [T0 + 30_000, 100],
      [T0 + MIN + 30_000, 100],
      [T0 + 2 * MIN + 30_000, 100],
    ]);
  });

  it('leaves a gap without samples, counts nothing in it, and samples the counter again when data resumes', () => {
    const gap = (t: number) => t >= T0 + 2 * MIN && t < T0 + 4 * MIN;
    const s = parse(formatOpenMetrics(['eu'], T0, T0 + 6 * MIN, (_r, t) => (gap(t) ? null : steady(0.1))));
    expect(s.get('http_requests_total{region="eu",code="500"}')).toEqual([
      [T0, 0],
      [T0 + MIN, 100],
      [T0 + 2 * MIN, 200],
      // no sample at +3m (the end of a minute without data, before another one)
      [T0 + 4 * MIN, 200],
      [T0 + 5 * MIN, 300],
      [T0 + 6 * MIN, 400],
    ]);
    expect(s.get('meridian_sim_cpu_ratio{region="eu"}')!.map(([t]) => (t - T0) / 1000)).toEqual([30, 90, 270, 330]);
  });

  it('escapes label values so a region name cannot break the format', () => {
    const hostile = 'x"} 1\n# EOF\\';
    const t = formatOpenMetrics([hostile], T0, T0 + MIN, () => steady(0));
    expect(escapeLabelValue(hostile)).toBe('x\\"} 1\\n# EOF\\\\');
    expect(t).toContain('meridian_sim_cpu_ratio{region="x\\"} 1\\n# EOF\\\\"} 0.4 1772409630');
    expect(t.match(/^# EOF$/gm)).toHaveLength(1);
  });

  it('keeps each family together (OpenMetrics forbids interleaving)', () => {
    const t = formatOpenMetrics(['a', 'b'], T0, T0 + 2 * MIN, () => steady(0.01));
    const names = t.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.indexOf('{')));
    const runs = names.filter((n, i) => i === 0 || names[i - 1] !== n);
    expect(runs).toEqual(['http_requests_total', 'meridian_sim_p99_latency_ms', 'meridian_sim_cpu_ratio', 'meridian_sim_memory_ratio']);
  });

  it('writes only whole minutes inside [from, to)', () => {
    const t = formatOpenMetrics(['eu'], T0 + 20_000, T0 + 2 * MIN + 10_000, () => steady(0));
    expect(parse(t).get('meridian_sim_cpu_ratio{region="eu"}')!.map(([x]) => x)).toEqual([T0 + MIN + 30_000]);
  });
});

describe('exportOpenMetrics of a simulated run', async () => {
  const { policy } = loadPolicy(example('webapp.yaml'), 'webapp.yaml');
  const { scenario } = loadScenario(example('scenarios/midnight-spike.yaml'), 'midnight-spike.yaml', policy);
  const run = await runSimulation(policy, scenario);
  const from = scenario.spec.start;
  const text = await exportOpenMetrics(policy, scenario, run, from, run.endedAt);
  const series = parse(text);
  const at = (key: string, t: number): number | undefined => series.get(key)?.find(([x]) => x === t)?.[1];

  /** rate(errors[w]) / rate(total[w]) at T, as Prometheus 2 computes it from samples at T − w and T. */
  function errorRate(region: string, T: number, w: number): number {
    const err = (t: number) => at(`http_requests_total{region="${region}",code="500"}`, t)!;
    const ok = (t: number) => at(`http_requests_total{region="${region}",code="200"}`, t)!;
    const e = err(T) - err(T - w);
    return e / (e + ok(T) - ok(T - w));
  }

  /** avg_over_time(g[w]) at T: the samples in [T − w, T]. */
  function gaugeMean(name: string, region: string, T: number, w: number): number {
    const pts = series.get(`${name}{region="${region}"}`)!.filter(([t]) => t >= T - w && t <= T);
    return pts.reduce((s, [, v]) => s + v, 0) / pts.length;
  }

  it('covers every region, one sample per minute per series', () => {
    const minutes = Math.floor(run.endedAt / MIN) - from / MIN;
    for (const r of policy.spec.regions) {
      expect(series.get(`meridian_sim_p99_latency_ms{region="${r.name}"}`)).toHaveLength(minutes);
      expect(series.get(`http_requests_total{region="${r.name}",code="500"}`)).toHaveLength(minutes + 1);
    }
  });

  it("reproduces the fleet's traffic-weighted error rate over a gate's 5m window, the midnight spike included", async () => {
    const times = [Date.parse('2026-03-02T12:00:00Z'), Date.parse('2026-03-03T00:05:00Z'), Date.parse('2026-03-03T00:10:00Z'), Date.parse('2026-03-02T22:35:00Z')];
    for (const T of times) {
      const sim = await run.metrics.value({ metric: 'error_rate', region: 'ap-south-1', ring: 'ring-1', version: 'v2.1.0' }, T - 5 * MIN, T);
      expect(errorRate('ap-south-1', T, 5 * MIN)).toBeCloseTo(sim!, 12);
    }
    expect(errorRate('ap-south-1', Date.parse('2026-03-03T00:10:00Z'), 5 * MIN)).toBeGreaterThan(0.1);
  });

  it("reproduces the fleet's hour means and gauge windows", async () => {
    const T = Date.parse('2026-03-02T18:40:00Z');
    const q = (metric: string) => ({ metric, region: 'eu-west-1', ring: 'ring-2', version: 'v2.0.0' });
    expect(errorRate('eu-west-1', T, 60 * MIN)).toBeCloseTo((await run.metrics.value(q('error_rate'), T - 60 * MIN, T))!, 12);
    expect(gaugeMean('meridian_sim_p99_latency_ms', 'eu-west-1', T, 5 * MIN)).toBeCloseTo((await run.metrics.value(q('p99_latency_ms'), T - 5 * MIN, T))!, 9);
    expect(gaugeMean('meridian_sim_memory_ratio', 'eu-west-1', T, 60 * MIN)).toBeCloseTo((await run.metrics.value(q('memory'), T - 60 * MIN, T))!, 12);
  });

  it("counts the fleet's own requests and failed requests, whole numbers, minute by minute", () => {
    const fleet = run.metrics as Fleet;
    const total = (code: string, t: number) => at(`http_requests_total{region="ap-south-1",code="${code}"}`, t)!;
    for (const T of [Date.parse('2026-03-02T12:00:00Z'), Date.parse('2026-03-03T00:05:00Z'), Date.parse('2026-03-03T00:06:00Z')]) {
      const counts = fleet.requestCounts('ap-south-1', T - MIN)!;
      expect(Number.isInteger(counts.requests) && Number.isInteger(counts.errors)).toBe(true);
      expect(total('500', T) - total('500', T - MIN)).toBe(counts.errors);
      expect(total('200', T) - total('200', T - MIN)).toBe(counts.requests - counts.errors);
    }
  });

  it('is the same text for the same run', async () => {
    expect(await exportOpenMetrics(policy, scenario, run.metrics, from, run.endedAt)).toBe(text);
  });
});
