import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotLeaderError } from '../errors.ts';
import { installErrorHandling, type RefusalHooks } from './errors.ts';

/** An app whose one route throws `err`, and the refusals it would have audited. */
function throwing(err: unknown): { app: Hono; audited: string[] } {
  const audited: string[] = [];
  const hooks: RefusalHooks = { audit: async (_c, _e, message) => { audited.push(message); }, unauthenticated: () => {} };
  const app = new Hono();
  installErrorHandling(app, () => {}, hooks);
  app.post('/x', () => {
    throw err;
  });
  return { app, audited };
}

describe('errors as HTTP answers', () => {
  it('answers a change asked of a replica that does not lead with 503 not-leader naming the leader, and audits nothing', async () => {
    const { app, audited } = throwing(new NotLeaderError('db-1:4242'));
    const res = await app.request('/x', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'not-leader', message: 'this replica is not the leader; the leader is db-1:4242' } });
    expect(audited).toEqual([]);
  });

  it('answers a conflict with 409 and audits it', async () => {
    const { app, audited } = throwing(new ConflictError('service webapp already has a release in progress'));
    const res = await app.request('/x', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: 'conflict', message: 'service webapp already has a release in progress' } });
    expect(audited).toEqual(['service webapp already has a release in progress']);
  });
});
