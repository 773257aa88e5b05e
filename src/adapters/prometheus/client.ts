/** @module A small client of the Prometheus HTTP API (`GET /api/v1/query` and `/api/v1/query_range`)
 * over the global fetch, with a timeout. Every failure is an AdapterError whose message says what
 * went wrong in words (unreachable, refused credentials, a rejected query with Prometheus's own
 * `errorType`/`error`, a server error, a timeout, an answer that is not the API's) and never
 * contains the bearer token or credentials written in the URL, whole or in part: whatever the
 * server sent is redacted before it is shortened (../redact.ts). Interpreting results (one series
 * expected, NaN) is the caller's job: see metrics.ts.
 */
import { AdapterError } from '../../errors.ts';
import { fetchWithTimeout, safeDecode, seconds } from '../../http.ts';
import { excerpt, redact, type Known } from '../redact.ts';

export type Labels = Record<string, string>;

/** One series of an instant vector: its labels and its value at the query time. */
export interface InstantSeries {
  labels: Labels;
  value: number;
}

/** One series of a range query: its labels and its [epoch ms, value] points in time order. */
export interface RangeSeries {
  labels: Labels;
  points: Array<[number, number]>;
}

export type InstantResult =
  | { resultType: 'vector'; series: InstantSeries[] }
  | { resultType: 'scalar'; value: number }
  | { resultType: 'matrix'; series: RangeSeries[] }
  | { resultType: 'string'; value: string };

export interface PrometheusClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:9090 (a path prefix is kept). */
  url: string;
  /** Sent as `Authorization: Bearer …`; never printed. */
  token?: string;
  /** Where the token came from, to name it (never its value) when credentials are refused. */
  tokenSource?: string;
  /** Give up on a request after this many milliseconds. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** `{code="500", region="ap-south-1"}`: a label set as PromQL prints it. */
export function formatLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}

/** A sample value as Prometheus writes it in JSON: a decimal string, or NaN, +Inf, -Inf. */
export function parseSampleValue(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const trimmed = text.trim();
  if (trimmed === '') return Number.NaN;
  return Number(trimmed);
}

