/** @module The Metrics port on Prometheus: each gate metric name maps to a PromQL template
 * (spec.metrics.prometheus.queries). `value(q, from, to)` is an instant query at `to` with
 * `{{interval}}` = to − from, so `rate(x[{{interval}}])` reads exactly the window [from, to] (an hour
 * bucket reads `[1h]`); `series(q, from, to, step)` is a range query whose points fall at from + step,
 * from + 2·step, … ≤ to with `{{interval}}` = step, so each point covers the step before it, the way
 * the simulated fleet's samples do. No data is null (an empty series), never an error, and so is
 * NaN: a ratio over a window in which nothing was counted (a drained region's error rate, 0/0) has
 * no value, as in the simulated fleet. Every failure (unreachable, refused, rejected, timed out,
 * several series) is an AdapterError, which the gate runner turns into an inconclusive evaluation.
 */
import { AdapterError } from '../../errors.ts';
import type { Policy } from '../../policy/schema.ts';
import type { MetricQuery, Metrics } from '../../ports.ts';
import { PrometheusClient, formatLabels, type Labels } from './client.ts';
import { renderTemplate, templateVariables, TEMPLATE_VARIABLES } from './template.ts';

export interface PrometheusMetricsOptions {
  /** Where the bearer token variable is read (default: process.env). */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** Overrides spec.metrics.prometheus.timeout. */
  timeoutMs?: number;
}

/** Prometheus answers at most 11,000 points per series; ask for fewer per request. */
export const MAX_POINTS_PER_REQUEST = 10_000;

export class PrometheusMetrics implements Metrics {
  private readonly queries: Record<string, string>;
  private readonly env: Record<string, string | undefined>;
  private readonly tokenEnv: string | undefined;
  private readonly opts: PrometheusMetricsOptions;
  private readonly timeoutMs: number;
  private readonly url: string;

  constructor(
    private readonly policy: Policy,
    opts: PrometheusMetricsOptions = {},
  ) {
    const prom = policy.spec.metrics.prometheus;
    if (!prom) throw new AdapterError(`policy ${policy.metadata.name} has no spec.metrics.prometheus section (url, queries)`, { retryable: false });
    this.queries = prom.queries;
    this.url = prom.url;
    this.opts = opts;
    this.env = opts.env ?? process.env;
    this.tokenEnv = prom.bearerTokenEnv;
    this.timeoutMs = opts.timeoutMs ?? prom.timeout;
    if (!(this.timeoutMs > 0)) throw new AdapterError(`the Prometheus timeout must be longer than 0 (got ${this.timeoutMs} ms)`, { retryable: false });
    for (const [metric, template] of Object.entries(this.queries)) {
      const unknown = templateVariables(template).filter((v) => !(TEMPLATE_VARIABLES as readonly string[]).includes(v));
      if (unknown.length > 0) {
        throw new AdapterError(
          `spec.metrics.prometheus.queries.${metric}: {{${unknown[0]}}} is not a template variable (use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`,
          { retryable: false },
        );
      }
    }
    this.client(); // a missing token or a bad URL shows at once, not at the first gate evaluation
  }

  /** A client with the token as it is now in the environment (read per request: tokens rotate). */
  private client(): PrometheusClient {
    let token: string | undefined;
    if (this.tokenEnv) {
      token = this.env[this.tokenEnv];
      if (token === undefined || token === '') {
        throw new AdapterError(`the environment variable ${this.tokenEnv} (spec.metrics.prometheus.bearerTokenEnv) is not set, so there is no token for Prometheus`, {
          retryable: false,
        });
      }
    }
    return new PrometheusClient({
      url: this.url,
      timeoutMs: this.timeoutMs,
      ...(token ? { token, tokenSource: `$${this.tokenEnv}` } : {}),
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
    });
  }

  private render(q: MetricQuery, interval: number): string {
    const template = this.queries[q.metric];
    if (template === undefined) {
      const known = Object.keys(this.queries);
      throw new AdapterError(
        `metric "${q.metric}" has no query in spec.metrics.prometheus.queries${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        { retryable: false },
      );
    }
    const region = this.policy.spec.regions.find((r) => r.name === q.region);
    try {
      return renderTemplate(template, {
        region: q.region,
        clusters: region ? region.clusters.map((c) => c.name) : [],
        ring: q.ring,
        version: q.version,
        interval,
      });
    } catch (e) {
      throw new AdapterError(`spec.metrics.prometheus.queries.${q.metric}: ${(e as Error).message}`, { retryable: false });
    }
  }

  private several(q: MetricQuery, labels: Labels[], expr: string): AdapterError {
    const shown = labels.slice(0, 5).map(formatLabels).join(', ');
    return new AdapterError(
      `the query for ${q.metric} in ${q.region} returned ${labels.length} series where one was expected (${shown}${labels.length > 5 ? ', …' : ''}): aggregate it, e.g. sum(...), or select by more labels: ${expr}`,
      { retryable: false },
    );
  }

  async value(q: MetricQuery, from: number, to: number): Promise<number | null> {
    if (!(to > from)) return null;
    const expr = this.render(q, to - from);
    const result = await this.client().query(expr, to);
    let value: number;
    switch (result.resultType) {
      case 'scalar':
        value = result.value;
        break;
      case 'vector':
        if (result.series.length === 0) return null;
        if (result.series.length > 1) throw this.several(q, result.series.map((s) => s.labels), expr);
        value = result.series[0]!.value;
        break;
      default:
        throw new AdapterError(`the query for ${q.metric} in ${q.region} returned a ${result.resultType} where one number was expected: ${expr}`, { retryable: false });
    }
    // A ratio of nothing (0/0: a drained region served no requests) is no data, as a NaN point of a series is.
    return Number.isNaN(value) ? null : value;
  }

  async series(q: MetricQuery, from: number, to: number, step: number): Promise<number[]> {
    if (!(step > 0)) throw new AdapterError(`a series step must be longer than 0 (got ${step} ms)`, { retryable: false });
    const expr = this.render(q, step);
    const first = from + step;
    if (first > to) return [];
    const last = first + Math.floor((to - first) / step) * step;
    const client = this.client();
    const out: number[] = [];
    for (let start = first; start <= last; start += MAX_POINTS_PER_REQUEST * step) {
      const end = Math.min(last, start + (MAX_POINTS_PER_REQUEST - 1) * step);
      const series = await client.queryRange(expr, start, end, step);
      if (series.length > 1) throw this.several(q, series.map((s) => s.labels), expr);
      for (const [, v] of series[0]?.points ?? []) if (!Number.isNaN(v)) out.push(v);
    }
    return out;
  }
}
