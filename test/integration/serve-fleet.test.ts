/** @module A real `meridian serve --config DIR` process serving every service of a fleet: the
 * services list, paged release summaries, starts that name their service, operators whose token is
 * limited to some services (403 elsewhere, audited), stop-the-line freezes that hold matching rings
 * and survive a restart, and reloads (the API and SIGHUP) that are all or nothing.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/api/tokens.ts';
import type { FreezeView, Page, ReleaseSummary, ReleaseView, ServiceRow } from '../../src/runtime/controller-types.ts';
import { killAll, pollUntil, startServe, type ServeProcess } from './support/serve-process.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples/fleet');
let dir: string;
let config: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-serve-fleet-'));
  config = join(dir, 'config');
  await mkdir(config);
  for (const f of ['fleet.yaml', 'checkout.yaml', 'search.yaml', 'profile.yaml']) await copyFile(join(EXAMPLES, f), join(config, f));
  // Deploys at any hour, so the test does not depend on the time of day it runs at.
  const fleet = await readFile(join(config, 'fleet.yaml'), 'utf8');
  await writeFile(join(config, 'fleet.yaml'), fleet.replace('deploy: business-hours', 'deploy: always'));
  const entries = [
    { user: 'root', role: 'admin' }, { user: 'olga', role: 'operator' }, { user: 'sam', role: 'operator', services: ['search'] }, { user: 'victor', role: 'viewer' },
  ].map((e) => {
    tokens[e.user] = newToken();
    return { ...e, groups: [], hash: hashToken(tokens[e.user]!) };
  });
  await writeFile(join(dir, 'tokens.json'), JSON.stringify({ tokens: entries }), { mode: 0o600 });
});

afterEach(async () => killAll());
afterAll(async () => {
  await killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const serve = () => startServe({ args: ['--config', 'config', '--port', '0', '--tokens', 'tokens.json', '--db', 'fleet.db', '--time-scale', '600'], cwd: dir });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(server: ServeProcess, path: string, opts: { as?: string; method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${tokens[opts.as ?? 'olga']}`, 'content-type': 'application/json' },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

const waitFor = (server: ServeProcess, id: string, what: string, done: (v: ReleaseView) => boolean) => pollUntil(what, async () => {
  const v = (await call(server, `/api/v1/releases/${id}`)).body as ReleaseView;
  return { done: done(v) ? v : undefined, seen: JSON.stringify({ phase: v.phase, rings: v.rings.map((r) => r.status), last: v.events.at(-1) }) };
}, { timeoutMs: 15_000 });

describe('meridian serve --config DIR', () => {
  it('serves every service of the directory, asks which one a start is for, and limits scoped operators to their services', async () => {
    const server = await serve();
    expect(server.service).toBe('3 services');
    await server.waitForOutput(/services: checkout, profile, search/);
    const services = (await call(server, '/api/v1/services', { as: 'victor' })).body as { items: ServiceRow[] };
    expect(services.items.map((s) => [s.service, s.tier, s.fleet, s.release])).toEqual([['checkout', 1, 'prod', null], ['profile', 3, 'prod', null], ['search', 2, 'prod', null]]);

    expect(await call(server, '/api/v1/releases', { body: { version: 'v2' } })).toEqual({
      status: 400, body: { error: { code: 'bad_request', message: 'service: required, the server releases 3 services (checkout, profile, search)' } },
    });
    expect(await call(server, '/api/v1/releases', { as: 'sam', body: { service: 'checkout', version: 'v2' } })).toEqual({
      status: 403, body: { error: { code: 'forbidden', message: 'sam may change only search; not checkout' } },
    });
    const search = await call(server, '/api/v1/releases', { as: 'sam', body: { service: 'search', version: 'v8.0.0' } });
    expect(search.status).toBe(201);
    const checkout = await call(server, '/api/v1/releases', { body: { service: 'checkout', version: 'v2.1.0' } });
    expect(checkout.status).toBe(201);
    expect((await call(server, `/api/v1/releases/${checkout.body.id}/abort`, { as: 'sam', body: {} })).status).toBe(403);

    const first = (await call(server, '/api/v1/releases?limit=1', { as: 'victor' })).body as Page<ReleaseSummary>;
    expect(first.items.map((r) => [r.service, r.version])).toEqual([['checkout', 'v2.1.0']]);
    const second = (await call(server, `/api/v1/releases?limit=1&cursor=${first.next}`, { as: 'victor' })).body as Page<ReleaseSummary>;
    expect([second.items.map((r) => r.service), second.next]).toEqual([['search'], null]);
    expect((await call(server, '/api/v1/releases?service=search', { as: 'victor' })).body.items).toHaveLength(1);
    expect((await call(server, '/api/v1/releases?cursor=nope', { as: 'victor' })).body).toEqual({
      error: { code: 'bad_request', message: 'cursor "nope" was not issued for this list (start again without a cursor)' },
    });
    const audit = (await call(server, '/api/v1/audit', { as: 'victor' })).body as Array<{ actor: string; action: string; outcome: string }>;
    expect(audit.filter((e) => e.actor === 'sam').map((e) => `${e.action} ${e.outcome}`)).toEqual(['release.start refused', 'release.start ok', 'release.abort refused']);
    await server.stop('SIGTERM');
  });

  it('stops the line: a matching ring waits under a freeze, the freeze survives a restart, and its end lets the release go on', async () => {
    let server = await serve();
    expect((await call(server, '/api/v1/freezes', { body: { regions: ['internal'] } })).body).toEqual({ error: { code: 'bad_request', message: 'reason: required (expected string)' } });
    expect((await call(server, '/api/v1/freezes', { as: 'victor', body: { reason: 'x' } })).status).toBe(403);
    const started = await call(server, '/api/v1/freezes', { body: { reason: 'incident 4711', services: ['profile'] } });
    expect(started.status).toBe(201);
    const freeze = started.body.id as string;
    const { body: { id } } = await call(server, '/api/v1/releases', { body: { service: 'profile', version: 'v3' } });
    const held = await waitFor(server, id, 'profile ring-0 held by the freeze', (v) => v.events.some((e) => e.type === 'ring.waiting'));
    expect(held.events.filter((e) => e.type === 'ring.waiting').map((e) => `${e.ring}: ${e.detail}`)).toEqual(['ring-0: frozen: incident 4711']);
    expect([held.phase, held.freezes.map((f) => f.id)]).toEqual(['waiting', [freeze]]);

    await server.stop('SIGTERM');
    server = await serve();
    const freezes = (await call(server, '/api/v1/freezes', { as: 'victor' })).body as { items: FreezeView[] };
    expect(freezes.items.map((f) => [f.id, f.reason, f.services, f.startedBy])).toEqual([[freeze, 'incident 4711', ['profile'], 'olga']]);
    expect((await call(server, `/api/v1/releases/${id}`)).body.rings[0].status).toBe('waiting-window');

    expect((await call(server, `/api/v1/freezes/${freeze}`, { method: 'DELETE', body: {} })).body).toEqual({ items: [] });
    await waitFor(server, id, 'profile ring-0 deploying once the freeze ended', (v) => v.rings[0]!.status === 'baking');
    expect((await call(server, `/api/v1/freezes/${freeze}`, { method: 'DELETE', body: {} })).status).toBe(404);
    await server.stop('SIGTERM');
  });

  it('reloads all or nothing: a configuration with an error keeps the one in force and says what is wrong; a good one is taken, by the API and on SIGHUP', async () => {
    const server = await serve();
    await copyFile(join(config, 'search.yaml'), join(config, 'search-copy.yaml'));
    expect((await call(server, '/api/v1/config/reload', { body: {} })).status).toBe(403);
    const refused = await call(server, '/api/v1/config/reload', { as: 'root', body: {} });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^config\/search\.yaml:10:11: spec\.service\.name: service "search" already has a policy at config\/search-copy\.yaml:10 \(one policy per service\)$/);
    expect((await call(server, '/api/v1/services', { as: 'victor' })).body.items).toHaveLength(3);

    await rm(join(config, 'search-copy.yaml'));
    const billing = (await readFile(join(config, 'profile.yaml'), 'utf8')).replace(/name: profile/g, 'name: billing');
    await writeFile(join(config, 'billing.yaml'), billing);
    expect(await call(server, '/api/v1/config/reload', { as: 'root', body: {} })).toEqual({ status: 200, body: { services: ['billing', 'checkout', 'profile', 'search'] } });
    expect((await call(server, '/api/v1/releases', { body: { service: 'billing', version: 'v1' } })).status).toBe(201);

    await writeFile(join(config, 'ledger.yaml'), billing.replace(/name: billing/g, 'name: ledger'));
    server.kill('SIGHUP');
    await server.waitForOutput(/configuration reloaded: 5 service\(s\) \(billing, checkout, ledger, profile, search\)/);
    await writeFile(join(config, 'ledger.yaml'), 'kind: Nope\n');
    server.kill('SIGHUP');
    await server.waitForOutput(/configuration not reloaded; the one in force stays:\n.*config\/ledger\.yaml:1:7: kind: "Nope" is not Fleet or ReleasePolicy/);
    expect((await call(server, '/api/v1/services', { as: 'victor' })).body.items).toHaveLength(5);
    const audit = (await call(server, '/api/v1/audit', { as: 'victor' })).body as Array<{ actor: string; action: string; outcome: string }>;
    expect(audit.filter((e) => e.action === 'config.reload').map((e) => `${e.actor} ${e.outcome}`)).toEqual(['olga refused', 'root refused', 'root ok', 'SIGHUP ok']);
    await server.stop('SIGTERM');
  });
});