/** The base URL without user name and password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

function secondsParam(ms: number): string {
  return String(ms / 1000);
}

function timeoutParam(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

interface ApiBody {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
}

export class PrometheusClient {
  private readonly base: URL;
  private readonly shown: string;
  private readonly doFetch: typeof fetch;
  /** The token and the credentials of the URL: kept out of every message. */
  private readonly known: Known;

  constructor(private readonly opts: PrometheusClientOptions) {
    try {
      this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    } catch {
      throw new AdapterError(`spec.metrics.prometheus.url "${redactUrl(opts.url)}" is not a URL`, { retryable: false });
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new AdapterError(`spec.metrics.prometheus.url must be http or https (got ${this.base.protocol})`, { retryable: false });
    }
    this.shown = redactUrl(opts.url);
    this.doFetch = opts.fetch ?? globalThis.fetch;
    const password = safeDecode(this.base.password);
    this.known = { secrets: [opts.token, password, this.base.password, password ? undefined : safeDecode(this.base.username)] };
  }

  /** The server as messages name it (no credentials). */
  get where(): string {
    return `Prometheus at ${this.shown}`;
  }

  /** An instant query evaluated at `timeMs`. */
  async query(expr: string, timeMs: number): Promise<InstantResult> {
    const data = await this.get('api/v1/query', { query: expr, time: secondsParam(timeMs) }, expr);
    return this.instantResult(data, expr);
  }

  /** A range query: points at start, start + step, … ≤ end. */
  async queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]> {
    const data = await this.get('api/v1/query_range', { query: expr, start: secondsParam(startMs), end: secondsParam(endMs), step: secondsParam(stepMs) }, expr);
    const d = data as { resultType?: unknown; result?: unknown };
    if (d.resultType !== 'matrix' || !Array.isArray(d.result)) throw this.malformed(`a range query answered resultType ${String(d.resultType)}, not matrix`, expr);
    return d.result.map((s) => this.rangeSeries(s, expr));
  }

  private fail(message: string, retryable: boolean, cause?: unknown): AdapterError {
    return new AdapterError(redact(message, this.known), cause === undefined ? { retryable } : { retryable, cause });
  }

  /** Text for a message (what the server said, the query): redacted first, then shortened to `max`. */
  private shorten(text: string, max = 300): string {
    return excerpt(text, this.known, max);
  }

  private malformed(what: string, expr: string): AdapterError {
    return this.fail(`${this.where} answered something that is not a Prometheus API response (${what}) to: ${this.shorten(expr)}`, false);
  }

  private async get(path: string, params: Record<string, string>, expr: string): Promise<unknown> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set('timeout', timeoutParam(this.opts.timeoutMs));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.base.username || this.base.password) {
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(this.base.username)}:${decodeURIComponent(this.base.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;

    const outcome = await fetchWithTimeout(this.doFetch, url, { method: 'GET', headers }, this.opts.timeoutMs);
    if (!outcome.ok) {
      const { failure, error } = outcome;
      if (failure.kind === 'timeout') {
        throw this.fail(`${this.where} did not answer within ${seconds(this.opts.timeoutMs)} (timeout) for: ${this.shorten(expr)}`, true);
      }
      const words = failure.kind === 'other' && failure.code === undefined ? this.shorten(failure.words, 200) : failure.words;
      const named = failure.code !== undefined && failure.words !== failure.code ? ` (${failure.code})` : '';
      throw this.fail(`cannot reach ${this.where}: ${words}${named}`, failure.retryable, error);
    }
    const { response: res, body: text } = outcome;

    let body: ApiBody | undefined;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      body = undefined;
    }
    const apiError =
      body && typeof body === 'object' && (typeof body.error === 'string' || typeof body.errorType === 'string')
        ? this.shorten(`${typeof body.errorType === 'string' ? `${body.errorType}: ` : ''}${typeof body.error === 'string' ? body.error : ''}`)
        : undefined;
    const status = `HTTP ${res.status}${res.statusText ? ` ${this.shorten(res.statusText, 80)}` : ''}`;

    if (res.status === 401 || res.status === 403) {
      const token = this.opts.tokenSource ? ` (check the token in ${this.opts.tokenSource})` : this.opts.token ? '' : ' (no bearer token was sent: set spec.metrics.prometheus.bearerTokenEnv)';
      throw this.fail(`${this.where} refused the credentials: ${status}${apiError ? `, ${apiError}` : ''}${token}`, false);
    }
    if (res.status === 429) throw this.fail(`${this.where} is rate limiting: ${status}${apiError ? `, ${apiError}` : ''}`, true);
    if (res.status >= 400 && res.status < 500) {
      const why = apiError ?? (this.shorten(text, 200) || 'no details');
      throw this.fail(`${this.where} rejected the query (${status}, ${why}): ${this.shorten(expr)}`, false);
    }
    if (res.status >= 500) {
      const why = apiError ?? (this.shorten(text, 200) || 'no details');
      throw this.fail(`${this.where} failed (${status}, ${why}) for: ${this.shorten(expr)}`, true);
    }
    if (!body || typeof body !== 'object') throw this.malformed(`${status} with a body that is not JSON: ${this.shorten(text, 80) || 'empty'}`, expr);
    if (body.status === 'error') {
      throw this.fail(`${this.where} rejected the query (${status}, ${apiError ?? 'no details'}): ${this.shorten(expr)}`, false);
    }
    if (body.status !== 'success' || typeof body.data !== 'object' || body.data === null) {
      throw this.malformed(`status ${JSON.stringify(body.status)} without data`, expr);
    }
    return body.data;
  }

  private instantResult(data: unknown, expr: string): InstantResult {
    const d = data as { resultType?: unknown; result?: unknown };
    switch (d.resultType) {
      case 'vector':
        if (!Array.isArray(d.result)) throw this.malformed('a vector without a result list', expr);
        return {
          resultType: 'vector',
          series: d.result.map((s) => {
            const e = s as { metric?: unknown; value?: unknown };
            if (!Array.isArray(e.value) || e.value.length !== 2) throw this.malformed('a vector element without a [time, value] pair', expr);
            return { labels: this.labels(e.metric, expr), value: parseSampleValue(e.value[1]) };
          }),
        };
      case 'scalar':
        if (!Array.isArray(d.result) || d.result.length !== 2) throw this.malformed('a scalar without a [time, value] pair', expr);
        return { resultType: 'scalar', value: parseSampleValue(d.result[1]) };
      case 'string':
        return { resultType: 'string', value: Array.isArray(d.result) ? String(d.result[1]) : '' };
      case 'matrix':
        if (!Array.isArray(d.result)) throw this.malformed('a matrix without a result list', expr);
        return { resultType: 'matrix', series: d.result.map((s) => this.rangeSeries(s, expr)) };
      default:
        throw this.malformed(`unknown resultType ${JSON.stringify(d.resultType)}`, expr);
    }
  }

  private rangeSeries(s: unknown, expr: string): RangeSeries {
    const e = s as { metric?: unknown; values?: unknown };
    if (!Array.isArray(e.values)) throw this.malformed('a matrix series without values', expr);
    const points: Array<[number, number]> = e.values.map((p) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number') throw this.malformed('a matrix point that is not [time, value]', expr);
      return [Math.round(p[0] * 1000), parseSampleValue(p[1])];
    });
    return { labels: this.labels(e.metric, expr), points };
  }

  private labels(metric: unknown, expr: string): Labels {
    if (metric === undefined) return {};
    if (typeof metric !== 'object' || metric === null || Array.isArray(metric)) throw this.malformed('labels that are not an object', expr);
    const out: Labels = {};
    for (const [k, v] of Object.entries(metric)) out[k] = String(v);
    return out;
  }
}

