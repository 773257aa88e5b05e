/**
 * @module SqliteStore on real files in a temp dir: the Store contract, then what only a database
 * has to get right: migrations, versions from the future, durability across connections and crashes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError, ConflictError } from '../../errors.ts';
import type { Store } from '../../ports.ts';
import { verifyAuditChain } from '../../runtime/audit-chain.ts';
import { refusal, storeContract } from '../../runtime/store-contract.test-helper.ts';
import { checkMigrations } from '../migrations.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './migrations.ts';
import { SqliteStore, listSql } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A path for a new database file. */
const dbFile = (): string => join(dir, `store-${++n}.db`);

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const MIN = 60_000;

storeContract('SqliteStore', async () => SqliteStore.open(dbFile()), {
  tamperAudit: async (store, seq, detail) => {
    const raw = new Database((store as SqliteStore).file);
    raw.prepare('UPDATE audit SET detail = ? WHERE seq = ?').run(detail, seq);
    raw.close();
  },
  reopen: async (store) => {
    await store.close();
    return SqliteStore.open((store as SqliteStore).file);
  },
});

function tables(file: string): string[] {
  const raw = new Database(file, { readonly: true });
  const names = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  raw.close();
  return names;
}

async function withRelease(store: Store, id = 'webapp-1', inputs = 3): Promise<void> {
  await store.createRelease({ id, service: 'webapp', version: 'v2.1.0', createdAt: T0, request: { version: 'v2.1.0' } });
  for (let seq = 1; seq <= inputs; seq++) await store.appendInput(id, seq, { type: 'tick', at: T0 + seq * MIN }, 'running', T0 + seq * MIN);
}

