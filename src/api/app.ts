/**
 * @module The HTTP application served by `meridian serve`: /api/v1 (JSON, bearer tokens),
 * /healthz and /metrics. Build it with `createApp(controller, auth)` and serve it with
 * @hono/node-server; the dashboard is mounted on it by its own module. With `leadership`, a
 * replica that does not lead refuses every change (leadership.ts). GET answers are compressed and
 * tagged (small-responses.ts).
 */
import { Hono } from 'hono';
import type { ReleaseController } from '../runtime/controller-types.ts';
import type { Auth } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import type { ApiEnv } from './guard.ts';
import { leaderGuard, type Leadership } from './leadership.ts';
import type { SignIn } from './oidc/sign-in-routes.ts';
import { ApiMetrics } from './metrics.ts';
import { Refusals } from './refusals.ts';
import { apiRoutes, type ApiRouteOptions } from './routes.ts';
import { smallResponses } from './small-responses.ts';

export interface AppOptions {
  /** Where details of internal errors go (never to the client). Default: stderr. */
  log?: (line: string) => void;
  /** Interval of SSE heartbeat comments. Default 15 s. */
  heartbeatMs?: number;
  /** Include Node's process metrics in /metrics. Default true. */
  processMetrics?: boolean;
  /** Whether this replica may change releases now (several replicas on one store). Default: always. */
  leadership?: Leadership;
  /** Read the configuration again (`POST /api/v1/config/reload`). */
  reload?: ApiRouteOptions['reload'];
  /** A release's notification delivery log (`GET /api/v1/releases/{id}/notifications`). */
  notifications?: ApiRouteOptions['notifications'];
  /** Sign-in through the identity provider (oidc/sign-in-routes.ts); absent: bearer tokens only. */
  signIn?: SignIn;
}

export function createApp(controller: ReleaseController, auth: Auth, opts: AppOptions = {}): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const metrics = new ApiMetrics(controller, { processMetrics: opts.processMetrics ?? true });
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  app.use('*', metrics.middleware);
  app.use('*', smallResponses());
  installErrorHandling(app, log, new Refusals(controller, metrics.registry, { log }));
  // Dashboard sign-in through the identity provider: sessions for every route after it, and /auth/*
  // (ahead of the leader's guard: any replica signs people in and out).
  if (opts.signIn) {
    app.use('*', opts.signIn.middleware);
    app.route('/auth', opts.signIn.routes);
  } else {
    // The dashboard's script asks; tokens only: paste one.
    app.get('/auth/session', (c) => c.json({ signedIn: false, signIn: null }, 200, { 'Cache-Control': 'no-store' }));
  }
  if (opts.leadership) app.use('*', leaderGuard(auth, opts.leadership));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', async (c) => c.text(await metrics.scrape(), 200, { 'Content-Type': metrics.registry.contentType }));
  app.route('/api/v1', apiRoutes(controller, auth, { ...(opts.heartbeatMs === undefined ? {} : { heartbeatMs: opts.heartbeatMs }), ...(opts.reload ? { reload: opts.reload } : {}), ...(opts.notifications ? { notifications: opts.notifications } : {}) }));
  return app;
}
