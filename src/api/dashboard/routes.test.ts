import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../policy/duration.ts';
import type { ReleaseController, ReleaseView, ServiceRow } from '../../runtime/controller-types.ts';
import { createAuth } from '../auth.ts';
import { hashToken, newToken } from '../tokens.ts';
import { dashboardRoutes } from './index.ts';
import { PEOPLE, startDashboardServer, type DashboardServer, type Person } from './test-server.test-helper.ts';

let s: DashboardServer;
beforeEach(async () => { s = await startDashboardServer(); });
afterEach(async () => { await s.close(); });

const get = async (path: string, as?: Person) => {
  const res = await fetch(`${s.url}${path}`, { headers: as ? { authorization: `Bearer ${s.tokens[as]}` } : {} });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

describe('the dashboard routes', () => {
  it('serve the page shells to anyone, with no release data in them and a strict content security policy', async () => {
    const id = await s.startRelease();
    for (const path of ['/', '/releases', `/releases/${id}`]) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.text).toContain('<script type="module" src="/assets/dashboard.js"></script>');
      expect(page.text).not.toContain('ring-0');
    }
    expect((await get(`/releases/${id}`)).text).toContain(`data-events="/api/v1/releases/${id}/events"`);
    expect((await get('/')).text).toContain('data-page="fleet" data-fragment="/fragment" data-events="/api/v1/events"');
    expect((await get('/releases')).text).toContain('data-page="list" data-fragment="/fragment/releases" data-events="/api/v1/events"');
  });

  it('serve fragments only to a signed-in viewer, with the same tokens as the API', async () => {
    const id = await s.startRelease();
    expect((await get(`/releases/${id}/fragment`)).status).toBe(401);
    expect((await get('/fragment')).status).toBe(401);
    const res = await fetch(`${s.url}/fragment`, { headers: { authorization: 'Bearer mrd_not-a-token' } });
    expect(res.status).toBe(401);
    expect((await get('/fragment/releases')).status).toBe(401);
    const home = await get('/fragment', 'victor');
    expect(home.status).toBe(200);
    expect(home.text).toContain(`href="/releases/${id}"`);
    expect(home.text).toContain('data-user="victor"');
    expect(home.headers.get('cache-control')).toBe('no-store');
  });

  it('render a release: ring statuses, versions, comparison, charts, events and audit', async () => {
    const id = await s.startRelease();
    await s.advance(HOUR + 30 * MINUTE);
    const { status, text } = await get(`/releases/${id}/fragment`, 'victor');
    expect(status).toBe(200);
    expect(text).toMatch(/data-ring="ring-0" data-status="passed"/);
    expect(text).toMatch(/data-ring="ring-1" data-status="baking"[\s\S]*?Baking[\s\S]*?1h32m left of 2h, until 2026-03-02 13:02 UTC/);
    expect(text).toContain('<span class="tag tag-new">new</span> <code>v2</code>');
    expect(text).toContain('<span class="tag tag-watch">Watch</span>');
    expect(text).toContain('<figure class="chart">');
    expect(text).toContain('<code>ring.deploy.started</code>');
    expect(text).toMatch(/<td>alice<\/td><td><code>release\.start<\/code><\/td><td>ok<\/td>/);
    expect(text).not.toContain('data-action=');
  });

  it('show an approver the approve button and a viewer none', async () => {
    const id = await s.startRelease();
    await s.advance(5 * HOUR);
    const approver = await get(`/releases/${id}/fragment`, 'dana');
    expect(approver.text).toContain('data-action="approve" data-ring="ring-3"');
    expect(approver.text).toContain('Waiting for approval');
    expect(approver.text).toContain('approvers: alice, group:release-team');
    expect((await get(`/releases/${id}/fragment`, 'victor')).text).not.toContain('data-action="approve"');
    expect((await get(`/releases/${id}/fragment`, 'root')).text).not.toContain('data-action="approve"');
  });

  it('escape what people typed: a user name with markup is text on the page (a version with markup is refused)', async () => {
    await expect(s.controller.start({ version: '<img src=x onerror=alert(1)>' }, { user: 'alice', groups: [], role: 'operator' })).rejects.toThrow('version: must not contain spaces');
    const { id } = await s.controller.start({ version: 'v2' }, { user: '<img src=x onerror=alert(1)>', groups: [], role: 'operator' });
    const { text } = await get(`/releases/${encodeURIComponent(id)}/fragment`, 'victor');
    expect(text).not.toContain('<img src=x');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('answer an unknown release with 404 and leave the API and its JSON errors alone', async () => {
    const missing = await get('/releases/nope/fragment', 'victor');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('There is no release <code>nope</code>');
    const api = await get('/api/v1/releases/nope', 'victor');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.text)).toEqual({ error: { code: 'not_found', message: 'release "nope" not found' } });
    expect(api.headers.get('content-security-policy')).toBeNull();
  });

  it('serve the stylesheet, the script and the icon with their types', async () => {
    expect((await get('/assets/dashboard.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('/assets/dashboard.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
    expect((await get('/assets/nope.js')).status).toBe(404);
  });

  it('pass the filters of the home page on to its fragment, which shows services × regions with each ring\'s state in words', async () => {
    const page = await get('/?service=shop&phase=running&region=&x=1');
    expect(page.text).toContain('data-fragment="/fragment?service=shop&amp;phase=running"');
    const id = await s.startRelease();
    await s.advance(HOUR + 30 * MINUTE);
    const { status, text } = await get('/fragment?service=shop', 'victor');
    expect(status).toBe(200);
    expect(text).toContain('<thead><tr><th scope="col">Service</th><th scope="col">internal</th><th scope="col">ap-south-1</th><th scope="col">eu-west-1</th><th scope="col">us-east-1</th></tr></thead>');
    expect(text).toContain(`<a class="rel" href="/releases/${id}"><code>v2</code> <span class="badge tone-active" data-phase="running">Running</span></a>`);
    expect(text).toContain('<td class="cell tone-ok on-new" data-region="internal" data-state="passed"><code>v2</code><span class="state">passed</span></td>');
    expect(text).toContain('<td class="cell tone-active on-new" data-region="ap-south-1" data-state="baking"><code>v2</code><span class="state">baking, 1 h 32 min left</span></td>');
    expect(text).toContain('<td class="cell" data-region="eu-west-1"><code>v1</code></td>');
    expect(text).toContain('<option value="shop" selected>shop</option>');
    expect((await get('/fragment?region=eu-west-1', 'victor')).text).toContain('<thead><tr><th scope="col">Service</th><th scope="col">eu-west-1</th></tr></thead>');
    expect((await get('/fragment?service=nope', 'victor')).text).toContain('No service matches these filters.');
    expect((await get('/fragment?phase=completed', 'victor')).text).toContain('No service matches these filters.');
  });

  it('show every release at /releases, newest first, a page at a time with a link to the next', async () => {
    const first = await s.startRelease();
    await s.controller.abort(first, { ...PEOPLE.alice, groups: [] });
    await s.advance(MINUTE);
    const second = await s.startRelease();
    const one = await get('/fragment/releases?limit=1', 'victor');
    expect(one.status).toBe(200);
    expect(one.text).toContain(`href="/releases/${second}"`);
    expect(one.text).not.toContain(`href="/releases/${first}"`);
    const next = /<a href="(\/releases\?limit=1&amp;cursor=[^"]+)" rel="next" class="next">Next page<\/a>/.exec(one.text);
    expect(next).not.toBeNull();
    const search = next![1]!.slice('/releases'.length);
    expect((await get(`/releases${search.replace(/&amp;/g, '&')}`)).text).toContain(`data-fragment="/fragment/releases${search}"`);
    const two = await get(`/fragment/releases${search.replace(/&amp;/g, '&')}`, 'victor');
    expect(two.text).toContain(`href="/releases/${first}"`);
    expect(two.text).toContain('<span class="badge tone-idle" data-phase="aborted">Aborted</span>');
    expect(two.text).toContain('First page');
    expect(two.text).not.toContain('Next page');
    const stale = await get('/fragment/releases?cursor=nonsense', 'victor');
    expect(stale.status).toBe(400);
    expect(stale.text).toContain('The first page');
  });

  it('put the freezes on top of every page, with the means to end them and to stop the line for operators only, and say on a release page that a freeze holds it', async () => {
    const alice = { ...PEOPLE.alice, groups: [] };
    await s.controller.startFreeze({ reason: 'incident <4711>', regions: ['eu-west-1'] }, alice);
    const id = await s.startRelease();
    for (const path of ['/fragment', '/fragment/releases', `/releases/${id}/fragment`]) {
      const operator = (await get(path, 'alice')).text;
      expect(operator, path).toContain('<strong class="freeze-reason">incident &lt;4711&gt;</strong>');
      expect(operator, path).toContain('<span class="freeze-scope">eu-west-1</span>');
      expect(operator, path).toContain('data-action="freeze-end"');
      expect(operator, path).toContain('<form id="freeze-form"');
      const viewer = (await get(path, 'victor')).text;
      expect(viewer, path).toContain('incident &lt;4711&gt;');
      expect(viewer, path).not.toContain('data-action="freeze-end"');
      expect(viewer, path).not.toContain('<form id="freeze-form"');
    }
    expect((await get(`/releases/${id}/fragment`, 'victor')).text).toContain('Held by a freeze: no ring of this release starts deploying until it ends.');
  });

  it('follow every release\'s events at /api/v1/events, for a signed-in viewer', async () => {
    expect((await fetch(`${s.url}/api/v1/events`)).status).toBe(401);
    const abort = new AbortController();
    const res = await fetch(`${s.url}/api/v1/events`, { headers: { authorization: `Bearer ${s.tokens.victor}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    const id = await s.startRelease();
    while (!seen.includes('ring.deploy.started')) seen += (await reader.read()).value ?? '';
    abort.abort();
    expect(seen).toMatch(/^: connected\n\n/);
    const first = JSON.parse(/^data: (.*)$/m.exec(seen)![1]!) as { releaseId: string; event: { type: string } };
    expect(first.releaseId).toBe(id);
    expect(seen).not.toMatch(/^id:/m);
  });
});

describe('the home page at 200 services', () => {
  it('reads the service rows once and one view per release in progress, never per cell', async () => {
    const regions = Array.from({ length: 25 }, (_, i) => `r${i}`);
    const rows: ServiceRow[] = Array.from({ length: 200 }, (_, i) => ({
      service: `svc-${i}`, tier: 2, fleet: 'prod', versions: Object.fromEntries(regions.map((r) => [r, 'v1'])),
      release: { id: `svc-${i}-v2`, service: `svc-${i}`, version: 'v2', previousVersion: 'v1', phase: i % 4 === 0 ? 'running' : 'completed', currentRing: null, startedAt: '2026-03-02T00:00:00.000Z', endedAt: null },
    }));
    const calls: string[] = [];
    const controller = {
      services: () => rows.map((r) => ({ service: r.service, policy: { spec: { regions: regions.map((name) => ({ name })) } } })),
      serviceRows: async () => { calls.push('serviceRows'); return rows; },
      freezes: async () => { calls.push('freezes'); return []; },
      get: async (id: string) => {
        calls.push(`get ${id}`);
        return { id, version: 'v2', phase: 'running', rings: [], events: [], freezes: [] } as unknown as ReleaseView;
      },
    } as unknown as ReleaseController;
    const token = newToken();
    const app = dashboardRoutes(controller, createAuth([{ user: 'vic', groups: [], role: 'viewer', hash: hashToken(token) }]));
    const res = await app.request('/fragment', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect((await res.text()).match(/<td class="cell/g)).toHaveLength(5000);
    expect(calls.filter((c) => c.startsWith('get '))).toHaveLength(50);
    expect(calls.filter((c) => !c.startsWith('get ')).sort()).toEqual(['freezes', 'serviceRows']);
    calls.length = 0;
    await app.request('/fragment?service=svc-4', { headers: { authorization: `Bearer ${token}` } });
    expect(calls.filter((c) => c.startsWith('get '))).toEqual(['get svc-4-v2']);
  });
});
