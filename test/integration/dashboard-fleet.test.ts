/** @module The dashboard's home in real headless Chromium against a real `meridian serve --config DIR`
 * process: a Fleet of three regions and three services on simulated providers in scaled time
 * (240x). An operator signs in by pasting a token and sees services × regions; a release started
 * through the API shows in its cells without a reload; the operator stops the line from the page
 * (reason typed, confirmed) and sees the banner; a second release's first ring waits `frozen: …`
 * while the first one's bake goes on; ending the freeze from the page lets it go on. The filters
 * change the table in place and the browser's Back undoes them. A viewer sees the freezes but no
 * End button and no stop-the-line form. Screenshots go to test-results/dashboard-fleet/.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import type { FreezeView, ReleaseView, ServiceRow } from '../../src/runtime/controller-types.ts';
import { browserTestsRun, launchChromium, openPage, type OpenPage } from './support/browser.ts';
import { killAll, startServe, type ServeProcess } from './support/serve-process.ts';

/**
 * Virtual time runs this many times faster than real time: a ring deploys in about 1.3 s and bakes
 * its 2 h in 30 s, long enough for the page to be looked at while it bakes.
 */
const SCALE = 240;

/** How long the page may take to show what the server did: it follows every release's events, so well under the 15 s of its periodic refresh. */
const LIVE = { timeout: 5_000 };
const SHOWN = { timeout: 10_000 };

const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results/dashboard-fleet');

const FLEET = `apiVersion: meridian.dev/v1alpha1
kind: Fleet
metadata: { name: prod }
spec:
  regions:
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.25, capacity: 1.6, clusters: [{ name: ap-south-1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.30, capacity: 1.6, clusters: [{ name: eu-west-1 }] }
    - { name: us-east-1, timezone: America/New_York, userShare: 0.45, capacity: 1.4, clusters: [{ name: us-east-1 }] }
  windows: { deploy: always }
`;

const policy = (service: string, tier: number): string => `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: ${service} }
spec:
  service: { name: ${service}, tier: ${tier} }
  fleet: prod
  rings:
    - { name: ring-1, regions: [ap-south-1], bake: 2h, gates: [error-rate], evidence: { coverPeak: false } }
    - { name: ring-2, regions: [eu-west-1], bake: 2h, gates: [error-rate] }
    - { name: ring-3, regions: [us-east-1], bake: 2h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
`;

/** Every region starts on v2.0.0; no faults. */
const SCENARIO = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: healthy }
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0, changes: [app] }
  faults: []
