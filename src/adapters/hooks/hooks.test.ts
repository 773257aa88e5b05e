import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookRunner } from './hooks.ts';

const ctx = { releaseId: 'webapp-v2-1', service: 'webapp', version: 'v2', step: 'replication.pause' };

/** 43 characters, as a base64 token of 32 bytes is. */
const TOKEN = 'aG9vay10b2tlbi1mb3ItcmVwbGljYXRpb24tcGF1c2U';
const FILLER = 'replica lag is above the threshold on the standby database and the primary refused to pause writes '.repeat(20).slice(0, 2_000);
const bodyWith = (offset: number): string => `${FILLER.slice(0, offset)}${TOKEN}${FILLER.slice(offset)}`;
const OFFSETS = [0, 999, 2_000, ...[160, 200, 300].flatMap((cut) => [cut - 42, cut - 21, cut - 1])];

function expectNothingOf(secret: string, text: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (text.includes(secret.slice(i, i + 8))) throw new Error(`"${secret.slice(i, i + 8)}" of the token survived in: ${text}`);
  }
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the hook to fail');
}

describe('hooks run as commands', () => {
  const runner = new HookRunner({ env: { PATH: process.env.PATH } });

  it('passes what the hook is for in MERIDIAN_* variables and succeeds on exit 0', async () => {
    await expect(runner.run({ command: ['sh', '-c', 'test "$MERIDIAN_STEP" = replication.pause && test "$MERIDIAN_VERSION" = v2'] }, ctx)).resolves.toBeUndefined();
  });

  it('fails with the exit status and the last line of stderr', async () => {
    await expect(runner.run({ command: ['sh', '-c', 'echo "replica lag too high" >&2; exit 3'] }, ctx)).rejects.toThrow(
      'hook replication.pause (sh -c echo "replica lag too high" >&2; exit 3) exited with status 3: replica lag too high',
    );
  });

  it('says when the program does not exist', async () => {
    await expect(runner.run({ command: ['no-such-program-here'] }, ctx)).rejects.toThrow('hook replication.pause (no-such-program-here) no-such-program-here: command not found');
  });

  it('keeps the values of secret variables out of the message, wherever stderr holds them, and cuts stderr between words', async () => {
    const withToken = new HookRunner({ env: { PATH: process.env.PATH, DEPLOY_TOKEN: TOKEN } });
    for (const offset of OFFSETS) {
      const message = await messageOf(withToken.run({ command: ['sh', '-c', `printf '%s\\n' "$1" >&2; exit 2`, 'hook', bodyWith(offset)] }, ctx));
      expectNothingOf(TOKEN, message);
      expect(message).toMatch(/exited with status 2: .*replica lag .* … \(1,\d{3} more characters\)$/);
    }
  });

  it('times out a hook that hangs', async () => {
    const quick = new HookRunner({ timeoutMs: 200, env: { PATH: process.env.PATH } });
    await expect(quick.run({ command: ['sleep', '5'] }, ctx)).rejects.toThrow('hook replication.pause (sleep 5) timed out after 0.2s');
  });
});

describe('hooks run as webhooks (a real HTTP server on loopback)', () => {
  const received: Array<{ method: string; url: string; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body });
      const echo = /^\/echo\/(\d+)/.exec(req.url ?? '');
      if (echo) {
        // Echoes the token of the URL's query into a long error body, at the offset the path names.
        const token = new URL(req.url ?? '', 'http://x').searchParams.get('token') ?? '';
        res.statusCode = 500;
        return void res.end(`${FILLER.slice(0, Number(echo[1]))}${token}${FILLER.slice(Number(echo[1]))}`);
      }
      res.statusCode = req.url === '/fail' ? 503 : 204;
      res.end();
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts what the hook is for as JSON', async () => {
    await new HookRunner().run({ webhook: { url: `${base}/resume`, method: 'POST' } }, ctx);
    expect(received.at(-1)).toEqual({ method: 'POST', url: '/resume', body: JSON.stringify({ release: 'webapp-v2-1', service: 'webapp', version: 'v2', step: 'replication.pause' }) });
  });

  it('fails on a non-2xx answer, naming the status', async () => {
    await expect(new HookRunner().run({ webhook: { url: `${base}/fail`, method: 'POST' } }, ctx)).rejects.toThrow(`hook replication.pause: POST ${base}/fail answered 503`);
  });

  it('quotes what a failing webhook answered, without the token of its URL, cut between words', async () => {
    for (const offset of OFFSETS) {
      const message = await messageOf(new HookRunner().run({ webhook: { url: `${base}/echo/${offset}?token=${TOKEN}`, method: 'POST' } }, ctx));
      expectNothingOf(TOKEN, message);
      expect(message).toMatch(new RegExp(`^hook replication.pause: POST ${base}/echo/${offset} answered 500: .* … \\(1,\\d{3} more characters\\)$`));
    }
  });

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(new HookRunner().run({ webhook: { url: `http://127.0.0.1:${port}/x`, method: 'POST' } }, ctx)).rejects.toThrow(`hook replication.pause: POST http://127.0.0.1:${port} failed (connection refused)`);
  });
});
