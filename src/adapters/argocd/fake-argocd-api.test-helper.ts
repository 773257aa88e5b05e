/**
 * @module A fake Argo CD API for unit tests: a real HTTP server on a loopback port that answers
 * `GET /api/v1/applications/{name}` with whatever a function returns for the name, in the shapes
 * Argo CD documents (an Application's JSON, or its `{ error, code, message }` error body). It is
 * not Argo CD and proves nothing about Argo CD's behaviour; test/integration has the fuller fake.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeArgoCdAnswer {
  status?: number;
  /** An object is sent as JSON; a string as it is. */
  body: unknown;
}

export interface FakeArgoCdApi {
  url: string;
  /** The Authorization header of every request, in order. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

/** Argo CD's error body (grpc-gateway): `{ error, code, message }`. */
export function argoCdError(status: number, code: number, message: string): FakeArgoCdAnswer {
  return { status, body: { error: message, code, message } };
}

export async function fakeArgoCdApi(answer: (name: string) => FakeArgoCdAnswer): Promise<FakeArgoCdApi> {
  const authorizations: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    const m = /^\/api\/v1\/applications\/([^/?]+)(\?.*)?$/.exec(req.url ?? '/');
    const a = req.method === 'GET' && m ? answer(decodeURIComponent(m[1]!)) : argoCdError(404, 5, 'Not Found');
    res.writeHead(a.status ?? 200, { 'content-type': typeof a.body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
