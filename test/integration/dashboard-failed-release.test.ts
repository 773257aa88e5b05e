/**
 * @module A failed release's page in real headless Chromium, the failure driven by the simulated
 * fleet (src/sim) under the real controller on a virtual clock: v2.1.0's error rate goes to 3% in
 * eu-west-1 40 minutes after it lands there, the comparison gate fails ring-2, which is rolled back.
 * Once eu-west-1 is healthy again on v2.0.0, and after a restart, the page still says why ring-2
 * failed: the comparison table of that moment and the gate's charts around the failure, with the
 * words a screen reader reads. Screenshots in the light and dark themes and as printed go to
 * test-results/ (failed-release.png, the light one, is the README's).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/policy/duration.ts';
import { browserTestsRun, launchChromium, openPage, type OpenPage } from './support/browser.ts';
import { startSimDashboard, type SimDashboard } from './support/sim-dashboard.ts';

const SHOWN = { timeout: 10_000 };
const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../test-results');

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
    - { name: ring-1, regions: [ap-south-1], bake: 2h, gates: [error-rate, errors-vs-baseline], evidence: { coverPeak: false } }
    - { name: ring-2, regions: [eu-west-1], bake: 2h, gates: [error-rate, errors-vs-baseline], onFailure: { rollback: [ring-2] } }
    - { name: ring-3, regions: [us-east-1], bake: 1h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.05 }
    errors-vs-baseline: { compare: { metric: error_rate, maxIncrease: 0.005 } }
  windows: { deploy: always }
`;

/** Under the 5% threshold, far over the stable regions' 0.2% plus the 0.5-point band: the comparison catches it. */
const SCENARIO = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: ring-2-fails }
spec:
  start: "2026-03-02T08:00:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0, changes: [app] }
  faults:
    - { kind: error-rate, regions: [eu-west-1], value: 0.03, after: 40m }
