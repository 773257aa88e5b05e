/** @module The dashboard in real headless Chromium against real `meridian serve` processes on
 * loopback, on simulated providers in scaled time (240x): an operator signs in by pasting a token
 * and watches, without reloading, ring 1 bake, then ring 2 fail on an error-rate fault and roll
 * back while ring 3 is never deployed; a viewer, signed in in a fresh context on a second server
 * whose release waits for ring 3's approval, sees no action buttons and has an approval forged
 * from the page refused with 403. Complements the simulated-clock tests in dashboard.test.ts.
 * Screenshots go to test-results/dashboard-serve/.
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
import { killAll, startServe, type ServeProcess } from './support/serve-process.ts';

/**
 * Virtual time runs this many times faster than real time. With a 5-minute deploy and 30-minute
 * bakes, ring 1 bakes from about 1.3 s to 8.8 s after the start, ring 2 fails about 6 s later and
 * is rolled back by about 18 s; the second server's ring 3 waits for approval from about 18 s.
 */
const SCALE = 240;

/** How long the page may take to show what the server did (it follows the event stream, so: soon). */
const SHOWN = { timeout: 10_000 };
/** The bound on waiting for the whole failure story to play out, from ring 1 baking. */
const STORY = { timeout: 40_000 };

const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results/dashboard-serve');

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
    - { name: ring-1, regions: [ap-south-1], bake: 30m, gates: [error-rate], evidence: { coverPeak: false } }
    - { name: ring-2, regions: [eu-west-1], bake: 30m, gates: [error-rate], onFailure: { rollback: [ring-2] } }
    - { name: ring-3, regions: [us-east-1], bake: 30m, gates: [error-rate], approval: { approvers: ["group:release-team"] } }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  windows: { deploy: always }
`;

const scenario = (name: string, faults: string): string => `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: ${name} }
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0, changes: [app] }
  faults: ${faults}
