/**
 * @module Signing in to the dashboard through the identity provider, as Hono pieces for the app:
 *
 * - the middleware, ahead of every route: a request without a bearer token but with a
 *   `meridian_session` cookie is the person of that session (request-actor.ts), and any change it
 *   asks for (anything but GET, HEAD, OPTIONS) must carry the session's CSRF token in
 *   `X-CSRF-Token`, or it is a 403 before any route runs; a dashboard page (`/`, `/releases`,
 *   `/releases/ID`) asked for without a session is sent to the provider's authorization endpoint;
 * - `GET /auth/login?next=PATH`: the same, by hand;
 * - `GET /auth/callback`: the provider's answer, checked (the sealed login cookie, its state, then
 *   the code exchange and the ID token's nonce by openid-client, then the claims) before a session
 *   is kept, the audit log told (`session.start`, with the subject and name) and the cookie set;
 * - `GET /auth/session`: who is signed in and the CSRF token, for the dashboard's script (always a
 *   200: `{ signedIn: false, signIn: "/auth/login" }` for a browser that is not);
 * - `POST /auth/logout`: the session deleted (`session.end` in the audit log), the cookie cleared;
 * - `GET /auth/signed-out`.
 *
 * Session cookies are HttpOnly, SameSite=Lax, Secure when the public URL is https.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { listSome } from '../../policy/source.ts';
import type { Actor } from '../../runtime/controller-types.ts';
import { errorResponse } from '../errors.ts';
import { withSessionActor, type SessionSignIn } from '../request-actor.ts';
import { LOGIN_TTL_MS, safeReturnPath, type LoginSealer } from './login-state.ts';
import { PAGE_HEADERS, signInRefusedPage, signedOutPage } from './pages.ts';
import { SignInError, type IdentityProvider } from './provider.ts';
import type { Sessions } from './sessions.ts';
import { actorFor, type Identity, type SignInConfig } from './sign-in-config.ts';

export const SESSION_COOKIE = 'meridian_session';
export const LOGIN_COOKIE = 'meridian_login';

/** One sign-in or sign-out, for the audit log (its time is the server's). */
export interface SignInAudit {
  actor: string;
  action: 'session.start' | 'session.end';
  target: string;
  detail: string;
}

export interface SignInOptions {
  provider: IdentityProvider;
  config: SignInConfig;
  sessions: Sessions;
  sealer: LoginSealer;
  /** The redirect URI registered at the provider: PUBLIC_URL/auth/callback (known once the server listens). Cookies get `Secure` when it is https. */
  redirectUri: () => string;
  audit: (entry: SignInAudit) => Promise<void>;
  log: (line: string) => void;
}

export interface SignIn {
  middleware: MiddlewareHandler;
  routes: Hono;
}

/** Methods that change nothing, which need no CSRF token. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The dashboard's pages (not their fragments or assets): asked for without a session, they go to the provider. */
const PAGE = /^\/(releases(\/[^/]+)?\/?)?$/;
/** The longest query string the callback reads. */
const MAX_CALLBACK_QUERY = 4096;

export const CSRF_REFUSED = 'a change made with a dashboard session needs the session\'s X-CSRF-Token header (the dashboard sends it; GET /auth/session gives it)';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who signed in, in the audit log's words: the subject and name from the ID token, the groups and what they give. */
function describeSignIn(actor: Actor, who: Identity): string {
  const name = who.name ? ` ("${who.name}")` : '';
  const scope = actor.services ? `; services ${listSome(actor.services, { max: 20 })}` : '';
  const groups = who.groups.length > 0 ? listSome([...who.groups], { max: 20 }) : 'none';
  return `signed in through ${who.issuer} as subject ${who.subject}${name}; groups ${groups}; role ${actor.role}${scope}`;
}

