/** @module A stand-in for the Prometheus HTTP API in unit tests: a real HTTP server on a loopback
 * port whose answers come from a function, recording every request. The real Prometheus runs in
 * test/integration.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  path: string;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface FakeAnswer {
  status?: number;
  /** An object is sent as JSON; a string as it is. */
  body: unknown;
}

export interface FakePrometheus {
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

export async function fakePrometheus(answer: (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>): Promise<FakePrometheus> {
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const r: FakeRequest = { path: u.pathname, params: u.searchParams, headers: req.headers };
    requests.push(r);
    Promise.resolve(answer(r)).then(
      (a) => {
        const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status ?? 200, { 'Content-Type': typeof a.body === 'string' ? 'text/plain' : 'application/json' });
        res.end(text);
      },
      (e: unknown) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on which nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Point = number | string;

/** A successful instant-vector answer with one series per entry. */
export function vector(...series: Array<{ labels?: Record<string, string>; value: Point }>): FakeAnswer {
  return {
    body: {
      status: 'success',
      data: { resultType: 'vector', result: series.map((s) => ({ metric: s.labels ?? {}, value: [1772409600, String(s.value)] })) },
    },
  };
}

/** A successful range answer with one series per entry. */
export function matrix(...series: Array<{ labels?: Record<string, string>; values: Array<[number, Point]> }>): FakeAnswer {
  return {
    body: {
      status: 'success',
      data: { resultType: 'matrix', result: series.map((s) => ({ metric: s.labels ?? {}, values: s.values.map(([t, v]) => [t, String(v)]) })) },
    },
  };
}

/** An error answer as Prometheus writes it. */
export function apiError(status: number, errorType: string, error: string): FakeAnswer {
  return { status, body: { status: 'error', errorType, error } };
}
