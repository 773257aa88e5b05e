/**
 * @module Real headless Chromium (Debian's `chromium` package) for browser tests, driven by
 * playwright-core: launch it, open signed-in pages, check what assistive technology sees through
 * Chromium's own accessibility tree, and save screenshots under test-results/ (ignored by git).
 * Without Chromium the tests fail under CI=true and are skipped elsewhere with one line saying so.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MERIDIAN_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test-results/dashboard');

/** Why browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set MERIDIAN_CHROMIUM)`;
}

/** Whether to run browser tests: always under CI=true (so a missing browser fails them), else only with Chromium. */
export function browserTestsRun(suite: string): boolean {
  const missing = chromiumMissing();
  if (!missing || process.env.CI === 'true') return true;
  console.warn(`${suite}: skipped, ${missing}`);
  return false;
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors (a CSP violation is one). */
  errors: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

/** A fresh context (its own storage), optionally signed in: the token put in sessionStorage as the sign-in dialog would. */
export async function openPage(browser: Browser, opts: { token?: string; width?: number; height?: number } = {}): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
  if (opts.token) await context.addInitScript((t) => sessionStorage.setItem('meridian.token', t), opts.token);
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => requests.push(r.url()));
  return { context, page, errors, requests };
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

interface AxNode {
  ignored: boolean;
  role?: { value?: string };
  name?: { value?: string };
  properties?: Array<{ name: string; value: { value?: unknown } }>;
}

/** What Chromium's accessibility tree says: buttons without a name, and the headings with their levels, in order. */
export async function accessibility(page: Page): Promise<{ unnamedButtons: number; headings: Array<{ level: number; name: string }> }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as unknown as { nodes: AxNode[] };
    const shown = nodes.filter((n) => !n.ignored);
    return {
      unnamedButtons: shown.filter((n) => n.role?.value === 'button' && !n.name?.value?.trim()).length,
      headings: shown.filter((n) => n.role?.value === 'heading').map((n) => ({
        level: Number(n.properties?.find((p) => p.name === 'level')?.value.value ?? 0),
        name: n.name?.value ?? '',
      })),
    };
  } finally {
    await cdp.detach();
  }
}
