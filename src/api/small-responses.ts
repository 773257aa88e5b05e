/**
 * @module Answers that stay small on the wire: GET responses carry an ETag and are compressed
 * (gzip or deflate, as the client accepts, from 1 KiB of body), so a poll of an unchanged release or
 * a reload of a dashboard asset costs a 304 and no body. A server-sent event stream is neither:
 * compressing it would hold events back in the compressor, and an ETag would wait for a body that
 * never ends.
 *
 * Cheap per request, because a busy server answers the same few views many times a second: the
 * body is read once as bytes, tagged with one SHA-1 (of the plain body, so a client gets its 304
 * whichever encoding it asked for; marked weak on a compressed answer), and compressed at most once
 * per tag and encoding — the compressed bytes of recent tags are kept (COMPRESSED_CACHE_BYTES in
 * all), so an unchanged answer asked for again costs a hash and a copy, not a compressor. Small
 * bodies are compressed in one synchronous call (tens of microseconds, less than a trip to the
 * thread pool); large ones on the thread pool, so the event loop does not wait for them.
 */
import { hash } from 'node:crypto';
import { promisify } from 'node:util';
import { deflate, deflateSync, gzip, gzipSync } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';
import { parseAccept } from 'hono/utils/accept';
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/utils/compress';

/** Paths that stream (text/event-stream). */
const STREAMS = /\/events$/;
/** Bodies below this many bytes go as they are. */
export const COMPRESS_THRESHOLD = 1024;
/** Bodies from this many bytes are compressed on the thread pool; smaller ones on the spot. */
const SYNC_LIMIT = 64 * 1024;
/** How many bytes of compressed answers are kept for tags asked for again. */
export const COMPRESSED_CACHE_BYTES = 8 * 1024 * 1024;

type Encoding = 'gzip' | 'deflate';
/** Bytes on an ArrayBuffer of their own (what zlib returns), as a response body takes them. */
type Bytes = Buffer<ArrayBuffer>;
const ENCODINGS: readonly Encoding[] = ['gzip', 'deflate'];
const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);
const SYNC: Record<Encoding, (b: Bytes) => Bytes> = { gzip: (b) => gzipSync(b) as Bytes, deflate: (b) => deflateSync(b) as Bytes };
const ASYNC: Record<Encoding, (b: Bytes) => Promise<Bytes>> = { gzip: async (b) => (await gzipAsync(b)) as Bytes, deflate: async (b) => (await deflateAsync(b)) as Bytes };
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;
const VARY_ACCEPT_ENCODING = /(?:^|,)\s*accept-encoding\s*(?:,|$)/i;
/** What a 304 keeps of the answer it stands for (RFC 9110 §15.4.5). */
const KEPT_ON_304 = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'];

/** The encoding to answer in: gzip when the client takes it as readily as anything, else the one it prefers. */
function chooseEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  const accepts = parseAccept(header);
  const wildcard = accepts.find((a) => a.type === '*')?.q;
  let best: { encoding: Encoding; q: number } | null = null;
  for (const encoding of ENCODINGS) {
    const q = accepts.find((a) => a.type.toLowerCase() === encoding)?.q ?? wildcard ?? 0;
    if (q === 1) return encoding;
    if (q > 0 && (!best || q > best.q)) best = { encoding, q };
  }
  return best?.encoding ?? null;
}

/** Whether an If-None-Match header names `tag` (weak comparison, as for GET). */
function matches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.match(/"[^"]*"/g)?.includes(tag) ?? false;
}

/** Compressed bodies by encoding and tag, the least recently used dropped first. */
export class CompressedCache {
  readonly #entries = new Map<string, Bytes>();
  #bytes = 0;
  constructor(readonly limit: number) {}

  get(key: string): Bytes | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, body: Bytes): void {
    if (body.byteLength > this.limit / 4) return;
    const known = this.#entries.get(key);
    if (known) this.#bytes -= known.byteLength;
    this.#entries.delete(key);
    this.#entries.set(key, body);
    this.#bytes += body.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.limit) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength;
    }
  }
}

export interface SmallResponsesOptions {
  /** Bytes of compressed answers kept for tags asked for again (default COMPRESSED_CACHE_BYTES; 0: none). */
  cacheBytes?: number;
}

export function smallResponses(opts: SmallResponsesOptions = {}): MiddlewareHandler {
  const cache = new CompressedCache(opts.cacheBytes ?? COMPRESSED_CACHE_BYTES);
  const compressed = async (encoding: Encoding, tag: string | null, body: Bytes): Promise<Bytes> => {
    const key = tag === null ? null : `${encoding} ${tag}`;
    const known = key === null ? undefined : cache.get(key);
    if (known) return known;
    const out = body.byteLength < SYNC_LIMIT ? SYNC[encoding](body) : await ASYNC[encoding](body);
    if (key !== null) cache.set(key, out);
    return out;
  };

  return async (c, next) => {
    if (c.req.method !== 'GET' || STREAMS.test(c.req.path)) return next();
    await next();
    const res = c.res;
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 204 || res.status === 206 || res.status === 304 || res.headers.has('content-encoding') || type.startsWith('text/event-stream')) return;
    const body = Buffer.from(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    // Only a successful answer is tagged; one that brought its own tag keeps it.
    let tag = res.ok ? headers.get('etag') : null;
    if (res.ok && tag === null) {
      tag = `"${hash('sha1', body, 'base64url')}"`;
      headers.set('etag', tag);
    }
    const compressible = body.byteLength >= COMPRESS_THRESHOLD && COMPRESSIBLE_CONTENT_TYPE_REGEX.test(type) && !NO_TRANSFORM.test(headers.get('cache-control') ?? '');
    const encoding = compressible ? chooseEncoding(c.req.header('accept-encoding')) : null;
    if (compressible) {
      const vary = headers.get('vary');
      if (vary !== '*' && !(vary && VARY_ACCEPT_ENCODING.test(vary))) headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    }
    // A compressed answer is another representation of the same body: its tag is marked weak.
    if (encoding !== null && tag !== null && !tag.startsWith('W/')) headers.set('etag', `W/${tag}`);
    if (tag !== null && matches(c.req.header('if-none-match'), tag.replace(/^W\//, ''))) {
      const kept = new Headers();
      for (const name of KEPT_ON_304) {
        const v = headers.get(name);
        if (v !== null) kept.set(name, v);
      }
      return replace(c, new Response(null, { status: 304, headers: kept }));
    }
    if (encoding === null) return replace(c, new Response(body, { status: res.status, headers }));
    headers.set('content-encoding', encoding);
    return replace(c, new Response(await compressed(encoding, tag, body), { status: res.status, headers }));
  };
}

/**
 * Put `res` in place of the answer as it is: clearing the old one first keeps Hono from merging
 * the old headers into it and from turning its body back into a stream.
 */
function replace(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}
