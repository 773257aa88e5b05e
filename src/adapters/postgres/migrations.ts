/**
 * @module The PostgreSQL schema as an ordered list of migrations, and the code that applies them.
 * Applied versions are rows of `schema_migrations`, each written in the same transaction as its
 * migration (PostgreSQL's DDL is transactional: a failed migration leaves no trace). Every
 * transaction first takes an advisory transaction lock, so replicas starting at once migrate one
 * after the other, and the later ones find the work done. Append new migrations; never edit one that
 * has shipped.
 *
 * JSON values (release requests, inputs, snapshots, effect results) are `json`, not `jsonb`: `json`
 * keeps the text exactly as written, key order included, as the SQLite store does. A release is
 * rebuilt by replaying its inputs through the engine, which walks some input maps in key order
 * (the regions of a health report): `jsonb` would hand back those keys re-sorted, and the replay
 * could emit the same events in another order than the live run did.
 */
import type pg from 'pg';
import { checkMigrations, futureVersionError, type Migration } from '../migrations.ts';
import { FINISHED_SQL } from '../sql-rows.ts';
import { advisoryKey } from './advisory-key.ts';

export type { Migration } from '../migrations.ts';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'releases, inputs, snapshots, effects, audit, region versions, leader',
    up: `
      CREATE TABLE releases (
        id text PRIMARY KEY,
        service text NOT NULL,
        version text NOT NULL,
        created_at double precision NOT NULL,
        updated_at double precision NOT NULL,
        phase text NOT NULL,
        request json NOT NULL,
        -- Creation order, for "the later created first among equal times".
        created_order bigint GENERATED ALWAYS AS IDENTITY
      );
      -- At most one unfinished release per service, enforced by the database itself.
      CREATE UNIQUE INDEX releases_one_unfinished_per_service ON releases (service)
        WHERE phase NOT IN (${FINISHED_SQL});
      CREATE INDEX releases_newest_first ON releases (created_at DESC, created_order DESC);

      CREATE TABLE inputs (
        release_id text NOT NULL REFERENCES releases (id),
        seq integer NOT NULL CHECK (seq >= 1),
        input json NOT NULL,
        at double precision NOT NULL,
        PRIMARY KEY (release_id, seq)
      );

      CREATE TABLE snapshots (
        release_id text NOT NULL REFERENCES releases (id),
        seq integer NOT NULL CHECK (seq >= 0),
        state json NOT NULL,
        PRIMARY KEY (release_id, seq)
      );

      CREATE TABLE effects (
        key text PRIMARY KEY,
        result json NOT NULL
      );

      CREATE TABLE audit (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        at double precision NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('ok', 'refused')),
        detail text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );

      CREATE TABLE region_versions (
        service text NOT NULL,
        region text NOT NULL,
        version text NOT NULL,
        at double precision NOT NULL,
        PRIMARY KEY (service, region)
      );

      -- Who took the leader lock last (the lock itself is an advisory lock, not this row).
      CREATE TABLE leader (
        name text PRIMARY KEY,
        holder text NOT NULL,
        backend_pid integer NOT NULL,
        since timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'release pages newest first, freezes',
    up: `
      -- Pages of releases, newest first with ties broken by id (the keyset of listReleases), over
      -- all releases and over one service's. Ids compare byte by byte (COLLATE "C"), whatever the
      -- database's collation, so every store and replica agrees on one order. created_order stays
      -- (replicas still on version 1 order by it until they are upgraded) but orders nothing now.
      DROP INDEX releases_newest_first;
      CREATE INDEX releases_newest_first ON releases (created_at DESC, id COLLATE "C" DESC);
      CREATE INDEX releases_of_service_newest_first ON releases (service, created_at DESC, id COLLATE "C" DESC);

      -- Freezes people started (stop the line). An empty regions or services array matches every
      -- region or service.
      CREATE TABLE freezes (
        id text PRIMARY KEY,
        reason text NOT NULL,
        regions text[] NOT NULL CHECK (array_position(regions, NULL) IS NULL),
        services text[] NOT NULL CHECK (array_position(services, NULL) IS NULL),
        started_at double precision NOT NULL,
        started_by text NOT NULL,
        ended_at double precision,
        ended_by text,
        CHECK ((ended_at IS NULL) = (ended_by IS NULL))
      );
      CREATE INDEX freezes_in_force ON freezes (started_at, id COLLATE "C") WHERE ended_at IS NULL;
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
        service text NOT NULL,
        version text NOT NULL,
        release_id text NOT NULL,
        at double precision NOT NULL,
        reason text NOT NULL CHECK (char_length(reason) <= 500),
        PRIMARY KEY (service, version, release_id)
      );
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
        id_hash text PRIMARY KEY CHECK (char_length(id_hash) = 64),
        issuer text NOT NULL,
        subject text NOT NULL,
        user_name text NOT NULL,
        name text,
        groups text[] NOT NULL,
        created_at double precision NOT NULL,
        expires_at double precision NOT NULL CHECK (expires_at > created_at)
      );
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
      CREATE INDEX sessions_of_subject ON sessions (issuer, subject, created_at DESC, id_hash COLLATE "C" DESC);
    `,
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** A schema name meridian may put in a search_path without quoting. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;


/** The highest version applied in the connection's schema; 0 when it has no meridian schema. */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ v: number }>('SELECT coalesce(max(version), 0)::integer AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/**
 * Bring the connection's schema (the first in its search_path; `schema`, created when missing, when
 * given) up to the last migration, one migration per transaction, each under the advisory lock.
 * Returns the versions applied, none when the schema was current. A schema from a newer meridian is
 * refused, naming both versions.
 */
export async function migrate(client: pg.ClientBase, where: string, opts: { schema?: string; migrations?: readonly Migration[] } = {}): Promise<number[]> {
  const migrations = opts.migrations ?? MIGRATIONS;
  checkMigrations(migrations);
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new TypeError(`schema "${opts.schema}" must be lower-case letters, digits and _ (at most 63), not starting with a digit`);
  const known = migrations.length;
  const key = advisoryKey('migrations', opts.schema ?? '');
  const applied: number[] = [];
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
      if (opts.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
      const current = await schemaVersion(client);
      if (current > known) throw futureVersionError(where, current, known);
      const next = migrations[current];
      if (!next) {
        await client.query('COMMIT');
        return applied;
      }
      if (current === 0) {
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY CHECK (version >= 1),
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
      }
      await client.query(next.up);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [next.version, next.name]);
      await client.query('COMMIT');
      applied.push(next.version);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }
}