describe('SqliteStore migrations', () => {
  it('creates the file and brings an empty database to the latest schema, in WAL mode', async () => {
    const file = dbFile();
    const store = SqliteStore.open(file);
    expect(existsSync(file)).toBe(true);
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    await store.close();
    expect(tables(file)).toEqual(['audit', 'effects', 'failed_versions', 'freezes', 'inputs', 'region_versions', 'releases', 'sessions', 'snapshots']);
  });

  it('brings a version 2 database to the latest with its releases kept, and records failed versions there', async () => {
    const file = dbFile();
    const raw = new Database(file);
    expect(migrate(raw, file, MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
    raw.prepare("INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES ('checkout-a', 'checkout', '2.4.1', ?, ?, 'rolled-back', '{}')").run(T0, T0);
    raw.close();
    const store = SqliteStore.open(file);
    expect((await store.listReleases()).map((r) => r.id)).toEqual(['checkout-a']);
    expect(await store.failedVersion('checkout', '2.4.1')).toBeNull();
    await store.recordFailedVersion({ service: 'checkout', version: '2.4.1', releaseId: 'checkout-a', at: T0, reason: 'ring canary: gate error-rate' });
    expect((await store.failedVersion('checkout', '2.4.1'))?.releaseId).toBe('checkout-a');
    await store.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare("EXPLAIN QUERY PLAN SELECT reason FROM failed_versions WHERE service = 'checkout' AND version = '2.4.1' ORDER BY at DESC LIMIT 1").all().map((r) => (r as { detail: string }).detail)[0])
      .toMatch(/^SEARCH failed_versions USING PRIMARY KEY \(service=\? AND version=\?\)$/);
    check.close();
  });

  it('brings a version 1 database to the latest with its releases kept, listed newest first by id, and freezes possible', async () => {
    const file = dbFile();
    const raw = new Database(file);
    expect(migrate(raw, file, MIGRATIONS.slice(0, 1))).toEqual([1]);
    const insert = raw.prepare("INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES (?, ?, 'v1', ?, ?, 'completed', '{}')");
    for (const [id, at] of [['b', T0], ['a', T0], ['c', T0 + MIN]] as const) insert.run(id, `svc-${id}`, at, at);
    raw.close();
    const store = SqliteStore.open(file);
    expect((await store.listReleases()).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect((await store.listReleases({ after: { createdAt: T0, id: 'b' } })).map((r) => r.id)).toEqual(['a']);
    await store.createFreeze(
      { id: 'f-1', reason: 'r', regions: [], services: [], startedAt: T0, startedBy: 'alice', endedAt: null, endedBy: null },
      { at: T0, actor: 'alice', action: 'freeze.start', target: 'f-1', outcome: 'ok', detail: 'r' },
    );
    expect((await store.activeFreezes()).map((f) => f.id)).toEqual(['f-1']);
    await store.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('pages releases and lists freezes in force from indexes in their order, sorting nothing', async () => {
    const file = dbFile();
    await SqliteStore.open(file).close();
    const raw = new Database(file, { readonly: true });
    const plan = (query: Parameters<typeof listSql>[0]): string => {
      const { sql, params } = listSql(query);
      return (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    };
    const after = { createdAt: T0, id: 'webapp-7' };
    expect(plan({ limit: 50 })).toBe('SCAN releases USING INDEX releases_newest_first');
    expect(plan({ after, limit: 50 })).toBe('SEARCH releases USING INDEX releases_newest_first ((created_at,id)<(?,?))');
    expect(plan({ service: 'webapp', limit: 50 })).toBe('SEARCH releases USING INDEX releases_of_service_newest_first (service=?)');
    expect(plan({ service: 'webapp', after, limit: 50 })).toBe('SEARCH releases USING INDEX releases_of_service_newest_first (service=? AND (created_at,id)<(?,?))');
    expect(plan({ service: 'webapp', phases: ['running', 'waiting'], after, limit: 50 })).toMatch(/^SEARCH releases USING INDEX releases_of_service_newest_first \(service=\? AND \(created_at,id\)<\(\?,\?\)\)/);
    expect(plan({ phases: ['completed'], after, limit: 50 })).toMatch(/^SEARCH releases USING INDEX releases_newest_first /);
    for (const query of [{}, { after }, { service: 'webapp', phases: ['completed'] }]) expect(plan(query)).not.toContain('TEMP B-TREE');
    const freezes = (raw.prepare('EXPLAIN QUERY PLAN SELECT id FROM freezes WHERE ended_at IS NULL ORDER BY started_at, id').all() as Array<{ detail: string }>).map((r) => r.detail);
    expect(freezes).toEqual(['SCAN freezes USING INDEX freezes_in_force']);
    raw.close();
  });

  it('applies nothing twice: re-opening a current database runs no migration and keeps the data', async () => {
    const file = dbFile();
    const raw = new Database(file);
    expect(migrate(raw, file)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(migrate(raw, file)).toEqual([]);
    raw.close();
    const first = SqliteStore.open(file);
    await withRelease(first);
    await first.close();
    const again = SqliteStore.open(file);
    expect((await again.inputs('webapp-1')).length).toBe(3);
    await again.close();
  });

  it('applies only the migrations a database lacks, each with its version', () => {
    const file = dbFile();
    const raw = new Database(file);
    migrate(raw, file);
    const next: Migration[] = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'approvals', up: 'CREATE TABLE approvals (release_id TEXT NOT NULL, ring TEXT NOT NULL)' }];
    expect(migrate(raw, file, next)).toEqual([SCHEMA_VERSION + 1]);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    raw.close();
  });

  it('rolls a failing migration back whole, leaving the version where it was', () => {
    const file = dbFile();
    const raw = new Database(file);
    migrate(raw, file);
    const broken: Migration[] = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', up: 'CREATE TABLE half (x TEXT); CREATE TABLE oops (' }];
    expect(() => migrate(raw, file, broken)).toThrow();
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").pluck().get()).toBe(0);
    raw.close();
  });

  it('refuses a database written by a newer meridian, naming both versions', () => {
    const file = dbFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 6}`);
    raw.close();
    let e: unknown;
    try {
      SqliteStore.open(file);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AdapterError);
    expect((e as AdapterError).message).toBe(
      `${file}: the database has schema version ${SCHEMA_VERSION + 6}, newer than this version of meridian knows (${SCHEMA_VERSION}); upgrade meridian to open it`,
    );
    expect((e as AdapterError).retryable).toBe(false);
  });

  it('refuses a migration list that does not count 1, 2, 3', () => {
    expect(() => checkMigrations([{ version: 1, name: 'a', up: '' }, { version: 3, name: 'c', up: '' }])).toThrow(
      'migration 2 ("c") has version 3; versions must count 1, 2, 3, ... in order',
    );
  });

  it('says so when the file is not a SQLite database', () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'this is not a database, just some words that fill a page. '.repeat(40));
    expect(() => SqliteStore.open(file)).toThrow(`${file}: file is not a database (not a SQLite database)`);
  });

  it('says so when the directory does not exist', () => {
    const file = join(dir, 'no-such-dir', 'x.db');
    expect(() => SqliteStore.open(file)).toThrow(`${file}: cannot open the database (Cannot open database because the directory does not exist)`);
  });
});

describe('SqliteStore durability', () => {
  it('keeps everything across close and re-open', async () => {
    const file = dbFile();
    const a = SqliteStore.open(file);
    await withRelease(a);
    await a.saveSnapshot('webapp-1', 3, { phase: 'running' });
    await a.recordEffect('webapp-1/deploy/ring-1', { ref: 'abc123' });
    await a.appendAudit({ at: T0, actor: 'alice', action: 'release.start', target: 'webapp-1', outcome: 'ok', detail: 'webapp v2.1.0' });
    await a.setRegionVersion('webapp', 'eu-west-1', 'v2.1.0', T0);
    await a.close();

    const b = SqliteStore.open(file);
    expect(await b.getRelease('webapp-1')).toEqual({ id: 'webapp-1', service: 'webapp', version: 'v2.1.0', createdAt: T0, updatedAt: T0 + 3 * MIN, phase: 'running' });
    expect((await b.inputs('webapp-1')).map((i) => i.seq)).toEqual([1, 2, 3]);
    expect(await b.latestSnapshot('webapp-1')).toEqual({ seq: 3, state: { phase: 'running' } });
    expect(await b.effectResult('webapp-1/deploy/ring-1')).toEqual({ ref: 'abc123' });
    expect(verifyAuditChain(await b.audit())).toEqual({ ok: true, count: 1 });
    expect(await b.regionVersions('webapp')).toEqual({ 'eu-west-1': 'v2.1.0' });
    await b.close();
  });

  it('shows each write at once to a second store on the same file, and holds the one-release rule across them', async () => {
    const file = dbFile();
    const a = SqliteStore.open(file);
    const b = SqliteStore.open(file);
    await withRelease(a, 'webapp-1', 2);
    expect((await b.inputs('webapp-1')).length).toBe(2);
    const e = await refusal(b.createRelease({ id: 'webapp-2', service: 'webapp', version: 'v2.2.0', createdAt: T0, request: {} }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.message).toBe('service webapp already has a release in progress: webapp-1 (phase running)');
    expect((await refusal(b.appendInput('webapp-1', 2, { type: 'tick' }, 'running', T0))).message).toBe('release webapp-1 already has input 2 (the last is 2)');
    await a.appendAudit({ at: T0, actor: 'alice', action: 'a', target: 't', outcome: 'ok', detail: '' });
    await b.appendAudit({ at: T0, actor: 'bob', action: 'b', target: 't', outcome: 'ok', detail: '' });
    expect(verifyAuditChain(await a.audit())).toEqual({ ok: true, count: 2 });
    await a.close();
    await b.close();
  });

  it('enforces one unfinished release per service in the schema too, for writes around the store', async () => {
    const file = dbFile();
    const store = SqliteStore.open(file);
    await withRelease(store, 'webapp-1', 1);
    const raw = new Database(file);
    expect(() =>
      raw.prepare("INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES ('x', 'webapp', 'v9', 0, 0, 'running', '{}')").run(),
    ).toThrow('UNIQUE constraint failed: releases.service');
    raw.close();
    await store.close();
  });

  it('loses nothing when a store is dropped without closing', async () => {
    const file = dbFile();
    let dropped: SqliteStore | null = SqliteStore.open(file);
    await withRelease(dropped, 'webapp-1', 50);
    // eslint-disable-next-line no-useless-assignment -- the only reference goes, without close()
    dropped = null;
    const reopened = SqliteStore.open(file);
    expect((await reopened.inputs('webapp-1')).map((i) => i.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await reopened.getRelease('webapp-1'))?.updatedAt).toBe(T0 + 50 * MIN);
    await reopened.close();
  });

  it('loses nothing when the writing process is killed', async () => {
    const file = dbFile();
    const script = join(dir, 'crash.mts');
    const storeUrl = pathToFileURL(fileURLToPath(new URL('./sqlite-store.ts', import.meta.url))).href;
    writeFileSync(
      script,
      [
        `import { SqliteStore } from ${JSON.stringify(storeUrl)};`,
        `const store = SqliteStore.open(${JSON.stringify(file)});`,
        `await store.createRelease({ id: 'webapp-1', service: 'webapp', version: 'v2.1.0', createdAt: ${T0}, request: {} });`,
        `for (let seq = 1; seq <= 20; seq++) await store.appendInput('webapp-1', seq, { type: 'tick', seq }, 'running', ${T0} + seq);`,
        `await store.appendAudit({ at: ${T0}, actor: 'alice', action: 'release.start', target: 'webapp-1', outcome: 'ok', detail: '' });`,
        `process.kill(process.pid, 'SIGKILL');`,
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)), encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.signal).toBe('SIGKILL');
    expect(existsSync(`${file}-wal`)).toBe(true);
    const store = SqliteStore.open(file);
    expect((await store.inputs('webapp-1')).length).toBe(20);
    expect(await store.inputs('webapp-1', 19)).toEqual([{ seq: 20, input: { type: 'tick', seq: 20 } }]);
    expect(verifyAuditChain(await store.audit())).toEqual({ ok: true, count: 1 });
    await store.close();
  });

  it('keeps times with fractions of a millisecond as they were given', async () => {
    const store = SqliteStore.open(dbFile());
    await store.createRelease({ id: 'webapp-1', service: 'webapp', version: 'v2.1.0', createdAt: T0, request: {} });
    await store.appendInput('webapp-1', 1, { type: 'start' }, 'running', T0 + 0.25);
    expect((await store.getRelease('webapp-1'))?.updatedAt).toBe(T0 + 0.25);
    await store.close();
  });
});

describe('SqliteStore read-only', () => {
  it('reads a database without changing it, and refuses writes', async () => {
    const file = dbFile();
    const writer = SqliteStore.open(file);
    await withRelease(writer, 'webapp-1', 2);
    await writer.close();
    const reader = SqliteStore.open(file, { readonly: true });
    expect((await reader.inputs('webapp-1')).length).toBe(2);
    const e = await refusal(reader.appendInput('webapp-1', 3, { type: 'tick' }, 'running', T0));
    expect(e).toBeInstanceOf(AdapterError);
    expect(e.message).toBe(`${file}: attempt to write a readonly database`);
    await reader.close();
  });

  it('reads alongside a live writer', async () => {
    const file = dbFile();
    const writer = SqliteStore.open(file);
    await withRelease(writer, 'webapp-1', 2);
    const reader = SqliteStore.open(file, { readonly: true });
    await writer.appendInput('webapp-1', 3, { type: 'tick' }, 'waiting', T0);
    expect((await reader.getRelease('webapp-1'))?.phase).toBe('waiting');
    await reader.close();
    await writer.close();
  });

  it('does not create a missing file, nor accept one without the schema', () => {
    const missing = join(dir, 'missing.db');
    expect(() => SqliteStore.open(missing, { readonly: true })).toThrow(`${missing}: no such database file`);
    expect(existsSync(missing)).toBe(false);
    const empty = dbFile();
    new Database(empty).close();
    expect(() => SqliteStore.open(empty, { readonly: true })).toThrow(`${empty}: not a meridian database (it has no meridian schema)`);
  });
});

describe('SqliteStore group commit', () => {
  it('makes every append of a turn durable once it resolves, and refuses one out of turn without losing the others', async () => {
    const file = dbFile();
    const store = SqliteStore.open(file);
    for (let r = 0; r < 20; r++) await store.createRelease({ id: `svc${r}-1`, service: `svc${r}`, version: 'v2', createdAt: T0, request: {}, first: { input: { type: 'start' }, phase: 'running' } });
    // Twenty releases append at once, and one of them out of turn.
    const appends = Array.from({ length: 20 }, (_, r) => store.appendInput(`svc${r}-1`, 2, { type: 'tick', at: T0 + MIN }, 'running', T0 + MIN));
    const gap = store.appendInput('svc0-1', 9, { type: 'tick' }, 'running', T0 + MIN);
    await Promise.all(appends);
    await expect(gap).rejects.toThrow('input 9 would leave a gap');
    await store.close();
    const again = SqliteStore.open(file);
    for (let r = 0; r < 20; r++) expect((await again.inputs(`svc${r}-1`)).map((i) => i.seq)).toEqual([1, 2]);
    await again.close();
  });

  it('writes what waits for its commit before it closes', async () => {
    const file = dbFile();
    const store = SqliteStore.open(file);
    await store.createRelease({ id: 'a-1', service: 'a', version: 'v2', createdAt: T0, request: {}, first: { input: { type: 'start' }, phase: 'running' } });
    const pending = store.appendInput('a-1', 2, { type: 'tick' }, 'waiting', T0);
    await store.close();
    await pending;
    const again = SqliteStore.open(file);
    expect([(await again.inputs('a-1')).length, (await again.getRelease('a-1'))?.phase]).toEqual([2, 'waiting']);
    await again.close();
  });
});
