/** @module The simulated fleet's metrics as an OpenMetrics text file, for loading into a real
 * Prometheus (`promtool tsdb create-blocks-from openmetrics`) so that gates on PromQL can be checked
 * against what the simulator saw. Pure: the caller writes the file.
 *
 * What is written, one sample per minute per series (timestamps in whole seconds):
 *
 * - `http_requests_total{region, code="200"|"500"}`, counters of the requests each region served
 *   (round(qpsShare × traffic weight × the nominal global rate × 60) per minute) split into the
 *   failed ones the simulator drew for that minute (binomially; model.ts) and the rest: whole
 *   numbers, the very counts behind the simulated error rate. The sample at the END of minute m
 *   (t = m + 1m) counts every minute before it, so `sum(rate(http_requests_total{region="X",code=~"5.."}[5m])) /
 *   sum(rate(http_requests_total{region="X"}[5m]))` evaluated at a whole minute T is exactly the
 *   simulator's error rate over [T − 5m, T), failed requests over requests (Prometheus 2.x range
 *   selectors include both ends, so the window holds the 6 samples T − 5m … T: 5 minutes of
 *   increase, no extrapolation). Counters start at 0 at the first minute exported.
 * - Gauges `meridian_sim_p99_latency_ms`, `meridian_sim_cpu_ratio`, `meridian_sim_memory_ratio`
 *   `{region}`: the minute's value, stamped at the MIDDLE of the minute it describes (m + 30s), so
 *   `avg_over_time(g[5m])` at a whole minute T averages exactly the 5 minutes of [T − 5m, T), as the
 *   simulator does. (A gauge, not a histogram: `histogram_quantile` over buckets could only
 *   approximate the simulated p99.)
 *
 * A minute without data (a metrics gap, an outage, or after the run ended) has no gauge samples and
 * adds nothing to the counters; the counters are sampled again at the instant data resumes, so a
 * window that spans a gap counts only the minutes with data, as the simulator does. A drained region
 * serves no requests, so it adds nothing to the counters and has no error rate, in both.
 */
import { MINUTE } from '../policy/duration.ts';
import type { Policy } from '../policy/schema.ts';
import type { Metrics } from '../ports.ts';
import type { RequestCounts } from './fleet.ts';
import { FleetModel } from './model.ts';
import type { Scenario } from './scenario-schema.ts';

/** Metric names in the file, for PromQL queries (see examples/prometheus/webapp-prometheus.yaml). */
export const OPENMETRICS_NAMES = {
  requests: 'http_requests_total',
  p99LatencyMs: 'meridian_sim_p99_latency_ms',
  cpu: 'meridian_sim_cpu_ratio',
  memory: 'meridian_sim_memory_ratio',
} as const;

/** What one region did in one minute. A metric that has no data is null. */
export interface MinuteSample {
  /** Requests served in the minute (0 when drained or down). */
  requests: number;
  /** How many of them failed; when left out, requests × errorRate. */
  errors?: number;
  errorRate: number | null;
  p99LatencyMs: number | null;
  cpu: number | null;
  memory: number | null;
}

/** The sample of `region` for the minute starting at `minute` (epoch ms), or null when it has no data at all. */
export type MinuteSampler = (region: string, minute: number) => MinuteSample | null;

/** Escape a label value for the OpenMetrics text format: backslash, double quote, newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const num = (x: number): string => (Number.isNaN(x) ? 'NaN' : x === Infinity ? '+Inf' : x === -Infinity ? '-Inf' : String(x));
const seconds = (ms: number): string => String(Math.floor(ms / 1000));

interface RegionTable {
  name: string;
  /** Per minute: requests, errors, gauges (NaN = no data); `has` = the minute has request data. */
  requests: Float64Array;
  errors: Float64Array;
  has: Uint8Array;
  gauges: Float64Array[];
}

const GAUGES = [
  { name: OPENMETRICS_NAMES.p99LatencyMs, key: 'p99LatencyMs', help: 'p99 latency of the minute in milliseconds (simulated).' },
  { name: OPENMETRICS_NAMES.cpu, key: 'cpu', help: 'CPU utilisation of the minute, 0..1 (simulated).' },
  { name: OPENMETRICS_NAMES.memory, key: 'memory', help: 'Memory utilisation of the minute, 0..1 (simulated).' },
] as const;

/**
 * The OpenMetrics text of `regions` over the whole minutes in [from, to), one sampler call per region
 * and minute. Families are written one after the other (OpenMetrics forbids interleaving), each
 * series in time order, and the text ends with `# EOF`.
 */
