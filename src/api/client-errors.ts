/**
 * @module What the HTTP server answers to a request it cannot parse at all — Node's `clientError`:
 * headers over the limit (431 `headers_too_large`), a request that did not arrive in time (408
 * `request_timeout`), anything else malformed (400 `bad_request`) — in the API's JSON error body
 * instead of Node's bare status line, with `Connection: close`. Nothing of the request is echoed
 * or logged. No HTTP framework here; the API's own errors are mapped in errors.ts.
 */
import { STATUS_CODES, maxHeaderSize as defaultMaxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from './errors.ts';

/**
 * How long a refused connection is kept open, reading and discarding, after the answer. Closing a
 * socket with unread data makes the kernel send a reset, which can destroy the answer before the
 * client reads it; reading on until the client closes (or this long) lets the answer arrive.
 */
const LINGER_MS = 2_000;

interface Answer {
  status: number;
  code: string;
  message: string;
}

function answerFor(err: NodeJS.ErrnoException, server: Server): Answer {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const limit = (server as { maxHeaderSize?: number }).maxHeaderSize ?? defaultMaxHeaderSize;
      return { status: 431, code: 'headers_too_large', message: `request headers are larger than ${limit % 1024 === 0 ? limit / 1024 : (limit / 1024).toFixed(1)} KiB` };
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };
    default:
      return { status: 400, code: 'bad_request', message: 'malformed HTTP request' };
  }
}

/** The whole HTTP/1.1 response for `answer`, closing the connection. */
export function clientErrorResponse(answer: Answer): string {
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } } satisfies ErrorBody);
  return [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=UTF-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Answer `server`'s client errors in JSON. `server` is what @hono/node-server's `serve` or
 * `createAdaptorServer` returns: a node:http Server.
 */
export function answerClientErrors(server: unknown): void {
  const http = server as Server;
  const answered = new WeakSet<Duplex>();
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports its error again for every further chunk: answer once.
    if (answered.has(socket)) return;
    answered.add(socket);
    // A response already under way owns the connection: writing ours would garble it.
    const inFlight = (socket as { _httpMessage?: unknown })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(linger));
    // Read and discard the rest, so the answer is not lost to a reset; the client's close ends it.
    socket.on('data', () => undefined);
    socket.once('end', () => socket.destroy());
    socket.end(clientErrorResponse(answerFor(err, http)));
  });
}
