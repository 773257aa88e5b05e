/**
 * @module The one place where the HTTP API turns errors into responses:
 * `{ "error": { "code", "message" } }` with 400 (UsageError, PolicyError: a configuration that does
 * not load, every problem one line of the message; bad JSON or body), 401
 * (UnauthorizedError), 403 (ForbiddenError), 404 (NotFoundError, unknown route), 409
 * (ConflictError), 503 `not-leader` (NotLeaderError: a replica that does not lead was asked for a
 * change; the message names the leader, to retry there) and 500 for anything else, whose details
 * go only to the server log. A 503 is not written to the audit log: nothing about the caller was
 * judged, and a replica that does not lead writes nothing.
 */
import type { Context, Env, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConflictError, ForbiddenError, NotFoundError, NotLeaderError, PolicyError, UnauthorizedError, UsageError } from '../errors.ts';

export interface ErrorBody {
  error: { code: string; message: string };
}

interface Mapped {
  status: ContentfulStatusCode;
  code: string;
  message: string;
}

const CODES: Partial<Record<number, string>> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'bad_request', 500: 'internal',
};

function classify(err: unknown): Mapped | null {
  const m = (status: ContentfulStatusCode, message: string): Mapped => ({ status, code: CODES[status] ?? 'error', message });
  if (err instanceof UsageError || err instanceof PolicyError) return m(400, err.message);
  if (err instanceof UnauthorizedError) return m(401, err.message);
  if (err instanceof ForbiddenError) return m(403, err.message);
  if (err instanceof NotFoundError) return m(404, err.message);
  if (err instanceof ConflictError) return m(409, err.message);
  if (err instanceof NotLeaderError) return { status: 503, code: 'not-leader', message: err.message };
  if (err instanceof HTTPException && err.status < 500) return m(err.status === 413 ? 400 : (err.status as ContentfulStatusCode), err.message || 'bad request');
  return null;
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="meridian"');
  return c.json(body, status);
}

/** What else happens to a refused request: the audit log for a signed-in caller, counting a missing token. */
export interface RefusalHooks {
  audit(c: Context, err: unknown, message: string): Promise<void>;
  unauthenticated(c: Context, reason: 'missing' | 'invalid'): void;
}

export function installErrorHandling<E extends Env>(app: Hono<E>, log: (line: string) => void, refusals?: RefusalHooks): void {
  app.onError(async (err, c) => {
    const mapped = classify(err);
    if (mapped) {
      if (mapped.status === 401) refusals?.unauthenticated(c, /missing/.test(mapped.message) ? 'missing' : 'invalid');
      else if (mapped.status < 500) await refusals?.audit(c, err, mapped.message);
      return errorResponse(c, mapped.status, mapped.code, mapped.message);
    }
    log(`meridian: ${c.req.method} ${c.req.path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return errorResponse(c, 500, 'internal', 'internal error');
  });
  app.notFound((c) => errorResponse(c, 404, 'not_found', `no such route: ${c.req.method} ${c.req.path}`));
}
