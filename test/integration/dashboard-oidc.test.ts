/**
 * @module The dashboard in real headless Chromium, signed in through a real OpenID Connect
 * provider (the `oidc-provider` package on loopback) by a real `meridian serve --oidc-issuer`
 * process: an unauthenticated page goes to the provider's login form and comes back signed in; a
 * new tab is signed in too; a member of the approver group approves from the page while a
 * non-member sees no button and has the approval forged from the page refused; a session that
 * expires (its row aged in the store, not by waiting) sends the page back through the provider;
 * signing out ends the session. A screenshot of the signed-in page goes to test-results/dashboard-oidc/.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import { browserTestsRun, launchChromium } from './support/browser.ts';
import { freePort } from './support/cookie-client.ts';
import { startProvider, type TestProvider, type TestUser } from './support/oidc-provider.ts';
import { killAll, startServe, type ServeProcess } from './support/serve-process.ts';

const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results/dashboard-oidc');
const SHOWN = { timeout: 10_000 };

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

const ROLES = `scopes: [openid, profile, groups]
roles:
  - { group: release-team, role: operator }
  - { group: engineering, role: viewer }
`;

const USERS: TestUser[] = [
  { sub: 'u-2001', username: 'rita', name: 'Rita Release', groups: ['release-team'], password: 'rita-pw' },
  { sub: 'u-2002', username: 'vic', name: 'Vic Viewer', groups: ['engineering'], password: 'vic-pw' },
];

let dir: string;
let idp: TestProvider;
let server: ServeProcess;
let browser: Browser | undefined;
let base: string;
let releaseId: string;
const ciToken = newToken();
const contexts: BrowserContext[] = [];
const errors: string[] = [];

/** A fresh browser (its own cookies) that may reach only loopback addresses. */
async function freshContext(): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => (/^https?:\/\/127\.0\.0\.1(:\d+)?\//.test(route.request().url()) ? route.continue() : route.abort()));
  contexts.push(context);
  return context;
}

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

/** Open `path` unauthenticated: the provider's form; sign in as `user`; back on `path`, signed in. */
async function signInAt(page: Page, path: string, user: TestUser): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.locator('#idp-sign-in').waitFor(SHOWN);
  expect(new URL(page.url()).origin).toBe(idp.issuer);
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('#idp-sign-in').click();
  await page.waitForURL(`${base}${path}`, SHOWN);
}

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ciToken}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: await res.json() };
}

async function auditOf(action: string): Promise<Array<[string, string]>> {
  const all = (await api('/api/v1/audit')).body as Array<{ actor: string; action: string; outcome: string }>;
  return all.filter((e) => e.action === action).map((e) => [e.actor, e.outcome]);
}

