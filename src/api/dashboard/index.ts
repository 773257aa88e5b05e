/**
 * @module The web dashboard: `dashboardRoutes(controller, auth)` is a Hono app serving the page
 * shells `/` (every service × region), `/releases` (every release, a page at a time) and
 * `/releases/:id`, their server-rendered fragments (`/fragment`, `/fragment/releases`,
 * `/releases/:id/fragment`, for a signed-in viewer: the same bearer tokens as the API), and
 * `/assets/*`. Mount it at the root beside the API. It only reads through the controller; every
 * action (approve, roll back, stop the line…) goes through the JSON API from the client script.
 */
import { Hono, type Context } from 'hono';
import { NotFoundError, UsageError } from '../../errors.ts';
import type { Actor, ReleaseController, ReleaseView } from '../../runtime/controller-types.ts';
import type { NotificationEntry } from '../../runtime/notifier-types.ts';
import { everyEvaluation } from '../../runtime/evaluation-page.ts';
import type { Auth } from '../auth.ts';
import { loadAssets } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import { activeRelease, fleetFilters, fleetFragment, filterQuery, visibleRows, type FleetService } from './fleet-view.ts';
import { shell } from './layout.ts';
import { LIST_PARAMS, releaseList, type ListQuery } from './list-fragment.ts';
import { releaseFragment } from './release-fragment.ts';

export interface DashboardOptions {
  /**
   * The controller's clock (time left in a bake, the "now" line of the charts). Default: the wall
   * clock, which is wrong when the controller runs in scaled or manual time.
   */
  now?: () => number;
  /** A release's notification delivery log, oldest first (its page's Notifications section). Default: none. */
  notifications?: (id: string) => readonly NotificationEntry[];
  /** How much faster than real time that clock runs (`serve --time-scale`); not 1: every page says so. Default 1. */
  timeScale?: number;
}

/** Nothing from elsewhere, no inline script or style: a token in sessionStorage is only as safe as the page. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function send(c: Context, body: SafeHtml, status: 200 | 400 | 401 | 404 = 200, fragment = false): Response {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' };
  if (fragment) headers.Vary = 'Authorization';
  return c.html(body.text, status, headers);
}

export function dashboardRoutes(controller: ReleaseController, auth: Auth, opts: DashboardOptions = {}): Hono {
  const app = new Hono();
  const now = opts.now ?? (() => Date.now());
  const clock = (): { now: number; timeScale: number } => ({ now: now(), timeScale: opts.timeScale ?? 1 });
  const service = (): string => {
    const all = controller.services();
    return all.length === 1 ? all[0]!.service : `${all.length} services`;
  };
  const assets = loadAssets();

  /** The signed-in viewer of a fragment request, or the 401 answer. */
  const viewer = (c: Context): Actor | Response => auth.authenticate(c.req.header('authorization'))
    ?? send(c, html`<p class="empty">Your token was not accepted. Sign in again.</p>`, 401, true);

  /** Every release's events: the home page and the list follow them. */
  const EVERY_EVENT = '/api/v1/events';

  app.get('/', (c) => send(c, shell({
    title: 'Services', service: service(), page: 'fleet', clock: clock(), fragment: `/fragment${filterQuery(fleetFilters((n) => c.req.query(n)))}`, events: EVERY_EVENT,
  })));

  // The services × regions table: the service rows, and one view per release in progress shown.
  app.get('/fragment', async (c) => {
    const actor = viewer(c);
    if (actor instanceof Response) return actor;
    const filters = fleetFilters((n) => c.req.query(n));
    const services: FleetService[] = controller.services().map((s) => ({ service: s.service, regions: s.policy.spec.regions.map((r) => r.name) }));
    const [rows, freezes] = await Promise.all([controller.serviceRows(), controller.freezes()]);
    const shown = visibleRows(rows, services, filters);
    const views = new Map<string, ReleaseView>();
    await Promise.all(shown.map(async (row) => {
      const id = activeRelease(row);
      if (id === null) return;
      try {
        views.set(id, await controller.get(id));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }));
    return send(c, fleetFragment({ services, rows: shown, views, freezes, filters, actor, now: now() }), 200, true);
  });

  const listQuery = (c: Context): ListQuery => {
    const q: ListQuery = {};
    for (const name of LIST_PARAMS) {
      const v = c.req.query(name)?.trim();
      if (v) q[name] = v;
    }
    return q;
  };

  app.get('/releases', (c) => {
    const search = new URLSearchParams(listQuery(c) as Record<string, string>).toString();
    return send(c, shell({ title: 'Releases', service: service(), page: 'list', clock: clock(), fragment: `/fragment/releases${search ? `?${search}` : ''}`, events: EVERY_EVENT }));
  });

  app.get('/fragment/releases', async (c) => {
    const actor = viewer(c);
    if (actor instanceof Response) return actor;
    const query = listQuery(c);
    try {
      const [page, freezes] = await Promise.all([controller.list(query), controller.freezes()]);
      return send(c, releaseList({ page, query, freezes, actor }), 200, true);
    } catch (e) {
      if (e instanceof UsageError) return send(c, html`<div class="releases" data-title="Releases"><p class="empty">${e.message}. <a href="/releases">The first page</a></p></div>`, 400, true);
      throw e;
    }
  });

  app.get('/releases/:id', (c) => {
    const id = c.req.param('id');
    const path = `/releases/${encodeURIComponent(id)}`;
    return send(c, shell({ title: `Release ${id}`, service: service(), page: 'release', clock: clock(), fragment: `${path}/fragment`, events: `/api/v1${path}/events`, release: id }));
  });

  app.get('/releases/:id/fragment', async (c) => {
    const actor = viewer(c);
    if (actor instanceof Response) return actor;
    const id = c.req.param('id');
    try {
      const view = await controller.get(id);
      const [comparison, audit, evaluations, freezes] = await Promise.all([controller.comparison(id), controller.audit(), everyEvaluation(controller, id), controller.freezes()]);
      return send(c, releaseFragment({ policy: controller.serviceOf(view.service).policy, view, evaluations, comparison, audit, freezes, actor, now: now(), notifications: opts.notifications?.(id) ?? [] }), 200, true);
    } catch (e) {
      if (e instanceof NotFoundError) return send(c, html`<p class="empty">There is no release <code>${id}</code>. <a href="/releases">Every release</a></p>`, 404, true);
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
