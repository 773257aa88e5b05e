import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { startTestServer, type TestServer } from './test-server.test-helper.ts';

let s: TestServer;
let id: string;

beforeAll(async () => {
  s = await startTestServer();
  const started = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } });
  id = (started.body as { id: string }).id;
  await s.advance(90 * MINUTE);
});
afterAll(async () => s.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.tokens.victor}`, ...headers } });

describe('small answers on the wire', () => {
  it('compresses a release with gzip when the client accepts it, and the body is the same JSON', async () => {
    const plain = await (await get(`/api/v1/releases/${id}`, { 'accept-encoding': 'identity' })).text();
    expect(plain.length).toBeGreaterThan(1024);
    const zipped = await get(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(await zipped.text()).toBe(plain);
  });

  it('answers an unchanged release with 304 and no body, and a changed one with a new tag', async () => {
    const first = await get(`/api/v1/releases/${id}`);
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^(W\/)?"[^"]+"$/);
    const again = await get(`/api/v1/releases/${id}`, { 'if-none-match': tag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // The first ring's bake ends and the next one deploys: the release changed.
    await s.advance(2 * HOUR);
    const later = await get(`/api/v1/releases/${id}`, { 'if-none-match': tag! });
    expect(later.status).toBe(200);
    expect(later.headers.get('etag')).not.toBe(tag);
  });

  it('tags the plain body: a compressed answer carries the same tag, marked weak, and a client sending it back gets 304', async () => {
    const a = await get(`/api/v1/releases/${id}`, { 'accept-encoding': 'identity' });
    const b = await get(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip' });
    const strong = a.headers.get('etag')!;
    expect(b.headers.get('etag')).toBe(`W/${strong}`);
    const again = await get(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip', 'if-none-match': b.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('never compresses or tags the event stream, which must flow as it happens', async () => {
    const controller = new AbortController();
    const res = await fetch(`${s.url}/api/v1/releases/${id}/events`, { headers: { authorization: `Bearer ${s.tokens.victor}`, 'accept-encoding': 'gzip' }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/^(event|id|data|:)/m);
    controller.abort();
  });
});
