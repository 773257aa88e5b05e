/**
 * @module Two real `meridian serve --config DIR --postgres URL` replicas on one PostgreSQL database:
 * a freeze started on the leader holds a matching ring and is read on the follower; the follower
 * refuses freezes and starts with 503 not-leader; when the leader is killed, the other takes over
 * with the freeze still in force, the release still held, and a scoped operator still limited;
 * ending the freeze there lets the release go on. Paging reads the same on both.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/api/tokens.ts';
import type { Page, ReleaseSummary, ReleaseView } from '../../src/runtime/controller-types.ts';
import { describePostgres, startPostgres, type PostgresCluster } from './support/postgres.ts';
import { killAll, pollUntil, startServe, type ServeProcess } from './support/serve-process.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples/fleet');
let cluster: PostgresCluster;
let dir: string;
const tokens: Record<string, string> = {};

const args = (workDir: string): string[] => [
  '--config', join(dir, 'config'), '--postgres', cluster.url, '--tokens', join(dir, 'tokens.json'), '--time-scale', '600', '--port', '0', '--work-dir', join(dir, workDir),
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(server: ServeProcess, path: string, opts: { as?: string; method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${tokens[opts.as ?? 'olga']}`, 'content-type': 'application/json' },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const until = (server: ServeProcess, id: string, what: string, done: (v: ReleaseView) => boolean) => pollUntil(what, async () => {
  const v = (await call(server, `/api/v1/releases/${id}`)).body as ReleaseView;
  return { done: done(v) ? v : undefined, seen: JSON.stringify({ phase: v.phase, rings: v.rings.map((r) => r.status), last: v.events.at(-1) }) };
}, { timeoutMs: 20_000, intervalMs: 50 });

describePostgres('meridian serve --config replicas on PostgreSQL', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'meridian-pg-fleet-'));
    await mkdir(join(dir, 'config'));
    for (const f of ['fleet.yaml', 'checkout.yaml', 'search.yaml', 'profile.yaml']) await copyFile(join(EXAMPLES, f), join(dir, 'config', f));
    const fleet = await readFile(join(dir, 'config', 'fleet.yaml'), 'utf8');
    await writeFile(join(dir, 'config', 'fleet.yaml'), fleet.replace('deploy: business-hours', 'deploy: always'));
    const entries = [{ user: 'olga', role: 'operator' }, { user: 'sam', role: 'operator', services: ['search'] }].map((e) => {
      tokens[e.user] = newToken();
      return { ...e, groups: [], hash: hashToken(tokens[e.user]!) };
    });
    await writeFile(join(dir, 'tokens.json'), JSON.stringify({ tokens: entries }), { mode: 0o600 });
  }, 120_000);

  afterEach(async () => killAll());
  afterAll(async () => {
    await killAll();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('keeps freezes, scoped rights and pages across replicas and a takeover', async () => {
    const [a, b] = await Promise.all([startServe({ cwd: dir, args: args('work-a') }), startServe({ cwd: dir, args: args('work-b') })]);
    await Promise.all([a, b].map((s) => s.waitForOutput(/leader: (this replica|waiting)/)));
    const leader = /holds the leader lock/.test(a.output()) ? a : b;
    const follower = leader === a ? b : a;

    const { body: { id: freeze } } = await call(leader, '/api/v1/freezes', { body: { reason: 'incident 4711', services: ['profile'] } });
    expect((await call(follower, '/api/v1/freezes')).body.items.map((f: { id: string }) => f.id)).toEqual([freeze]);
    expect((await call(follower, '/api/v1/freezes', { body: { reason: 'again' } })).status).toBe(503);
    expect((await call(follower, `/api/v1/freezes/${freeze}`, { method: 'DELETE', body: {} })).status).toBe(503);

    const { body: { id } } = await call(leader, '/api/v1/releases', { body: { service: 'profile', version: 'v3' } });
    const search = await call(leader, '/api/v1/releases', { as: 'sam', body: { service: 'search', version: 'v8' } });
    expect(search.status).toBe(201);
    await until(follower, id, 'profile held on the follower', (v) => v.events.some((e) => e.type === 'ring.waiting' && e.detail === 'frozen: incident 4711'));
    const page = (await call(follower, '/api/v1/releases?limit=1')).body as Page<ReleaseSummary>;
    expect(page.items.map((r) => r.service)).toEqual(['search']);
    expect(((await call(follower, `/api/v1/releases?limit=1&cursor=${page.next}`)).body as Page<ReleaseSummary>).items.map((r) => r.id)).toEqual([id]);

    leader.kill('SIGKILL');
    await leader.exited;
    await follower.waitForOutput(/took the leader lock and runs releases/, 20_000);
    expect((await call(follower, '/api/v1/freezes')).body.items.map((f: { reason: string }) => f.reason)).toEqual(['incident 4711']);
    expect((await call(follower, `/api/v1/releases/${id}`)).body.rings[0].status).toBe('waiting-window');
    expect(await call(follower, '/api/v1/releases', { as: 'sam', body: { service: 'checkout', version: 'v2' } })).toEqual({
      status: 403, body: { error: { code: 'forbidden', message: 'sam may change only search; not checkout' } },
    });
    expect((await call(follower, `/api/v1/freezes/${freeze}`, { method: 'DELETE', body: {} })).body).toEqual({ items: [] });
    await until(follower, id, 'profile ring-0 baking once the freeze ended on the new leader', (v) => v.rings[0]!.status === 'baking');
    await follower.stop('SIGTERM');
  }, 90_000);
});
