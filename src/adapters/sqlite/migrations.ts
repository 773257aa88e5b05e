/**
 * @module The SQLite schema as an ordered list of migrations, and the code that applies them. The
 * schema version lives in `PRAGMA user_version` (written in the same transaction as the migration,
 * so a crash leaves either the old or the new schema). Append new migrations; never edit one that
 * has shipped.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { checkMigrations, futureVersionError, type Migration } from '../migrations.ts';
import { FINISHED_SQL } from '../sql-rows.ts';

export type { Migration } from '../migrations.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'releases, inputs, snapshots, effects, audit, region versions',
    up: `
      CREATE TABLE releases (
        id TEXT PRIMARY KEY NOT NULL,
        service TEXT NOT NULL,
        version TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        phase TEXT NOT NULL,
        request TEXT NOT NULL CHECK (json_valid(request))
      );
      -- At most one unfinished release per service, enforced by the database itself.
      CREATE UNIQUE INDEX releases_one_unfinished_per_service ON releases (service)
        WHERE phase NOT IN (${FINISHED_SQL});
      CREATE INDEX releases_by_created_at ON releases (created_at);

      CREATE TABLE inputs (
        release_id TEXT NOT NULL REFERENCES releases (id),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        input TEXT NOT NULL CHECK (json_valid(input)),
        at INTEGER NOT NULL,
        PRIMARY KEY (release_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE snapshots (
        release_id TEXT NOT NULL REFERENCES releases (id),
        seq INTEGER NOT NULL CHECK (seq >= 0),
        state TEXT NOT NULL CHECK (json_valid(state)),
        PRIMARY KEY (release_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE effects (
        key TEXT PRIMARY KEY NOT NULL,
        result TEXT NOT NULL CHECK (json_valid(result))
      ) WITHOUT ROWID;

      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused')),
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );

      CREATE TABLE region_versions (
        service TEXT NOT NULL,
        region TEXT NOT NULL,
        version TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (service, region)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'release pages newest first, freezes',
    up: `
      -- Pages of releases, newest first with ties broken by id (the keyset of listReleases), over
      -- all releases and over one service's; the second also finds a service's latest release.
      DROP INDEX releases_by_created_at;
      CREATE INDEX releases_newest_first ON releases (created_at DESC, id DESC);
      CREATE INDEX releases_of_service_newest_first ON releases (service, created_at DESC, id DESC);

      -- Freezes people started (stop the line). regions and services are JSON arrays of names;
      -- an empty one matches every region or service.
      CREATE TABLE freezes (
        id TEXT PRIMARY KEY NOT NULL,
        reason TEXT NOT NULL,
        regions TEXT NOT NULL CHECK (json_valid(regions) AND json_type(regions) = 'array'),
        services TEXT NOT NULL CHECK (json_valid(services) AND json_type(services) = 'array'),
        started_at INTEGER NOT NULL,
        started_by TEXT NOT NULL,
        ended_at INTEGER,
        ended_by TEXT,
        CHECK ((ended_at IS NULL) = (ended_by IS NULL))
      ) WITHOUT ROWID;
      CREATE INDEX freezes_in_force ON freezes (started_at, id) WHERE ended_at IS NULL;
    `,
  },
  {
    version: 3,
    name: 'failed versions',
    up: `
      -- A version whose release failed (a ring's verdict failed), one row per failed release: a
      -- later start of that version of the service is refused unless forced with a reason. The
      -- primary key finds a version's failures (a few rows at most).
      CREATE TABLE failed_versions (
        service TEXT NOT NULL,
        version TEXT NOT NULL,
        release_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        reason TEXT NOT NULL CHECK (length(reason) <= 500),
        PRIMARY KEY (service, version, release_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'dashboard sessions',
    up: `
      -- People signed in to the dashboard through the identity provider. The cookie's session id
      -- is never kept, only its SHA-256. Expired rows are deleted on every sign-in and every 10
      -- minutes (deleteExpiredSessions); the second index finds a person's sessions, of which a new
      -- sign-in keeps the newest 20.
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY NOT NULL CHECK (length(id_hash) = 64),
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_name TEXT NOT NULL,
        name TEXT,
        groups TEXT NOT NULL CHECK (json_valid(groups) AND json_type(groups) = 'array'),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL CHECK (expires_at > created_at)
      ) WITHOUT ROWID;
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
      CREATE INDEX sessions_of_subject ON sessions (issuer, subject, created_at DESC, id_hash DESC);
    `,
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;


export function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}


/**
 * Bring the database up to the last migration. Each migration runs in its own IMMEDIATE
 * transaction (taking the write lock first, so two processes opening the same new file do not both
 * migrate) together with its user_version bump. Returns the versions applied.
 */
export function migrate(db: BetterSqlite3.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  checkMigrations(migrations);
  const known = migrations.length;
  const applied: number[] = [];
  const step = db.transaction((m: Migration): boolean => {
    const current = schemaVersion(db);
    if (current > known) throw futureVersionError(file, current, known);
    if (current >= m.version) return false;
    db.exec(m.up);
    db.pragma(`user_version = ${m.version}`);
    return true;
  });
  const current = schemaVersion(db);
  if (current > known) throw futureVersionError(file, current, known);
  for (const m of migrations) {
    if (m.version <= current) continue;
    if (step.immediate(m)) applied.push(m.version);
  }
  return applied;
}
