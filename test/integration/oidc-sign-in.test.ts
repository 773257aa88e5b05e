/**
 * @module Signing in to `meridian serve` through a real OpenID Connect provider (the
 * `oidc-provider` package on loopback), over HTTP with a cookie-keeping client: the redirect of an
 * unauthenticated page to the authorization endpoint (PKCE S256, state, nonce), the session cookie,
 * the IdP's groups deciding roles and approvals, CSRF on every change made with the cookie, bearer
 * tokens beside it, sign-out, expiry (on the session clock, not by waiting), a restart on the same
 * store, and a changed state, nonce, login cookie or session cookie refused with nothing kept.
 * The browser walk of the same story is in dashboard-oidc.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSignInConfig } from '../../src/api/oidc/sign-in-config.ts';
import { CSRF_REFUSED } from '../../src/api/oidc/sign-in-routes.ts';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import { startService, type RunningService } from '../../src/runtime/service.ts';
import { CookieClient, freePort, type Answer } from './support/cookie-client.ts';
import { startProvider, type TestProvider, type TestUser } from './support/oidc-provider.ts';

const POLICY = `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: webapp }
spec:
  service: { name: webapp, tier: 2 }
  regions:
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.5, capacity: 1.6, clusters: [{ name: eu-west-1 }] }
    - { name: us-east-1, timezone: America/New_York, userShare: 0.5, capacity: 1.6, clusters: [{ name: us-east-1 }] }
  rings:
    - { name: ring-1, regions: [eu-west-1], bake: 30m, gates: [error-rate], approval: { approvers: ["group:release-team"] } }
    - { name: ring-2, regions: [us-east-1], bake: 30m, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  windows: { deploy: always }
`;

const ROLES = `claims: { user: preferred_username, groups: groups }
sessionHours: 8
scopes: [openid, profile, groups]
roles:
  - { group: release-team, role: viewer }
  - { group: platform, role: operator }
  - { group: engineering, role: viewer }
`;

const USERS: TestUser[] = [
  { sub: 'u-1001', username: 'rita', name: 'Rita Release', groups: ['release-team', 'platform'], password: 'rita-pw' },
  { sub: 'u-1002', username: 'vic', name: 'Vic Viewer', groups: ['engineering'], password: 'vic-pw' },
  { sub: 'u-1003', username: 'nora', name: 'Nora Nobody', groups: ['marketing'], password: 'nora-pw' },
];
const rita = USERS[0]!;
const vic = USERS[1]!;
const nora = USERS[2]!;

const HOUR = 3_600_000;

let dir: string;
let idp: TestProvider;
let service: RunningService | null = null;
let port: number;
let base: string;
let skew = 0;
const logs: string[] = [];
const ciToken = newToken();

async function serve(): Promise<RunningService> {
  service = await startService({
    policy: { text: POLICY, file: 'policy.yaml' },
    store: { kind: 'sqlite', file: join(dir, 'meridian.db') },
    port, host: '127.0.0.1', tokensFile: join(dir, 'tokens.json'), timeScale: 1, workDir: join(dir, 'work'),
    log: (line) => logs.push(line),
    oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, config: parseSignInConfig(ROLES, 'roles.yaml'), file: 'roles.yaml' },
    sessionClock: () => Date.now() + skew,
  });
  return service;
}

/** From an unauthenticated page to the provider's login form. */
async function toLoginForm(client: CookieClient, path = '/'): Promise<Answer> {
  const form = await client.follow(`${base}${path}`);
  expect(form.status, form.text).toBe(200);
  expect(form.text).toContain('Sign in to the test identity provider');
  return form;
}

/** Submit the provider's form, following redirects up to (not into) Meridian's callback; the answer whose location is the callback. */
async function submit(client: CookieClient, form: Answer, user: TestUser): Promise<Answer> {
  const action = new URL(/action="([^"]+)"/.exec(form.text)![1]!, form.url).href;
  const posted = await client.request(action, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
  });
  let answer = posted;
  for (let i = 0; i < 10 && answer.location && !answer.location.startsWith(`${base}/auth/callback`); i++) answer = await client.request(answer.location);
  expect(answer.location, answer.text).toMatch(new RegExp(`^${base}/auth/callback\\?`));
  return answer;
}

/** The whole sign-in; the callback's answer. */
async function signIn(user: TestUser, path = '/'): Promise<{ client: CookieClient; callback: Answer }> {
  const client = new CookieClient();
  const toCallback = await submit(client, await toLoginForm(client, path), user);
  return { client, callback: await client.request(toCallback.location!) };
}

async function csrf(client: CookieClient): Promise<string> {
  const me = await client.request(`${base}/auth/session`);
  expect(me.status, me.text).toBe(200);
  return (JSON.parse(me.text) as { csrfToken: string }).csrfToken;
}