describe.runIf(browserTestsRun('dashboard sign-in browser tests'))('the dashboard in Chromium, signed in through a real OpenID Connect provider', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-dashboard-oidc-'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    await writeFile(join(dir, 'roles.yaml'), ROLES);
    appendToken(join(dir, 'tokens.json'), { user: 'shop-ci', groups: [], role: 'operator', hash: hashToken(ciToken) });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startProvider({ users: USERS, redirectBase: base });
    await writeFile(join(dir, 'client-secret'), `${idp.clientSecret}\n`, { mode: 0o600 });
    [server, browser] = await Promise.all([
      startServe({
        cwd: dir,
        args: [
          '--policy', join(dir, 'policy.yaml'), '--db', join(dir, 'meridian.db'), '--tokens', join(dir, 'tokens.json'), '--port', String(port), '--work-dir', join(dir, 'work'),
          '--oidc-issuer', idp.issuer, '--oidc-client-id', idp.clientId, '--oidc-client-secret-file', join(dir, 'client-secret'), '--oidc-roles', join(dir, 'roles.yaml'),
        ],
      }),
      launchChromium(),
    ]);
    const started = await api('/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
    expect(started.status).toBe(201);
    releaseId = (started.body as { id: string }).id;
  }, 40_000);

  afterAll(async () => {
    try {
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close().catch(() => {});
    } finally {
      await killAll();
      await idp?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  it('goes back through the provider when the session ends between the page and its first question', async () => {
    const context = await freshContext();
    const page = await newPage(context);
    await signInAt(page, '/', USERS[0]!);
    // The page is served while the session holds; the script's GET /auth/session hears it has ended.
    await page.route(`${base}/auth/session`, (route) => route.fulfill({
      status: 200, contentType: 'application/json',
      body: JSON.stringify({ signedIn: false, problem: 'your dashboard session has expired or was ended; sign in again', signIn: '/auth/login' }),
    }));
    const toProvider = page.waitForRequest((r) => r.url().startsWith(`${base}/auth/login?next=`), SHOWN);
    await page.reload();
    expect(new URL((await toProvider).url()).searchParams.get('next')).toBe('/');
    await page.unroute(`${base}/auth/session`);
    await page.waitForURL(`${base}/`, SHOWN);
  });

  it('says at start where people sign in, without the client secret', () => {
    expect(server.output()).toContain(`  sign-in: ${idp.issuer} (client meridian; 2 group role(s) from ${join(dir, 'roles.yaml')}; sessions of 8 h; redirect URI ${base}/auth/callback)`);
    expect(server.output()).not.toContain(idp.clientSecret);
  });

  it('shows a non-member of the approver group no Approve button, and refuses the approval forged from the page', async () => {
    const page = await newPage(await freshContext());
    await signInAt(page, `/releases/${releaseId}`, USERS[1]!);
    await page.locator('.release').waitFor(SHOWN);
    expect(await page.locator('#who').textContent()).toBe('vic (viewer)');
    expect(await page.getByRole('button', { name: /approve/i }).count()).toBe(0);
    const answer = await page.evaluate(async (id) => {
      const me = (await (await fetch('/auth/session')).json()) as { csrfToken: string };
      const res = await fetch(`/api/v1/releases/${id}/approve`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken }, body: JSON.stringify({ ring: 'ring-1' }) });
      return { status: res.status, body: (await res.json()) as unknown };
    }, releaseId);
    expect(answer).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'vic is not an approver of ring-1' } } });
    // Without the CSRF token, the session cookie alone changes nothing.
    const bare = await page.evaluate(async (id) => (await fetch(`/api/v1/releases/${id}/approve`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ring: 'ring-1' }) })).status, releaseId);
    expect(bare).toBe(403);
    expect(await auditOf('release.approve ring-1')).toEqual([[`vic (Vic Viewer, subject u-2002 at ${idp.issuer})`, 'refused']]);
  });

  it('signs a member in through the provider, keeps them signed in in a new tab, and lets them approve from the page', async () => {
    const context = await freshContext();
    const page = await newPage(context);
    await signInAt(page, `/releases/${releaseId}`, USERS[0]!);
    await page.locator('.release').waitFor(SHOWN);
    expect(await page.locator('#who').textContent()).toBe('rita (operator)');
    expect(await page.locator('#sign-out').isVisible()).toBe(true);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'signed-in.png'), fullPage: true });

    // A pasted link in a new tab: signed in already, no trip to the provider.
    const tab = await newPage(context);
    await tab.goto(`${base}/`);
    await tab.locator('#who').filter({ hasText: 'rita (operator)' }).waitFor(SHOWN);
    expect(tab.url()).toBe(`${base}/`);
    await tab.close();

    await page.getByRole('button', { name: 'Approve ring-1' }).click();
    await page.locator('#confirm-ok').click();
    await page.locator('#confirm-dialog').waitFor({ state: 'hidden', ...SHOWN });
    expect(await auditOf('release.approve ring-1')).toEqual([[`vic (Vic Viewer, subject u-2002 at ${idp.issuer})`, 'refused'], [`rita (Rita Release, subject u-2001 at ${idp.issuer})`, 'ok']]);
    await page.getByRole('button', { name: 'Approve ring-1' }).waitFor({ state: 'detached', ...SHOWN });
  });

  it('sends a page whose session expired back through the provider, and signs out for good', async () => {
    const context = await freshContext();
    const page = await newPage(context);
    await signInAt(page, '/', USERS[0]!);
    // Signed in and its script started, before the session is aged.
    await page.locator('#who').filter({ hasText: 'rita (operator)' }).waitFor(SHOWN);
    const first = (await context.cookies(base)).find((c) => c.name === 'meridian_session')!;
    expect(first).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    // Age the session in the store past its hours, as eight hours would.
    const db = new Database(join(dir, 'meridian.db'));
    db.prepare('UPDATE sessions SET created_at = 0, expires_at = 1').run();
    db.close();
    // The page's next refresh (a tab coming back into view asks at once) is refused: the script goes
    // back through the provider, which still knows rita, and returns to the page with a new session.
    const sessionNow = async (): Promise<string | undefined> => (await context.cookies(base)).find((c) => c.name === 'meridian_session')?.value;
    // In front, so that the page is not hidden; the tab is told it is seen again until its script has asked.
    await page.bringToFront();
    const seenAgain = async (): Promise<string | undefined> => {
      if (page.url() === `${base}/`) await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange'))).catch(() => {});
      return sessionNow();
    };
    // Back through the provider: it signs rita in again at once while its own session lasts, or asks
    // for her password when it has let that session go.
    const back = async (): Promise<string> => {
      if (new URL(page.url()).origin === idp.issuer && (await page.locator('#idp-sign-in').count()) > 0) return 'asked';
      return (await seenAgain()) === first.value ? 'waiting' : 'signed-in';
    };
    await expect.poll(back, { timeout: 20_000, interval: 500 }).not.toBe('waiting');
    if ((await back()) === 'asked') {
      await page.locator('input[name=username]').fill(USERS[0]!.username);
      await page.locator('input[name=password]').fill(USERS[0]!.password);
      await page.locator('#idp-sign-in').click();
    }
    await expect.poll(sessionNow, { timeout: 10_000 }).not.toBe(first.value);
    expect(await sessionNow()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.waitForURL(`${base}/`, SHOWN);
    await page.locator('#who').filter({ hasText: 'rita (operator)' }).waitFor(SHOWN);
    expect((await auditOf('session.start')).filter(([who]) => who === 'rita').length).toBeGreaterThanOrEqual(3);

    await page.locator('#sign-out').click();
    await page.waitForURL(`${base}/auth/signed-out`, SHOWN);
    expect(await page.locator('#signed-out').textContent()).toContain('You are signed out of Meridian.');
    // The page itself may fetch nothing (its CSP); the browser's cookies, asked with its own request, are signed in no more.
    expect(await (await context.request.get(`${base}/auth/session`)).json()).toEqual({ signedIn: false, problem: null, signIn: '/auth/login' });
    expect((await context.cookies(base)).some((c) => c.name === 'meridian_session')).toBe(false);
    expect((await auditOf('session.end')).at(-1)).toEqual(['rita', 'ok']);
    expect(errors).toEqual([]);
  });
});
