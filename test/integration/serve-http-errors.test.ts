/** @module Requests a real `meridian serve` process cannot even parse — headers over Node's limit,
 * a malformed request line — still get the API's JSON error body (431 `headers_too_large`, 400
 * `bad_request`) with `Connection: close`, sent over raw TCP sockets on loopback, and the server
 * goes on serving.
 */
import { connect } from 'node:net';
import { maxHeaderSize } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, startServe, type ServeProcess } from './support/serve-process.ts';

let dir: string;
let server: ServeProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-http-errors-'));
  server = await startServe({ args: ['--tokens', join(dir, 'tokens.json'), '--port', '0', '--db', join(dir, 'meridian.db'), '--work-dir', join(dir, 'work')], cwd: dir });
});

afterAll(async () => {
  await killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send `request` over a fresh TCP connection and read until the server closes it (bounded, 10 s). */
function raw(request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not answer and close within 10 s; received so far:\n${received}`));
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => { received += s; });
    // The server may stop reading what it refused; a reset of our unsent remainder is fine.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP response before the connection closed; received: ${JSON.stringify(received)}`));
        return;
      }
      const [statusLine, ...lines] = received.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1]), headers, body: received.slice(split + 4) });
    });
    socket.write(request);
  });
}

describe('meridian serve, on requests it cannot parse', () => {
  it('answers headers over the limit with a JSON 431 headers_too_large and closes the connection', async () => {
    const r = await raw(`GET /api/v1/releases HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(maxHeaderSize + 1024)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'headers_too_large', message: `request headers are larger than ${maxHeaderSize / 1024} KiB` } });
    expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
  });

  it('answers a malformed request with a JSON 400 bad_request and closes the connection', async () => {
    const r = await raw('THIS IS NOT HTTP\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'bad_request', message: 'malformed HTTP request' } });
  });

  it('goes on serving afterwards', async () => {
    await raw(`GET / HTTP/1.1\r\nX-Padding: ${'b'.repeat(maxHeaderSize * 2)}\r\n\r\n`);
    const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect([res.status, await res.json()]).toEqual([200, { ok: true }]);
  });
});
