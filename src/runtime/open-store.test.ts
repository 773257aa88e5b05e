import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { MemoryStore } from './memory-store.ts';
import { leaderLock, openStore, storeUrlProblem, type LeaderLease } from './open-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = { at: Date.UTC(2026, 2, 2, 9), actor: 'alice', action: 'release.start', target: 'shop', outcome: 'ok' as const, detail: '' };

describe('opening a store', () => {
  it('creates a SQLite database for writing, folders included, and says where it is', async () => {
    const file = join(dir, 'new', 'deeper', 'meridian.db');
    const opened = await openStore({ kind: 'sqlite', file });
    expect(opened.description).toBe(`SQLite at ${file}`);
    await opened.store.appendAudit(entry);
    await opened.close();

    const again = await openStore({ kind: 'sqlite', file }, { readonly: true });
    expect((await again.store.audit()).map((e) => e.action)).toEqual(['release.start']);
    await again.close();
  });

  it('reads only a database that is there: a missing file, a folder or a newer schema is a usage error', async () => {
    const missing = join(dir, 'nope.db');
    await expect(openStore({ kind: 'sqlite', file: missing }, { readonly: true })).rejects.toThrow(new UsageError(`${missing}: no such file`));
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    await expect(openStore({ kind: 'sqlite', file: folder }, { readonly: true })).rejects.toThrow(new UsageError(`${folder}: is a directory, not a file`));

    const file = join(dir, 'newer.db');
    await (await openStore({ kind: 'sqlite', file })).close();
    const raw = new Database(file);
    const current = raw.pragma('user_version', { simple: true }) as number;
    raw.pragma(`user_version = ${current + 1}`);
    raw.close();
    const newer = openStore({ kind: 'sqlite', file }, { readonly: true });
    await expect(newer).rejects.toThrow(UsageError);
    await expect(newer).rejects.toThrow(`the database has schema version ${current + 1}, newer than this version of meridian knows (${current})`);
  });

  it('keeps a store in memory, or shares one it is given without closing it', async () => {
    const fresh = await openStore({ kind: 'memory' });
    expect(fresh.description).toBe('memory (nothing survives the process)');
    await fresh.close();
    await expect(fresh.store.audit()).rejects.toThrow();

    const shared = new MemoryStore();
    const given = await openStore({ kind: 'memory', store: shared });
    expect(given.store).toBe(shared);
    await given.close();
    expect(await shared.audit()).toEqual([]);
  });

  it('has a leader lock only where replicas can share the store', () => {
    const lease: LeaderLease = {
      identity: 'here:1', acquire: async () => true, holdsLock: async () => true, leader: async () => 'here:1', onLost: () => () => {}, release: async () => {},
    };
    expect(leaderLock({ kind: 'sqlite', file: join(dir, 'x.db') })).toBeNull();
    expect(leaderLock({ kind: 'memory' })).toBeNull();
    expect(leaderLock({ kind: 'memory', lock: lease })).toBe(lease);
    // Made without connecting: the connection opens on first use.
    expect(leaderLock({ kind: 'postgres', url: 'postgresql://meridian:secret@127.0.0.1:1/meridian' })?.identity).toMatch(/:\d+$/);
  });

  it('checks a PostgreSQL URL without repeating it', () => {
    expect(storeUrlProblem('postgresql://meridian@db.internal:5432/meridian')).toBeNull();
    expect(storeUrlProblem('user=meridian password=hunter2')).toBe('not a URL (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
    expect(storeUrlProblem('mysql://root:hunter2@db/x')).toBe('a mysql: URL, not postgresql:// (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
  });
});
