/**
 * @module What every HTTP client of Meridian shares: one request with a timeout (fetchWithTimeout)
 * and a failed request put into words (describeNetworkError): `TypeError: fetch failed` with a
 * `cause.code` such as ECONNREFUSED becomes "connection refused", and says whether trying again may
 * help. Each client keeps its own sentence around these words ("cannot reach Prometheus at …").
 * Only global fetch and AbortController here, no node:* module, so the adapters and the CLI can
 * both use it. Nothing here knows a client's secrets: the words of an unknown error quote the
 * error's own message, which callers redact as they redact whatever the server said.
 */

/**
 * `timeout`: the caller's deadline passed (not a connect timeout, which is `unreachable`); `dns`:
 * the host name did not resolve; `reset`: the connection closed before the answer; `tls`: the
 * server's certificate is not trusted; `other`: anything else, named by its code or message.
 */
export type NetworkFailureKind = 'timeout' | 'refused' | 'dns' | 'reset' | 'unreachable' | 'tls' | 'other';

/** A request that got no answer, in words. */
export interface NetworkFailure {
  kind: NetworkFailureKind;
  /** The error code Node gave (ECONNREFUSED, ENOTFOUND, …), if any. */
  code: string | undefined;
  /** What happened, for a message: "connection refused", "no answer within 10s", or the error's own message. */
  words: string;
  /** Whether trying again may help: false only for a certificate that is not trusted. */
  retryable: boolean;
}

interface Known {
  kind: NetworkFailureKind;
  words: string;
}

/** Node's error codes for a request that got no answer, in words. */
const CODES: Readonly<Record<string, Known>> = {
  ECONNREFUSED: { kind: 'refused', words: 'connection refused' },
  ENOTFOUND: { kind: 'dns', words: 'host not found' },
  EAI_AGAIN: { kind: 'dns', words: 'host name lookup failed' },
  ECONNRESET: { kind: 'reset', words: 'connection reset' },
  EPIPE: { kind: 'reset', words: 'connection closed' },
  UND_ERR_SOCKET: { kind: 'reset', words: 'connection closed by the server' },
  EHOSTUNREACH: { kind: 'unreachable', words: 'host unreachable' },
  ENETUNREACH: { kind: 'unreachable', words: 'network unreachable' },
  ETIMEDOUT: { kind: 'unreachable', words: 'connection timed out' },
  UND_ERR_CONNECT_TIMEOUT: { kind: 'unreachable', words: 'connection timed out' },
};

/** Certificate errors: the server answered, but cannot be trusted; retrying will not change that. */
const TLS_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A duration as messages write it: 10s, 2.5s, 0.2s. */
export function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

/**
 * The error code of a failed request: on the error, on its cause chain (`fetch failed` → cause.code),
 * or on the first of an AggregateError's errors (a host with several addresses).
 */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (Array.isArray(errors) && errors.length > 0) {
      const first = (errors[0] as { code?: unknown } | null)?.code;
      if (typeof first === 'string') return first;
    }
    e = cause;
  }
  return undefined;
}

/** The most specific message of an error: its cause's, when `fetch failed` says no more than that. */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (err.message === 'fetch failed' && cause instanceof Error && cause.message !== '') return cause.message;
  return err.message;
}

/**
 * A failed request in words. `timeoutMs` is given when the request was aborted by its timeout:
 * then the failure is a timeout whatever the error says.
 */
export function describeNetworkError(err: unknown, timeoutMs?: number): NetworkFailure {
  if (timeoutMs !== undefined) return { kind: 'timeout', code: undefined, words: `no answer within ${seconds(timeoutMs)}`, retryable: true };
  const code = networkCode(err);
  if (code !== undefined && TLS_CODES.has(code)) return { kind: 'tls', code, words: 'TLS certificate not trusted', retryable: false };
  const known = code !== undefined ? CODES[code] : undefined;
  if (known) return { ...known, code, retryable: true };
  return { kind: 'other', code, words: code ?? messageOf(err), retryable: true };
}

/** A request's outcome: the answer with its whole body, or why there was none. */
export type FetchOutcome =
  | { ok: true; response: Response; body: string }
  | { ok: false; failure: NetworkFailure; error: unknown };

/**
 * One request, answer and body read, given up after `timeoutMs`. Never throws: a request that got
 * no answer (or whose body could not be read) comes back as a NetworkFailure.
 */
export async function fetchWithTimeout(
  fetchImpl: typeof fetch,
  input: string | URL,
  init: RequestInit,
  timeoutMs: number,
): Promise<FetchOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(input, { ...init, signal: controller.signal });
    const body = await response.text();
    return { ok: true, response, body };
  } catch (error) {
    return { ok: false, failure: describeNetworkError(error, controller.signal.aborted ? timeoutMs : undefined), error };
  } finally {
    clearTimeout(timer);
  }
}

/** A URL part (user name, password, query value) decoded, or as written when it is not valid percent-encoding. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
