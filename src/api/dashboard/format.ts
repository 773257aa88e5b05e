/**
 * @module How the dashboard writes times, durations, shares and metric values. Times are UTC
 * (releases cross time zones; one clock for everyone on the page).
 */
import { formatDuration } from '../../policy/duration.ts';
import { formatMetricValue } from '../../runtime/region-table.ts';
import { tableMinute } from '../../plan/iso.ts';

const MINUTE = 60_000;

/** `2026-03-02 10:05 UTC` from an ISO instant or epoch milliseconds. */
export function utcMinute(at: string | number): string {
  return `${tableMinute(typeof at === 'number' ? at : Date.parse(at)).slice(0, -1)} UTC`;
}

/** `10:05` (UTC), for places where the date is clear from around it. */
export function utcClock(at: string | number): string {
  return new Date(at).toISOString().slice(11, 16);
}

/** A duration rounded up to whole minutes: `1h12m`, `45m`, `2d3h`; under a minute is `<1m`. */
export function minutes(ms: number): string {
  if (ms <= 0) return '0m';
  if (ms < MINUTE) return '<1m';
  return formatDuration(Math.ceil(ms / MINUTE) * MINUTE);
}

/**
 * Time left in words, rounded up to whole minutes: `3 h 20 min`, `45 min`, `2 d 3 h` (two units at
 * most); under a minute is `<1 min`, none left is `0 min`.
 */
export function timeLeft(ms: number): string {
  if (ms <= 0) return '0 min';
  if (ms < MINUTE) return '<1 min';
  const total = Math.ceil(ms / MINUTE);
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

/** A share of users: 0.25 → `25%`, 0.033 → `3.3%`. */
export function share(x: number): string {
  const pct = x * 100;
  return `${pct >= 10 || Number.isInteger(pct) ? Math.round(pct) : Number(pct.toPrecision(2))}%`;
}

/** A value of a gate or comparison metric in its usual unit. */
export const metricValue = formatMetricValue;

/** What people call a metric. */
export function metricLabel(metric: string): string {
  const known: Record<string, string> = { error_rate: 'Error rate', p99_latency_ms: 'p99 latency', cpu: 'CPU', memory: 'Memory', qps: 'QPS' };
  return known[metric] ?? metric;
}
