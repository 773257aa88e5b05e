import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeNetworkError, fetchWithTimeout, networkCode, seconds } from './http.ts';

/** What Node's fetch throws when the connection fails: `TypeError: fetch failed` with the system error as cause. */
const fetchFailed = (code: string): TypeError =>
  new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code }) });

afterEach(() => {
  vi.useRealTimers();
});

describe('networkCode', () => {
  it('finds the code on the cause chain, on the error itself, or on an AggregateError', () => {
    expect(networkCode(fetchFailed('ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(networkCode(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe('EPIPE');
    const aggregate = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], 'all failed');
    expect(networkCode(new TypeError('fetch failed', { cause: aggregate }))).toBe('ECONNREFUSED');
  });

  it('ignores a numeric code (DOMException) and non-errors', () => {
    expect(networkCode(new DOMException('aborted', 'AbortError'))).toBeUndefined();
    expect(networkCode('boom')).toBeUndefined();
    expect(networkCode(null)).toBeUndefined();
  });
});

describe('describeNetworkError', () => {
  it.each([
    ['ECONNREFUSED', 'refused', 'connection refused'],
    ['ENOTFOUND', 'dns', 'host not found'],
    ['EAI_AGAIN', 'dns', 'host name lookup failed'],
    ['ECONNRESET', 'reset', 'connection reset'],
    ['EHOSTUNREACH', 'unreachable', 'host unreachable'],
    ['ETIMEDOUT', 'unreachable', 'connection timed out'],
    ['UND_ERR_CONNECT_TIMEOUT', 'unreachable', 'connection timed out'],
  ])('%s is %s, "%s", retryable', (code, kind, words) => {
    expect(describeNetworkError(fetchFailed(code))).toEqual({ kind, code, words, retryable: true });
  });

  it('an untrusted certificate is not retryable', () => {
    expect(describeNetworkError(fetchFailed('DEPTH_ZERO_SELF_SIGNED_CERT'))).toEqual({
      kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', words: 'TLS certificate not trusted', retryable: false,
    });
  });

  it('an unknown code is named by itself; no code, by the most specific message', () => {
    expect(describeNetworkError(fetchFailed('EWHATEVER'))).toEqual({ kind: 'other', code: 'EWHATEVER', words: 'EWHATEVER', retryable: true });
    expect(describeNetworkError(new TypeError('fetch failed', { cause: new Error('other side closed') })).words).toBe('other side closed');
    expect(describeNetworkError(new Error('boom')).words).toBe('boom');
    expect(describeNetworkError('plain').words).toBe('plain');
  });

  it('is a timeout when the deadline passed, whatever the error says', () => {
    expect(describeNetworkError(fetchFailed('ECONNRESET'), 2_500)).toEqual({
      kind: 'timeout', code: undefined, words: 'no answer within 2.5s', retryable: true,
    });
  });
});

describe('seconds', () => {
  it('writes milliseconds as seconds', () => {
    expect([seconds(10_000), seconds(2_500), seconds(200)]).toEqual(['10s', '2.5s', '0.2s']);
  });
});

describe('fetchWithTimeout', () => {
  it('returns the answer with its body, passing the request on with a signal', async () => {
    const seen: RequestInit[] = [];
    const f = (async (_input: unknown, init?: RequestInit) => {
      seen.push(init ?? {});
      return new Response('{"ok":true}', { status: 201 });
    }) as typeof fetch;
    const outcome = await fetchWithTimeout(f, 'http://x.invalid/a', { method: 'POST', headers: { a: 'b' } }, 1_000);
    expect(outcome.ok && [outcome.response.status, outcome.body]).toEqual([201, '{"ok":true}']);
    expect(seen[0]).toMatchObject({ method: 'POST', headers: { a: 'b' } });
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it('turns a failed fetch into a NetworkFailure, keeping the error', async () => {
    const error = fetchFailed('ECONNREFUSED');
    const outcome = await fetchWithTimeout((async () => { throw error; }) as typeof fetch, 'http://x.invalid', {}, 1_000);
    expect(outcome).toEqual({ ok: false, failure: { kind: 'refused', code: 'ECONNREFUSED', words: 'connection refused', retryable: true }, error });
  });

  it('aborts after the timeout, and not before', async () => {
    vi.useFakeTimers();
    const hanging = ((_: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
      })) as typeof fetch;
    let settled = false;
    const pending = fetchWithTimeout(hanging, 'http://x.invalid', {}, 3_000).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const outcome = await pending;
    expect(!outcome.ok && outcome.failure).toEqual({ kind: 'timeout', code: undefined, words: 'no answer within 3s', retryable: true });
  });

  it('counts reading the body within the timeout', async () => {
    vi.useFakeTimers();
    const slowBody = ((_: unknown, init?: RequestInit) => {
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          init?.signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return Promise.resolve(new Response(stream, { status: 200 }));
    }) as typeof fetch;
    const pending = fetchWithTimeout(slowBody, 'http://x.invalid', {}, 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    const outcome = await pending;
    expect(!outcome.ok && outcome.failure.kind).toBe('timeout');
  });

  it('clears its timer once answered', async () => {
    vi.useFakeTimers();
    await fetchWithTimeout((async () => new Response('')) as typeof fetch, 'http://x.invalid', {}, 1_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
