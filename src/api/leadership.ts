/**
 * @module The guard of a replica that may not lead: every changing request (anything but GET, HEAD
 * and OPTIONS) of a signed-in caller is refused with NotLeaderError (503 `not-leader` naming the
 * leader, in errors.ts) while this replica does not lead, before any route reads a body or judges
 * a role, so the caller goes to the leader at once. Who is not signed in is told so first (401,
 * by the route's own guard). Whether this replica leads is the runtime's answer, not this module's.
 */
import type { MiddlewareHandler } from 'hono';
import type { Auth } from './auth.ts';

/** What the API asks of the runtime before a change. */
export interface Leadership {
  /** Resolves while this replica leads; rejects with NotLeaderError naming the leader otherwise. */
  assertLeads(): Promise<void>;
}

/** Methods a replica that does not lead still answers. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function leaderGuard(auth: Auth, leadership: Leadership): MiddlewareHandler {
  return async (c, next) => {
    if (!READS.has(c.req.method) && auth.authenticate(c.req.header('authorization'))) await leadership.assertLeads();
    await next();
  };
}
