/**
 * @module PostgresStore and LeaderLock against a real PostgreSQL (a private cluster started for this
 * file): the Store contract, each test in a fresh schema; then what only a shared database has to get
 * right: migrations from empty, re-opened, raced and refused from the future; replicas racing to
 * start a release or append to the audit chain; connections the server closes; and the leader lock
 * passing from one holder to the next when the first one's connection ends.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLock } from '../../src/adapters/postgres/leader.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from '../../src/adapters/postgres/migrations.ts';
import { PostgresStore, listSql } from '../../src/adapters/postgres/postgres-store.ts';
import { AdapterError, ConflictError } from '../../src/errors.ts';
import type { ReleaseListQuery, Store } from '../../src/ports.ts';
import { verifyAuditChain } from '../../src/runtime/audit-chain.ts';
import { refusal, storeContract } from '../../src/runtime/store-contract.test-helper.ts';
import { adminClient, describePostgres, startPostgres, type PostgresCluster } from './support/postgres.ts';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const MIN = 60_000;

let cluster: PostgresCluster;
let n = 0;
/** A schema no test has used. */
const freshSchema = (): string => `t_${process.pid}_${++n}`;

/** A client of the test role working in `schema`. */
async function rawClient(schema?: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: cluster.url, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await c.connect();
  return c;
}

async function withRaw<T>(schema: string | undefined, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await rawClient(schema);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function withRelease(store: Store, id = 'webapp-1', inputs = 3): Promise<void> {
  await store.createRelease({ id, service: 'webapp', version: 'v2.1.0', createdAt: T0, request: { version: 'v2.1.0' } });
  for (let seq = 1; seq <= inputs; seq++) await store.appendInput(id, seq, { type: 'tick', at: T0 + seq * MIN }, 'running', T0 + seq * MIN);
}

async function tables(schema: string): Promise<string[]> {
  return withRaw(schema, async (c) => (await c.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema])).rows.map((r) => r.t));
}