`;

let browser: Browser;
let s: SimDashboard;
let id: string;
const opened: OpenPage[] = [];

async function open(colorScheme: 'light' | 'dark' = 'light'): Promise<OpenPage> {
  const o = await openPage(browser, { token: s.tokens.victor, width: 1280, height: 900 });
  opened.push(o);
  await o.page.emulateMedia({ colorScheme });
  await o.page.goto(`${s.url}/releases/${id}`);
  await o.page.locator('.failure').waitFor(SHOWN);
  return o;
}

/** The page from its top to the end of the failure's section: what the README shows. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const box = await page.locator('section[aria-labelledby="failure-h"]').boundingBox();
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box!.y + box!.height + 16) } });
}

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((x) => Number(x) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

interface Colours {
  text: string;
  page: string;
  plot: string;
  canary: string;
  baseline: string;
  limit: string;
  fail: string;
}

/** Computed colours of the page and of the evidence chart's lines. */
async function colours(page: Page): Promise<Colours> {
  return page.evaluate(() => {
    const fig = document.querySelector('.failure figure.chart-evidence')!;
    const style = (sel: string, prop: 'color' | 'backgroundColor' | 'stroke' | 'fill') => getComputedStyle(fig.querySelector(sel) ?? document.body)[prop];
    return {
      text: getComputedStyle(document.body).color,
      page: getComputedStyle(document.documentElement).backgroundColor,
      plot: style('rect.plot', 'fill'),
      canary: style('polyline.series', 'stroke'),
      baseline: style('polyline.baseline', 'stroke'),
      limit: style('polyline.band-line', 'stroke'),
      fail: style('text.mark-fail', 'fill'),
    };
  });
}

describe.runIf(browserTestsRun('failed release browser tests'))('a failed release\'s page in Chromium', () => {
  beforeAll(async () => {
    [s, browser] = await Promise.all([startSimDashboard(POLICY, SCENARIO), launchChromium()]);
    id = await s.startRelease();
    // ring-1 bakes 2 h from 08:05; ring-2 from 10:10, fails at 10:55 and is back on v2.0.0 at 11:00.
    await s.advance(4 * HOUR);
  }, 30_000);

  afterAll(async () => {
    for (const o of opened) await o.context.close().catch(() => {});
    await browser?.close();
    await s?.close();
  });

  it('keeps saying why ring-2 failed once eu-west-1 is healthy again on the old version', async () => {
    const { page, errors } = await open();
    expect(await page.locator('li.ring[data-ring="ring-2"] .badge').textContent()).toBe('Failed, rolled back');
    // Today's last hour shows eu-west-1 back on v2.0.0, a baseline like the others: nothing stands out any more.
    const today = page.locator('section[aria-labelledby="comparison-h"] table.comparison tr', { hasText: 'eu-west-1' });
    expect(await today.locator('td code').textContent()).toBe('v2.0.0');
    expect(await today.locator('td.breach').count()).toBe(0);

    const failure = page.locator('section[aria-labelledby="failure-h"]');
    expect(await failure.locator('h2').textContent()).toBe('Why ring-2 failed');
    expect(await failure.locator('.failure-what').textContent()).toMatch(/^ring-2 failed at 2026-03-02 10:55 UTC in eu-west-1: errors-vs-baseline: error_rate in eu-west-1 is higher than stable regions \(1\) beyond maxIncrease 0\.005: 0\.03\d* vs 0\.00\d+ over the last 5 min/);
    expect(await failure.locator('h3').allTextContents()).toEqual(['Comparison when it failed: the 5m to 10:55 UTC the verdict read', 'errors-vs-baseline around the failure, to the rollback']);
    // The table as it was then: eu-west-1 on v2.1.0, watched, its error rate outside the gate.
    const then = failure.locator('table.comparison tr', { hasText: 'eu-west-1' });
    expect(await then.locator('td').allTextContents().then((t) => t.slice(0, 3))).toEqual(['ring-2', 'v2.1.0', 'Watch']);
    expect(await then.locator('td.breach').textContent()).toMatch(/^▲ 3\.\d\d% \(outside its gate\)$/);
    expect(await failure.locator('table.comparison tr', { hasText: 'us-east-1' }).locator('td').nth(2).textContent()).toBe('Baseline');

    // The charts say in words what they show.
    const series = page.getByRole('img', { name: /^errors-vs-baseline in eu-west-1 around the failure of ring-2: / });
    expect(await series.getAttribute('aria-labelledby')).toBe('evidence-0');
    expect(await page.locator('#evidence-0').textContent()).toMatch(/^errors-vs-baseline in eu-west-1 around the failure of ring-2: 3\.\d\d% when it failed at 10:55 against baseline 0\.\d\d% \(stable regions \(us-east-1\)\), band \+0\.50% over the baseline; from 2026-03-02 09:05 UTC \(1h before the deploy\) to the rollback at 2026-03-02 11:00 UTC\.$/);
    expect(await page.locator('#evidence-1').textContent()).toMatch(/^errors-vs-baseline statistic in eu-west-1 around the failure of ring-2: it reached \d{3,}% of its limit \(the gate fails at 100%\) and failed the ring at 10:55\.$/);
    expect(await failure.locator('figure.chart-evidence').first().locator('text.mark-label').allTextContents()).toEqual(['deploy', 'fail · rollback']);
    // Every chart on the page has a name for assistive technology.
    const unnamed = await page.locator('svg[role="img"]').evaluateAll((svgs) => svgs.filter((svg) => !(svg.getAttribute('aria-label') ?? document.getElementById(svg.getAttribute('aria-labelledby') ?? '')?.textContent)?.trim()).length);
    expect(unnamed).toBe(0);
    // The comparison gate has charts of its own among the live ones too: its statistic against its limit.
    expect(await page.locator('section[aria-labelledby="charts-h"] figure.chart-statistic').count()).toBe(2);

    const light = await colours(page);
    expect(contrast(light.text, light.page)).toBeGreaterThanOrEqual(7);
    expect(contrast(light.canary, light.plot)).toBeGreaterThanOrEqual(3);
    expect(contrast(light.baseline, light.plot)).toBeGreaterThanOrEqual(3);
    await shoot(page, 'failed-release');
    expect(errors).toEqual([]);
  });

  it('is legible in the dark theme', async () => {
    const { page, errors } = await open('dark');
    const dark = await colours(page);
    expect(contrast(dark.page, 'rgb(0, 0, 0)')).toBeLessThan(1.5); // a dark page
    expect(contrast(dark.text, dark.page)).toBeGreaterThanOrEqual(7);
    for (const line of ['canary', 'baseline', 'limit', 'fail'] as const) expect(contrast(dark[line], dark.plot), line).toBeGreaterThanOrEqual(3);
    await shoot(page, 'failed-release-dark');
    expect(errors).toEqual([]);
  });

  it('prints the evidence black on white, without the controls', async () => {
    const { page, errors } = await open('dark');
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    const printed = await colours(page);
    expect(printed.page).toBe('rgb(255, 255, 255)');
    expect(printed.text).toBe('rgb(0, 0, 0)');
    expect(printed.plot).toBe('rgb(255, 255, 255)');
    expect(await page.locator('#sign-out').isVisible()).toBe(false);
    expect(await page.locator('section[aria-labelledby="failure-h"] figure.chart-evidence').count()).toBe(2);
    await shoot(page, 'failed-release-print');
    expect(errors).toEqual([]);
  });

  it('shows the same evidence after a restart, rebuilt from the store', async () => {
    const before = await s.controller.get(id);
    await s.restart();
    const after = await s.controller.get(id);
    expect(after.rings[1]!.failure).toEqual(before.rings[1]!.failure);
    const { page } = await open();
    expect(await page.locator('#evidence-0').textContent()).toContain('around the failure of ring-2');
  });
});
