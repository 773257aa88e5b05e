/**
 * @module Who a request signed in as through its session cookie, for the length of that request:
 * the sign-in middleware (oidc/sign-in-routes.ts) finds the session and runs the rest of the request
 * inside `withSessionActor`; `Auth.authenticate` (auth.ts) reads it when no bearer token is sent, so
 * every route that judges a caller (the API's guard, the dashboard's fragments) accepts a session as
 * it accepts a token, with no route of its own knowing about cookies.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from '../runtime/controller-types.ts';

export interface SessionSignIn {
  /** The signed-in person, or null when the cookie named no session in force. */
  actor: Actor | null;
  /** Why the cookie's session is not accepted (expired, ended, no role any more); null when it is. */
  problem: string | null;
}

const current = new AsyncLocalStorage<SessionSignIn>();

export function withSessionActor<T>(signIn: SessionSignIn, fn: () => T): T {
  return current.run(signIn, fn);
}

/** The session of the request being handled, when it came with a session cookie. */
export function sessionSignIn(): SessionSignIn | undefined {
  return current.getStore();
}
