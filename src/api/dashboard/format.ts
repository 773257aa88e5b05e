/**
 * @module How the dashboard writes times, durations, shares and metric values. Times are UTC
 * (releases cross time zones; one clock for everyone on the page), or relative to the server's
 * clock ("in 3 h 20 min", "12 min ago") in a `<time>` whose title is the UTC time; the client script
 * (assets/dashboard.js, `relativeWords`) rewrites those words as the server's clock moves, by the
 * same rules as `relativeTime` and `timeLeft` here.
 */
import { formatDuration } from '../../policy/duration.ts';
import { formatMetricValue } from '../../runtime/region-table.ts';
import { tableMinute } from '../../plan/iso.ts';
import { html, type SafeHtml } from './html.ts';

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

/** Closer to now than this is `now`. */
const NOW_WITHIN = 30_000;

/** A span in words, two units at most, whole minutes rounded `up` or down: `3 h 20 min`, `45 min`, `2 d 3 h`. */
function span(ms: number, up: boolean): string {
  const total = up ? Math.ceil(ms / MINUTE) : Math.max(1, Math.floor(ms / MINUTE));
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

/**
 * `at` seen from `now`, in words: `in 3 h 20 min` (rounded up, as time left is), `12 min ago`
 * (rounded down), `now` within half a minute either way.
 */
export function relativeTime(at: number, now: number): string {
  const d = at - now;
  if (Math.abs(d) < NOW_WITHIN) return 'now';
  return d > 0 ? `in ${span(d, true)}` : `${span(-d, false)} ago`;
}

/**
 * An instant as the page shows it: `<time datetime="ISO" title="2026-03-02 10:05 UTC">in 3 h</time>`,
 * the words relative to the server's clock (`rel`: `left` says `3 h 20 min left`), the UTC time on
 * hover; `suffix` (e.g. ` (expected)`) goes into the title.
 */
export function timeTag(at: string | number, now: number, opts: { rel?: 'at' | 'left'; suffix?: string } = {}): SafeHtml {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  const rel = opts.rel ?? 'at';
  const words = rel === 'left' ? `${timeLeft(ms - now)} left` : relativeTime(ms, now);
  return html`<time datetime="${new Date(ms).toISOString()}" title="${utcMinute(ms)}${opts.suffix ?? ''}" data-rel="${rel}">${words}</time>`;
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
