/**
 * @module The dashboard in real headless Chromium against a real server (the API with the dashboard
 * mounted, the real controller on a manual clock and fake ports): what a release engineer sees and
 * does, live, without reloading. Screenshots of each state go to test-results/dashboard/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardServer, type DashboardServer } from '../../src/api/dashboard/test-server.test-helper.ts';
import { HOUR, MINUTE } from '../../src/policy/duration.ts';
import { everyEvaluation } from '../../src/runtime/evaluation-page.ts';
import { accessibility, browserTestsRun, launchChromium, openPage, screenshot, type OpenPage } from './support/browser.ts';

const UPDATE = { timeout: 10_000 };

let browser: Browser;
let s: DashboardServer;
let opened: OpenPage[] = [];

async function open(as: 'alice' | 'dana' | 'victor' | null, path: string, size: { width?: number; height?: number } = {}): Promise<OpenPage> {
  const o = await openPage(browser, { ...(as ? { token: s.tokens[as] } : {}), ...size });
  opened.push(o);
  await o.page.goto(`${s.url}${path}`);
  if (as) await o.page.locator('.release, .releases, .fleet-page').first().waitFor(UPDATE);
  return o;
}

const ringCard = (page: Page, ring: string) => page.locator(`li.ring[data-ring="${ring}"]`);
const waitStatus = (page: Page, ring: string, status: string) => page.locator(`li.ring[data-ring="${ring}"][data-status="${status}"]`).waitFor(UPDATE);

/** Press Tab until the element `selector` has the focus; fails after `max` presses. */
async function tabTo(page: Page, selector: string, max = 30): Promise<number> {
  for (let n = 1; n <= max; n++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return n;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Ring 3 waits for approval after rings 0-2 baked (1 h + 2 h + 1 h) from T0. */
const TO_APPROVAL = 4 * HOUR + 10 * MINUTE;

describe.runIf(browserTestsRun('dashboard browser tests'))('the dashboard in Chromium', () => {
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });
  afterEach(async () => {
    const errors = opened.flatMap((o) => o.errors);
    for (const o of opened) await o.context.close();
    opened = [];
    await s?.close();
    expect(errors, 'errors in the page').toEqual([]);
  });

  it('shows ring 1 baking to a viewer who signs in by pasting a token, and keeps the token out of URLs and cookies', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(HOUR + 30 * MINUTE);
    const o = await open(null, `/releases/${id}`);
    const { page } = o;
    await page.getByText('Sign in to see this release.').waitFor();
    await page.locator('#sign-in').click();
    await page.locator('#token-input').fill('mrd_wrong');
    await page.locator('#signin-form button[type=submit]').click();
    await page.getByText('This token was not accepted.').waitFor();
    expect(o.errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    await page.locator('#token-input').fill(s.tokens.victor);
    await page.locator('#signin-form button[type=submit]').click();
    await waitStatus(page, 'ring-1', 'baking');

    expect(await page.locator('h1').textContent()).toBe('shop v2');
    expect(await page.locator('#who').textContent()).toBe('victor (viewer)');
    expect(await ringCard(page, 'ring-0').locator('.badge').textContent()).toBe('Passed');
    expect(await ringCard(page, 'ring-1').locator('.badge').textContent()).toBe('Baking');
    expect(await ringCard(page, 'ring-1').locator('.ring-detail').textContent()).toBe('1h32m left of 2h, until 2026-03-02 13:02 UTC');
    expect(await page.locator('table.world tr.on-new th').allTextContents()).toEqual(['internal', 'ap-south-1']);
    expect(await page.locator('.blast-label').textContent()).toBe('25% of users on v2');
    expect(await page.locator('button[data-action]').count()).toBe(0);

    const ax = await accessibility(page);
    expect(ax.unnamedButtons).toBe(0);
    expect(ax.headings.filter((h) => h.level === 1)).toEqual([{ level: 1, name: 'shop v2' }]);
    ax.headings.forEach((h, i) => { if (i > 0) expect(h.level, `heading "${h.name}"`).toBeLessThanOrEqual(ax.headings[i - 1]!.level + 1); });

    expect(o.requests.filter((u) => u.includes(s.tokens.victor))).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await screenshot(page, '1-ring-1-baking');
  });

  it('turns ring 2 red on a spike, then shows its failure and the rollback as they happen, without a reload', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(3 * HOUR + 20 * MINUTE);
    const { page } = await open('alice', `/releases/${id}`);
    await waitStatus(page, 'ring-2', 'baking');
    await page.evaluate(() => { (window as unknown as { stillHere: boolean }).stillHere = true; });

    // A 4-minute burst just before the next check: one check over the limit, not yet a failure.
    const checks = (await everyEvaluation(s.controller, id)).filter((e) => e.region === 'eu-west-1' && e.kind === 'interval');
    const next = Date.parse(checks.at(-1)!.at) + 10 * MINUTE;
    s.faults.push({ region: 'eu-west-1', from: next - 4 * MINUTE, to: next, value: 0.2 });
    await s.advance(next + MINUTE - s.clock.now());
    // A check that passes or fails alone is not an event: the page shows it on its next periodic
    // refresh, or at once when the engineer comes back to the tab.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.locator('figure.chart', { hasText: 'eu-west-1' }).getByText('1 over').waitFor(UPDATE);
    expect(await page.locator('table.comparison tr', { hasText: 'eu-west-1' }).locator('td.breach').textContent()).toMatch(/^▲ \d+\.\d\d% \(outside its gate\)$/);
    expect(await ringCard(page, 'ring-2').getAttribute('data-status')).toBe('baking');
    await screenshot(page, '2-ring-2-spike');

    s.faults.push({ region: 'eu-west-1', from: s.clock.now(), value: 0.05 });
    await s.advance(30 * MINUTE);
    await waitStatus(page, 'ring-2', 'rolled-back');
    await waitStatus(page, 'ring-1', 'rolled-back');
    expect(await ringCard(page, 'ring-2').getAttribute('class')).toBe('ring tone-bad');
    expect(await ringCard(page, 'ring-2').locator('.badge').textContent()).toBe('Failed, rolled back');
    expect(await ringCard(page, 'ring-3').locator('.badge').textContent()).toBe('Never deployed');
    expect(await page.locator('.summary .badge').textContent()).toBe('Rolled back');
    const events = await page.locator('table.events td code').allTextContents();
    expect(events.slice(0, 5)).toEqual(['ring.rollback.completed', 'ring.rollback.started', 'ring.rollback.completed', 'ring.rollback.started', 'ring.failed']);
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await screenshot(page, '3-ring-2-failed-rolled-back');
  });

  it('lets an approver approve ring 3 by clicking, after confirming in a dialog', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(TO_APPROVAL);
    const { page } = await open('dana', `/releases/${id}`);
    await waitStatus(page, 'ring-3', 'awaiting-approval');
    expect(await ringCard(page, 'ring-3').locator('.ring-detail').textContent()).toBe('approvers: alice, group:release-team');

    await page.getByRole('button', { name: 'Approve ring-3' }).click();
    const dialog = page.locator('#confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.locator('h2').textContent()).toBe('Approve ring-3?');
    await screenshot(page, '4-approve-dialog', false);
    await dialog.getByRole('button', { name: 'Approve ring-3' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitStatus(page, 'ring-3', 'deploying');
    await page.locator('table.audit tr', { hasText: 'release.approve ring-3' }).getByText('dana').waitFor(UPDATE);

    await s.advance(2 * MINUTE);
    await waitStatus(page, 'ring-3', 'baking');
    await s.advance(HOUR);
    await waitStatus(page, 'ring-3', 'passed');
    expect(await page.locator('.summary .badge').textContent()).toBe('Completed');
    expect(await page.locator('.blast-label').textContent()).toBe('100% of users on v2');
    await screenshot(page, '5-completed');
  });

  it('lets an operator roll back every ring on the new version, downstream first, after confirming', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(3 * HOUR + 20 * MINUTE);
    const { page } = await open('alice', `/releases/${id}`);
    await waitStatus(page, 'ring-2', 'baking');
    await page.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.locator('#confirm-dialog');
    expect(await dialog.locator('h2').textContent()).toBe('Roll back ring-2, ring-1, ring-0?');
    expect(await dialog.locator('#confirm-text').textContent()).toBe('Each ring goes back to v1, downstream first, by reverting its promotion.');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('table.events code', { hasText: 'rollback.requested' }).waitFor(UPDATE);
    await s.advance(10 * MINUTE);
    for (const ring of ['ring-0', 'ring-1', 'ring-2']) await waitStatus(page, ring, 'rolled-back');
    expect(await page.locator('.summary .badge').textContent()).toBe('Rolled back');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    expect(s.world.log.filter((l) => l.startsWith('rollback'))).toEqual(['rollback ring-2 to v1', 'rollback ring-1 to v1', 'rollback ring-0 to v1']);
  });

  it('shows a viewer no approve button, and refuses the request forged from the page with 403 and an audit entry', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(TO_APPROVAL);
    const o = await open('victor', `/releases/${id}`);
    const { page } = o;
    await waitStatus(page, 'ring-3', 'awaiting-approval');
    expect(await page.locator('button[data-action]').count()).toBe(0);

    const answer = await page.evaluate(async (releaseId) => {
      const res = await fetch(`/api/v1/releases/${releaseId}/approve`, {
        method: 'POST', body: JSON.stringify({ ring: 'ring-3' }),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('meridian.token')}` },
      });
      return { status: res.status, body: await res.json() };
    }, id);
    expect(answer).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'victor is not an approver of ring-3' } } });
    expect(o.errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 403 (Forbidden)']);
    await page.locator('table.audit tr.ev-bad', { hasText: 'victor' }).waitFor(UPDATE);
    expect(await page.locator('table.audit tr.ev-bad td').allTextContents()).toEqual(
      [expect.stringMatching(/UTC$/), 'victor', 'release.approve ring-3', 'refused', 'victor is not an approver of ring-3'],
    );
    expect(await ringCard(page, 'ring-3').getAttribute('data-status')).toBe('awaiting-approval');
    await screenshot(page, '6-viewer-refused');
  });

  it('works from the keyboard, and shows the API\'s refusal in the dialog when the action is no longer possible', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(TO_APPROVAL);
    const o = await open('alice', `/releases/${id}`);
    const { page } = o;
    await waitStatus(page, 'ring-3', 'awaiting-approval');
    expect(await tabTo(page, 'a.skip')).toBe(1);
    await tabTo(page, 'button[data-action="approve"]');
    await page.keyboard.press('Enter');
    await page.locator('#confirm-dialog').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-cancel'); // the safe choice first
    // Someone else approves first, while the dialog is open.
    await s.controller.approve(id, 'ring-3', { user: 'dana', groups: ['release-team'], role: 'operator' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-ok');
    await page.keyboard.press('Enter');
    await page.getByText('Refused: ring "ring-3" is not waiting for approval (it is deploying)').waitFor(UPDATE);
    expect(o.errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
    await screenshot(page, '7-refusal-in-dialog', false);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    await page.keyboard.press('Enter');
    await page.locator('#confirm-dialog').waitFor({ state: 'hidden' });
    await waitStatus(page, 'ring-3', 'deploying');
    expect(await page.locator('button[data-action="approve"]').count()).toBe(0);
  });

  it('reconnects after a server restart, with a badge while it is away, and carries on updating', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(HOUR + 30 * MINUTE);
    const o = await open('victor', `/releases/${id}`);
    const { page } = o;
    await waitStatus(page, 'ring-1', 'baking');
    const restarted = s.restart({ downMs: 2_000 });
    await page.locator('#conn').waitFor({ state: 'visible', ...UPDATE });
    expect(await page.locator('#conn').textContent()).toBe('reconnecting…');
    await screenshot(page, '8-reconnecting', false);
    await restarted;
    await page.locator('#conn').waitFor({ state: 'hidden', timeout: 15_000 });
    // Chromium logs the cut stream and the refused connections while the server is down.
    const away = o.errors.splice(0);
    expect(away.length).toBeGreaterThan(0);
    for (const e of away) expect(e).toMatch(/^Failed to load resource: net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE|CONNECTION_RESET)$/);
    await s.advance(2 * HOUR);
    await waitStatus(page, 'ring-2', 'baking');
    expect(await ringCard(page, 'ring-1').locator('.badge').textContent()).toBe('Passed');
  });

  it('fits a phone: no sideways scrolling at 390 px, on the release, the services and the list', async () => {
    s = await startDashboardServer();
    const id = await s.startRelease();
    await s.advance(TO_APPROVAL);
    const { page } = await open('dana', `/releases/${id}`, { width: 390, height: 844 });
    await waitStatus(page, 'ring-3', 'awaiting-approval');
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, '9-phone-release');
    await page.locator('a.brand').click();
    await page.locator('table.fleet').waitFor(UPDATE);
    expect(await page.locator('table.fleet tbody tr').count()).toBe(1);
    expect(await page.locator('table.fleet td[data-region="us-east-1"] .state').textContent()).toBe('waiting: awaiting approval');
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, '10-phone-fleet');
    await page.locator('nav.pages a', { hasText: 'Releases' }).click();
    await page.locator('table.list').waitFor(UPDATE);
    expect(await page.locator('table.list tbody tr').count()).toBe(1);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, '11-phone-list');
  });
});