`;

/** v2.1.0's error rate goes to 5% in eu-west-1 15 minutes after it lands there. */
const RING_2_FAILS = scenario('ring-2-fails', '\n    - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 15m }');
/** No faults: the release passes rings 1 and 2 and waits for ring 3's approval. */
const ALL_HEALTHY = scenario('all-healthy', '[]');

let dir: string;
let browser: Browser | undefined;
/** The server whose release fails in ring 2, and the one whose release waits for ring 3's approval. */
let story: ServeProcess;
let approvals: ServeProcess;
let waitingId: string;
const tokens = { operator: newToken(), viewer: newToken() };
const opened: OpenPage[] = [];

async function call(server: ServeProcess, path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? tokens.operator}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function startRelease(server: ServeProcess): Promise<string> {
  const r = await call(server, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return (r.body as { id: string }).id;
}

async function view(server: ServeProcess, id: string): Promise<ReleaseView> {
  const r = await call(server, `/api/v1/releases/${id}`);
  expect(r.status).toBe(200);
  return r.body as ReleaseView;
}

function serveArgs(name: string, scenarioFile: string): string[] {
  return [
    '--policy', join(dir, 'policy.yaml'), '--scenario', join(dir, scenarioFile), '--db', join(dir, `${name}.db`),
    '--tokens', join(dir, 'tokens.json'), '--time-scale', String(SCALE), '--port', '0', '--work-dir', join(dir, `work-${name}`),
  ];
}

/** A fresh browser context (its own sessionStorage) on `url`, signed in through the sign-in dialog by pasting `token`. */
async function signedIn(url: string, token: string): Promise<OpenPage> {
  const o = await openPage(browser!);
  opened.push(o);
  const { page } = o;
  await page.goto(url);
  await page.getByText('Sign in to see this release.').waitFor(SHOWN);
  await page.locator('#sign-in').click();
  await page.locator('#token-input').fill(token);
  await page.locator('#signin-form button[type=submit]').click();
  await page.locator('.release').waitFor(SHOWN);
  return o;
}

async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

const ringCard = (page: Page, ring: string) => page.locator(`li.ring[data-ring="${ring}"]`);
const ringIn = (page: Page, ring: string, status: string) => page.locator(`li.ring[data-ring="${ring}"][data-status="${status}"]`);

/** Record, in the page, each status ring `ring` is shown with as the live part is swapped (no repeats). */
async function recordStatuses(page: Page, ring: string): Promise<void> {
  await page.evaluate((r) => {
    const w = window as unknown as { shown: string[] };
    w.shown = [];
    const note = (): void => {
      const s = document.querySelector(`li.ring[data-ring="${r}"]`)?.getAttribute('data-status');
      if (s && w.shown.at(-1) !== s) w.shown.push(s);
    };
    note();
    new MutationObserver(note).observe(document.getElementById('live')!, { childList: true, subtree: true });
  }, ring);
}

describe.runIf(browserTestsRun('dashboard browser tests against meridian serve'))('the dashboard in Chromium against a real meridian serve', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-dashboard-serve-'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    await writeFile(join(dir, 'ring-2-fails.yaml'), RING_2_FAILS);
    await writeFile(join(dir, 'all-healthy.yaml'), ALL_HEALTHY);
    const file = join(dir, 'tokens.json');
    appendToken(file, { user: 'rita', groups: ['release-team'], role: 'operator', hash: hashToken(tokens.operator) });
    appendToken(file, { user: 'vic', groups: [], role: 'viewer', hash: hashToken(tokens.viewer) });
    [story, approvals, browser] = await Promise.all([
      startServe({ cwd: dir, args: serveArgs('story', 'ring-2-fails.yaml') }),
      startServe({ cwd: dir, args: serveArgs('approvals', 'all-healthy.yaml') }),
      launchChromium(),
    ]);
    // This release needs the same ~18 s to reach ring 3 as the story does to end: run them side by side.
    waitingId = await startRelease(approvals);
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

  it('shows an operator ring 1 baking, then ring 2 failing and rolling back as it happens, without a reload; ring 3 is never deployed', async () => {
    expect(story.service).toBe('webapp');
    expect(story.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const id = await startRelease(story);
    const releaseUrl = `${story.url}/releases/${id}`;
    const o = await signedIn(releaseUrl, tokens.operator);
    const { page } = o;

    await ringIn(page, 'ring-1', 'baking').waitFor(SHOWN);
    expect(await page.locator('h1').textContent()).toBe('webapp v2.1.0');
    expect(await page.locator('#who').textContent()).toBe('rita (operator)');
    expect(await ringCard(page, 'ring-1').locator('.badge').textContent()).toBe('Baking');
    expect(await ringCard(page, 'ring-1').locator('.ring-detail').textContent()).toMatch(/^([1-9]|[12]\d|30)m left of 30m, until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await ringCard(page, 'ring-2').locator('.badge').textContent()).toBe('Not started');
    expect(await ringCard(page, 'ring-3').locator('.badge').textContent()).toBe('Not started');
    expect(await page.locator('table.world tr.on-new th').allTextContents()).toEqual(['ap-south-1']);
    expect(await page.locator('.blast-label').textContent()).toBe('25% of users on v2.1.0');
    expect(await page.getByRole('button', { name: 'Roll back' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Abort' }).count()).toBe(1);
    await screenshot(page, '1-ring-1-baking');

    await page.evaluate(() => { (window as unknown as { stillHere: boolean }).stillHere = true; });
    await recordStatuses(page, 'ring-2');

    // Nothing is reloaded or clicked from here: the page follows the server's event stream.
    await ringIn(page, 'ring-2', 'rolled-back').waitFor(STORY);
    await page.locator('table.events tr', { hasText: 'ring.rollback.completed' }).waitFor(SHOWN);

    const ring2 = ringCard(page, 'ring-2');
    expect(await ring2.getAttribute('class')).toBe('ring tone-bad');
    expect(await ring2.locator('.badge').textContent()).toBe('Failed, rolled back');
    expect(await ring2.locator('.badge').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(179, 38, 30)'); // --bad
    expect(await ring2.locator('.ring-detail').textContent()).toMatch(/^error-rate: error_rate 0\.\d+ > max 0\.01 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\); back on v2\.0\.0$/);
    expect(await ringCard(page, 'ring-1').locator('.badge').textContent()).toBe('Passed');
    expect(await ringCard(page, 'ring-3').getAttribute('data-status')).toBe('pending');
    expect(await ringCard(page, 'ring-3').locator('.badge').textContent()).toBe('Never deployed');
    expect(await ringCard(page, 'ring-3').locator('.ring-detail').textContent()).toBe('an earlier ring failed; this ring was left untouched');
    expect(await page.locator('.summary .badge').textContent()).toBe('Rolled back');
    expect(await page.locator('table.world tr.on-new th').allTextContents()).toEqual(['ap-south-1']);

    const events = page.locator('table.events tbody tr');
    expect(await events.locator('td code').allTextContents().then((t) => t.slice(0, 4))).toEqual(['ring.rollback.completed', 'ring.rollback.started', 'ring.failed', 'gate.failed']);
    expect(await events.nth(0).locator('td').nth(2).textContent()).toBe('ring-2');
    expect(await events.nth(3).locator('td').nth(2).textContent()).toBe('ring-2 eu-west-1');
    // ap-south-1 is still on the new version: the page says so, and offers to finish the job.
    expect(await page.locator('.summary .alert').allTextContents()).toEqual([expect.stringMatching(/^ap-south-1 \(ring-1\) still runs v2\.1\.0; roll back with: meridian release rollback \S+ \[--ring ring-1\]$/)]);
    expect(await page.locator('button[data-action]').allTextContents()).toEqual(['Roll back']);
    expect(await page.locator('button[data-action]').getAttribute('data-question')).toBe('Roll back ring-1?');

    // Every state ring 2 went through arrived on this one page load, in order.
    const shown = await page.evaluate(() => (window as unknown as { shown: string[] }).shown);
    const order = ['pending', 'deploying', 'baking', 'rolling-back', 'rolled-back'];
    expect(shown.slice(-3), `ring-2 as shown: ${shown.join(' → ')}`).toEqual(['baking', 'rolling-back', 'rolled-back']);
    expect(shown.every((s, i) => i === 0 || order.indexOf(s) > order.indexOf(shown[i - 1]!)), `ring-2 as shown: ${shown.join(' → ')}`).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect(o.requests.filter((u) => u === releaseUrl)).toHaveLength(1);
    expect(await page.locator('#conn').isHidden()).toBe(true);
    await screenshot(page, '2-ring-2-failed-rolled-back');

    // The server agrees with the page.
    const v = await view(story, id);
    expect(v.phase).toBe('rolled-back');
    expect(v.rings.map((r) => [r.name, r.status, r.verdict])).toEqual([['ring-1', 'passed', 'passed'], ['ring-2', 'rolled-back', 'failed'], ['ring-3', 'pending', 'not-started']]);
    expect(v.rings.find((r) => r.name === 'ring-3')!.deployedAt).toBeNull();
    expect(o.errors).toEqual([]);
  }, 60_000);

  it('shows a viewer no action buttons where an approver sees them, and refuses the approval forged from the page with 403', async () => {
    const url = `${approvals.url}/releases/${waitingId}`;
    const operator = await signedIn(url, tokens.operator);
    await ringIn(operator.page, 'ring-3', 'awaiting-approval').waitFor(STORY);
    expect(await ringCard(operator.page, 'ring-2').locator('.badge').textContent()).toBe('Passed');
    expect(await ringCard(operator.page, 'ring-3').locator('.ring-detail').textContent()).toBe('approvers: group:release-team');
    for (const name of ['Approve ring-3', 'Roll back', 'Abort']) expect(await operator.page.getByRole('button', { name }).count(), name).toBe(1);
    await screenshot(operator.page, '3-approver-sees-actions');

    const o = await signedIn(url, tokens.viewer);
    const { page } = o;
    await ringIn(page, 'ring-3', 'awaiting-approval').waitFor(SHOWN);
    expect(await page.locator('#who').textContent()).toBe('vic (viewer)');
    for (const name of [/approve/i, /resume/i, /abort/i, /roll ?back/i]) expect(await page.getByRole('button', { name }).count(), String(name)).toBe(0);
    expect(await page.locator('button[data-action]').count()).toBe(0);

    const answer = await page.evaluate(async (releaseId) => {
      const res = await fetch(`/api/v1/releases/${encodeURIComponent(releaseId)}/approve`, {
        method: 'POST', body: JSON.stringify({ ring: 'ring-3' }),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('meridian.token')}` },
      });
      return { status: res.status, body: await res.json() as unknown };
    }, waitingId);
    expect(answer).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'vic is not an approver of ring-3' } } });
    expect(o.errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);

    // The refusal is in the audit log and the events, and the ring still waits.
    await page.locator('table.audit tr.ev-bad', { hasText: 'vic' }).waitFor(SHOWN);
    expect(await page.locator('table.audit tr.ev-bad td').allTextContents()).toEqual(
      [expect.stringMatching(/ UTC$/), 'vic', 'release.approve ring-3', 'refused', 'vic is not an approver of ring-3'],
    );
    await page.locator('table.events tr.ev-bad', { hasText: 'approval.rejected' }).waitFor(SHOWN);
    expect(await ringCard(page, 'ring-3').getAttribute('data-status')).toBe('awaiting-approval');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    await screenshot(page, '4-viewer-refused');

    const v = await view(approvals, waitingId);
    expect(v.rings.find((r) => r.name === 'ring-3')!.status).toBe('awaiting-approval');
    expect(v.rings.find((r) => r.name === 'ring-3')!.deployedAt).toBeNull();
    expect([...operator.errors, ...o.errors]).toEqual([]);
  }, 60_000);
});
