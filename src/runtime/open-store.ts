/**
 * @module The one way a store is opened from options (`serve`, `audit verify`, the demo): a SQLite
 * file, a PostgreSQL database or memory. For writing, the database is created (SQLite: its folder
 * too) and migrated as needed; read only, it must already exist and be current, and a missing,
 * unreadable or newer one is a UsageError (exit 2), since the caller named the wrong thing. Also
 * the leader lock of a store several replicas share, and the check of a `--postgres` URL before
 * anything is opened. Nothing here runs releases.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LeaderLock, PostgresStore, redactUrl } from '../adapters/postgres/index.ts';
import { postgresUrlProblem } from '../adapters/postgres/url.ts';
import { SqliteStore } from '../adapters/sqlite/index.ts';
import { AdapterError, UsageError } from '../errors.ts';
import type { Store } from '../ports.ts';
import { MemoryStore } from './memory-store.ts';

/**
 * One leader among the replicas sharing a store (on PostgreSQL: an advisory lock held on a
 * connection of its own, which goes with that connection).
 */
export interface LeaderLease {
  /** This replica's name, as the others see it (`HOST:PID`). */
  readonly identity: string;
  /** Take the lock if no one holds it: true when this replica holds it now. */
  acquire(): Promise<boolean>;
  /** Whether this replica still holds the lock, asked afresh. */
  holdsLock(): Promise<boolean>;
  /** Who holds the lock now, or null when no one does. */
  leader(): Promise<string | null>;
  /** Called when the lock is found lost; returns the function that stops listening. */
  onLost(listener: () => void): () => void;
  /** Give the lock up for good. */
  release(): Promise<void>;
}

export type StoreLocation =
  | { kind: 'sqlite'; file: string }
  /** Password in the URL or in PGPASSWORD / ~/.pgpass; it is never printed. */
  | { kind: 'postgres'; url: string }
  /**
   * In this process only: a new MemoryStore, or `store`, made and closed by the caller (replicas in
   * one process share it and take turns leading with `lock`).
   */
  | { kind: 'memory'; store?: Store; lock?: LeaderLease };

export interface OpenedStore {
  store: Store;
  /** Where, for a person: `SQLite at FILE`, `PostgreSQL at URL` (password as ***), `memory`. */
  description: string;
  /** Close what this opened. */
  close(): Promise<void>;
}

/** Why `url` is not a PostgreSQL URL, or null when it is one (the message never repeats the URL). */
export function storeUrlProblem(url: string): string | null {
  return postgresUrlProblem(url);
}

/** Open the store at `where`; `readonly` for inspection next to running servers. */
export async function openStore(where: StoreLocation, opts: { readonly?: boolean } = {}): Promise<OpenedStore> {
  const opened = (store: Store, description: string): OpenedStore => ({ store, description, close: () => store.close() });
  switch (where.kind) {
    case 'memory':
      return where.store
        ? { store: where.store, description: 'memory (shared in this process)', close: async () => {} }
        : opened(new MemoryStore(), 'memory (nothing survives the process)');
    case 'sqlite':
      if (opts.readonly) return opened(openSqliteForReading(where.file), `SQLite at ${where.file}`);
      mkdirSync(dirname(resolve(where.file)), { recursive: true });
      return opened(SqliteStore.open(where.file), `SQLite at ${where.file}`);
    case 'postgres':
      if (opts.readonly) return opened(await asUsage(() => PostgresStore.open(where.url, { readonly: true, maxConnections: 1 })), `PostgreSQL at ${redactUrl(where.url)}`);
      return opened(await PostgresStore.open(where.url), `PostgreSQL at ${redactUrl(where.url)}`);
  }
}

/** The lock replicas sharing the store at `where` take turns holding; null when nothing is shared. */
export function leaderLock(where: StoreLocation): LeaderLease | null {
  switch (where.kind) {
    case 'postgres': return new LeaderLock(where.url);
    case 'memory': return where.lock ?? null;
    case 'sqlite': return null;
  }
}

/** An existing SQLite database, read only; a missing or unreadable one is a UsageError. */
function openSqliteForReading(file: string): SqliteStore {
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory, not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? 'unknown error'})`);
  }
  return asUsageSync(() => SqliteStore.open(file, { readonly: true }));
}

/** A database that cannot be read as asked is the caller's mistake (exit 2), not a failure. */
function asUsageSync<T>(open: () => T): T {
  try {
    return open();
  } catch (e) {
    if (e instanceof AdapterError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

async function asUsage<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    if (e instanceof AdapterError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}
