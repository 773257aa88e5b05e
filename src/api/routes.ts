/**
 * @module The routes under /api/v1: parse, call the controller, answer JSON. No rollout rule
 * lives here: whether a release may start, an approver may approve or a ring may be rolled back
 * is the controller's (and the engine's) decision.
 */
import { Hono } from 'hono';
import type { ReleaseController } from '../runtime/controller-types.ts';
import type { Auth } from './auth.ts';
import { ApproveBody, EmptyBody, RollbackBody, StartBody, limitBody, readBody } from './body.ts';
import { streamReleaseEvents } from './events.ts';
import { guard, type ApiEnv } from './guard.ts';

export function apiRoutes(controller: ReleaseController, auth: Auth, opts: { heartbeatMs?: number } = {}): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  const allow = guard.bind(null, auth);
  api.use('*', limitBody);

  api.post('/releases', allow('operator', 'release.start'), async (c) => {
    const body = await readBody(c, StartBody);
    return c.json(await controller.start(body, c.get('actor')), 201);
  });
  api.get('/releases', allow('viewer', 'release.list'), async (c) => c.json(await controller.list()));
  api.get('/releases/:id', allow('viewer', 'release.get'), async (c) => c.json(await controller.get(c.req.param('id'))));
  api.get('/releases/:id/comparison', allow('viewer', 'release.comparison'), async (c) => c.json(await controller.comparison(c.req.param('id'))));
  api.get('/releases/:id/evaluations', allow('viewer', 'release.evaluations'), async (c) => {
    const q = (name: string): string | undefined => c.req.query(name);
    const query = { ring: q('ring'), gate: q('gate'), region: q('region'), limit: q('limit'), cursor: q('cursor') };
    return c.json(await controller.evaluations(c.req.param('id'), Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined))));
  });
  api.get('/releases/:id/events', allow('viewer', 'release.events'), (c) => streamReleaseEvents(c, controller, opts.heartbeatMs));

  // Any signed-in user may ask to approve; the controller decides whether they are an approver.
  api.post('/releases/:id/approve', allow('viewer', 'release.approve'), async (c) => {
    const id = c.req.param('id');
    const { ring } = await readBody(c, ApproveBody);
    await controller.approve(id, ring, c.get('actor'));
    return c.json(await controller.get(id));
  });
  api.post('/releases/:id/resume', allow('operator', 'release.resume'), async (c) => {
    const id = c.req.param('id');
    await readBody(c, EmptyBody);
    await controller.resume(id, c.get('actor'));
    return c.json(await controller.get(id));
  });
  api.post('/releases/:id/abort', allow('operator', 'release.abort'), async (c) => {
    const id = c.req.param('id');
    await readBody(c, EmptyBody);
    await controller.abort(id, c.get('actor'));
    return c.json(await controller.get(id));
  });
  api.post('/releases/:id/rollback', allow('operator', 'release.rollback'), async (c) => {
    const id = c.req.param('id');
    const { ring } = await readBody(c, RollbackBody);
    await controller.rollback(id, c.get('actor'), ring);
    return c.json(await controller.get(id));
  });

  api.get('/audit', allow('viewer', 'audit.read'), async (c) => c.json(await controller.audit()));
  api.get('/policy', allow('viewer', 'policy.read'), (c) => c.json({ policy: controller.policy, source: controller.policyText }));
  return api;
}
