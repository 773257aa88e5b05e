/**
 * @module Meridian's own Prometheus metrics. Everything about releases is computed at scrape time
 * from the newest METRICS_RELEASES releases (so it is right after a restart, agrees with the store,
 * and a scrape costs the same however long the history):
 * `meridian_releases{phase}`, `meridian_ring_duration_seconds{ring}` (deployedAt to bakeUntil of
 * each passed ring), `meridian_gate_evaluations_total{result}`, `meridian_rollbacks_total` (ring
 * rollbacks started). `meridian_api_requests_total{method,route,status}` counts requests served
 * by this process and `http_request_duration_seconds{method,route,status}` times them (from the
 * request's arrival in the app to its answer being ready, compression included; an event stream
 * counts until it opened); `route` is the route pattern (`/api/v1/releases/:id`), never the raw
 * path, so both stay a few dozen series however many releases there are.
 */
import { performance } from 'node:perf_hooks';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReleaseController, ReleaseView } from '../runtime/controller-types.ts';

/** How many of the newest releases a scrape counts. */
export const METRICS_RELEASES = 100;
const PHASES = ['running', 'waiting', 'halted', 'rolling-back', 'completed', 'rolled-back', 'aborted'];
const RESULTS = ['pass', 'fail', 'inconclusive'] as const;
/** 5 minutes to 3 days. */
const DURATION_BUCKETS = [300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800, 259_200];
/** 1 ms to 10 s. */
export const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ApiMetrics {
  readonly registry = new Registry();
  readonly #controller: ReleaseController;
  readonly #releases: Gauge;
  readonly #ringDuration: Histogram;
  readonly #gateEvaluations: Counter;
  readonly #rollbacks: Counter;
  readonly #requests: Counter;
  readonly #requestDuration: Histogram;
  #scrape: Promise<unknown> = Promise.resolve();

  constructor(controller: ReleaseController, opts: { processMetrics?: boolean } = {}) {
    this.#controller = controller;
    const registers = [this.registry];
    this.#releases = new Gauge({ name: 'meridian_releases', help: 'Releases by phase.', labelNames: ['phase'], registers });
    this.#ringDuration = new Histogram({
      name: 'meridian_ring_duration_seconds', help: 'From deploy to the end of bake, for each ring that passed.',
      labelNames: ['ring'], buckets: DURATION_BUCKETS, registers,
    });
    this.#gateEvaluations = new Counter({ name: 'meridian_gate_evaluations_total', help: 'Gate evaluations by result.', labelNames: ['result'], registers });
    this.#rollbacks = new Counter({ name: 'meridian_rollbacks_total', help: 'Ring rollbacks started.', registers });
    this.#requests = new Counter({
      name: 'meridian_api_requests_total', help: 'HTTP requests served, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'], registers,
    });
    this.#requestDuration = new Histogram({
      name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'], buckets: REQUEST_BUCKETS, registers,
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts and times every request once its response is known (errors included). */
  readonly middleware: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    await next();
    const labels = { method: c.req.method, route: routeOf(c), status: String(c.res.status) };
    this.#requests.inc(labels);
    this.#requestDuration.observe(labels, (performance.now() - started) / 1000);
  };

  /**
   * The exposition text, with release metrics recomputed now. Scrapes run one at a time, and give
   * way to other work between releases, so a scrape never holds the event loop for more than one
   * release's views: requests keep being answered while it runs.
   */
  scrape(): Promise<string> {
    const next = this.#scrape.then(async () => {
      const page = await this.#controller.list({ limit: String(METRICS_RELEASES) });
      const releases: ReleaseView[] = [];
      for (const summary of page.items) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        releases.push(await this.#controller.get(summary.id));
      }
      this.#fill(releases);
      return this.registry.metrics();
    });
    this.#scrape = next.catch(() => undefined);
    return next;
  }

  #fill(releases: ReleaseView[]): void {
    this.#releases.reset();
    for (const phase of PHASES) this.#releases.set({ phase }, 0);
    this.#ringDuration.reset();
    this.#gateEvaluations.reset();
    for (const result of RESULTS) this.#gateEvaluations.inc({ result }, 0);
    this.#rollbacks.reset();
    for (const v of releases) {
      this.#releases.inc({ phase: v.phase });
      for (const r of v.rings) {
        if (r.verdict === 'passed' && r.deployedAt && r.bakeUntil) {
          this.#ringDuration.observe({ ring: r.name }, (Date.parse(r.bakeUntil) - Date.parse(r.deployedAt)) / 1000);
        }
      }
      for (const result of RESULTS) this.#gateEvaluations.inc({ result }, v.evaluationCounts[result]);
      this.#rollbacks.inc(v.events.filter((e) => e.type === 'ring.rollback.started').length);
    }
  }
}

function routeOf(c: Context): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return routes.at(-1)?.path ?? 'unmatched';
}
