/**
 * @module Answers that stay small on the wire: GET responses are compressed (gzip or deflate, as the
 * client accepts, above 1 KiB) and carry an ETag, so a poll of an unchanged release or a reload of
 * a dashboard asset costs a 304 and no body. A server-sent event stream is neither: compressing it
 * would hold events back in the compressor, and an ETag would wait for a body that never ends.
 */
import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { etag } from 'hono/etag';

/** Paths that stream (text/event-stream). */
const STREAMS = /\/events$/;

export function smallResponses(): MiddlewareHandler {
  const zip = compress();
  const tag = etag();
  return async (c, next) => {
    if (c.req.method !== 'GET' || STREAMS.test(c.req.path)) return next();
    // The tag is of the plain body (marked weak when the answer is compressed), so a client that
    // sends it back gets its 304 whichever encoding it asked for.
    await zip(c, async () => {
      await tag(c, next);
    });
  };
}
