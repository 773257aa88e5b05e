/** @module Tests of the service `meridian serve` runs, in-process on loopback: on a memory store
 * (the simulated fleet of the embedded default policy), and two replicas sharing one store and a
 * lock held in memory, to see the one that does not lead refuse changes and take over.
 */
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendToken, hashToken, newToken } from '../api/tokens.ts';
import { UsageError } from '../errors.ts';
import type { ReleaseView } from './controller-types.ts';
import { MemoryStore } from './memory-store.ts';
import type { LeaderLease, StoreLocation } from './open-store.ts';
import { startService, type RunningService } from './service.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tokensFile = join(dir, 'tokens.json');
const operator = newToken();
const viewer = newToken();
appendToken(tokensFile, { user: 'olga', groups: [], role: 'operator', hash: hashToken(operator) });
appendToken(tokensFile, { user: 'vic', groups: [], role: 'viewer', hash: hashToken(viewer) });

let n = 0;

function start(store: StoreLocation, logs: string[] = [], port = 0): Promise<RunningService> {
  return startService({ store, port, host: '127.0.0.1', tokensFile, timeScale: 1, workDir: join(dir, `work-${++n}`), leaderCheckMs: 20, log: (line) => logs.push(line) });
}

async function call(s: RunningService, path: string, init: { method?: string; body?: unknown; token?: string | null } = {}): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? operator}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** One lock that replicas in this process take turns holding. */
function lockTable(): (identity: string) => LeaderLease {
  let holder: string | null = null;
  return (identity) => ({
    identity,
    acquire: async () => {
      holder ??= identity;
      return holder === identity;
    },
    holdsLock: async () => holder === identity,
    leader: async () => holder,
    onLost: () => () => {},
    release: async () => {
      if (holder === identity) holder = null;
    },
  });
}

async function until(what: string, ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ready()) throw new Error(`timed out waiting for ${what}`);
}

describe('the service', () => {
  it('serves the API, /healthz and the dashboard on the store it is given, and says what it serves', async () => {
    const s = await start({ kind: 'memory' });
    try {
      expect(s.describe[0]).toBe(`meridian serving webapp at ${s.url} (dashboard ${s.url}/, API ${s.url}/api/v1)`);
      expect(s.describe).toContain('  store: memory (nothing survives the process)');
      expect(s.describe).toContain(`  tokens: 2 in ${tokensFile}`);
      expect(s.describe.some((l) => l.startsWith('  leader:'))).toBe(false);
      expect(s.isLeader()).toBe(true);
      expect((await call(s, '/healthz', { token: null })).status).toBe(200);
      expect((await fetch(`${s.url}/`)).status).toBe(200);
      const started = await call(s, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
      expect(started.status).toBe(201);
    } finally {
      await s.close();
    }
  });

  it('refuses a port already in use as a usage error, and gives up the lock it took', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const lease = lockTable()('here:1');
    try {
      await expect(start({ kind: 'memory', lock: lease }, [], port)).rejects.toThrow(new UsageError(`--port ${port}: the port is already in use on 127.0.0.1`));
      expect(await lease.leader()).toBeNull();
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('on a shared store: the replica that does not lead reads, refuses changes with 503 not-leader naming the leader, and takes over', async () => {
    const store = new MemoryStore();
    const lock = lockTable();
    const logsB: string[] = [];
    const a = await start({ kind: 'memory', store, lock: lock('host-a:1') });
    const b = await start({ kind: 'memory', store, lock: lock('host-b:2') }, logsB);
    try {
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
      expect(a.describe).toContain('  leader: this replica (host-a:1) holds the leader lock and runs releases');
      expect(b.describe).toContain('  leader: waiting for the leader lock (the leader is host-a:1); serving the API read-only until then');

      const notLeader = { status: 503, body: { error: { code: 'not-leader', message: 'this replica is not the leader; the leader is host-a:1' } } };
      expect(await call(b, '/api/v1/releases')).toEqual({ status: 200, body: { items: [], next: null } });
      expect(await call(b, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } })).toEqual(notLeader);
      // Refused before the body is read or the role judged; who is not signed in is told so first.
      expect(await call(b, '/api/v1/releases', { method: 'POST', body: { nonsense: true } })).toEqual(notLeader);
      expect(await call(b, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' }, token: viewer })).toEqual(notLeader);
      expect((await call(b, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' }, token: null })).status).toBe(401);
      // Nothing about the caller was judged: no refusal in the audit log.
      expect((await store.audit()).filter((e) => e.outcome !== 'ok')).toEqual([]);

      const started = await call(a, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
      expect(started.status).toBe(201);
      const { id } = started.body as { id: string };
      expect((await call(b, `/api/v1/releases/${id}`)).status).toBe(200);
      expect(await call(b, `/api/v1/releases/${id}/abort`, { method: 'POST', body: {} })).toEqual(notLeader);

      await a.close();
      await until('the second replica to take the lock', () => b.isLeader());
      expect(logsB).toContain('leader: this replica (host-b:2) took the leader lock and runs releases; 1 release(s) resumed');
      const aborted = await call(b, `/api/v1/releases/${id}/abort`, { method: 'POST', body: {} });
      expect(aborted.status).toBe(200);
      expect((aborted.body as ReleaseView).phase).toBe('aborted');
    } finally {
      await a.close();
      await b.close();
      await store.close();
    }
  });
});