`;

let dir: string;
let browser: Browser | undefined;
let server: ServeProcess;
const tokens = { operator: newToken(), viewer: newToken() };
const opened: OpenPage[] = [];

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? tokens.operator}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function startRelease(service: string): Promise<string> {
  const r = await call('/api/v1/releases', { method: 'POST', body: { service, version: 'v2.1.0' } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body as { id: string }).id;
}

/** A fresh browser context on the home page, signed in through the sign-in dialog by pasting `token`. */
async function signedIn(token: string): Promise<OpenPage> {
  const o = await openPage(browser!);
  opened.push(o);
  const { page } = o;
  await page.goto(`${server.url}/`);
  await page.getByText('Sign in to see the services.').waitFor(SHOWN);
  await page.locator('#sign-in').click();
  await page.locator('#token-input').fill(token);
  await page.locator('#signin-form button[type=submit]').click();
  await page.locator('table.fleet').waitFor(SHOWN);
  return o;
}

async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

const row = (page: Page, service: string) => page.locator(`table.fleet tr[data-service="${service}"]`);
const cell = (page: Page, service: string, region: string) => row(page, service).locator(`td[data-region="${region}"]`);
const cellIn = (page: Page, service: string, region: string, states: string[]) =>
  page.locator(states.map((s) => `table.fleet tr[data-service="${service}"] td[data-region="${region}"][data-state="${s}"]`).join(', '));

describe.runIf(browserTestsRun('dashboard fleet browser tests against meridian serve --config'))('the dashboard\'s services × regions in Chromium against meridian serve --config', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-dashboard-fleet-'));
    const config = join(dir, 'config');
    mkdirSync(config);
    await writeFile(join(config, 'fleet.yaml'), FLEET);
    await writeFile(join(config, 'checkout.yaml'), policy('checkout', 1));
    await writeFile(join(config, 'search.yaml'), policy('search', 2));
    await writeFile(join(config, 'profile.yaml'), policy('profile', 3));
    await writeFile(join(dir, 'healthy.yaml'), SCENARIO);
    const file = join(dir, 'tokens.json');
    appendToken(file, { user: 'rita', groups: ['release-team'], role: 'operator', hash: hashToken(tokens.operator) });
    appendToken(file, { user: 'vic', groups: [], role: 'viewer', hash: hashToken(tokens.viewer) });
    [server, browser] = await Promise.all([
      startServe({
        cwd: dir,
        args: ['--config', config, '--scenario', join(dir, 'healthy.yaml'), '--db', join(dir, 'meridian.db'), '--tokens', file,
          '--time-scale', String(SCALE), '--port', '0', '--work-dir', join(dir, 'work')],
      }),
      launchChromium(),
    ]);
  }, 40_000);

  afterAll(async () => {
    try {
      for (const o of opened) await o.context.close().catch(() => {});
      await browser?.close().catch(() => {});
    } finally {
      await killAll();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows an operator services × regions, a release as it moves, the line stopped from the page holding a second release, and the freeze ended letting it go on', async () => {
    expect(server.service).toBe('3 services');
    const o = await signedIn(tokens.operator);
    const { page } = o;
    expect(await page.locator('h1').textContent()).toBe('Services');
    expect(await page.locator('#who').textContent()).toBe('rita (operator)');
    expect(await page.locator('table.fleet thead th').allTextContents()).toEqual(['Service', 'ap-south-1', 'eu-west-1', 'us-east-1']);
    expect(await page.locator('table.fleet tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')))).toEqual(['checkout', 'profile', 'search']);
    expect(await row(page, 'checkout').locator('th').textContent()).toBe('checkout tier 1no release yet');
    expect(await page.locator('table.fleet td code').allTextContents()).toEqual(Array(9).fill('v2.0.0'));
    expect(await page.locator('.freezes-on').count()).toBe(0);
    await page.evaluate(() => { (window as unknown as { stillHere: boolean }).stillHere = true; });
    await screenshot(page, '1-fleet');

    // A release started elsewhere shows in its cells without a reload, soon.
    const checkout = await startRelease('checkout');
    await cellIn(page, 'checkout', 'ap-south-1', ['deploying', 'baking']).waitFor(LIVE);
    await cellIn(page, 'checkout', 'ap-south-1', ['baking']).waitFor(SHOWN);
    expect(await cell(page, 'checkout', 'ap-south-1').locator('code').textContent()).toBe('v2.1.0');
    expect(await cell(page, 'checkout', 'ap-south-1').locator('.state').textContent()).toMatch(/^baking, (2 h|1 h \d\d? min) left$/);
    expect(await cell(page, 'checkout', 'eu-west-1').textContent()).toBe('v2.0.0');
    const header = row(page, 'checkout').locator('th a.rel');
    expect(await header.getAttribute('href')).toBe(`/releases/${checkout}`);
    expect(await header.textContent()).toBe('v2.1.0 Running');
    await screenshot(page, '2-checkout-baking');

    // Stop the line from the page: the reason typed, then confirmed.
    await page.locator('details.stop-line > summary').click();
    await page.locator('#freeze-reason').fill('incident 4711');
    await page.locator('#freeze-form button[type=submit]').click();
    const dialog = page.locator('#confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.locator('h2').textContent()).toBe('Stop the line for everything?');
    expect(await dialog.locator('#confirm-text').textContent()).toBe('No ring of any service starts deploying until the freeze is ended; bakes, gates and rollbacks go on. Reason: “incident 4711”.');
    await screenshot(page, '3-stop-the-line-dialog', false);
    await dialog.getByRole('button', { name: 'Stop the line' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const banner = page.locator('.freezes-on');
    await banner.waitFor(LIVE);
    expect(await banner.locator('h2').textContent()).toBe('The line is stopped');
    expect(await banner.locator('.freeze-reason').textContent()).toBe('incident 4711');
    expect(await banner.locator('.freeze-scope').textContent()).toBe('everything');
    expect(await banner.locator('.freeze-who').textContent()).toMatch(/^started by rita at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.locator('#freeze-reason').inputValue()).toBe('');
    const freezes = (await call('/api/v1/freezes')).body as { items: FreezeView[] };
    expect(freezes.items.map((f) => [f.reason, f.startedBy, f.regions, f.services])).toEqual([['incident 4711', 'rita', [], []]]);

    // A second release waits for the freeze; the first one's bake goes on.
    const search = await startRelease('search');
    await cellIn(page, 'search', 'ap-south-1', ['waiting-window']).waitFor(LIVE);
    expect(await cell(page, 'search', 'ap-south-1').locator('.state').textContent()).toBe('waiting: frozen: incident 4711');
    expect(await cell(page, 'search', 'ap-south-1').locator('code').textContent()).toBe('v2.0.0');
    expect(await cell(page, 'checkout', 'ap-south-1').getAttribute('data-state')).toBe('baking');
    const held = (await call(`/api/v1/releases/${search}`)).body as ReleaseView;
    expect(held.freezes.map((f) => f.reason)).toEqual(['incident 4711']);
    await screenshot(page, '4-line-stopped');

    // End it from the page: the second release goes on.
    await banner.getByRole('button', { name: 'End the freeze “incident 4711”' }).click();
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.locator('h2').textContent()).toBe('End the freeze “incident 4711”?');
    await dialog.getByRole('button', { name: 'End' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await banner.waitFor({ state: 'detached', ...LIVE });
    await cellIn(page, 'search', 'ap-south-1', ['deploying', 'baking']).waitFor(LIVE);
    await cellIn(page, 'search', 'ap-south-1', ['baking']).waitFor(SHOWN);
    expect(await cell(page, 'search', 'ap-south-1').locator('code').textContent()).toBe('v2.1.0');
    expect(((await call('/api/v1/freezes')).body as { items: FreezeView[] }).items).toEqual([]);
    await screenshot(page, '5-line-going-again');

    // The filters change the table in place, and Back undoes them.
    await page.locator('#f-phase').selectOption('active');
    await page.waitForURL(`${server.url}/?phase=active`, LIVE);
    await page.locator('table.fleet tbody tr').nth(2).waitFor({ state: 'detached', ...LIVE });
    expect(await page.locator('table.fleet tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service')))).toEqual(['checkout', 'search']);
    await page.locator('#f-region').selectOption('ap-south-1');
    await page.waitForURL(`${server.url}/?phase=active&region=ap-south-1`, LIVE);
    await page.locator('table.fleet thead th', { hasText: 'eu-west-1' }).waitFor({ state: 'detached', ...LIVE });
    expect(await page.locator('table.fleet thead th').allTextContents()).toEqual(['Service', 'ap-south-1']);
    await page.goBack();
    await page.goBack();
    await page.locator('table.fleet tbody tr').nth(2).waitFor(LIVE);
    expect(await page.locator('#f-phase').inputValue()).toBe('');

    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect(o.requests.filter((u) => u === `${server.url}/`)).toHaveLength(1);
    const rows = (await call('/api/v1/services')).body as { items: ServiceRow[] };
    expect(rows.items.find((r) => r.service === 'search')!.versions['ap-south-1']).toBe('v2.1.0');
    expect(o.errors).toEqual([]);
  }, 60_000);

  it('shows a viewer the freezes in force but no End button and no stop-the-line form', async () => {
    const started = await call('/api/v1/freezes', { method: 'POST', body: { reason: 'db failover', regions: ['eu-west-1'] } });
    expect(started.status).toBe(201);
    const o = await signedIn(tokens.viewer);
    const { page } = o;
    expect(await page.locator('#who').textContent()).toBe('vic (viewer)');
    await page.locator('.freezes-on').waitFor(SHOWN);
    expect(await page.locator('.freezes-on .freeze-reason').textContent()).toBe('db failover');
    expect(await page.locator('.freezes-on .freeze-scope').textContent()).toBe('eu-west-1');
    expect(await page.locator('#freeze-form, details.stop-line').count()).toBe(0);
    expect(await page.getByRole('button', { name: /stop the line|end/i }).count()).toBe(0);
    await screenshot(page, '6-viewer');
    const ended = await call(`/api/v1/freezes/${(started.body as { id: string }).id}`, { method: 'DELETE' });
    expect(ended.status).toBe(200);
    expect(o.errors).toEqual([]);
  }, 30_000);
});
