/**
 * @module The HTTP client of the `release` commands: where the server is, the bearer token, and
 * HTTP failures turned into errors a person can read (`<server message> (HTTP 403)`, or that the
 * server cannot be reached). The token goes only into the Authorization header: never into a
 * message.
 */
import { MeridianError, UsageError } from '../errors.ts';
import { fetchWithTimeout, safeDecode } from '../http.ts';
import type { FreezeRequest, FreezeView, Page, ReleaseQuery, ReleaseSummary, ReleaseView, ServiceRow, StartRequest } from '../runtime/controller-types.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 30_000;

/** The server answered with an error. */
export class HttpError extends MeridianError {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status: number, code: string) {
    super(`${message} (HTTP ${status})`);
    this.status = status;
    this.code = code;
  }
}

/** No answer from the server. */
export class ConnectionError extends MeridianError {}

/** The server URL from --server, MERIDIAN_SERVER or the default; a malformed one is a usage error. */
export function serverUrl(flag: string | undefined, env: Record<string, string | undefined>): URL {
  const text = flag ?? env.MERIDIAN_SERVER ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag !== undefined ? '--server' : 'MERIDIAN_SERVER'}: "${text}" is not a URL (e.g. ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag !== undefined ? '--server' : 'MERIDIAN_SERVER'}: "${text}" is not an http(s) URL`);
  return url;
}

export function tokenFrom(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const t = flag ?? env.MERIDIAN_TOKEN;
  return t === undefined || t.trim() === '' ? undefined : t.trim();
}

/** `text` without any of `secrets` (the token, the URL's password): a network error may quote either. */
function hide(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}


export interface ClientOptions {
  server: URL;
  token?: string | undefined;
  fetch?: typeof fetch;
}

export class MeridianClient {
  readonly #base: URL;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.#base = opts.server;
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** The server as shown in messages: without any user name or password in the URL. */
  get where(): string {
    return `${this.#base.protocol}//${this.#base.host}${this.#base.pathname.replace(/\/$/, '')}`;
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(`${this.#base.pathname.replace(/\/$/, '')}${path}`, this.#base);
    const outcome = await fetchWithTimeout(
      this.#fetch,
      url,
      { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
      TIMEOUT_MS,
    );
    if (!outcome.ok) {
      const words = hide(outcome.failure.words, [this.#token, this.#base.password, safeDecode(this.#base.password)]);
      throw new ConnectionError(`cannot reach the Meridian server at ${this.where} (${words})`, { cause: outcome.error });
    }
    const { response: res, body: text } = outcome;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new HttpError(`unexpected answer from ${this.where}: not JSON`, res.status, 'bad_response');
    }
    if (!res.ok) {
      const err = (doc as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const message = typeof err?.message === 'string' ? err.message : res.statusText || 'request failed';
      throw new HttpError(message, res.status, typeof err?.code === 'string' ? err.code : 'error');
    }
    return doc as T;
  }

  start(req: StartRequest): Promise<{ id: string }> {
    return this.request('POST', '/api/v1/releases', req);
  }

  /** One page of release summaries, newest first. */
  list(query: ReleaseQuery = {}): Promise<Page<ReleaseSummary>> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    const q = params.toString();
    return this.request('GET', `/api/v1/releases${q ? `?${q}` : ''}`);
  }

  /** The newest releases in full (at most `max`), for status and analytics. */
  async views(query: Omit<ReleaseQuery, 'limit' | 'cursor'>, max: number): Promise<ReleaseView[]> {
    const views: ReleaseView[] = [];
    let cursor: string | null | undefined;
    while (views.length < max && cursor !== null) {
      const page = await this.list({ ...query, limit: String(Math.min(500, max - views.length)), ...(cursor ? { cursor } : {}) });
      for (const r of page.items) views.push(await this.get(r.id));
      cursor = page.next;
    }
    return views;
  }

  services(): Promise<{ items: ServiceRow[] }> {
    return this.request('GET', '/api/v1/services');
  }

  freezes(): Promise<{ items: FreezeView[] }> {
    return this.request('GET', '/api/v1/freezes');
  }

  startFreeze(req: FreezeRequest): Promise<{ id: string }> {
    return this.request('POST', '/api/v1/freezes', req);
  }

  endFreeze(id: string): Promise<{ items: FreezeView[] }> {
    return this.request('DELETE', `/api/v1/freezes/${encodeURIComponent(id)}`, {});
  }

  reload(): Promise<{ services: string[] }> {
    return this.request('POST', '/api/v1/config/reload', {});
  }

  get(id: string): Promise<ReleaseView> {
    return this.request('GET', `/api/v1/releases/${encodeURIComponent(id)}`);
  }

  approve(id: string, ring: string): Promise<ReleaseView> {
    return this.request('POST', `/api/v1/releases/${encodeURIComponent(id)}/approve`, { ring });
  }

  resume(id: string): Promise<ReleaseView> {
    return this.request('POST', `/api/v1/releases/${encodeURIComponent(id)}/resume`, {});
  }

  abort(id: string): Promise<ReleaseView> {
    return this.request('POST', `/api/v1/releases/${encodeURIComponent(id)}/abort`, {});
  }

  rollback(id: string, ring?: string): Promise<ReleaseView> {
    return this.request('POST', `/api/v1/releases/${encodeURIComponent(id)}/rollback`, ring ? { ring } : {});
  }
}
