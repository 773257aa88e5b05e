/** @module Tests of the JSON answers to requests Node cannot parse, over raw TCP sockets to a real
 * @hono/node-server server on loopback with its own header limit and request timeout. */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors } from './client-errors.ts';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createAdaptorServer({
    fetch: () => Response.json({ ok: true }),
    serverOptions: { maxHeaderSize: 4096, requestTimeout: 300, headersTimeout: 300, connectionsCheckingInterval: 50 },
  }) as Server;
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Write `request` (and keep the socket open) and read until the server closes it, bounded to 10 s. */
function exchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 10 s; received: ${JSON.stringify(received)}`));
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => { received += s; });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}

const response = (status: string, body: object): string => {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`;
};

describe('answers to requests that cannot be parsed', () => {
  it('are a JSON 431 naming the header limit the server was given', async () => {
    expect(await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(5000)}\r\n\r\n`))
      .toBe(response('431 Request Header Fields Too Large', { error: { code: 'headers_too_large', message: 'request headers are larger than 4 KiB' } }));
  });

  it('are a JSON 400 for a malformed request, quoting nothing of it', async () => {
    expect(await exchange('GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: <secret>\r\n\r\n'))
      .toBe(response('400 Bad Request', { error: { code: 'bad_request', message: 'malformed HTTP request' } }));
  });

  it('are a JSON 408 for a request whose headers never finish arriving', async () => {
    expect(await exchange('GET / HTTP/1.1\r\nHost: x\r\n'))
      .toBe(response('408 Request Timeout', { error: { code: 'request_timeout', message: 'the request did not arrive in time' } }));
  });

  it('leave well-formed requests alone', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect([res.status, await res.json()]).toEqual([200, { ok: true }]);
  });
});