describePostgres('PostgreSQL', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  storeContract('PostgresStore', async () => PostgresStore.open(cluster.url, { schema: freshSchema() }), {
    tamperAudit: async (store, seq, detail) => {
      await withRaw((store as PostgresStore).schema!, (c) => c.query('UPDATE audit SET detail = $1 WHERE seq = $2', [detail, seq]));
    },
    reopen: async (store) => {
      await store.close();
      return PostgresStore.open(cluster.url, { schema: (store as PostgresStore).schema! });
    },
  });

  describe('PostgresStore migrations', () => {
    it('brings an empty schema to the latest version, recording each migration applied', async () => {
      const schema = freshSchema();
      const store = await PostgresStore.open(cluster.url, { schema });
      await store.close();
      expect(await tables(schema)).toEqual(['audit', 'effects', 'failed_versions', 'freezes', 'inputs', 'leader', 'region_versions', 'releases', 'schema_migrations', 'sessions', 'snapshots']);
      const applied = await withRaw(schema, async (c) => (await c.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows);
      expect(applied).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    });

    it('works in the search_path schema when given none', async () => {
      const db = await cluster.createDatabase(`plain_${process.pid}`);
      const store = await PostgresStore.open(db);
      await withRelease(store, 'webapp-1', 1);
      expect(store.schema).toBeNull();
      await store.close();
      const c = new pg.Client({ connectionString: db });
      await c.connect();
      expect((await c.query('SELECT count(*)::integer AS n FROM public.releases')).rows).toEqual([{ n: 1 }]);
      await c.end();
    });

    it('applies nothing twice: re-opening a current schema runs no migration and keeps the data', async () => {
      const schema = freshSchema();
      await withRaw(schema, async (c) => {
        expect(await migrate(c, 'test', { schema })).toEqual(MIGRATIONS.map((m) => m.version));
        expect(await migrate(c, 'test', { schema })).toEqual([]);
      });
      const first = await PostgresStore.open(cluster.url, { schema });
      await withRelease(first);
      await first.close();
      const again = await PostgresStore.open(cluster.url, { schema });
      expect((await again.inputs('webapp-1')).length).toBe(3);
      await again.close();
      expect(await withRaw(schema, async (c) => (await c.query('SELECT count(*)::integer AS n FROM schema_migrations')).rows[0])).toEqual({ n: SCHEMA_VERSION });
    });

    it('brings a version 1 schema to the latest with its releases kept, listed newest first by id, and freezes possible', async () => {
      const schema = freshSchema();
      await withRaw(schema, (c) => migrate(c, 'test', { schema, migrations: MIGRATIONS.slice(0, 1) }));
      await withRaw(schema, async (c) => {
        for (const [id, at] of [['b', T0], ['a', T0], ['c', T0 + MIN]] as const) {
          await c.query("INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES ($1, $2, 'v1', $3, $3, 'completed', '{}')", [id, `svc-${id}`, at]);
        }
      });
      const store = await PostgresStore.open(cluster.url, { schema });
      expect((await store.listReleases()).map((r) => r.id)).toEqual(['c', 'b', 'a']);
      expect((await store.listReleases({ after: { createdAt: T0, id: 'b' } })).map((r) => r.id)).toEqual(['a']);
      await store.createFreeze(
        { id: 'f-1', reason: 'r', regions: [], services: [], startedAt: T0, startedBy: 'alice', endedAt: null, endedBy: null },
        { at: T0, actor: 'alice', action: 'freeze.start', target: 'f-1', outcome: 'ok', detail: 'r' },
      );
      expect((await store.activeFreezes()).map((f) => f.id)).toEqual(['f-1']);
      await store.close();
      expect(await withRaw(schema, async (c) => (await c.query('SELECT max(version) AS v FROM schema_migrations')).rows[0])).toEqual({ v: SCHEMA_VERSION });
    });

    it('applies only the migrations a schema lacks, each with its version', async () => {
      const schema = freshSchema();
      const next: Migration[] = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'approvals', up: 'CREATE TABLE approvals (release_id text NOT NULL, ring text NOT NULL)' }];
      await withRaw(schema, async (c) => {
        await migrate(c, 'test', { schema });
        expect(await migrate(c, 'test', { schema, migrations: next })).toEqual([SCHEMA_VERSION + 1]);
        expect((await c.query('SELECT max(version) AS v FROM schema_migrations')).rows[0]).toEqual({ v: SCHEMA_VERSION + 1 });
      });
      expect(await tables(schema)).toContain('approvals');
    });

    it('rolls a failing migration back whole, leaving the version where it was', async () => {
      const schema = freshSchema();
      const broken: Migration[] = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', up: 'CREATE TABLE half (x text); CREATE TABLE oops (' }];
      await withRaw(schema, async (c) => {
        await migrate(c, 'test', { schema });
        await expect(migrate(c, 'test', { schema, migrations: broken })).rejects.toThrow(/syntax error/);
        expect((await c.query('SELECT max(version) AS v FROM schema_migrations')).rows[0]).toEqual({ v: SCHEMA_VERSION });
      });
      expect(await tables(schema)).not.toContain('half');
    });

    it('lets replicas that start at once migrate one after the other: every one opens, each migration is applied once', async () => {
      const schema = freshSchema();
      const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStore.open(cluster.url, { schema })));
      expect(await withRaw(schema, async (c) => (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows)).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
      await withRelease(stores[0]!, 'webapp-1', 1);
      expect((await stores[5]!.getRelease('webapp-1'))?.phase).toBe('running');
      await Promise.all(stores.map((s) => s.close()));
    });

    it('refuses a database written by a newer meridian, naming both versions and not the password', async () => {
      const schema = freshSchema();
      await (await PostgresStore.open(cluster.url, { schema })).close();
      await withRaw(schema, (c) => c.query("INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", [SCHEMA_VERSION + 6]));
      const e = await refusal(PostgresStore.open(cluster.url, { schema }));
      expect(e).toBeInstanceOf(AdapterError);
      const where = `postgresql://meridian:***@127.0.0.1:${cluster.port}/meridian (schema ${schema})`;
      expect(e.message).toBe(`${where}: the database has schema version ${SCHEMA_VERSION + 6}, newer than this version of meridian knows (${SCHEMA_VERSION}); upgrade meridian to open it`);
      expect((e as AdapterError).retryable).toBe(false);
      expect(e.message).not.toContain(cluster.password);
      const ro = await refusal(PostgresStore.open(cluster.url, { schema, readonly: true }));
      expect(ro.message).toBe(e.message);
    });
  });

  describe('PostgresStore connections', () => {
    it('says where it could not connect, retryable, without the password', async () => {
      const { createServer } = await import('node:net');
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      await new Promise<void>((r) => server.close(() => r()));
      const e = await refusal(PostgresStore.open(`postgresql://meridian:${cluster.password}@127.0.0.1:${port}/meridian`, { connectTimeoutMs: 3000 }));
      expect(e).toBeInstanceOf(AdapterError);
      expect(e.message).toBe(`postgresql://meridian:***@127.0.0.1:${port}/meridian: connect ECONNREFUSED 127.0.0.1:${port}`);
      expect((e as AdapterError).retryable).toBe(true);
    });

    it('refuses a wrong password as not retryable, and does not echo it', async () => {
      const e = await refusal(PostgresStore.open(`postgresql://meridian:not-the-password@127.0.0.1:${cluster.port}/meridian`));
      expect(e).toBeInstanceOf(AdapterError);
      expect(e.message).toBe(`postgresql://meridian:***@127.0.0.1:${cluster.port}/meridian: password authentication failed for user "meridian"`);
      expect((e as AdapterError).retryable).toBe(false);
    });

    it('refuses what is not a PostgreSQL URL without echoing it', async () => {
      expect((await refusal(PostgresStore.open('meridian:secret@db/x'))).message).toBe('--postgres: a meridian: URL, not postgresql:// (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
      expect((await refusal(PostgresStore.open('host=db password=secret'))).message).toBe('--postgres: not a URL (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
    });

    it('carries on when the server closes its connections: the next call connects again', async () => {
      const schema = freshSchema();
      const store = await PostgresStore.open(cluster.url, { schema });
      await withRelease(store, 'webapp-1', 2);
      const admin = await adminClient(cluster);
      try {
        const { rows } = await admin.query<{ n: number }>("SELECT count(pg_terminate_backend(pid))::integer AS n FROM pg_stat_activity WHERE application_name = 'meridian' AND usename = 'meridian' AND pid <> pg_backend_pid()");
        expect(rows[0]!.n).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // The pool notices its idle connections died; a call that finds one dead fails retryable.
      let inputs: unknown[] | undefined;
      for (let attempt = 0; attempt < 5 && !inputs; attempt++) {
        try {
          inputs = await store.inputs('webapp-1');
        } catch (e) {
          expect(e).toBeInstanceOf(AdapterError);
          expect((e as AdapterError).retryable).toBe(true);
        }
      }
      expect(inputs).toHaveLength(2);
      await store.appendInput('webapp-1', 3, { type: 'tick' }, 'waiting', T0 + 3 * MIN);
      expect((await store.getRelease('webapp-1'))?.phase).toBe('waiting');
      await store.close();
    });
  });

  describe('PostgresStore with several writers', () => {
    it('lets exactly one of two replicas start a release of a service, the other told which release is in progress', async () => {
      const schema = freshSchema();
      const a = await PostgresStore.open(cluster.url, { schema });
      const b = await PostgresStore.open(cluster.url, { schema });
      for (let round = 0; round < 20; round++) {
        const service = `svc-${round}`;
        const results = await Promise.allSettled([
          a.createRelease({ id: `${service}-a`, service, version: 'v1', createdAt: T0 + round, request: {} }),
          b.createRelease({ id: `${service}-b`, service, version: 'v1', createdAt: T0 + round, request: {} }),
        ]);
        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i === 0 ? `${service}-a` : `${service}-b`] : []));
        expect(won).toHaveLength(1);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as Error;
        expect(lost).toBeInstanceOf(ConflictError);
        expect(lost.message).toBe(`service ${service} already has a release in progress: ${won[0]} (phase running)`);
      }
      expect((await a.activeReleases()).length).toBe(20);
      await a.close();
      await b.close();
    });

    it('keeps one verifiable audit chain when two replicas append at once', async () => {
      const schema = freshSchema();
      const a = await PostgresStore.open(cluster.url, { schema });
      const b = await PostgresStore.open(cluster.url, { schema });
      const entry = (who: string, i: number) => ({ at: T0 + i, actor: who, action: 'release.start', target: `webapp-${i}`, outcome: 'ok' as const, detail: `${who} ${i}` });
      const appended = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => a.appendAudit(entry('alice', i))),
        ...Array.from({ length: 40 }, (_, i) => b.appendAudit(entry('bob', i))),
      ]);
      expect(appended.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      const log = await a.audit();
      expect(verifyAuditChain(log)).toEqual({ ok: true, count: 80 });
      expect(log.filter((e) => e.actor === 'bob')).toHaveLength(40);
      await a.close();
      await b.close();
    });

    it('lets one of two replicas appending the same input number win, and refuses the other', async () => {
      const schema = freshSchema();
      const a = await PostgresStore.open(cluster.url, { schema });
      const b = await PostgresStore.open(cluster.url, { schema });
      await withRelease(a, 'webapp-1', 2);
      const results = await Promise.allSettled([
        a.appendInput('webapp-1', 3, { type: 'tick', by: 'a' }, 'waiting', T0 + 10 * MIN),
        b.appendInput('webapp-1', 3, { type: 'tick', by: 'b' }, 'halted', T0 + 11 * MIN),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as Error;
      expect(lost.message).toBe('release webapp-1 already has input 3 (the last is 3)');
      const [last] = await b.inputs('webapp-1', 2);
      const rec = await b.getRelease('webapp-1');
      expect(rec?.phase).toBe((last!.input as { by: string }).by === 'a' ? 'waiting' : 'halted');
      await a.close();
      await b.close();
    });

    it('enforces one unfinished release per service in the schema too, for writes around the store', async () => {
      const schema = freshSchema();
      const store = await PostgresStore.open(cluster.url, { schema });
      await withRelease(store, 'webapp-1', 1);
      await withRaw(schema, async (c) => {
        await expect(c.query("INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES ('x', 'webapp', 'v9', 0, 0, 'running', '{}')"))
          .rejects.toThrow('duplicate key value violates unique constraint "releases_one_unfinished_per_service"');
      });
      await store.close();
    });
  });

  describe('PostgresStore release pages and freezes', () => {
    it('orders ids byte by byte whatever the database collation, as the other stores do', async () => {
      // A database whose default collation is linguistic (ICU en-US), where 'B-2' sorts after 'b', not first.
      const name = `icu_${process.pid}`;
      const admin = await adminClient(cluster, 'postgres');
      try {
        await admin.query(`CREATE DATABASE ${name} OWNER meridian TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
      } finally {
        await admin.end();
      }
      const url = cluster.url.replace(/\/meridian$/, `/${name}`);
      const linguistic = new pg.Client({ connectionString: url });
      await linguistic.connect();
      try {
        const order = await linguistic.query<{ id: string }>("SELECT id FROM (VALUES ('b'), ('B-2'), ('a-1')) AS t (id) ORDER BY id DESC");
        expect(order.rows.map((r) => r.id)).toEqual(['B-2', 'b', 'a-1']);
      } finally {
        await linguistic.end();
      }
      const store = await PostgresStore.open(url, { schema: freshSchema() });
      for (const id of ['a', 'B-2', 'b', '_x', 'a-1']) await store.createRelease({ id, service: `svc-${id}`, version: 'v1', createdAt: T0, request: {} });
      expect((await store.listReleases()).map((r) => r.id)).toEqual(['b', 'a-1', 'a', '_x', 'B-2']);
      expect((await store.listReleases({ after: { createdAt: T0, id: 'a' } })).map((r) => r.id)).toEqual(['_x', 'B-2']);
      await store.close();
    });

    it('pages releases from an index in their order, without sorting the history', async () => {
      const schema = freshSchema();
      const store = await PostgresStore.open(cluster.url, { schema });
      await withRaw(schema, async (c) => {
        await c.query(`INSERT INTO releases (id, service, version, created_at, updated_at, phase, request)
          SELECT 'r-' || i, 'svc-' || (i % 50), 'v1', ${T0} + (i / 3) * 60000, ${T0}, 'completed', '{}' FROM generate_series(1, 20000) AS i`);
        await c.query('ANALYZE releases');
        const plan = async (query: ReleaseListQuery): Promise<string> => {
          const { text, values } = listSql(query);
          const rows = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).rows;
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        };
        const after = { createdAt: T0 + 3000 * MIN, id: 'r-9000' };
        const cases: Array<[ReleaseListQuery, string]> = [
          [{ limit: 50 }, 'releases_newest_first'],
          [{ after, limit: 50 }, 'releases_newest_first'],
          [{ phases: ['completed', 'aborted'], after, limit: 50 }, 'releases_newest_first'],
          [{ service: 'svc-7', limit: 50 }, 'releases_of_service_newest_first'],
          [{ service: 'svc-7', phases: ['completed'], after, limit: 50 }, 'releases_of_service_newest_first'],
        ];
        for (const [query, index] of cases) {
          const text = await plan(query);
          expect(text, JSON.stringify(query)).toContain(`Index Scan using ${index} on releases`);
          expect(text, JSON.stringify(query)).not.toMatch(/\bSort\b/);
        }
        expect(await plan({ after, limit: 50 })).toMatch(/Index Cond: \(ROW\(created_at, \(id\)::text\) < ROW\(/);
      });
      const page = await store.listReleases({ service: 'svc-7', after: { createdAt: T0 + 3000 * MIN, id: 'r-9000' }, limit: 3 });
      expect(page.map((r) => r.id)).toEqual(['r-8957', 'r-8907', 'r-8857']);
      await store.close();
    });

    it('lets exactly one of two replicas end a freeze, and keeps one audit chain', async () => {
      const schema = freshSchema();
      const a = await PostgresStore.open(cluster.url, { schema });
      const b = await PostgresStore.open(cluster.url, { schema });
      const audit = (action: string, target: string, actor = 'alice') => ({ at: T0, actor, action, target, outcome: 'ok' as const, detail: '' });
      for (let round = 0; round < 10; round++) {
        const id = `f-${round}`;
        await a.createFreeze({ id, reason: 'r', regions: ['eu-west-1'], services: [], startedAt: T0 + round, startedBy: 'alice', endedAt: null, endedBy: null }, audit('freeze.start', id));
        const ended = await Promise.all([a.endFreeze(id, T0 + round + 1, 'bob', audit('freeze.end', id, 'bob')), b.endFreeze(id, T0 + round + 1, 'carol', audit('freeze.end', id, 'carol'))]);
        expect([...ended].sort()).toEqual([false, true]);
      }
      expect(await b.activeFreezes()).toEqual([]);
      const log = await b.audit();
      expect(log.filter((e) => e.action === 'freeze.end')).toHaveLength(10);
      expect(verifyAuditChain(log)).toEqual({ ok: true, count: 20 });
      await a.close();
      await b.close();
    });

    it('keeps region and service names with any characters exactly, and empty lists as empty', async () => {
      const store = await PostgresStore.open(cluster.url, { schema: freshSchema() });
      const odd = { id: 'f-1', reason: 'ünïcödé ✓', regions: ['a,b', '"q"', 'back\\slash', '{x}', 'NULL', ''], services: [], startedAt: T0 + 0.5, startedBy: 'ålice', endedAt: null, endedBy: null };
      await store.createFreeze(odd, { at: T0, actor: 'alice', action: 'freeze.start', target: 'f-1', outcome: 'ok', detail: '' });
      expect(await store.activeFreezes()).toEqual([odd]);
      await store.close();
    });
  });

  describe('PostgresStore values', () => {
    it('gives inputs back exactly as written, key order included (a replay must see what the engine saw)', async () => {
      const store = await PostgresStore.open(cluster.url, { schema: freshSchema() });
      await store.createRelease({ id: 'webapp-1', service: 'webapp', version: 'v2.1.0', createdAt: T0, request: { version: 'v2.1.0', changes: ['app'] } });
      const input = { type: 'regions', at: T0, up: { 'us-east-1': true, internal: false, 'ap-south-1': true } };
      await store.appendInput('webapp-1', 1, input, 'running', T0);
      await store.saveSnapshot('webapp-1', 1, { versions: { 'eu-west-1': 'v2', b: 'v1' } });
      const [got] = await store.inputs('webapp-1');
      expect(JSON.stringify(got!.input)).toBe(JSON.stringify(input));
      expect(Object.keys((await store.latestSnapshot('webapp-1'))!.state as { versions: object }).length).toBe(1);
      expect(Object.keys(((await store.latestSnapshot('webapp-1'))!.state as { versions: object }).versions)).toEqual(['eu-west-1', 'b']);
      await store.close();
    });

    it('keeps times with fractions of a millisecond, and text with any characters, as they were given', async () => {
      const store = await PostgresStore.open(cluster.url, { schema: freshSchema() });
      await store.createRelease({ id: 'webapp-1', service: 'webapp', version: 'v2.1.0', createdAt: T0, request: {} });
      await store.appendInput('webapp-1', 1, { type: 'start', note: 'ünïcödé ✓ "quoted" \\ back' }, 'running', T0 + 0.25);
      expect((await store.getRelease('webapp-1'))?.updatedAt).toBe(T0 + 0.25);
      expect((await store.inputs('webapp-1'))[0]?.input).toEqual({ type: 'start', note: 'ünïcödé ✓ "quoted" \\ back' });
      const e = await store.appendAudit({ at: T0 + 0.125, actor: 'ålice', action: 'a', target: 't', outcome: 'ok', detail: 'x' });
      expect(verifyAuditChain(await store.audit())).toEqual({ ok: true, count: 1 });
      expect((await store.audit())[0]).toEqual(e);
      await store.close();
    });
  });

  describe('PostgresStore read-only', () => {
    it('reads a database next to a live writer without changing it, and refuses writes', async () => {
      const schema = freshSchema();
      const writer = await PostgresStore.open(cluster.url, { schema });
      await withRelease(writer, 'webapp-1', 2);
      const reader = await PostgresStore.open(cluster.url, { schema, readonly: true });
      await writer.appendInput('webapp-1', 3, { type: 'tick' }, 'waiting', T0);
      expect((await reader.getRelease('webapp-1'))?.phase).toBe('waiting');
      const e = await refusal(reader.appendInput('webapp-1', 4, { type: 'tick' }, 'running', T0));
      expect(e).toBeInstanceOf(AdapterError);
      expect(e.message).toBe(`postgresql://meridian:***@127.0.0.1:${cluster.port}/meridian (schema ${schema}): cannot execute SELECT FOR UPDATE in a read-only transaction`);
      await reader.close();
      await writer.close();
    });

    it('does not create a schema, nor accept one without the meridian tables', async () => {
      const schema = freshSchema();
      const e = await refusal(PostgresStore.open(cluster.url, { schema, readonly: true }));
      expect(e.message).toBe(`postgresql://meridian:***@127.0.0.1:${cluster.port}/meridian (schema ${schema}): not a meridian database (it has no meridian schema)`);
      expect(await withRaw(undefined, async (c) => (await c.query('SELECT count(*)::integer AS n FROM pg_namespace WHERE nspname = $1', [schema])).rows[0])).toEqual({ n: 0 });
    });
  });

  describe('LeaderLock', () => {
    const locks: LeaderLock[] = [];
    const lock = (schema: string, identity: string): LeaderLock => {
      const l = new LeaderLock(cluster.url, { schema, identity });
      locks.push(l);
      return l;
    };
    afterAll(async () => {
      for (const l of locks) await l.release();
    });

    async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('gives the lock to exactly one of two replicas, and both name it', async () => {
      const schema = freshSchema();
      const a = lock(schema, 'host-a:1');
      const b = lock(schema, 'host-b:2');
      const got = await Promise.all([a.acquire(), b.acquire()]);
      expect(got.filter(Boolean)).toHaveLength(1);
      const [holder, other] = got[0] ? [a, b] : [b, a];
      expect(await holder.holdsLock()).toBe(true);
      expect(await other.holdsLock()).toBe(false);
      expect(await holder.acquire()).toBe(true);
      expect(await other.acquire()).toBe(false);
      expect(await other.leader()).toBe(holder.identity);
      expect(await holder.leader()).toBe(holder.identity);
    });

    it('passes the lock on when the holder\'s connection ends, and tells the old holder it lost it', async () => {
      const schema = freshSchema();
      const a = lock(schema, 'host-a:1');
      const b = lock(schema, 'host-b:2');
      expect(await a.acquire()).toBe(true);
      expect(await b.acquire()).toBe(false);
      let lost = 0;
      a.onLost(() => { lost += 1; });
      const admin = await adminClient(cluster);
      try {
        await admin.query('SELECT pg_terminate_backend($1)', [a.backendPid]);
      } finally {
        await admin.end();
      }
      await until('b takes the lock', () => b.acquire());
      expect(await b.leader()).toBe('host-b:2');
      expect(await a.holdsLock()).toBe(false);
      expect(lost).toBe(1);
      expect(await a.acquire()).toBe(false);
    });

    it('names no leader between a release and the next holder, and hands over at once', async () => {
      const schema = freshSchema();
      const a = lock(schema, 'host-a:1');
      const b = lock(schema, 'host-b:2');
      expect(await a.acquire()).toBe(true);
      // Taken twice, released once: nothing is left held.
      expect(await a.acquire()).toBe(true);
      await a.release();
      expect(await b.leader()).toBeNull();
      expect(await b.acquire()).toBe(true);
      await expect(a.acquire()).rejects.toThrow(/was released; make a new one$/);
    });

    it('keeps replicas of different schemas apart: each schema has its own leader', async () => {
      const a = lock(freshSchema(), 'host-a:1');
      const b = lock(freshSchema(), 'host-b:2');
      expect(await Promise.all([a.acquire(), b.acquire()])).toEqual([true, true]);
    });

    it('gives the lock up when its connection stops answering in time', async () => {
      const schema = freshSchema();
      const a = new LeaderLock(cluster.url, { schema, identity: 'host-a:1', queryTimeoutMs: 300 });
      locks.push(a);
      const b = lock(schema, 'host-b:2');
      expect(await a.acquire()).toBe(true);
      // Stop a's server process: the connection hangs, neither answering nor closing.
      const pid = a.backendPid!;
      process.kill(pid, 'SIGSTOP');
      try {
        expect(await a.holdsLock()).toBe(false);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await until('b takes the lock', () => b.acquire());
    });
  });
});
