import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { COMPRESS_THRESHOLD, CompressedCache, smallResponses } from './small-responses.ts';
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

/** The bytes as sent, undecoded (fetch would decompress them). */
function raw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpGet(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.tokens.victor}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('what is compressed, and how', () => {
  it('sends an answer under 1 KiB as it is, tagged, whatever the client accepts', async () => {
    const r = await raw('/api/v1/freezes', { 'accept-encoding': 'gzip, deflate' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBeLessThan(COMPRESS_THRESHOLD);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers.etag).toMatch(/^"[^"]+"$/);
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({ items: [] });
  });

  it('uses deflate for a client that takes only deflate, and says Vary: Accept-Encoding either way', async () => {
    const deflated = await raw(`/api/v1/releases/${id}`, { 'accept-encoding': 'deflate' });
    expect(deflated.headers['content-encoding']).toBe('deflate');
    expect(deflated.headers.vary).toMatch(/accept-encoding/i);
    const plain = await raw(`/api/v1/releases/${id}`, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(inflateSync(deflated.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    expect(Number(deflated.headers['content-length'])).toBe(deflated.body.length);
  });

  it('sends the same compressed bytes for an unchanged answer asked for again', async () => {
    const a = await raw(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip' });
    const b = await raw(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip' });
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(b.body.equals(a.body)).toBe(true);
    expect(gunzipSync(b.body).length).toBeGreaterThan(COMPRESS_THRESHOLD);
  });

  it('answers a 304 with the tag the answer would carry, Vary, and nothing else of the answer', async () => {
    const first = await raw(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip' });
    const again = await raw(`/api/v1/releases/${id}`, { 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers.vary).toMatch(/accept-encoding/i);
    expect(again.headers['content-encoding']).toBeUndefined();
    expect(again.headers['content-type']).toBeUndefined();
  });

  it('tags only successful answers', async () => {
    const r = await raw('/api/v1/releases/nope', {});
    expect(r.status).toBe(404);
    expect(r.headers.etag).toBeUndefined();
  });

  it('compresses a large body (on the thread pool) to the same bytes once decompressed', async () => {
    const big = JSON.stringify({ items: Array.from({ length: 4000 }, (_, i) => ({ id: `release-${i}`, phase: 'running' })) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const app = new Hono().use(smallResponses()).get('/big', (c) => c.json(JSON.parse(big)));
    const zipped = await app.request('/big', { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('etag')).toMatch(/^W\/"[^"]+"$/);
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8')).toBe(big);
  });

  it('leaves an answer alone that says Cache-Control: no-transform, or that is already encoded', async () => {
    const body = 'x'.repeat(4096);
    const app = new Hono().use(smallResponses())
      .get('/as-is', (c) => c.text(body, 200, { 'Cache-Control': 'no-transform' }))
      .get('/encoded', (c) => c.body(gzipSync(body), 200, { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain' }));
    const asIs = await app.request('/as-is', { headers: { 'accept-encoding': 'gzip' } });
    expect(asIs.headers.get('content-encoding')).toBeNull();
    expect(await asIs.text()).toBe(body);
    const encoded = await app.request('/encoded', { headers: { 'accept-encoding': 'gzip' } });
    expect(encoded.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await encoded.arrayBuffer())).toString('utf8')).toBe(body);
  });
});

describe('the cache of compressed answers', () => {
  const bytes = (n: number) => Buffer.alloc(n) as Buffer<ArrayBuffer>;

  it('keeps at most its limit in bytes, dropping the least recently used first', () => {
    const cache = new CompressedCache(1000);
    cache.set('a', bytes(200));
    cache.set('b', bytes(200));
    cache.set('c', bytes(200));
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    cache.set('d', bytes(200));
    cache.set('e', bytes(200)); // 1,000 bytes: full, nothing dropped yet
    cache.set('f', bytes(200));
    expect(cache.get('b')).toBeUndefined();
    cache.set('g', bytes(200));
    expect(cache.get('c')).toBeUndefined();
    for (const k of ['a', 'd', 'e', 'f', 'g']) expect(cache.get(k)).toBeDefined();
  });

  it('does not keep a body over a quarter of its limit, so one answer cannot empty it', () => {
    const cache = new CompressedCache(1000);
    cache.set('small', bytes(100));
    cache.set('large', bytes(300));
    expect(cache.get('large')).toBeUndefined();
    expect(cache.get('small')).toBeDefined();
  });
});
