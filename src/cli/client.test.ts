import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, MeridianClient } from './client.ts';

const TOKEN = 's3cr3t-token-value-0123456789';

const failing = (err: unknown): typeof fetch => (async () => { throw err; }) as typeof fetch;

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectionError);
    return (e as Error).message;
  }
  throw new Error('expected the request to fail');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('MeridianClient network failures', () => {
  const server = new URL('http://127.0.0.1:8080');

  it('says the server cannot be reached, in words', async () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }) });
    const c = new MeridianClient({ server, token: TOKEN, fetch: failing(err) });
    expect(await messageOf(c.list())).toBe('cannot reach the Meridian server at http://127.0.0.1:8080 (connection refused)');
  });

  it('never quotes the token or the URL password, even when the error does', async () => {
    const withCreds = new URL('http://admin:hunter2-pass@127.0.0.1:8080');
    const c = new MeridianClient({ server: withCreds, token: TOKEN, fetch: failing(new Error(`rejected ${TOKEN} for http://admin:hunter2-pass@127.0.0.1:8080`)) });
    const message = await messageOf(c.list());
    expect(message).not.toContain(TOKEN);
    expect(message).not.toContain('hunter2-pass');
    expect(message).toBe('cannot reach the Meridian server at http://127.0.0.1:8080 (rejected [redacted] for http://admin:[redacted]@127.0.0.1:8080)');
  });

  it('gives up after 30 s', async () => {
    vi.useFakeTimers();
    const hanging = ((_: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      })) as typeof fetch;
    const pending = messageOf(new MeridianClient({ server, fetch: hanging }).list());
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await pending).toBe('cannot reach the Meridian server at http://127.0.0.1:8080 (no answer within 30s)');
  });
});
