import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../policy/duration.ts';
import { startDashboardServer, type DashboardServer, type Person } from './test-server.test-helper.ts';

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
    for (const path of ['/', `/releases/${id}`]) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.text).toContain('<script type="module" src="/assets/dashboard.js"></script>');
      expect(page.text).not.toContain('ring-0');
    }
    expect((await get(`/releases/${id}`)).text).toContain(`data-events="/api/v1/releases/${id}/events"`);
  });

  it('serve fragments only to a signed-in viewer, with the same tokens as the API', async () => {
    const id = await s.startRelease();
    expect((await get(`/releases/${id}/fragment`)).status).toBe(401);
    expect((await get('/fragment')).status).toBe(401);
    const res = await fetch(`${s.url}/fragment`, { headers: { authorization: 'Bearer mrd_not-a-token' } });
    expect(res.status).toBe(401);
    const list = await get('/fragment', 'victor');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`href="/releases/${id}"`);
    expect(list.text).toContain('data-user="victor"');
    expect(list.headers.get('cache-control')).toBe('no-store');
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
});
