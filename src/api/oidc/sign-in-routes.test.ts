/** @module Tests of the sign-in routes with a stand-in provider: Secure cookies over https, CSRF on every changing method, roles read afresh from the groups kept. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/memory-store.ts';
import { createAuth, withSessions } from '../auth.ts';
import { installErrorHandling } from '../errors.ts';
import { guard, type ApiEnv } from '../guard.ts';
import { loginSealer } from './login-state.ts';
import type { IdentityProvider } from './provider.ts';
import { Sessions } from './sessions.ts';
import { parseSignInConfig } from './sign-in-config.ts';
import { CSRF_REFUSED, signInRoutes, type SignInAudit } from './sign-in-routes.ts';

const provider: IdentityProvider = {
  issuer: 'https://sso.example.com',
  begin: async () => ({ url: 'https://sso.example.com/authorize?x=1', pending: { state: 'the-state', nonce: 'the-nonce', verifier: 'the-verifier' } }),
  finish: async () => ({ issuer: 'https://sso.example.com', subject: 's-1', user: 'alice', name: 'Alice', groups: ['release-team'] }),
};

function app(roles = 'roles: [{ group: release-team, role: operator }]\n') {
  const audit: SignInAudit[] = [];
  const config = parseSignInConfig(roles, 'oidc.yaml');
  const sessions = new Sessions(new MemoryStore(), { hours: 8 });
  const signIn = signInRoutes({ provider, config, sessions, sealer: loginSealer('secret'), redirectUri: () => 'https://meridian.example.com/auth/callback', audit: async (e) => { audit.push(e); }, log: () => {} });
  const auth = withSessions(createAuth([]));
  const a = new Hono<ApiEnv>();
  installErrorHandling(a, () => {});
  a.use('*', signIn.middleware);
  a.route('/auth', signIn.routes);
  for (const method of ['post', 'put', 'patch', 'delete'] as const) a[method]('/api/thing', guard(auth, 'operator', 'thing.change'), (c) => c.json({ by: c.get('actor').user }));
  a.get('/api/thing', guard(auth, 'viewer', 'thing.read'), (c) => c.json({ by: c.get('actor').user }));
  return { a, audit };
}

/** Sign in through the stand-in provider; the session cookie. */
async function signedIn(a: Hono<ApiEnv>): Promise<{ cookie: string; setCookie: string }> {
  const start = await a.request('/');
  expect(start.status).toBe(302);
  const login = start.headers.getSetCookie().find((c) => c.startsWith('meridian_login='))!;
  expect(login).toMatch(/; Path=\/auth; HttpOnly; Secure; SameSite=Lax$/);
  const back = await a.request('/auth/callback?code=c&state=the-state', { headers: { cookie: login.split(';')[0]! } });
  expect(back.status).toBe(302);
  const setCookie = back.headers.getSetCookie().find((c) => c.startsWith('meridian_session='))!;
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

describe('the sign-in routes', () => {
  it('marks every cookie Secure when the public URL is https', async () => {
    const { a } = app();
    const { setCookie } = await signedIn(a);
    expect(setCookie).toMatch(/^meridian_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('asks for the CSRF token on every method that changes something, never on a read, and never of a bearer token', async () => {
    const { a } = app();
    const { cookie } = await signedIn(a);
    const csrf = ((await (await a.request('/auth/session', { headers: { cookie } })).json()) as { csrfToken: string }).csrfToken;
    expect((await a.request('/api/thing', { headers: { cookie } })).status).toBe(200);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const refused = await a.request('/api/thing', { method, headers: { cookie } });
      expect([method, refused.status, await refused.json()]).toEqual([method, 403, { error: { code: 'forbidden', message: CSRF_REFUSED } }]);
      expect((await a.request('/api/thing', { method, headers: { cookie, 'x-csrf-token': csrf } })).status).toBe(200);
    }
    // A bearer token is judged alone: this one is unknown, the cookie does not help it.
    expect((await a.request('/api/thing', { method: 'POST', headers: { cookie, authorization: 'Bearer mrd_x' } })).status).toBe(401);
  });

  it('records the sign-in with the subject and name, and reads the role afresh from the groups kept', async () => {
    const { a, audit } = app('roles: [{ group: release-team, role: viewer }]\n');
    const { cookie } = await signedIn(a);
    expect(audit).toEqual([{ actor: 'alice', action: 'session.start', target: 'dashboard', detail: 'signed in through https://sso.example.com as subject s-1 ("Alice"); groups release-team; role viewer' }]);
    const csrf = ((await (await a.request('/auth/session', { headers: { cookie } })).json()) as { csrfToken: string }).csrfToken;
    const low = await a.request('/api/thing', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(await low.json()).toEqual({ error: { code: 'forbidden', message: 'thing.change requires the operator role; alice is a viewer' } });
  });

  it('sends nowhere but this server after signing in', async () => {
    const { a } = app();
    const start = await a.request('/auth/login?next=https://evil.example.com/');
    const login = start.headers.getSetCookie().find((c) => c.startsWith('meridian_login='))!;
    const back = await a.request('/auth/callback?code=c&state=the-state', { headers: { cookie: login.split(';')[0]! } });
    expect(back.headers.get('location')).toBe('/');
  });
});
