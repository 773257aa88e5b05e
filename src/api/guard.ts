/**
 * @module The authorisation middleware: a valid bearer token (401 without one), then a role at
 * least the route's (403, recorded in the audit log through the controller, when it is too low).
 */
import type { MiddlewareHandler } from 'hono';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import type { Actor, ReleaseController, Role } from '../runtime/controller-types.ts';
import { hasRole, type Auth } from './auth.ts';

export interface ApiEnv {
  Variables: { actor: Actor };
}

const A = { viewer: 'a viewer', operator: 'an operator', admin: 'an admin' } as const;

/** `action` names what the route does in the audit log (`release.start`, `release.abort`, ...). */
export function guard(controller: ReleaseController, auth: Auth, role: Role, action: string): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw new UnauthorizedError('missing bearer token (send Authorization: Bearer TOKEN)');
    const actor = auth.authenticate(header);
    if (!actor) throw new UnauthorizedError('invalid or unknown token');
    if (!hasRole(actor, role)) {
      const target = c.req.param('id') ?? controller.policy.spec.service.name;
      const why = `${action} requires the ${role} role; ${actor.user} is ${A[actor.role]}`;
      await controller.recordRefusal(actor.user, action, target, why);
      throw new ForbiddenError(why);
    }
    c.set('actor', actor);
    await next();
  };
}
