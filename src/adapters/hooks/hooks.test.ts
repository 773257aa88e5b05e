import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookRunner } from './hooks.ts';

const ctx = { releaseId: 'webapp-v2-1', service: 'webapp', version: 'v2', step: 'replication.pause' };

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

  it('fails when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(new HookRunner().run({ webhook: { url: `http://127.0.0.1:${port}/x`, method: 'POST' } }, ctx)).rejects.toThrow(`hook replication.pause: POST http://127.0.0.1:${port} failed (ECONNREFUSED)`);
  });
});
