/** @module Times on the dashboard in real headless Chromium against a real `meridian serve
 * --time-scale 600` process: every page says the time is simulated and what time it is there, the
 * banner's clock moves with the server's (ten virtual minutes a second) without a reload, a ring's
 * expected bake end reads "in 11 h 40 min" with its UTC time on hover and counts down in place, and
 * the home page's "baking, … left" keeps up too. Screenshots go to test-results/dashboard-time/.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import type { ReleaseView } from '../../src/runtime/controller-types.ts';
import { browserTestsRun, launchChromium, openPage, type OpenPage } from './support/browser.ts';
import { killAll, pollUntil, startServe, type ServeProcess } from './support/serve-process.ts';

/** Ten virtual minutes a second: the words of a 12-hour bake change every few seconds, the banner's minute ten times a second. */
const SCALE = 600;
const SHOWN = { timeout: 10_000 };

const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results/dashboard-time');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const POLICY = `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: webapp }
spec:
  service: { name: webapp, tier: 2 }
  regions:
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.25, capacity: 1.6, clusters: [{ name: ap-south-1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.30, capacity: 1.6, clusters: [{ name: eu-west-1 }] }
    - { name: us-east-1, timezone: America/New_York, userShare: 0.45, capacity: 1.4, clusters: [{ name: us-east-1 }] }
  rings:
    - { name: ring-1, regions: [ap-south-1], bake: 12h, gates: [error-rate], evidence: { coverPeak: false } }
    - { name: ring-2, regions: [eu-west-1], bake: 12h, gates: [error-rate] }
    - { name: ring-3, regions: [us-east-1], bake: 12h, gates: [error-rate], approval: { approvers: ["group:release-team"] } }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  windows: { deploy: always }
`;

const SCENARIO = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: all-healthy }
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0, changes: [app] }
  faults: []
`;

let dir: string;
let browser: Browser | undefined;
let server: ServeProcess;
const token = newToken();
const opened: OpenPage[] = [];

async function signedIn(url: string): Promise<OpenPage> {
  const o = await openPage(browser!, { token });
  opened.push(o);
  await o.page.goto(url);
  return o;
}

describe.runIf(browserTestsRun('dashboard time tests against meridian serve --time-scale'))('times on the dashboard of a server in simulated time', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-dashboard-time-'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    await writeFile(join(dir, 'scenario.yaml'), SCENARIO);
    appendToken(join(dir, 'tokens.json'), { user: 'rita', groups: ['release-team'], role: 'operator', hash: hashToken(token) });
    [server, browser] = await Promise.all([
      startServe({
        cwd: dir,
        args: ['--policy', join(dir, 'policy.yaml'), '--scenario', join(dir, 'scenario.yaml'), '--db', join(dir, 'meridian.db'), '--tokens', join(dir, 'tokens.json'),
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

  it('says the time is simulated, keeps the clock and every relative time moving, and shows the UTC time on hover', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${server.url}/api/v1/releases`, { method: 'POST', headers, body: JSON.stringify({ version: 'v2.1.0' }) });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    await pollUntil('ring-1 baking', async () => {
      const v = (await (await fetch(`${server.url}/api/v1/releases/${id}`, { headers })).json()) as ReleaseView;
      return { done: v.rings[0]!.status === 'baking' ? v : undefined, seen: v.rings.map((r) => r.status).join(', ') };
    }, { timeoutMs: 20_000, intervalMs: 100 });

    const { page, errors } = await signedIn(`${server.url}/releases/${id}`);
    const banner = page.locator('#sim-time');
    await banner.waitFor(SHOWN);
    expect(await banner.textContent()).toMatch(/^Simulated time: 600× faster than real time\. Times shown are virtual \(now \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/);

    // The bake end of ring 1, expected: words from the server's clock, its UTC time on hover.
    const bakeEnd = page.locator('li.ring[data-ring="ring-1"] .ring-times time').last();
    await bakeEnd.waitFor(SHOWN);
    expect(await bakeEnd.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC \(expected\)$/);
    const first = { clock: await page.locator('#server-now').textContent(), bakeEnd: await bakeEnd.textContent() };
    expect(first.bakeEnd).toMatch(/^in 1[01] h( \d+ min)?$/);
    // They move with the server's clock (10 virtual minutes a second); the banner is never fetched again, the script moves it.
    const shell = await page.locator('#sim-time').elementHandle();
    await pollUntil('the words to move', async () => {
      const now = { clock: await page.locator('#server-now').textContent(), bakeEnd: await bakeEnd.textContent() };
      return { done: now.clock !== first.clock && now.bakeEnd !== first.bakeEnd ? now : undefined, seen: JSON.stringify(now) };
    }, { timeoutMs: 8_000, intervalMs: 200 });
    expect(await shell!.evaluate((el) => el.isConnected)).toBe(true);
    expect(await page.locator('#server-now').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await screenshot(page, 'release');

    // The home page: the same banner, and the cell's time left counting down (scaled, the page is fetched afresh every 2 s).
    await page.goto(`${server.url}/`);
    const cell = page.locator('tr[data-service="webapp"] td[data-region="ap-south-1"] .state');
    await cell.waitFor(SHOWN);
    expect(await cell.textContent()).toMatch(/^baking, \d+ h( \d+ min)? left$/);
    const before = await cell.textContent();
    await pollUntil('the time left to move', async () => {
      const now = await cell.textContent();
      return { done: now !== before ? now : undefined, seen: now ?? '' };
    }, { timeoutMs: 8_000, intervalMs: 200 });
    expect(await page.locator('#sim-time').isVisible()).toBe(true);
    await screenshot(page, 'services');
    expect(errors).toEqual([]);
  });
});
