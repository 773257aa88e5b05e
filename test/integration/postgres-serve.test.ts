/**
 * @module Two real `meridian serve --postgres URL` processes on one PostgreSQL database (a private
 * cluster), simulated providers at 600x: exactly one says it leads; the other serves the API
 * read-only (reads work and follow the release live; changes get 503 not-leader naming the leader);
 * killing the leader with SIGKILL mid-bake lets the other take the lock and carry the release on
 * without repeating a ring; the password never appears in either output; the audit log verifies.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PostgresStore } from '../../src/adapters/postgres/postgres-store.ts';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import type { ReleaseView } from '../../src/runtime/controller-types.ts';
import { describePostgres, startPostgres, type PostgresCluster } from './support/postgres.ts';
import { killAll, pollUntil, startServe, type ServeProcess } from './support/serve-process.ts';
import { shopPolicy } from './support/shop-policy.ts';

const POLICY = shopPolicy();

let cluster: PostgresCluster;
let dir: string;
let token: string;

const args = (workDir: string): string[] => [
  '--policy', join(dir, 'policy.yaml'), '--postgres', cluster.url, '--tokens', join(dir, 'tokens.json'),
  '--time-scale', '600', '--port', '0', '--work-dir', join(dir, workDir),
];

async function call(server: ServeProcess, path: string, init: { method?: string; body?: unknown; token?: string | null } = {}): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function view(server: ServeProcess, id: string): Promise<ReleaseView> {
  const r = await call(server, `/api/v1/releases/${id}`);
  expect(r.status).toBe(200);
  return r.body as ReleaseView;
}

const ringStatus = (v: ReleaseView, ring: string): string => v.rings.find((r) => r.name === ring)!.status;
const statuses = (v: ReleaseView): string => `${v.phase}: ${v.rings.map((r) => `${r.name} ${r.status}`).join(', ')}`;
const count = (v: ReleaseView, type: string, ring: string): number => v.events.filter((e) => e.type === type && e.ring === ring).length;

function until(server: ServeProcess, id: string, what: string, ready: (v: ReleaseView) => boolean): Promise<ReleaseView> {
  return pollUntil(what, async () => {
    const v = await view(server, id);
    if (v.phase === 'halted' || v.phase === 'rolled-back') throw new Error(`the release stopped while waiting for ${what}: ${statuses(v)} (${v.haltReason ?? ''})\n${server.output()}`);
    return { done: ready(v) ? v : undefined, seen: statuses(v) };
  }, { timeoutMs: 20_000, intervalMs: 50 });
}

/** Read a server-sent event stream in the background; the event types seen so far. */
function watchEvents(server: ServeProcess, id: string): { types: () => string[]; stop: () => void } {
  const controller = new AbortController();
  const types: string[] = [];
  void (async () => {
    const res = await fetch(`${server.url}/api/v1/releases/${id}/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) {
          const e = JSON.parse(data.slice(6)) as { type: string; ring?: string };
          types.push(e.ring ? `${e.type} ${e.ring}` : e.type);
        }
      }
    }
  })().catch(() => {});
  return { types: () => [...types], stop: () => controller.abort() };
}

describePostgres('meridian serve replicas on PostgreSQL', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'meridian-pg-serve-'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    token = newToken();
    appendToken(join(dir, 'tokens.json'), { user: 'olga', groups: [], role: 'operator', hash: hashToken(token), createdAt: new Date().toISOString() });
  }, 120_000);

  afterEach(async () => {
    await killAll();
  });

  afterAll(async () => {
    await killAll();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses --db with --postgres, and a --postgres that is not a PostgreSQL URL, as usage errors', async () => {
    const run = async (argv: string[]) => {
      const io = memoryIo();
      return { code: await main(argv, io), stderr: io.stderr() };
    };
    expect(await run(['serve', '--db', join(dir, 'x.db'), '--postgres', cluster.url])).toEqual({ code: 2, stderr: 'meridian: --db and --postgres: give one store, not both\n' });
    expect(await run(['serve', '--postgres', 'user=meridian password=hunter2'])).toEqual({ code: 2, stderr: 'meridian: --postgres: not a URL (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)\n' });
    expect(await run(['audit', 'verify', '--db', join(dir, 'x.db'), '--postgres', cluster.url])).toEqual({ code: 2, stderr: 'meridian: audit verify takes --db FILE or --postgres URL, not both\n' });
  });

  it('says which database it could not reach, or could not read, without the password', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const closed = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const io = memoryIo();
    const code = await main(['serve', '--postgres', `postgresql://meridian:${cluster.password}@127.0.0.1:${closed}/meridian`, '--port', '0'], io);
    expect({ code, stderr: io.stderr() }).toEqual({ code: 1, stderr: `meridian: postgresql://meridian:***@127.0.0.1:${closed}/meridian: connect ECONNREFUSED 127.0.0.1:${closed}\n` });

    const empty = await cluster.createDatabase(`empty_${process.pid}`);
    const audit = memoryIo();
    expect({ code: await main(['audit', 'verify', '--postgres', empty], audit), stderr: audit.stderr() }).toEqual({
      code: 2,
      stderr: `meridian: postgresql://meridian:***@127.0.0.1:${cluster.port}/empty_${process.pid}: not a meridian database (it has no meridian schema)\n`,
    });
  });

  it('runs releases on exactly one replica; when it is killed the other takes over and carries the release on', async () => {
    const [a, b] = await Promise.all([startServe({ cwd: dir, args: args('work-a') }), startServe({ cwd: dir, args: args('work-b') })]);
    const LEADS = /leader: this replica \((\S+)\) holds the leader lock and runs releases/;
    const WAITS = /leader: waiting for the leader lock \(the leader is [^)]+\); serving the API read-only until then/;
    // Each says which it is right after the line it is serving on.
    await Promise.all([a, b].map((s) => s.waitForOutput(/leader: (this replica|waiting)/)));
    const leaders = [a, b].filter((s) => LEADS.test(s.output()));
    expect(leaders, `${a.output()}\n---\n${b.output()}`).toHaveLength(1);
    const leader = leaders[0]!;
    const follower = leader === a ? b : a;
    expect(LEADS.exec(leader.output())![1]).toBe(`${hostname()}:${leader.pid}`);
    expect(follower.output()).not.toMatch(LEADS);
    // The follower may have looked before the leader wrote its name: it is named from then on.
    expect(follower.output()).toMatch(WAITS);
    for (const s of [a, b]) {
      expect(s.output()).toContain(`store: PostgreSQL at postgresql://meridian:***@127.0.0.1:${cluster.port}/meridian`);
      expect(s.output()).not.toContain(cluster.password);
    }

    // The follower reads, and refuses changes naming the leader; who is not signed in is told so first.
    expect(await call(follower, '/api/v1/releases')).toEqual({ status: 200, body: { items: [], next: null } });
    const refused = await call(follower, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
    expect(refused).toEqual({ status: 503, body: { error: { code: 'not-leader', message: `this replica is not the leader; the leader is ${hostname()}:${leader.pid}` } } });
    expect((await call(follower, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' }, token: null })).status).toBe(401);

    const started = await call(leader, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
    expect(started.status).toBe(201);
    const { id } = started.body as { id: string };
    // The follower sees the release as the leader records it, live events included.
    const stream = watchEvents(follower, id);
    const onRing1 = await until(follower, id, 'ring-1 baking, seen from the follower', (v) => ringStatus(v, 'ring-1') === 'baking');
    expect(ringStatus(onRing1, 'ring-0')).toBe('passed');
    await pollUntil('ring-0 passing on the follower\'s event stream', async () => ({ done: stream.types().includes('ring.passed ring-0') ? true : undefined, seen: stream.types().join(', ') }), { timeoutMs: 10_000 });

    // Kill the leader while ring-1 bakes.
    expect(await leader.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await follower.waitForOutput(/leader: this replica \(\S+\) took the leader lock and runs releases; 1 release\(s\) resumed/, 15_000);

    const onRing2 = await until(follower, id, 'ring-2 deploying or baking after the takeover', (v) => ['deploying', 'baking'].includes(ringStatus(v, 'ring-2')));
    expect(ringStatus(onRing2, 'ring-1')).toBe('passed');
    expect(['ring-0', 'ring-1', 'ring-2'].map((r) => count(onRing2, 'ring.deploy.started', r))).toEqual([1, 1, 1]);
    expect(['ring-0', 'ring-1'].map((r) => count(onRing2, 'ring.passed', r))).toEqual([1, 1]);
    expect(onRing2.events.filter((e) => e.type === 'release.started')).toHaveLength(1);
    // The stream opened before the takeover goes on with the new leader's events.
    await pollUntil('ring-2 deploying on the follower\'s event stream', async () => ({ done: stream.types().includes('ring.deploy.started ring-2') ? true : undefined, seen: stream.types().join(', ') }), { timeoutMs: 10_000 });
    stream.stop();

    // The new leader takes changes.
    const aborted = await call(follower, `/api/v1/releases/${id}/abort`, { method: 'POST', body: {} });
    expect(aborted.status).toBe(200);
    expect((aborted.body as ReleaseView).phase).toBe('aborted');

    expect(await follower.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(follower.output()).not.toContain(cluster.password);

    const io = memoryIo();
    expect({ code: await main(['audit', 'verify', '--postgres', cluster.url], io), stderr: io.stderr() }).toEqual({ code: 0, stderr: expect.stringMatching(/^audit log intact: [1-9]\d* entries\n$/) });

    // Time only moves forward across the takeover: every recorded input is at or after the one before.
    const store = await PostgresStore.open(cluster.url, { readonly: true });
    const times = (await store.inputs(id)).map(({ input }) => (input as { at: number }).at);
    await store.close();
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  }, 90_000);
});
