import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../policy/duration.ts';
import { everyEvaluation } from '../runtime/evaluation-page.ts';
import { startTestServer, type TestServer } from './test-server.test-helper.ts';

let s: TestServer;
let id: string;
type PageBody = { items: Array<{ ring: string; gate: string; region: string; at: string; kind: string }>; next: string | null };

beforeAll(async () => {
  s = await startTestServer();
  const started = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } });
  id = (started.body as { id: string }).id;
  await s.advance(3 * HOUR);
});
afterAll(async () => s.close());

const page = async (query: string) => s.call(`/api/v1/releases/${id}/evaluations${query}`, { as: 'victor' });

describe('GET /api/v1/releases/{id}/evaluations', () => {
  it('pages every evaluation of the release, oldest first, the same ones the release holds', async () => {
    const all = await everyEvaluation(s.controller, id);
    expect(all.length).toBeGreaterThan(60);
    const seen: PageBody['items'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await page(`?limit=25${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      const body = r.body as PageBody;
      expect(body.items.length).toBeLessThanOrEqual(25);
      seen.push(...body.items);
      cursor = body.next;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(Math.ceil(all.length / 25));
    expect(seen).toEqual(all);
  });

  it('filters by ring, gate and region; 50 to a page unless told', async () => {
    const r = await page('?ring=ring-1&region=ap-south-1&gate=error-rate');
    const body = r.body as PageBody;
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.length).toBeLessThanOrEqual(50);
    expect(body.items.every((e) => e.ring === 'ring-1' && e.region === 'ap-south-1' && e.gate === 'error-rate')).toBe(true);
    expect((await page('?ring=ring-9')).body).toEqual({ items: [], next: null });
  });

  it('refuses a limit out of range and a cursor that was never issued, or issued for other filters, naming the parameter', async () => {
    expect(await page('?limit=0')).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: 'limit "0" must be a whole number from 1 to 500' } } });
    expect(await page('?limit=501')).toMatchObject({ status: 400, body: { error: { message: 'limit "501" must be a whole number from 1 to 500' } } });
    expect(await page('?cursor=bm9wZQ')).toMatchObject({ status: 400, body: { error: { message: 'cursor "bm9wZQ" was not issued for this list (start again without a cursor)' } } });
    const next = ((await page('?limit=5')).body as PageBody).next!;
    expect(await page(`?limit=5&cursor=${next}&ring=ring-1`)).toMatchObject({ status: 400, body: { error: { message: `cursor "${next.slice(0, 40)}" was not issued for this list (start again without a cursor)` } } });
  });

  it('is for signed-in people, and 404 for a release that is not there', async () => {
    expect((await s.call(`/api/v1/releases/${id}/evaluations`)).status).toBe(401);
    expect((await s.call('/api/v1/releases/nope/evaluations', { as: 'victor' })).status).toBe(404);
  });
});
