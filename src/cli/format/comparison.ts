/**
 * @module The cross-region comparison table as text: a value outside its gate is marked with `!`.
 */
import { formatMetricValue, type ComparisonMetric, type ComparisonRow } from '../../runtime/region-table.ts';
import { table } from './table.ts';

function cell(row: ComparisonRow, metric: ComparisonMetric): string {
  const text = formatMetricValue(metric, row.values[metric]);
  return row.breaches.includes(metric) ? `${text} !` : text;
}

export function comparisonTable(rows: ComparisonRow[]): string {
  return table(
    ['REGION', 'RING', 'VERSION', 'STATUS', 'ERROR RATE', 'P99 LATENCY', 'CPU', 'MEMORY', 'QPS'],
    rows.map((r) => [r.region, r.ring, r.version, r.status, cell(r, 'error_rate'), cell(r, 'p99_latency_ms'), cell(r, 'cpu'), cell(r, 'memory'), cell(r, 'qps')]),
  );
}
