/**
 * @module Tests for the Argo CD API client against a stubbed fetch: the request it makes, how each
 * kind of failure reads, that the token never shows, and the timeout (on fake timers).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { ArgoCdClient, displayUrl, type ArgoCdClientOptions } from './client.ts';

const TOKEN = 'argocd-token-s3cr3t-0123456789';

interface Seen {
  url: string;
  headers: Headers;
}

function stub(answer: (seen: Seen) => Response | Promise<Response>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const s = { url: String(input), headers: new Headers(init?.headers) };
    seen.push(s);
    return answer(s);
  }) as typeof fetch;
  return { fetch: f, seen };
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function client(f: typeof fetch, more: Partial<ArgoCdClientOptions> = {}): ArgoCdClient {
  return new ArgoCdClient({ url: 'https://argocd.example.com', tokenEnv: 'ARGOCD_TOKEN', env: { ARGOCD_TOKEN: TOKEN }, fetch: f, ...more });
}

async function failureOf(p: Promise<unknown>): Promise<{ message: string; retryable: boolean }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AdapterError) {
      expect(e.message).not.toContain(TOKEN);
      return { message: e.message, retryable: e.retryable };
    }
    throw e;
  }
  throw new Error('expected an AdapterError');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ArgoCdClient.getApplication', () => {
  it('GETs /api/v1/applications/{name} with the bearer token and returns the parsed body', async () => {
    const s = stub(() => json({ metadata: { name: 'webapp-eu' } }));
    expect(await client(s.fetch).getApplication({ name: 'webapp-eu' })).toEqual({ metadata: { name: 'webapp-eu' } });
    expect(s.seen[0]!.url).toBe('https://argocd.example.com/api/v1/applications/webapp-eu');
    expect(s.seen[0]!.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(s.seen[0]!.headers.get('accept')).toBe('application/json');
  });

  it('keeps a path prefix in the URL, escapes the name and passes the Application namespace', async () => {
    const s = stub(() => json({}));
    await client(s.fetch, { url: 'https://ops.example.com/argocd/' }).getApplication({ name: 'web app', namespace: 'team-a' });
    expect(s.seen[0]!.url).toBe('https://ops.example.com/argocd/api/v1/applications/web%20app?appNamespace=team-a');
  });

  it('reads the token from the environment at each call', async () => {
    const env: Record<string, string | undefined> = { ARGOCD_TOKEN: 'first' };
    const s = stub(() => json({}));
    const c = client(s.fetch, { env });
    await c.getApplication({ name: 'a' });
    env['ARGOCD_TOKEN'] = 'second';
    await c.getApplication({ name: 'a' });
    expect(s.seen.map((x) => x.headers.get('authorization'))).toEqual(['Bearer first', 'Bearer second']);
  });

  it('sends no Authorization header when no token variable is configured', async () => {
    const s = stub(() => json({}));
    await new ArgoCdClient({ url: 'http://argocd.local', fetch: s.fetch }).getApplication({ name: 'a' });
    expect(s.seen[0]!.headers.has('authorization')).toBe(false);
  });

  it('names the token variable, and asks nothing of Argo CD, when it is not set', async () => {
    const s = stub(() => json({}));
    expect(await failureOf(client(s.fetch, { env: {} }).getApplication({ name: 'a' }))).toEqual({
      message: 'Argo CD token: environment variable ARGOCD_TOKEN (spec.delivery.health.argocd.tokenEnv) is not set or empty',
      retryable: false,
    });
    expect(s.seen).toHaveLength(0);
  });

  describe('HTTP failures', () => {
    it('401: the token was refused, without the token', async () => {
      const s = stub(() => json({ error: `invalid session: token ${TOKEN} is expired`, code: 16, message: `invalid session: token ${TOKEN} is expired` }, 401));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'a' }))).toEqual({
        message: 'Argo CD at https://argocd.example.com refused the token from ARGOCD_TOKEN (401 Unauthorized): it is invalid or expired',
        retryable: false,
      });
    });

    it('401 without a token configured says to configure one', async () => {
      const s = stub(() => json({ code: 16, message: 'no session information' }, 401));
      expect((await failureOf(new ArgoCdClient({ url: 'https://argocd.example.com', fetch: s.fetch }).getApplication({ name: 'a' }))).message).toBe(
        'Argo CD at https://argocd.example.com requires a token (401 Unauthorized); set spec.delivery.health.argocd.tokenEnv',
      );
    });

    it('403: permission denied, which Argo CD also answers for an Application that does not exist', async () => {
      const s = stub(() => json({ error: 'permission denied', code: 7, message: 'permission denied' }, 403));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'webapp-eu' }))).toEqual({
        message:
          'Argo CD at https://argocd.example.com refused the token from ARGOCD_TOKEN for Application "webapp-eu" (403 permission denied): ' +
          'it lacks permission to get it, or the Application does not exist (Argo CD answers both with 403)',
        retryable: false,
      });
    });

    it('404 names the Application and where it was looked for', async () => {
      const s = stub(() => json({ code: 5, message: 'applications.argoproj.io "webapp-eu" not found' }, 404));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'webapp-eu', namespace: 'team-a' }))).toEqual({
        message: 'Application "team-a/webapp-eu" not found in Argo CD at https://argocd.example.com',
        retryable: false,
      });
    });

    it('5xx is retryable and carries what Argo CD said, redacted and on one line', async () => {
      const s = stub(() => json({ code: 14, message: `connection error:\ndesc = "transport: Bearer ${TOKEN}"` }, 503));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'webapp-eu' }))).toEqual({
        message: 'Argo CD at https://argocd.example.com failed reading Application "webapp-eu" (503): connection error: desc = "transport: Bearer [redacted]"',
        retryable: true,
      });
    });

    it('an HTML error page from a proxy is not quoted', async () => {
      const s = stub(() => new Response('<html><body>Bad Gateway</body></html>', { status: 502, statusText: 'Bad Gateway' }));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'a' }))).toEqual({
        message: 'Argo CD at https://argocd.example.com failed reading Application "a" (502 Bad Gateway)',
        retryable: true,
      });
    });

    it('429 is retryable', async () => {
      const s = stub(() => new Response('slow down', { status: 429 }));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'a' }))).toEqual({
        message: 'Argo CD at https://argocd.example.com is rate limiting requests (429): slow down',
        retryable: true,
      });
    });

    it('another 4xx is not retryable', async () => {
      const s = stub(() => json({ code: 3, message: 'invalid appNamespace' }, 400));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'a' }))).toEqual({
        message: 'Argo CD at https://argocd.example.com answered 400 for Application "a": invalid appNamespace',
        retryable: false,
      });
    });
  });

  describe('bodies that are not JSON', () => {
    it('truncated JSON is retryable', async () => {
      const s = stub(() => new Response('{"metadata": {"name": "a"', { status: 200 }));
      const f = await failureOf(client(s.fetch).getApplication({ name: 'a' }));
      expect(f.message).toMatch(/^Argo CD at https:\/\/argocd\.example\.com answered Application "a" with invalid JSON \(.+\)$/);
      expect(f.retryable).toBe(true);
    });

    it('an HTML page (the UI or a login proxy) is a configuration problem', async () => {
      const s = stub(() => new Response('<!doctype html><title>Sign in</title>', { status: 200 }));
      expect(await failureOf(client(s.fetch).getApplication({ name: 'a' }))).toEqual({
        message: 'Argo CD at https://argocd.example.com answered Application "a" with HTML, not JSON: is the URL Argo CD\'s (not its UI behind a login proxy)?',
        retryable: false,
      });
    });
  });

  describe('network failures', () => {
    const failingWith = (code: string): typeof fetch =>
      (async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code }) });
      }) as typeof fetch;

    it('connection refused is retryable', async () => {
      expect(await failureOf(client(failingWith('ECONNREFUSED')).getApplication({ name: 'a' }))).toEqual({
        message: 'cannot connect to Argo CD at https://argocd.example.com: connection refused',
        retryable: true,
      });
    });

    it('an untrusted certificate says how to trust it, and is not retryable', async () => {
      expect(await failureOf(client(failingWith('DEPTH_ZERO_SELF_SIGNED_CERT')).getApplication({ name: 'a' }))).toEqual({
        message:
          'cannot connect to Argo CD at https://argocd.example.com: its TLS certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); ' +
          'add its CA with NODE_EXTRA_CA_CERTS, or set spec.delivery.health.argocd.insecure: true',
        retryable: false,
      });
    });

    it('any other network error is retryable and named', async () => {
      expect(await failureOf(client(failingWith('ECONNRESET')).getApplication({ name: 'a' }))).toEqual({
        message: 'request to Argo CD at https://argocd.example.com failed: connection reset (ECONNRESET)',
        retryable: true,
      });
    });

    it('gives up after the timeout (10s by default) and says so', async () => {
      vi.useFakeTimers();
      const hanging = ((_: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError')));
        })) as typeof fetch;
      const pending = failureOf(client(hanging).getApplication({ name: 'webapp-eu' }));
      await vi.advanceTimersByTimeAsync(9_999);
      let settled = false;
      void pending.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await pending).toEqual({
        message: 'Argo CD at https://argocd.example.com did not answer within 10s (reading Application "webapp-eu")',
        retryable: true,
      });
    });

    it('honours a shorter timeout', async () => {
      vi.useFakeTimers();
      const hanging = ((_: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        })) as typeof fetch;
      const pending = failureOf(client(hanging, { timeoutMs: 2_500 }).getApplication({ name: 'a' }));
      await vi.advanceTimersByTimeAsync(2_500);
      expect((await pending).message).toContain('did not answer within 2.5s');
    });
  });
});

describe('displayUrl', () => {
  it('drops credentials and a trailing slash', () => {
    expect(displayUrl('https://admin:hunter2@argocd.example.com/argocd/')).toBe('https://argocd.example.com/argocd');
  });
});
