/**
 * @module The authorisation middleware: a valid bearer token or dashboard session (401 without
 * one), then a role at least the route's (403 when it is too low; errors.ts records it in the
 * audit log). A session's changes also need its CSRF token, checked before this (oidc/sign-in-routes.ts).
 */
import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import type { Actor, Role } from '../runtime/controller-types.ts';
import { hasRole, type Auth } from './auth.ts';
import { sessionSignIn } from './request-actor.ts';

export interface ApiEnv {
  /** `actor`: who calls; `action`: what the route does, as the audit log names it. */
  Variables: { actor: Actor; action: string };
}

/** A role with its article, as a sentence says it. */
const A_ROLE = { viewer: 'a viewer', operator: 'an operator', admin: 'an admin' } as const;

/** `action` names what the route does in the audit log (`release.start`, `release.abort`, ...). */
export function guard(auth: Auth, role: Role, action: string): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const actor = auth.authenticate(header);
    if (!actor) {
      if (header) throw new UnauthorizedError('invalid or unknown token');
      // No token: a dashboard session cookie that is not accepted says why; no cookie, the usual words.
      throw new UnauthorizedError(sessionSignIn()?.problem ?? 'missing bearer token (send Authorization: Bearer TOKEN)');
    }
    // From here on every refusal of this request is the actor's, and is audited (errors.ts).
    c.set('actor', actor);
    c.set('action', action);
    if (!hasRole(actor, role)) throw new ForbiddenError(`${action} requires the ${role} role; ${actor.user} is ${A_ROLE[actor.role]}`);
    await next();
  };
}
