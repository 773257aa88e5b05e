/**
 * @module The web dashboard: `dashboardRoutes(controller, auth)` is a Hono app serving the page
 * shells `/` and `/releases/:id`, their server-rendered fragments (`/fragment`,
 * `/releases/:id/fragment`, for a signed-in viewer: the same bearer tokens as the API), and
 * `/assets/*`. Mount it at the root beside the API. It only reads through the controller; every
 * action goes through the JSON API from the client script.
 */
import { Hono, type Context } from 'hono';
import { NotFoundError } from '../../errors.ts';
import type { Actor, ReleaseController } from '../../runtime/controller-types.ts';
import { everyEvaluation } from '../../runtime/evaluation-page.ts';
import type { Auth } from '../auth.ts';
import { loadAssets } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import { shell } from './layout.ts';
import { releaseList } from './list-fragment.ts';
import { releaseFragment } from './release-fragment.ts';

export interface DashboardOptions {
  /**
   * The controller's clock (time left in a bake, the "now" line of the charts). Default: the wall
   * clock, which is wrong when the controller runs in scaled or manual time.
   */
  now?: () => number;
}

/** Nothing from elsewhere, no inline script or style: a token in sessionStorage is only as safe as the page. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function send(c: Context, body: SafeHtml, status: 200 | 401 | 404 = 200, fragment = false): Response {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' };
  if (fragment) headers.Vary = 'Authorization';
  return c.html(body.text, status, headers);
}

export function dashboardRoutes(controller: ReleaseController, auth: Auth, opts: DashboardOptions = {}): Hono {
  const app = new Hono();
  const now = opts.now ?? (() => Date.now());
  const service = (): string => {
    const all = controller.services();
    return all.length === 1 ? all[0]!.service : `${all.length} services`;
  };
  const assets = loadAssets();

  /** The signed-in viewer of a fragment request, or the 401 answer. */
  const viewer = (c: Context): Actor | Response => auth.authenticate(c.req.header('authorization'))
    ?? send(c, html`<p class="empty">Your token was not accepted. Sign in again.</p>`, 401, true);

  app.get('/', (c) => send(c, shell({ title: 'Releases', service: service(), page: 'list', fragment: '/fragment' })));

  app.get('/fragment', async (c) => {
    const actor = viewer(c);
    if (actor instanceof Response) return actor;
    const page = await controller.list();
    const views = await Promise.all(page.items.map((r) => controller.get(r.id)));
    return send(c, releaseList(views, actor), 200, true);
  });

  app.get('/releases/:id', (c) => {
    const id = c.req.param('id');
    const path = `/releases/${encodeURIComponent(id)}`;
    return send(c, shell({ title: `Release ${id}`, service: service(), page: 'release', fragment: `${path}/fragment`, events: `/api/v1${path}/events`, release: id }));
  });

  app.get('/releases/:id/fragment', async (c) => {
    const actor = viewer(c);
    if (actor instanceof Response) return actor;
    const id = c.req.param('id');
    try {
      const view = await controller.get(id);
      const [comparison, audit, evaluations] = await Promise.all([controller.comparison(id), controller.audit(), everyEvaluation(controller, id)]);
      return send(c, releaseFragment({ policy: controller.serviceOf(view.service).policy, view, evaluations, comparison, audit, actor, now: now() }), 200, true);
    } catch (e) {
      if (e instanceof NotFoundError) return send(c, html`<p class="empty">There is no release <code>${id}</code>. <a href="/">All releases</a></p>`, 404, true);
      throw e;
    }
  });

  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('not found', 404);
    return c.body(asset.body, 200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  });

  return app;
}
