/**
 * @module A small client for the Argo CD REST API: reads one Application
 * (`GET {url}/api/v1/applications/{name}`) with a bearer token, a timeout, and errors a person can
 * act on. The token is read from the environment at each call and never appears in a message, whole
 * or in part: anything the server sends back is redacted before it is shortened (../redact.ts).
 * Every failure is an AdapterError whose `retryable` says whether trying again may help. Nothing
 * here judges what the Application says.
 */
import { request as httpsRequest } from 'node:https';
import { AdapterError } from '../../errors.ts';
import { fetchWithTimeout, seconds } from '../../http.ts';
import { excerpt, redact, type Known } from '../redact.ts';
import type { ApplicationRef } from './application-name.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ArgoCdClientOptions {
  /** Argo CD's base URL, e.g. `https://argocd.example.com` (a path prefix such as `/argocd` is kept). */
  url: string;
  /** The environment variable holding the API token. Without it, requests go unauthenticated. */
  tokenEnv?: string;
  /** Where `tokenEnv` is read, at each call. Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Defaults to Node's global fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Accept any TLS certificate (self-signed Argo CD). Ignored when `fetch` is given. */
  insecure?: boolean;
}

/** The URL as messages show it: no credentials, no trailing slash. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

function applicationUrl(base: string, app: ApplicationRef): string {
  const root = new URL(base.endsWith('/') ? base : `${base}/`);
  const u = new URL(`api/v1/applications/${encodeURIComponent(app.name)}`, root);
  if (app.namespace !== undefined) u.searchParams.set('appNamespace', app.namespace);
  return u.toString();
}

/** A GET over node:https that accepts any certificate, answering as fetch does. */
const insecureFetch = ((input: string | URL | Request, init?: RequestInit): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const req = httpsRequest(
      String(input instanceof Request ? input.url : input),
      { method: 'GET', headers, rejectUnauthorized: false, ...(init?.signal ? { signal: init.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage ?? '' }));
        });
      },
    );
    req.on('error', reject);
    req.end();
  })) as typeof fetch;

/** `message` (or `error`) of Argo CD's error body `{ error, code, message }`, else the text itself. */
function serverMessage(body: string): string | undefined {
  if (body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const m = (parsed as { message?: unknown; error?: unknown }).message ?? (parsed as { error?: unknown }).error;
      if (typeof m === 'string' && m.trim() !== '') return m;
    }
  } catch {
    // not JSON: fall through to the text
  }
  return body.trimStart().startsWith('<') ? undefined : body;
}

export class ArgoCdClient {
  readonly url: string;
  private readonly tokenEnv: string | undefined;
  private readonly env: Record<string, string | undefined> | undefined;
  private readonly fetchImpl: typeof fetch;
  readonly timeoutMs: number;

  constructor(opts: ArgoCdClientOptions) {
    this.url = opts.url;
    this.tokenEnv = opts.tokenEnv;
    this.env = opts.env;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const secure = opts.url.startsWith('https:');
    this.fetchImpl = opts.fetch ?? (opts.insecure && secure ? insecureFetch : (...args) => fetch(...args));
  }

  /** What messages must leave out, read now: the token (throws as token() does when it is unset). */
  secrets(): Known {
    return { secrets: [this.token()] };
  }

  /** The token, read now. Undefined when no `tokenEnv` is configured. */
  private token(): string | undefined {
    if (this.tokenEnv === undefined) return undefined;
    const value = (this.env ?? process.env)[this.tokenEnv];
    if (value === undefined || value.trim() === '') {
      throw new AdapterError(
        `Argo CD token: environment variable ${this.tokenEnv} (spec.delivery.health.argocd.tokenEnv) is not set or empty`,
        { retryable: false },
      );
    }
    return value.trim();
  }

  /** Reads one Application; its parsed JSON body, not yet checked for shape. */
  async getApplication(app: ApplicationRef): Promise<unknown> {
    const token = this.token();
    const known: Known = { secrets: [token] };
    /** What the server or the network said, for a message: redacted, then cut to `max`. */
    const quote = (text: string, max = 160): string => excerpt(text, known, max);
    const where = displayUrl(this.url);
    const label = app.namespace !== undefined ? `${app.namespace}/${app.name}` : app.name;
    const fail = (message: string, retryable: boolean, cause?: unknown): AdapterError =>
      new AdapterError(redact(message, known), cause === undefined ? { retryable } : { retryable, cause });

    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
    const outcome = await fetchWithTimeout(this.fetchImpl, applicationUrl(this.url, app), { method: 'GET', headers }, this.timeoutMs);
    if (!outcome.ok) {
      const { failure, error } = outcome;
      const named = failure.code !== undefined && failure.words !== failure.code ? ` (${failure.code})` : '';
      switch (failure.kind) {
        case 'timeout':
          throw fail(`Argo CD at ${where} did not answer within ${seconds(this.timeoutMs)} (reading Application "${label}")`, true);
        case 'refused':
          throw fail(`cannot connect to Argo CD at ${where}: ${failure.words}`, true, error);
        case 'dns':
          throw fail(`cannot connect to Argo CD at ${where}: ${failure.words}${named}`, true, error);
        case 'tls':
          throw fail(
            `cannot connect to Argo CD at ${where}: its TLS certificate is not trusted (${failure.code}); add its CA with NODE_EXTRA_CA_CERTS, or set spec.delivery.health.argocd.insecure: true`,
            false,
            error,
          );
        default:
          break;
      }
      throw fail(`request to Argo CD at ${where} failed: ${quote(failure.words)}${named}`, failure.retryable, error);
    }
    const { status, statusText } = outcome.response;
    const { body } = outcome;

    const said = serverMessage(body);
    const saying = said ? `: ${quote(said)}` : '';
    const tokenFrom = this.tokenEnv !== undefined ? ` from ${this.tokenEnv}` : '';
    if (status === 401) {
      throw fail(
        token === undefined
          ? `Argo CD at ${where} requires a token (401 Unauthorized); set spec.delivery.health.argocd.tokenEnv`
          : `Argo CD at ${where} refused the token${tokenFrom} (401 Unauthorized): it is invalid or expired`,
        false,
      );
    }
    if (status === 403) {
      throw fail(
        `Argo CD at ${where} refused the token${tokenFrom} for Application "${label}" (403 permission denied): ` +
          'it lacks permission to get it, or the Application does not exist (Argo CD answers both with 403)',
        false,
      );
    }
    if (status === 404) throw fail(`Application "${label}" not found in Argo CD at ${where}`, false);
    if (status === 429) throw fail(`Argo CD at ${where} is rate limiting requests (429)${saying}`, true);
    if (status >= 500) throw fail(`Argo CD at ${where} failed reading Application "${label}" (${status}${statusText ? ` ${quote(statusText, 80)}` : ''})${saying}`, true);
    if (status < 200 || status >= 300) throw fail(`Argo CD at ${where} answered ${status} for Application "${label}"${saying}`, false);

    try {
      return JSON.parse(body) as unknown;
    } catch (err) {
      if (body.trimStart().startsWith('<')) {
        throw fail(
          `Argo CD at ${where} answered Application "${label}" with HTML, not JSON: is the URL Argo CD's (not its UI behind a login proxy)?`,
          false,
        );
      }
      const why = err instanceof Error ? quote(err.message, 80) : 'unparseable';
      throw fail(`Argo CD at ${where} answered Application "${label}" with invalid JSON (${why})`, true);
    }
  }
}