async function json(client: CookieClient, path: string, init: { method?: string; body?: unknown; csrf?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...(init.headers ?? {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}) };
  const a = await client.request(`${base}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  return { status: a.status, body: a.text ? JSON.parse(a.text) : null };
}

async function audit(): Promise<Array<{ actor: string; action: string; outcome: string; detail: string }>> {
  const r = await fetch(`${base}/api/v1/audit`, { headers: { authorization: `Bearer ${ciToken}` } });
  return (await r.json()) as Array<{ actor: string; action: string; outcome: string; detail: string }>;
}

function sessionRows(): number {
  const db = new Database(join(dir, 'meridian.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('signing in to meridian serve through a real OpenID Connect provider', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-oidc-'));
    appendToken(join(dir, 'tokens.json'), { user: 'shop-ci', groups: [], role: 'operator', hash: hashToken(ciToken) });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startProvider({ users: USERS, redirectBase: base });
    await serve();
  }, 30_000);

  afterEach(() => {
    skew = 0;
  });

  afterAll(async () => {
    await service?.close();
    await idp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends an unauthenticated page to the authorization endpoint: code flow, PKCE S256, a state and a nonce, the redirect URI', async () => {
    const client = new CookieClient();
    const first = await client.request(`${base}/`);
    expect(first.status).toBe(302);
    const to = new URL(first.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(Object.fromEntries([...to.searchParams].filter(([k]) => !['state', 'nonce', 'code_challenge'].includes(k)))).toEqual({
      client_id: 'meridian', redirect_uri: `${base}/auth/callback`, response_type: 'code', scope: 'openid profile groups', code_challenge_method: 'S256',
    });
    for (const k of ['state', 'nonce', 'code_challenge']) expect(to.searchParams.get(k)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const login = first.setCookies.find((c) => c.startsWith('meridian_login='))!;
    expect(login).toMatch(/; Max-Age=600; Path=\/auth; HttpOnly; SameSite=Lax$/);
    // The login cookie is sealed: it shows none of the state, nonce or verifier.
    expect(login).not.toContain(to.searchParams.get('state')!);
    // A page deeper in the dashboard comes back there after signing in; the API answers 401 as before.
    const deep = await client.request(`${base}/releases?phase=waiting`);
    expect(new URL(deep.location!).origin).toBe(idp.issuer);
    const api = await client.request(`${base}/api/v1/releases`);
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text)).toEqual({ error: { code: 'unauthorized', message: 'missing bearer token (send Authorization: Bearer TOKEN)' } });
  });

  it('signs a person in: an HttpOnly, SameSite=Lax session cookie, who they are from the ID token, and a sign-in entry in the audit log', async () => {
    const { client, callback } = await signIn(rita, '/releases?phase=waiting');
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${base}/releases?phase=waiting`);
    const cookie = callback.setCookies.find((c) => c.startsWith('meridian_session='))!;
    expect(cookie).toMatch(/^meridian_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);
    // Served over http, so not Secure (it is with an https --public-url).
    expect(cookie).not.toContain('Secure');
    const me = await client.request(`${base}/auth/session`);
    const body = JSON.parse(me.text) as Record<string, unknown>;
    expect({ ...body, csrfToken: undefined, expiresAt: undefined }).toEqual({ signedIn: true, user: 'rita', name: 'Rita Release', role: 'operator', groups: ['release-team', 'platform'], signIn: '/auth/login' });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await client.request(`${base}/releases`);
    expect(page.status).toBe(200);
    expect((await json(client, '/api/v1/releases')).status).toBe(200);
    const entry = (await audit()).filter((e) => e.action === 'session.start').at(-1)!;
    expect(entry).toMatchObject({ actor: 'rita', outcome: 'ok' });
    expect(entry.detail).toBe(`signed in through ${idp.issuer} as subject u-1001 ("Rita Release"); groups release-team, platform; role operator`);
  });

  it('keeps the session in the store only as a hash, and the client secret, session id and code out of every log line and the audit log', async () => {
    const { client, callback } = await signIn(vic);
    const id = client.cookie(base, 'meridian_session')!;
    const code = new URL(callback.url).searchParams.get('code')!;
    expect(code.length).toBeGreaterThan(20);
    const db = new Database(join(dir, 'meridian.db'), { readonly: true });
    const text = JSON.stringify(db.prepare('SELECT * FROM sessions').all());
    db.close();
    expect(text).not.toContain(id);
    const everything = `${logs.join('\n')}\n${JSON.stringify(await audit())}`;
    for (const secret of [idp.clientSecret, id, code]) expect(everything).not.toContain(secret);
  });

  it('lets a member of the approver group approve, and refuses a signed-in non-member with the reason, audited', async () => {
    const started = await fetch(`${base}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${ciToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 'v2.1.0' }) });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const viewer = (await signIn(vic)).client;
    const refused = await json(viewer, `/api/v1/releases/${id}/approve`, { method: 'POST', body: { ring: 'ring-1' }, csrf: await csrf(viewer) });
    expect(refused).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'vic is not an approver of ring-1' } } });
    expect((await audit()).filter((e) => e.action === 'release.approve ring-1').map((e) => [e.actor, e.outcome])).toEqual([[`vic (Vic Viewer, subject u-1002 at ${idp.issuer})`, 'refused']]);

    const member = (await signIn(rita)).client;
    const approved = await json(member, `/api/v1/releases/${id}/approve`, { method: 'POST', body: { ring: 'ring-1' }, csrf: await csrf(member) });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect((await audit()).filter((e) => e.action === 'release.approve ring-1').map((e) => [e.actor, e.outcome])).toEqual([[`vic (Vic Viewer, subject u-1002 at ${idp.issuer})`, 'refused'], [`rita (Rita Release, subject u-1001 at ${idp.issuer})`, 'ok']]);
    const aborted = await json(member, `/api/v1/releases/${id}/abort`, { method: 'POST', body: {}, csrf: await csrf(member) });
    expect(aborted.status).toBe(200);
  });

  it('refuses a change made with the session cookie but without its CSRF token, or with a wrong one, writing nothing', async () => {
    const { client } = await signIn(rita);
    const before = (await audit()).length;
    const freeze = { reason: 'incident 4711' };
    expect(await json(client, '/api/v1/freezes', { method: 'POST', body: freeze })).toEqual({ status: 403, body: { error: { code: 'forbidden', message: CSRF_REFUSED } } });
    expect(await json(client, '/api/v1/freezes', { method: 'POST', body: freeze, csrf: 'x'.repeat(43) })).toEqual({ status: 403, body: { error: { code: 'forbidden', message: CSRF_REFUSED } } });
    // Another person's token does not do either.
    const other = await csrf((await signIn(vic)).client);
    expect((await json(client, '/api/v1/freezes', { method: 'POST', body: freeze, csrf: other })).status).toBe(403);
    expect((await json(client, '/api/v1/freezes')).body).toEqual({ items: [] });
    expect((await audit()).length).toBe(before + 1); // vic's sign-in only
    const made = await json(client, '/api/v1/freezes', { method: 'POST', body: freeze, csrf: await csrf(client) });
    expect(made.status).toBe(201);
    const ended = await json(client, `/api/v1/freezes/${(made.body as { id: string }).id}`, { method: 'DELETE', body: {}, csrf: await csrf(client) });
    expect(ended).toEqual({ status: 200, body: { items: [] } });
  });

  it('keeps bearer tokens working beside sessions, with no CSRF token, and judges a request that sends one by the token alone', async () => {
    const { client } = await signIn(vic);
    const byToken = await json(client, '/api/v1/freezes', { method: 'POST', body: { reason: 'ci says stop' }, headers: { authorization: `Bearer ${ciToken}` } });
    expect(byToken.status).toBe(201);
    expect((await audit()).filter((e) => e.action === 'freeze.start').at(-1)!.actor).toBe('shop-ci');
    await json(client, `/api/v1/freezes/${(byToken.body as { id: string }).id}`, { method: 'DELETE', body: {}, headers: { authorization: `Bearer ${ciToken}` } });
    const wrong = await json(client, '/api/v1/releases', { headers: { authorization: 'Bearer mrd_not-a-token' } });
    expect(wrong).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'invalid or unknown token' } } });
  });

  it('refuses a person in none of the groups that have a role, keeping no session', async () => {
    const rows = sessionRows();
    const { callback } = await signIn(nora);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('nora is in none of the groups that have a role in Meridian (your groups: marketing); ask an admin to give one of them a role');
    expect(callback.setCookies.some((c) => c.startsWith('meridian_session='))).toBe(false);
    expect(sessionRows()).toBe(rows);
  });

  it('refuses a callback whose state was changed, keeping no session', async () => {
    const client = new CookieClient();
    const toCallback = await submit(client, await toLoginForm(client), rita);
    const url = new URL(toCallback.location!);
    url.searchParams.set('state', `${url.searchParams.get('state')!.slice(0, -2)}xx`);
    const rows = sessionRows();
    const answer = await client.request(url.href);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('the sign-in response does not belong to this sign-in (its state does not match); sign in again');
    expect(answer.setCookies.some((c) => c.startsWith('meridian_session='))).toBe(false);
    expect(sessionRows()).toBe(rows);
    // The login cookie went with the attempt: the real callback cannot be replayed either.
    const replay = await client.request(toCallback.location!);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('this sign-in was not started in this browser, took longer than 10 minutes, or its cookie was changed; sign in again');
  });

  it('refuses an ID token issued for another nonce than the one this sign-in sent', async () => {
    const client = new CookieClient();
    const first = await client.request(`${base}/`);
    const tampered = new URL(first.location!);
    tampered.searchParams.set('nonce', 'a-nonce-of-the-attackers-choosing-0123456789');
    const form = await client.follow(tampered.href);
    const toCallback = await submit(client, form, rita);
    const answer = await client.request(toCallback.location!);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('the ID token was not issued for this sign-in (its nonce does not match); sign in again');
    expect(answer.setCookies.some((c) => c.startsWith('meridian_session='))).toBe(false);
  });

  it('refuses a changed login cookie, and a callback from a browser that never started the sign-in', async () => {
    const client = new CookieClient();
    const toCallback = await submit(client, await toLoginForm(client), rita);
    const sealed = client.cookie(base, 'meridian_login')!;
    client.setCookie(base, 'meridian_login', `${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`, '/auth');
    const changed = await client.request(toCallback.location!);
    expect(changed.status).toBe(400);
    expect(changed.text).toContain('its cookie was changed; sign in again');
    const stranger = await new CookieClient().request(toCallback.location!);
    expect(stranger.status).toBe(400);
    expect(stranger.text).toContain('this sign-in was not started in this browser');
  });

  it('does not take a changed or made-up session cookie: pages go to the provider, the API says why', async () => {
    const { client } = await signIn(rita);
    const id = client.cookie(base, 'meridian_session')!;
    client.setCookie(base, 'meridian_session', `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`);
    const page = await client.request(`${base}/`);
    expect(page.status).toBe(302);
    expect(new URL(page.location!).origin).toBe(idp.issuer);
    expect(await json(client, '/api/v1/releases')).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'your dashboard session has expired or was ended; sign in again' } } });
    client.setCookie(base, 'meridian_session', '<script>');
    expect((await json(client, '/api/v1/releases')).status).toBe(401);
  });

  it('signs out: the session is deleted (a kept cookie is worth nothing), the cookie cleared, the audit log told; CSRF needed here too', async () => {
    const { client } = await signIn(rita);
    const id = client.cookie(base, 'meridian_session')!;
    expect((await client.request(`${base}/auth/logout`, { method: 'POST' })).status).toBe(403);
    const out = await client.request(`${base}/auth/logout`, { method: 'POST', headers: { 'x-csrf-token': await csrf(client) } });
    expect(out.status).toBe(200);
    expect(JSON.parse(out.text)).toEqual({ signedOut: true, next: '/auth/signed-out' });
    expect(out.setCookies.find((c) => c.startsWith('meridian_session='))).toMatch(/Max-Age=0/);
    expect((await audit()).at(-1)).toMatchObject({ actor: 'rita', action: 'session.end', outcome: 'ok', detail: 'signed out' });
    expect(JSON.parse((await client.request(`${base}/auth/session`)).text)).toEqual({ signedIn: false, problem: null, signIn: '/auth/login' });
    const keeper = new CookieClient();
    keeper.setCookie(base, 'meridian_session', id);
    expect((await json(keeper, '/api/v1/releases')).status).toBe(401);
    const page = await client.request(`${base}/auth/signed-out`);
    expect(page.text).toContain('You are signed out of Meridian.');
  });

  it('ends a session when its hours are up, and deletes it when someone next signs in', async () => {
    const { client } = await signIn(vic);
    const id = client.cookie(base, 'meridian_session')!;
    skew = 8 * HOUR - 60_000;
    expect((await json(client, '/api/v1/releases')).status).toBe(200);
    skew = 8 * HOUR;
    expect(await json(client, '/api/v1/releases')).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'your dashboard session has expired or was ended; sign in again' } } });
    expect((await client.request(`${base}/`)).status).toBe(302);
    expect(JSON.parse((await client.request(`${base}/auth/session`)).text)).toEqual({ signedIn: false, problem: 'your dashboard session has expired or was ended; sign in again', signIn: '/auth/login' });
    const hash = createHash('sha256').update(id).digest('hex');
    const kept = (): number => {
      const db = new Database(join(dir, 'meridian.db'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM sessions WHERE id_hash = ?').get(hash) as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(kept()).toBe(1);
    await signIn(rita);
    expect(kept()).toBe(0);
  });

  it('keeps sessions across a restart of the server on the same store', async () => {
    const { client } = await signIn(rita);
    await service!.close();
    await serve();
    expect((await json(client, '/api/v1/releases')).status).toBe(200);
    expect(JSON.parse((await client.request(`${base}/auth/session`)).text)).toMatchObject({ user: 'rita', role: 'operator' });
  });
});