export function formatOpenMetrics(regions: readonly string[], from: number, to: number, sample: MinuteSampler): string {
  const first = Math.ceil(from / MINUTE) * MINUTE;
  const count = Math.max(0, Math.floor(to / MINUTE) - first / MINUTE);
  const tables: RegionTable[] = regions.map((name) => {
    const t: RegionTable = {
      name,
      requests: new Float64Array(count),
      errors: new Float64Array(count),
      has: new Uint8Array(count),
      gauges: GAUGES.map(() => new Float64Array(count).fill(Number.NaN)),
    };
    for (let i = 0; i < count; i++) {
      const s = sample(name, first + i * MINUTE);
      if (!s) continue;
      if (s.errorRate !== null && Number.isFinite(s.errorRate) && Number.isFinite(s.requests)) {
        t.has[i] = 1;
        t.requests[i] = Math.max(0, s.requests);
        t.errors[i] = s.errors ?? Math.max(0, s.requests) * Math.min(1, Math.max(0, s.errorRate));
      }
      GAUGES.forEach((g, k) => {
        const v = s[g.key];
        if (v !== null) t.gauges[k]![i] = v;
      });
    }
    return t;
  });

  const lines: string[] = [];
  lines.push('# TYPE http_requests counter');
  lines.push('# HELP http_requests Requests served, by region and status code (500 = failed), simulated.');
  for (const t of tables) {
    const region = escapeLabelValue(t.name);
    for (const code of ['200', '500'] as const) {
      const series = `http_requests_total{region="${region}",code="${code}"}`;
      let total = 0;
      // The sample at instant first + i·1m counts minutes [first, first + i·1m); it exists when the
      // minute before it or the minute after it has data (so counting resumes right after a gap).
      for (let i = 0; i <= count; i++) {
        const before = i > 0 && t.has[i - 1] === 1;
        const after = i < count && t.has[i] === 1;
        if (before) total += code === '500' ? t.errors[i - 1]! : t.requests[i - 1]! - t.errors[i - 1]!;
        if (before || after) lines.push(`${series} ${num(total)} ${seconds(first + i * MINUTE)}`);
      }
    }
  }
  GAUGES.forEach((g, k) => {
    lines.push(`# TYPE ${g.name} gauge`);
    lines.push(`# HELP ${g.name} ${g.help}`);
    for (const t of tables) {
      const series = `${g.name}{region="${escapeLabelValue(t.name)}"}`;
      const values = t.gauges[k]!;
      for (let i = 0; i < count; i++) {
        const v = values[i]!;
        if (!Number.isNaN(v)) lines.push(`${series} ${num(v)} ${seconds(first + i * MINUTE + 30_000)}`);
      }
    }
  });
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** What the simulator can be asked about: its Metrics, and (a fleet) its load-balancer history and request counts. */
export type OpenMetricsSource = Metrics | { metrics: Metrics };

interface WeightsEvent {
  type: string;
  at: number;
  weights?: Record<string, number>;
}

type Source = Metrics & { history?: () => WeightsEvent[]; requestCounts?: (region: string, minute: number) => RequestCounts | null };

function metricsOf(source: OpenMetricsSource): Source {
  return 'metrics' in source ? source.metrics : source;
}

/**
 * The simulated fleet's metrics over [from, to) as OpenMetrics text: `source` is a finished
 * simulation run (runSimulation's result) or its fleet. Each minute's values are read through the
 * fleet's own Metrics port (one-minute windows), so the file holds exactly what the simulated gates
 * read; the request counters are the fleet's own counts of requests and failed requests
 * (Fleet.requestCounts). Given some other Metrics, requests come from the region's traffic weight and
 * a region drained in its load-balancer history (if it has one) serves none.
 */
export async function exportOpenMetrics(policy: Policy, scenario: Scenario, source: OpenMetricsSource, from: number, to: number): Promise<string> {
  const metrics = metricsOf(source);
  const model = new FleetModel(policy, scenario, scenario.spec.seed);
  const drains = new Map<string, Array<{ at: number; weight: number }>>();
  for (const e of typeof metrics.history === 'function' ? metrics.history() : []) {
    if (e.type !== 'weights' || !e.weights) continue;
    for (const [region, w] of Object.entries(e.weights)) {
      if (!drains.has(region)) drains.set(region, []);
      drains.get(region)!.push({ at: e.at, weight: w });
    }
  }
  const served = (region: string, internal: boolean, t: number): number => {
    if (internal) return 1;
    let w = 1;
    for (const c of drains.get(region) ?? []) if (c.at <= t) w = c.weight;
    return w > 0 ? 1 : 0;
  };
  const counts = typeof metrics.requestCounts === 'function' ? metrics.requestCounts.bind(metrics) : null;

  const first = Math.ceil(from / MINUTE) * MINUTE;
  const count = Math.max(0, Math.floor(to / MINUTE) - first / MINUTE);
  const cache = new Map<string, MinuteSample | null>();
  for (const r of model.regions) {
    for (let i = 0; i < count; i++) {
      const t = first + i * MINUTE;
      const q = (metric: string) => ({ metric, region: r.name, ring: '', version: '' });
      const errorRate = await metrics.value(q('error_rate'), t, t + MINUTE);
      const p99LatencyMs = await metrics.value(q('p99_latency_ms'), t, t + MINUTE);
      const cpu = await metrics.value(q('cpu'), t, t + MINUTE);
      const memory = await metrics.value(q('memory'), t, t + MINUTE);
      const none = errorRate === null && p99LatencyMs === null && cpu === null && memory === null;
      let sample: MinuteSample | null = null;
      if (!none) {
        const c = counts ? counts(r.name, t) : null;
        sample = c
          ? { requests: c.requests, errors: c.errors, errorRate, p99LatencyMs, cpu, memory }
          : { requests: counts ? 0 : model.requests(r.index, t, served(r.name, r.internal, t)), errorRate, p99LatencyMs, cpu, memory };
      }
      cache.set(`${r.index}:${i}`, sample);
    }
  }
  const index = new Map(model.regions.map((r) => [r.name, r.index]));
  return formatOpenMetrics(
    model.regions.map((r) => r.name),
    from,
    to,
    (region, minute) => cache.get(`${index.get(region)}:${(minute - first) / MINUTE}`) ?? null,
  );
}