export function signInRoutes(opts: SignInOptions): SignIn {
  const { sessions, config } = opts;
  const cookie = (path = '/') => ({ path, httpOnly: true, secure: opts.redirectUri().startsWith('https:'), sameSite: 'Lax' as const });

  const refused = (c: Context, status: 400 | 403 | 502, message: string): Response => c.html(signInRefusedPage(message), status, PAGE_HEADERS);

  /** Send the browser to the provider, remembering (sealed in a cookie) where to come back to. */
  const begin = async (c: Context, returnTo: string): Promise<Response> => {
    const { url, pending } = await opts.provider.begin(opts.redirectUri());
    const sealed = opts.sealer.seal({ ...pending, returnTo: safeReturnPath(returnTo), expiresAt: sessions.now() + LOGIN_TTL_MS });
    setCookie(c, LOGIN_COOKIE, sealed, { ...cookie('/auth'), maxAge: LOGIN_TTL_MS / 1000 });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url, 302);
  };

  /** The person a session record signs in, as the current sign-in configuration sees their groups. */
  const sessionOf = async (id: string): Promise<SessionSignIn & { expiresAt: number | null }> => {
    const rec = await sessions.find(id);
    if (!rec) return { actor: null, problem: 'your dashboard session has expired or was ended; sign in again', expiresAt: null };
    const actor = actorFor(config, rec);
    if (!actor) return { actor: null, problem: `the groups of ${rec.user} give no role any more; sign in again, or ask an admin for a role`, expiresAt: null };
    return { actor, problem: null, expiresAt: rec.expiresAt };
  };
  const signInOf = async (id: string): Promise<SessionSignIn> => {
    const { actor, problem } = await sessionOf(id);
    return { actor, problem };
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    // A bearer token is judged alone (auth.ts), cookie or not: no session, no CSRF check.
    if (c.req.header('authorization') !== undefined) return next();
    const id = getCookie(c, SESSION_COOKIE);
    const signIn: SessionSignIn = id === undefined ? { actor: null, problem: null } : await signInOf(id);
    if (id !== undefined && signIn.actor && !SAFE.has(c.req.method) && !sessions.csrfOk(id, c.req.header('x-csrf-token'))) {
      return errorResponse(c, 403, 'forbidden', CSRF_REFUSED);
    }
    if (!signIn.actor && c.req.method === 'GET' && PAGE.test(c.req.path)) {
      const search = new URL(c.req.url).search;
      return begin(c, `${c.req.path}${search}`);
    }
    return withSessionActor(signIn, next);
  };

  const routes = new Hono();
  routes.get('/login', (c) => begin(c, c.req.query('next') ?? '/'));

  routes.get('/callback', async (c) => {
    const login = opts.sealer.open(getCookie(c, LOGIN_COOKIE), sessions.now());
    // One use: whatever happens next, this sign-in's cookie is gone.
    deleteCookie(c, LOGIN_COOKIE, cookie('/auth'));
    const search = new URL(c.req.url).search;
    if (search.length > MAX_CALLBACK_QUERY) return refused(c, 400, 'the sign-in response is too long to be one from the identity provider');
    if (!login) {
      return refused(c, 400, 'this sign-in was not started in this browser, took longer than 10 minutes, or its cookie was changed; sign in again');
    }
    const state = c.req.query('state');
    if (state === undefined || !same(state, login.state)) return refused(c, 400, 'the sign-in response does not belong to this sign-in (its state does not match); sign in again');
    const callback = new URL(opts.redirectUri());
    callback.search = search;
    let who: Identity;
    try {
      who = await opts.provider.finish(callback, login);
    } catch (e) {
      if (e instanceof SignInError) return refused(c, e.status, e.message);
      throw e;
    }
    const actor = actorFor(config, who);
    if (!actor) {
      const groups = who.groups.length > 0 ? `your groups: ${listSome([...who.groups], { max: 10 })}` : 'the identity provider gave no groups';
      return refused(c, 403, `${who.user} is in none of the groups that have a role in Meridian (${groups}); ask an admin to give one of them a role`);
    }
    const { id } = await sessions.start(who);
    await opts.audit({ actor: who.user, action: 'session.start', target: 'dashboard', detail: describeSignIn(actor, who) });
    setCookie(c, SESSION_COOKIE, id, { ...cookie(), maxAge: sessions.maxAgeSeconds });
    c.header('Cache-Control', 'no-store');
    return c.redirect(login.returnTo, 302);
  });

  routes.get('/session', async (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    c.header('Cache-Control', 'no-store');
    const found = id === undefined ? null : await sessionOf(id);
    if (!id || !found?.actor) return c.json({ signedIn: false, problem: found?.problem ?? null, signIn: '/auth/login' });
    const a = found.actor;
    return c.json({
      signedIn: true, user: a.user, name: a.idp?.name ?? null, role: a.role, groups: a.groups, ...(a.services ? { services: a.services } : {}),
      expiresAt: new Date(found.expiresAt!).toISOString(), csrfToken: sessions.csrfToken(id), signIn: '/auth/login',
    });
  });

  routes.post('/logout', async (c) => {
    // The middleware has checked the CSRF token of a session in force; a stale cookie is only cleared.
    const id = getCookie(c, SESSION_COOKIE);
    deleteCookie(c, SESSION_COOKIE, cookie());
    if (id !== undefined) {
      const { actor } = await signInOf(id);
      const ended = await sessions.end(id);
      if (ended && actor) await opts.audit({ actor: actor.user, action: 'session.end', target: 'dashboard', detail: 'signed out' });
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ signedOut: true, next: '/auth/signed-out' });
  });

  routes.get('/signed-out', (c) => c.html(signedOutPage(), 200, PAGE_HEADERS));

  return { middleware, routes };
}
