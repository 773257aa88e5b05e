/**
 * @module The routes under /api/v1: parse, call the controller, answer JSON. No rollout rule
 * lives here: whether a release may start, an approver may approve or a ring may be rolled back
 * is the controller's (and the engine's) decision.
 */
import { Hono, type Context } from 'hono';
import { ConflictError } from '../errors.ts';
import type { Actor, Page, ReleaseController } from '../runtime/controller-types.ts';
import type { NotificationEntry, NotificationQuery } from '../runtime/notifier-types.ts';
import type { Auth } from './auth.ts';
import { ApproveBody, EmptyBody, FreezeBody, RollbackBody, limitBody, readBody } from './body.ts';
import { StartWithForceFields } from '../policy/forced-start.ts';
import { streamAllEvents, streamReleaseEvents } from './events.ts';
import { guard, type ApiEnv } from './guard.ts';

export interface ApiRouteOptions {
  heartbeatMs?: number;
  /** Read the configuration again and put it in force (`POST /config/reload`); absent: 409. */
  reload?: (actor: Actor) => Promise<{ services: string[] }>;
  /** One page of a release's notification delivery log (`GET /releases/{id}/notifications`); absent: always empty. */
  notifications?: (id: string, query: NotificationQuery) => Page<NotificationEntry>;
}

/** The query parameters named, those given. */
function queryOf<K extends string>(c: Context, names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const v = c.req.query(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export function apiRoutes(controller: ReleaseController, auth: Auth, opts: ApiRouteOptions = {}): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  const allow = guard.bind(null, auth);
  // Only requests that carry a body are read for its size: a GET is not made to build the whole request.
  api.use('*', async (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  api.post('/releases', allow('operator', 'release.start'), async (c) => {
    // `force` with a reason starts a version that failed for the service (the controller decides).
    const body = await readBody(c, StartWithForceFields);
    return c.json(await controller.start(body, c.get('actor')), 201);
  });
  api.get('/releases', allow('viewer', 'release.list'), async (c) => c.json(await controller.list(queryOf(c, ['service', 'phase', 'limit', 'cursor'] as const))));
  api.get('/services', allow('viewer', 'service.list'), async (c) => c.json({ items: await controller.serviceRows() }));
  api.get('/releases/:id', allow('viewer', 'release.get'), async (c) => c.json(await controller.get(c.req.param('id'))));
  api.get('/releases/:id/comparison', allow('viewer', 'release.comparison'), async (c) => c.json(await controller.comparison(c.req.param('id'))));
  api.get('/releases/:id/evaluations', allow('viewer', 'release.evaluations'), async (c) => {
    return c.json(await controller.evaluations(c.req.param('id'), queryOf(c, ['ring', 'gate', 'region', 'limit', 'cursor'] as const)));
  });
  api.get('/releases/:id/notifications', allow('viewer', 'release.notifications'), async (c) => {
    const id = c.req.param('id');
    await controller.get(id); // 404 for a release that is not there
    const query = queryOf(c, ['limit', 'cursor'] as const);
    return c.json(opts.notifications ? opts.notifications(id, query) : { items: [], next: null });
  });
  api.get('/releases/:id/events', allow('viewer', 'release.events'), (c) => streamReleaseEvents(c, controller, opts.heartbeatMs));
  api.get('/events', allow('viewer', 'release.events'), (c) => streamAllEvents(c, controller, opts.heartbeatMs));

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
  // Stop the line: freezes people start and end.
  api.get('/freezes', allow('viewer', 'freeze.list'), async (c) => c.json({ items: await controller.freezes() }));
  api.post('/freezes', allow('operator', 'freeze.start'), async (c) => {
    const body = await readBody(c, FreezeBody);
    return c.json(await controller.startFreeze(body, c.get('actor')), 201);
  });
  api.delete('/freezes/:id', allow('operator', 'freeze.end'), async (c) => {
    await readBody(c, EmptyBody);
    await controller.endFreeze(c.req.param('id'), c.get('actor'));
    return c.json({ items: await controller.freezes() });
  });

  api.post('/config/reload', allow('admin', 'config.reload'), async (c) => {
    await readBody(c, EmptyBody);
    if (!opts.reload) throw new ConflictError('this server has no configuration to read again');
    return c.json(await opts.reload(c.get('actor')));
  });

  /** The policy of one service (`?service=`; may be left out when the server has one). */
  api.get('/policy', allow('viewer', 'policy.read'), (c) => {
    const s = controller.serviceOf(c.req.query('service'));
    return c.json({ service: s.service, fleet: s.fleet, file: s.file, policy: s.policy, source: s.text });
  });
  return api;
}
