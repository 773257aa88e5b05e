/**
 * @module The cross-region comparison table's data: per region, the version it runs, whether it is
 * watched (runs the new version) or a baseline, and its error rate, p99 latency, CPU, memory and
 * QPS over a window, with the values that break one of its ring's threshold gates marked.
 */
import type { Policy } from '../policy/schema.ts';
import type { Metrics } from '../ports.ts';

export const COMPARISON_METRICS = ['error_rate', 'p99_latency_ms', 'cpu', 'memory', 'qps'] as const;
export type ComparisonMetric = (typeof COMPARISON_METRICS)[number];

export interface ComparisonRow {
  region: string;
  ring: string;
  version: string;
  status: 'Watch' | 'Baseline';
  values: Record<ComparisonMetric, number | null>;
  /** Metrics whose value is outside a threshold gate of the region's ring. */
  breaches: ComparisonMetric[];
}

export async function comparisonRows(
  policy: Policy,
  metrics: Metrics,
  versions: Record<string, string>,
  newVersion: string,
  from: number,
  to: number,
  /** Per region, when it last changed version: its window starts there, so a value never mixes versions. */
  since: Record<string, number> = {},
): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  for (const ring of policy.spec.rings) {
    for (const region of ring.regions) {
      const version = versions[region] ?? '?';
      const values = {} as Record<ComparisonMetric, number | null>;
      for (const metric of COMPARISON_METRICS) {
        try {
          const start = Math.max(from, since[region] ?? from);
          values[metric] = to - start >= 60_000 ? await metrics.value({ metric, region, ring: ring.name, version }, start, to) : null;
        } catch {
          values[metric] = null;
        }
      }
      const breaches = COMPARISON_METRICS.filter((m) => {
        const v = values[m];
        if (v === null) return false;
        return ring.gates.some((g) => {
          const gate = policy.spec.gates[g];
          return gate?.metric === m && ((gate.max !== undefined && v > gate.max) || (gate.min !== undefined && v < gate.min));
        });
      });
      rows.push({ region, ring: ring.name, version, status: version === newVersion ? 'Watch' : 'Baseline', values, breaches });
    }
  }
  return rows;
}

/** A metric value in its usual unit (error rate and ratios as %, latency in ms); unknown metrics as numbers. */
export function formatMetricValue(metric: string, v: number | null): string {
  if (v === null) return 'no data';
  switch (metric) {
    case 'error_rate': return `${(v * 100).toFixed(2)}%`;
    case 'p99_latency_ms': return `${Math.round(v)} ms`;
    case 'cpu':
    case 'memory': return `${Math.round(v * 100)}%`;
    case 'qps': return `${Math.round(v)}`;
    default: return String(Number(v.toPrecision(4)));
  }
}
