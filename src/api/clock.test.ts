/** @module Tests of the server's clock as people and programs see it, on a real `meridian serve`
 * service on loopback (a memory store, the embedded default's simulated fleet): `GET /api/v1/clock`,
 * the banner of simulated time on every dashboard page, and the expected times of a release in its
 * view and on its page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReleaseView } from '../runtime/controller-types.ts';
import { startService, type RunningService } from '../runtime/service.ts';
import { appendToken, hashToken, newToken } from './tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tokensFile = join(dir, 'tokens.json');
const viewer = newToken();
appendToken(tokensFile, { user: 'vic', groups: [], role: 'viewer', hash: hashToken(viewer) });

let n = 0;
async function withService(timeScale: number, body: (s: RunningService) => Promise<void>): Promise<void> {
  const s = await startService({ store: { kind: 'memory' }, port: 0, host: '127.0.0.1', tokensFile, timeScale, workDir: join(dir, `work-${++n}`), log: () => {} });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

const get = (s: RunningService, path: string, token: string | null = viewer) => fetch(`${s.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /api/v1/clock', () => {
  it('answers a viewer with the server\'s clock and how much faster than real time it runs', async () => {
    await withService(600, async (s) => {
      const before = Date.now();
      const res = await get(s, '/api/v1/clock');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { now: string; timeScale: number };
      expect(body.timeScale).toBe(600);
      expect(Date.parse(body.now)).toBeGreaterThanOrEqual(before - 1000);
      expect(Object.keys(body)).toEqual(['now', 'timeScale']);
      expect((await get(s, '/api/v1/clock', null)).status).toBe(401);
    });
  });

  it('says 1 on the wall clock', async () => {
    await withService(1, async (s) => {
      expect(((await (await get(s, '/api/v1/clock')).json()) as { timeScale: number }).timeScale).toBe(1);
    });
  });
});

describe('the dashboard of a server in simulated time', () => {
  it('says so on every page, before anyone signs in', async () => {
    await withService(600, async (s) => {
      for (const path of ['/', '/releases', '/releases/nope']) {
        const page = await (await get(s, path, null)).text();
        expect(page).toMatch(/<p class="sim-time" id="sim-time" role="note">Simulated time: 600× faster than real time\. Times shown are virtual \(now <time id="server-now" datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>\)\.<\/p>/);
      }
    });
  });

  it('says nothing of the kind at real time', async () => {
    await withService(1, async (s) => {
      expect(await (await get(s, '/', null)).text()).not.toContain('Simulated time');
    });
  });
});

describe('the expected times of a release', () => {
  it('are in its view and on its page: each ring\'s deploy, approval and bake end, and GA', async () => {
    await withService(1, async (s) => {
      const { id } = await s.controller.start({ version: 'v2.1.0' }, { user: 'olga', groups: [], role: 'operator' });
      const view = (await (await get(s, `/api/v1/releases/${id}`)).json()) as ReleaseView;
      expect(view.rings.map((r) => Object.keys(r.eta ?? {}))).toEqual(view.rings.map(() => ['deployAt', 'approvalAt', 'bakeEndsAt']));
      // The embedded default: ring-3 waits for an approval, assumed given once ring-2's bake ends.
      expect(view.rings[2]!.eta!.approvalAt).toBe(view.rings[1]!.eta!.bakeEndsAt);
      expect(view.etaComplete).toBe(view.rings[2]!.eta!.bakeEndsAt);
      expect(view.etaAssumes).toContain('every approval is given when it is asked for');
      const page = await (await get(s, `/releases/${id}/fragment`)).text();
      expect(page).toContain('<dl class="ring-times">');
      expect(page).toMatch(/<p class="eta">GA expected <time datetime="[^"]+" title="[^"]+ UTC \(expected\)" data-rel="at">in \d+ d( \d+ h)?<\/time>/);
      expect(page).toMatch(/class="release"[^>]* data-now="\d+"/);
    });
  });
});
