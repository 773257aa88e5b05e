/** @module Tests of the Metrics port on Prometheus (against a stand-in server): the queries it makes
 * for value and series, how it reads answers, its errors, the bearer token, and that the gate runner
 * turns every failure into an inconclusive evaluation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import type { Policy } from '../../policy/schema.ts';
import { runGateChecks } from '../../runtime/gate-runner.ts';
import { PrometheusMetrics, MAX_POINTS_PER_REQUEST } from './metrics.ts';
import { apiError, closedPort, fakePrometheus, matrix, vector, type FakePrometheus, type FakeRequest, type FakeAnswer } from './fake-prometheus.test-helper.ts';

const T = Date.parse('2026-03-02T12:00:00Z');
const MIN = 60_000;
const SECRET = 'tok-9f8e7d6c5b4a';

function policy(url: string, extra = ''): Policy {
  const text = `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.5, clusters: [{ name: eu1 }] }
    - { name: us-east-1, timezone: America/New_York, userShare: 0.5, clusters: [{ name: us1 }, { name: us2 }] }
  rings:
    - { name: ring-1, regions: [eu-west-1], bake: 1h, gates: [error-rate, vs-baseline] }
    - { name: ring-2, regions: [us-east-1], bake: 1h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
    vs-baseline: { compare: { metric: error_rate, maxIncrease: 0.005 } }
  metrics:
    provider: prometheus
    prometheus:
      url: ${url}
${extra}      queries:
        error_rate: sum(rate(errors{region="{{region}}"}[{{interval}}])) / sum(rate(requests{region="{{region}}"}[{{interval}}]))
        by_cluster: up{cluster=~"{{cluster}}", version="{{version}}"}
        raw: errors{region="{{region}}"}
  windows: { deploy: always }
`;
  return loadPolicy(text, 'shop.yaml').policy;
}

const q = (region = 'eu-west-1', metric = 'error_rate') => ({ metric, region, ring: 'ring-1', version: 'v2' });

let server: FakePrometheus | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(answer: (req: FakeRequest) => FakeAnswer): Promise<FakePrometheus> {
  server = await fakePrometheus(answer);
  return server;
}

async function failure(p: Promise<unknown>): Promise<AdapterError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return e as AdapterError;
  }
  throw new Error('expected a failure');
}

describe('PrometheusMetrics.value', () => {
  it('is an instant query at `to` over the window to − from', async () => {
    const s = await serve(() => vector({ value: '0.004' }));
    const m = new PrometheusMetrics(policy(s.url));
    expect(await m.value(q(), T - 5 * MIN, T)).toBe(0.004);
    expect(s.requests[0]!.params.get('query')).toBe('sum(rate(errors{region="eu-west-1"}[5m])) / sum(rate(requests{region="eu-west-1"}[5m]))');
    expect(s.requests[0]!.params.get('time')).toBe(String(T / 1000));
  });

  it('reads an hour bucket over [1h] and a clipped first bucket over [50m]', async () => {
    const s = await serve(() => vector({ value: '0.001' }));
    const m = new PrometheusMetrics(policy(s.url));
    await m.value(q(), T - 60 * MIN, T);
    await m.value(q(), T - 50 * MIN, T);
    expect(s.requests.map((r) => /\[(\w+)\]/.exec(r.params.get('query')!)![1])).toEqual(['1h', '50m']);
  });

  it('answers null (no data) for an empty result, not an error', async () => {
    const s = await serve(() => vector());
    expect(await new PrometheusMetrics(policy(s.url)).value(q(), T - 5 * MIN, T)).toBeNull();
  });

  it('names the label sets when a query returns several series', async () => {
    const s = await serve(() => vector({ labels: { region: 'eu-west-1', code: '500' }, value: 1 }, { labels: { region: 'eu-west-1', code: '503' }, value: 2 }));
    const e = await failure(new PrometheusMetrics(policy(s.url)).value(q('eu-west-1', 'raw'), T - 5 * MIN, T));
    expect(e.message).toBe(
      'the query for raw in eu-west-1 returned 2 series where one was expected ({code="500", region="eu-west-1"}, {code="503", region="eu-west-1"}): aggregate it, e.g. sum(...), or select by more labels: errors{region="eu-west-1"}',
    );
  });

  it('reads NaN (a ratio of nothing: a drained region served no requests, 0/0) as no data, as a series leaves NaN points out', async () => {
    let answer = vector({ value: 'NaN' });
    const s = await serve(() => answer);
    const metrics = new PrometheusMetrics(policy(s.url));
    expect(await metrics.value(q(), T - 5 * MIN, T)).toBeNull();
    answer = { body: { status: 'success', data: { resultType: 'scalar', result: [T / 1000, 'NaN'] } } };
    expect(await metrics.value(q(), T - 5 * MIN, T)).toBeNull();
  });

  it('reads a scalar result', async () => {
    const s = await serve(() => ({ body: { status: 'success', data: { resultType: 'scalar', result: [T / 1000, '0.5'] } } }));
    expect(await new PrometheusMetrics(policy(s.url)).value(q(), T - 5 * MIN, T)).toBe(0.5);
  });

  it('matches every cluster of a region and fills in the version', async () => {
    const s = await serve(() => vector({ value: 1 }));
    await new PrometheusMetrics(policy(s.url)).value({ metric: 'by_cluster', region: 'us-east-1', ring: 'ring-2', version: 'v2.1.0' }, T - MIN, T);
    expect(s.requests[0]!.params.get('query')).toBe('up{cluster=~"(?:us1|us2)", version="v2.1.0"}');
  });

  it('says which metric has no query', async () => {
    const s = await serve(() => vector());
    const e = await failure(new PrometheusMetrics(policy(s.url)).value(q('eu-west-1', 'p99_latency_ms'), T - MIN, T));
    expect(e.message).toBe('metric "p99_latency_ms" has no query in spec.metrics.prometheus.queries (known: error_rate, by_cluster, raw)');
    expect(s.requests).toHaveLength(0);
  });
});

describe('PrometheusMetrics.series', () => {
  it('is a range query whose points end every step after from, with {{interval}} = step, NaN dropped', async () => {
    const s = await serve(() => matrix({ values: [[1, '0.1'], [2, 'NaN'], [3, '0.3']] }));
    const m = new PrometheusMetrics(policy(s.url));
    expect(await m.series(q(), T - 60 * MIN, T, MIN)).toEqual([0.1, 0.3]);
    const r = s.requests[0]!;
    expect(r.path).toBe('/api/v1/query_range');
    expect(r.params.get('query')).toContain('[1m]');
    expect([r.params.get('start'), r.params.get('end'), r.params.get('step')]).toEqual([String((T - 59 * MIN) / 1000), String(T / 1000), '60']);
  });

  it('is empty when no series matches, or the window is shorter than a step', async () => {
    const s = await serve(() => matrix());
    const m = new PrometheusMetrics(policy(s.url));
    expect(await m.series(q(), T - 10 * MIN, T, MIN)).toEqual([]);
    expect(await m.series(q(), T - 30_000, T, MIN)).toEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  it('splits long ranges so no request asks for more points than Prometheus allows', async () => {
    const s = await serve((req) => matrix({ values: [[Number(req.params.get('start')), '1']] }));
    await new PrometheusMetrics(policy(s.url)).series(q(), T - (MAX_POINTS_PER_REQUEST + 5) * MIN, T, MIN);
    expect(s.requests).toHaveLength(2);
    const points = s.requests.map((r) => (Number(r.params.get('end')) - Number(r.params.get('start'))) / 60 + 1);
    expect(points).toEqual([MAX_POINTS_PER_REQUEST, 5]);
  });

  it('names the label sets when a range query returns several series', async () => {
    const s = await serve(() => matrix({ labels: { pod: 'a' }, values: [] }, { labels: { pod: 'b' }, values: [] }));
    const e = await failure(new PrometheusMetrics(policy(s.url)).series(q(), T - 10 * MIN, T, MIN));
    expect(e.message).toContain('returned 2 series where one was expected ({pod="a"}, {pod="b"})');
  });
});

describe('PrometheusMetrics bearer token', () => {
  const withToken = (url: string) => policy(url, '      bearerTokenEnv: PROM_TOKEN\n');

  it('sends the token read from the variable bearerTokenEnv names', async () => {
    const s = await serve(() => vector({ value: 0 }));
    await new PrometheusMetrics(withToken(s.url), { env: { PROM_TOKEN: SECRET } }).value(q(), T - MIN, T);
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('refuses to start without the variable, naming it', () => {
    expect(() => new PrometheusMetrics(withToken('http://127.0.0.1:1'), { env: {} })).toThrow(
      'the environment variable PROM_TOKEN (spec.metrics.prometheus.bearerTokenEnv) is not set, so there is no token for Prometheus',
    );
  });

  it('never puts the token in an error, whatever fails', async () => {
    const s = await serve((req) => (req.params.get('query')!.startsWith('errors{') ? apiError(403, 'forbidden', `no access for ${String(req.headers.authorization)}`) : apiError(500, 'internal', String(req.headers.authorization))));
    const m = new PrometheusMetrics(withToken(s.url), { env: { PROM_TOKEN: SECRET } });
    const errors = [
      await failure(m.value(q('eu-west-1', 'raw'), T - MIN, T)),
      await failure(m.value(q(), T - MIN, T)),
      await failure(m.series(q(), T - 10 * MIN, T, MIN)),
      await failure(new PrometheusMetrics(withToken(`http://127.0.0.1:${await closedPort()}`), { env: { PROM_TOKEN: SECRET } }).value(q(), T - MIN, T)),
    ];
    for (const e of errors) {
      expect(e.message).not.toContain(SECRET);
      expect(String(e.stack)).not.toContain(SECRET);
      expect(JSON.stringify(e)).not.toContain(SECRET);
    }
    expect(errors[0]!.message).toContain('refused the credentials: HTTP 403 Forbidden, forbidden: no access for Bearer [redacted] (check the token in $PROM_TOKEN)');
  });
});

describe('PrometheusMetrics through the gate runner', () => {
  const checks = [
    { gate: 'error-rate', region: 'eu-west-1', kind: 'interval' as const, from: T - 5 * MIN, to: T },
    { gate: 'vs-baseline', region: 'eu-west-1', kind: 'compare' as const, from: T - 60 * MIN, to: T, baselineRegions: ['us-east-1'] },
  ];
  const run = (p: Policy) => runGateChecks({ policy: p, metrics: new PrometheusMetrics(p, { timeoutMs: 2000 }), ring: 'ring-1', version: 'v2', previousVersion: 'v1' }, checks);

  it('passes on good readings', async () => {
    const s = await serve((req) =>
      req.path.endsWith('query_range')
        ? matrix({ values: Array.from({ length: 60 }, (_, i) => [i, String(0.002 + (i % 7) * 1e-4)] as [number, string]) })
        : vector({ value: '0.002' }),
    );
    const evs = await run(policy(s.url));
    expect(evs.map((e) => [e.gate, e.result])).toEqual([['error-rate', 'pass'], ['vs-baseline', 'pass']]);
  });

  it('turns a server error into inconclusive evaluations that say what happened', async () => {
    const s = await serve(() => apiError(503, 'unavailable', 'TSDB is shutting down'));
    const evs = await run(policy(s.url));
    expect(evs.map((e) => e.result)).toEqual(['inconclusive', 'inconclusive']);
    expect(evs[0]!.detail).toBe(
      `could not read error_rate in eu-west-1 over the last 5m: Prometheus at ${s.url} failed (HTTP 503 Service Unavailable, unavailable: TSDB is shutting down) for: sum(rate(errors{region="eu-west-1"}[5m])) / sum(rate(requests{region="eu-west-1"}[5m]))`,
    );
    expect(evs[1]!.detail).toContain('TSDB is shutting down');
  });

  it('turns a refused connection into inconclusive evaluations', async () => {
    const port = await closedPort();
    const evs = await run(policy(`http://127.0.0.1:${port}`));
    expect(evs.map((e) => e.result)).toEqual(['inconclusive', 'inconclusive']);
    expect(evs[0]!.detail).toContain('connection refused');
    expect(evs[0]!.value).toBeNull();
  });

  it('turns missing data into an inconclusive evaluation, never a pass', async () => {
    const s = await serve((req) => (req.path.endsWith('query_range') ? matrix() : vector()));
    const evs = await run(policy(s.url));
    expect(evs.map((e) => e.result)).toEqual(['inconclusive', 'inconclusive']);
    expect(evs[0]!.detail).toBe('no data for error_rate in eu-west-1 over the last 5m');
  });
});
