/** @module Tests of the Prometheus HTTP client against a stand-in server: requests it makes, the
 * answers it understands, and a clear AdapterError for every way a request can fail, never
 * carrying the token.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { PrometheusClient, formatLabels, parseSampleValue, redactUrl } from './client.ts';
import { apiError, closedPort, fakePrometheus, matrix, vector, type FakePrometheus } from './fake-prometheus.test-helper.ts';

const T = Date.parse('2026-03-02T01:00:00Z');
const SECRET = 's3cr3t-t0ken-value';

let server: FakePrometheus | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.useRealTimers();
});

async function failure(p: Promise<unknown>): Promise<AdapterError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return e as AdapterError;
  }
  throw new Error('expected the request to fail');
}

describe('PrometheusClient', () => {
  it('sends an instant query with the time in seconds, a server-side timeout and the bearer token', async () => {
    server = await fakePrometheus(() => vector({ labels: { region: 'eu' }, value: '0.25' }));
    const client = new PrometheusClient({ url: server.url, token: SECRET, timeoutMs: 10_000 });
    const r = await client.query('up{region="eu"}', T);
    expect(r).toEqual({ resultType: 'vector', series: [{ labels: { region: 'eu' }, value: 0.25 }] });
    const req = server.requests[0]!;
    expect(req.path).toBe('/api/v1/query');
    expect(req.params.get('query')).toBe('up{region="eu"}');
    expect(req.params.get('time')).toBe(String(T / 1000));
    expect(req.params.get('timeout')).toBe('10s');
    expect(req.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('sends a range query and returns the points in epoch milliseconds', async () => {
    server = await fakePrometheus(() => matrix({ labels: {}, values: [[T / 1000 - 60, '1'], [T / 1000, 'NaN']] }));
    const client = new PrometheusClient({ url: `${server.url}/`, timeoutMs: 1000 });
    const r = await client.queryRange('x', T - 60_000, T, 60_000);
    expect(r).toHaveLength(1);
    expect(r[0]!.points[0]).toEqual([T - 60_000, 1]);
    expect(Number.isNaN(r[0]!.points[1]![1])).toBe(true);
    const req = server.requests[0]!;
    expect(req.path).toBe('/api/v1/query_range');
    expect([req.params.get('start'), req.params.get('end'), req.params.get('step')]).toEqual([String(T / 1000 - 60), String(T / 1000), '60']);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('keeps a path prefix of the base URL', async () => {
    server = await fakePrometheus(() => vector());
    await new PrometheusClient({ url: `${server.url}/prometheus`, timeoutMs: 1000 }).query('up', T);
    expect(server.requests[0]!.path).toBe('/prometheus/api/v1/query');
  });

  it('reads scalars, NaN and infinities', async () => {
    server = await fakePrometheus(() => ({ body: { status: 'success', data: { resultType: 'scalar', result: [T / 1000, '+Inf'] } } }));
    const client = new PrometheusClient({ url: server.url, timeoutMs: 1000 });
    expect(await client.query('1/0', T)).toEqual({ resultType: 'scalar', value: Infinity });
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('1e-3')).toBe(0.001);
  });

  it('says the server is unreachable when the connection is refused (retryable)', async () => {
    const port = await closedPort();
    const e = await failure(new PrometheusClient({ url: `http://127.0.0.1:${port}`, token: SECRET, timeoutMs: 2000 }).query('up', T));
    expect(e.message).toBe(`cannot reach Prometheus at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
    expect(e.retryable).toBe(true);
  });

  it("passes on Prometheus's own errorType and error for a rejected query (not retryable)", async () => {
    server = await fakePrometheus(() => apiError(400, 'bad_data', 'invalid parameter "query": 1:34: parse error: unclosed left parenthesis'));
    const e = await failure(new PrometheusClient({ url: server.url, timeoutMs: 1000 }).query('sum(rate(x[5m])', T));
    expect(e.message).toBe(
      `Prometheus at ${server.url} rejected the query (HTTP 400 Bad Request, bad_data: invalid parameter "query": 1:34: parse error: unclosed left parenthesis): sum(rate(x[5m])`,
    );
    expect(e.retryable).toBe(false);
  });

  it('reports a 422 execution error the same way', async () => {
    server = await fakePrometheus(() => apiError(422, 'execution', 'many-to-many matching not allowed'));
    const e = await failure(new PrometheusClient({ url: server.url, timeoutMs: 1000 }).query('a / b', T));
    expect(e.message).toContain('rejected the query (HTTP 422 Unprocessable Entity, execution: many-to-many matching not allowed): a / b');
  });

  it('reports a server error with its details (retryable)', async () => {
    server = await fakePrometheus(() => apiError(503, 'timeout', 'query timed out in expression evaluation'));
    const e = await failure(new PrometheusClient({ url: server.url, timeoutMs: 1000 }).query('up', T));
    expect(e.message).toBe(`Prometheus at ${server.url} failed (HTTP 503 Service Unavailable, timeout: query timed out in expression evaluation) for: up`);
    expect(e.retryable).toBe(true);
  });

  it('reports a 5xx from a proxy whose body is not JSON', async () => {
    server = await fakePrometheus(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    const e = await failure(new PrometheusClient({ url: server.url, timeoutMs: 1000 }).query('up', T));
    expect(e.message).toBe(`Prometheus at ${server.url} failed (HTTP 502 Bad Gateway, <html>Bad Gateway</html>) for: up`);
  });

  it('names the token variable, never the token, when credentials are refused', async () => {
    server = await fakePrometheus((req) => ({ status: 401, body: `unauthorized: ${String(req.headers.authorization)}` }));
    const e = await failure(new PrometheusClient({ url: server.url, token: SECRET, tokenSource: '$PROM_TOKEN', timeoutMs: 1000 }).query('up', T));
    expect(e.message).toBe(`Prometheus at ${server.url} refused the credentials: HTTP 401 Unauthorized (check the token in $PROM_TOKEN)`);
    expect(e.message).not.toContain(SECRET);
    expect(String(e.stack)).not.toContain(SECRET);
  });

  it('scrubs the token from an error body that echoes it', async () => {
    server = await fakePrometheus((req) => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: `header was ${String(req.headers.authorization)}` } }));
    const e = await failure(new PrometheusClient({ url: server.url, token: SECRET, timeoutMs: 1000 }).query('up', T));
    expect(e.message).toContain('header was Bearer [redacted]');
    expect(e.message).not.toContain(SECRET);
  });

  it('never shows credentials written in the URL', async () => {
    server = await fakePrometheus((req) => ({ body: vector({ value: req.headers.authorization === `Basic ${Buffer.from('me:pw0rd').toString('base64')}` ? 1 : 0 }).body }));
    const withCredentials = server.url.replace('http://', 'http://me:pw0rd@');
    const client = new PrometheusClient({ url: withCredentials, timeoutMs: 1000 });
    expect(await client.query('up', T)).toEqual({ resultType: 'vector', series: [{ labels: {}, value: 1 }] });
    expect(client.where).toBe(`Prometheus at ${server.url}`);
    expect(redactUrl('http://me:pw0rd@prom:9090/x')).toBe('http://prom:9090/x');
  });

  it('times out with a clear message (retryable), without waiting in real time', async () => {
    vi.useFakeTimers();
    const hang: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const p = failure(new PrometheusClient({ url: 'http://prom.invalid:9090', token: SECRET, timeoutMs: 10_000, fetch: hang }).query('up', T));
    await vi.advanceTimersByTimeAsync(10_000);
    const e = await p;
    expect(e.message).toBe('Prometheus at http://prom.invalid:9090 did not answer within 10s (timeout) for: up');
    expect(e.retryable).toBe(true);
  });

  it('refuses an answer that is not the API', async () => {
    server = await fakePrometheus(() => ({ body: 'hello' }));
    const e = await failure(new PrometheusClient({ url: server.url, timeoutMs: 1000 }).query('up', T));
    expect(e.message).toBe(`Prometheus at ${server.url} answered something that is not a Prometheus API response (HTTP 200 OK with a body that is not JSON: hello) to: up`);
  });

  it('refuses a URL that is not http', () => {
    expect(() => new PrometheusClient({ url: 'ftp://x', timeoutMs: 1 })).toThrow('spec.metrics.prometheus.url must be http or https (got ftp:)');
  });

  describe('a token echoed anywhere in a long error body (a real HTTP server on loopback)', () => {
    /** 43 characters, as a base64 token of 32 bytes is; "/" and "+" change under URL encoding. */
    const LONG_TOKEN = 'a3ZLb/Yx+RjbW9uaXRvcmluZy1hcGktdG9rZW4tMDAx';
    const FILLER = 'upstream connect error or disconnect/reset before headers; retried and the latest reset reason: remote refused, transport failure '
      .repeat(20)
      .slice(0, 2_000);
    /** Offsets at which the token crosses the lengths error texts have been cut at, and both ends. */
    const OFFSETS = [0, 1, 999, 1_957, 2_000, ...[80, 160, 200, 300].flatMap((cut) => [cut - 42, cut - 21, cut - 1, cut])];
    /** How the server answers: the body it echoes the token in, for each kind of failure. */
    const KINDS: Record<string, (body: string) => { status: number; body: unknown }> = {
      'plain-5xx': (body) => ({ status: 502, body }),
      'api-4xx': (body) => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: body } }),
      'api-401': (body) => ({ status: 401, body: { status: 'error', errorType: 'unauthorized', error: body } }),
      'api-429': (body) => ({ status: 429, body: { status: 'error', errorType: 'too_many_requests', error: body } }),
      'api-5xx': (body) => ({ status: 503, body: { status: 'error', errorType: 'internal', error: body } }),
      'not-json-200': (body) => ({ status: 200, body }),
    };

    function expectNothingOf(secret: string, text: string): void {
      for (let i = 0; i + 8 <= secret.length; i++) {
        if (text.includes(secret.slice(i, i + 8))) throw new Error(`"${secret.slice(i, i + 8)}" of the token survived in: ${text}`);
      }
    }

    it('never carries the token, nor 8 characters of it, into the AdapterError, whatever the offset and however Prometheus fails', async () => {
      expect(LONG_TOKEN).toHaveLength(43);
      // The query names the kind of failure, the offset and whether the token is sent URL-encoded.
      server = await fakePrometheus((req) => {
        const [kind, offset, encoded] = req.params.get('query')!.split(' ');
        const token = encoded === 'encoded' ? encodeURIComponent(LONG_TOKEN) : LONG_TOKEN;
        const at = Number(offset);
        return KINDS[kind!]!(`${FILLER.slice(0, at)}${token}${FILLER.slice(at)}`);
      });
      const client = new PrometheusClient({ url: server.url, token: LONG_TOKEN, tokenSource: '$PROM_TOKEN', timeoutMs: 5_000 });
      for (const kind of Object.keys(KINDS)) {
        for (const offset of OFFSETS) {
          for (const encoded of ['plain', 'encoded']) {
            const e = await failure(client.query(`${kind} ${offset} ${encoded}`, T));
            expectNothingOf(LONG_TOKEN, e.message);
            expectNothingOf(encodeURIComponent(LONG_TOKEN), e.message);
            expect(e.message.length).toBeLessThan(700);
          }
        }
      }
    });

    it('cuts a long error body between words, with an ellipsis and how much was left out', async () => {
      server = await fakePrometheus(() => ({ status: 502, body: FILLER }));
      const e = await failure(new PrometheusClient({ url: server.url, timeoutMs: 1000 }).query('up', T));
      expect(e.message).toMatch(new RegExp(`^Prometheus at ${server.url} failed \\(HTTP 502 Bad Gateway, upstream connect error .* … \\(1,\\d{3} more characters\\)\\) for: up$`));
      const kept = /Gateway, (.*) … \(/.exec(e.message)![1]!;
      expect(FILLER.startsWith(kept)).toBe(true);
      expect(FILLER[kept.length]).toBe(' ');
    });
  });

  it('prints label sets sorted, as PromQL does', () => {
    expect(formatLabels({ region: 'eu', code: '500' })).toBe('{code="500", region="eu"}');
  });
});
