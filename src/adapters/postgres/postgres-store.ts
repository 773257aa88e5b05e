/**
 * @module PostgresStore: the Store port on PostgreSQL (node-postgres `pg.Pool`), for several
 * `meridian serve` replicas sharing one database. Same tables, rules and messages as the SQLite
 * store; versioned migrations (migrations.ts) applied under an advisory lock. Concurrency is the
 * database's job: the one-unfinished-release-per-service rule is a partial unique index that
 * createRelease relies on (an insert that loses the race inserts nothing), appendInput and
 * saveSnapshot lock the release's row for their check-then-write, and audit entries are chained
 * under an advisory transaction lock, so writers on other connections or replicas take turns and the
 * hash chain stays one chain. Release pages are keyset queries on an index in their order
 * (listSql); a freeze ends under its row's lock, so of two replicas ending it one does. Failures
 * surface as AdapterError naming the URL with its password hidden (retryable for lost connections
 * and serialization failures).
 */
import pg from 'pg';
import { AdapterError, ConflictError } from '../../errors.ts';
import { MAX_SESSIONS_PER_SUBJECT, type AuditEntry, type FailedVersionRecord, type FreezeRecord, type NewAuditEntry, type NewRelease, type ReleaseListQuery, type ReleaseRecord, type SessionRecord, type Store } from '../../ports.ts';
import { checkSession } from '../../runtime/session-records.ts';
import { sealAuditEntry } from '../../runtime/audit-chain.ts';
import { FINISHED_SQL, RELEASE_COLUMNS, toAudit, toRecord, type AuditRow, type ReleaseRow } from '../sql-rows.ts';
import {
  INITIAL_PHASE, checkFailedVersion, checkFailedVersionKeys, checkFreezeEnd, checkListQuery, checkNewFreeze, checkDeletable, checkSeq, checkSnapshotSeq, conflictInProgress, failedKey, freezeExists, notFound, toJson,
} from '../../runtime/memory-store.ts';
import { advisoryKey } from './advisory-key.ts';
import { adapterError } from './errors.ts';
import { futureVersionError } from '../migrations.ts';
import { SCHEMA_NAME, SCHEMA_VERSION, migrate, schemaVersion } from './migrations.ts';
import { checkPostgresUrl, redactUrl } from './url.ts';

export interface PostgresStoreOptions {
  /**
   * Keep the tables in this schema (created when missing) instead of the first schema of the
   * connection's search_path (normally `public`). Lower-case letters, digits and `_`.
   */
  schema?: string;
  /**
   * Read an existing, current database only: nothing is created or migrated, and every transaction
   * is read-only. For inspection (`meridian audit verify --postgres`) next to running servers.
   */
  readonly?: boolean;
  /** The most connections the store holds at once. Default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing (ms). Default 10000. */
  connectTimeoutMs?: number;
}

/** The release order: ids compared byte by byte, as the indexes of migration 2 keep them. */
const NEWEST_FIRST = 'ORDER BY created_at DESC, id COLLATE "C" DESC';
const AUDIT_COLUMNS = 'seq, at, actor, action, target, outcome, detail, prev_hash, hash';
const FREEZE_COLUMNS = 'id, reason, regions, services, started_at, started_by, ended_at, ended_by';

/** A freeze as the freezes table keeps it (node-postgres gives text[] as string[]). */
interface FreezeRow {
  id: string;
  reason: string;
  regions: string[];
  services: string[];
  started_at: number;
  started_by: string;
  ended_at: number | null;
  ended_by: string | null;
}

const toFreeze = (r: FreezeRow): FreezeRecord => ({
  id: r.id,
  reason: r.reason,
  regions: r.regions,
  services: r.services,
  startedAt: Number(r.started_at),
  startedBy: r.started_by,
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  endedBy: r.ended_by,
});

/** A failed version as the failed_versions table keeps it. */
interface FailedRow {
  service: string;
  version: string;
  release_id: string;
  at: number;
  reason: string;
}

const FAILED_COLUMNS = 'service, version, release_id, at, reason';

const toFailed = (r: FailedRow): FailedVersionRecord => ({ service: r.service, version: r.version, releaseId: r.release_id, at: Number(r.at), reason: r.reason });

/** A dashboard session as the sessions table keeps it. */
interface SessionRow {
  id_hash: string;
  issuer: string;
  subject: string;
  user_name: string;
  name: string | null;
  groups: string[];
  created_at: number;
  expires_at: number;
}

const SESSION_COLUMNS = 'id_hash, issuer, subject, user_name, name, groups, created_at, expires_at';

const toSession = (r: SessionRow): SessionRecord => ({
  idHash: r.id_hash, issuer: r.issuer, subject: r.subject, user: r.user_name, name: r.name, groups: [...r.groups], createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
});

/**
 * The SQL of one page of releases and its parameters, for a checked query. Newest first by
 * (created_at, id), the keyset being the page's last record: served by releases_newest_first, or
 * releases_of_service_newest_first for one service, read in order from the key on and stopped at
 * the limit, so a page costs its own rows whatever the history.
 */
export function listSql(query: ReleaseListQuery): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown): string => {
    values.push(v);
    return `$${values.length}`;
  };
  if (query.service !== undefined) where.push(`service = ${param(query.service)}`);
  if (query.phases !== undefined && query.phases.length > 0) where.push(`phase = ANY(${param(query.phases)}::text[])`);
  if (query.after !== undefined) where.push(`(created_at, id COLLATE "C") < (${param(query.after.createdAt)}::double precision, ${param(query.after.id)}::text)`);
  let text = `SELECT ${RELEASE_COLUMNS} FROM releases${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ${NEWEST_FIRST}`;
  if (query.limit !== undefined) text += ` LIMIT ${param(query.limit)}`;
  return { text, values };
}

/** How often createRelease tries again when the release in its way finished before it could be named. */
const CREATE_ATTEMPTS = 5;

export class PostgresStore implements Store {
  /** The URL with its password hidden, and the schema when one was given: for messages and logs. */
  readonly where: string;
  /** The schema given to open(), or null for the search_path's. */
  readonly schema: string | null;
  readonly #pool: pg.Pool;
  readonly #auditKey: string;
  #closed = false;

  private constructor(where: string, schema: string | null, pool: pg.Pool) {
    this.where = where;
    this.schema = schema;
    this.#pool = pool;
    this.#auditKey = advisoryKey('audit', schema ?? '');
  }

  /**
   * Connect to the database at `url` and bring its schema up to date. A database written by a newer
   * meridian is refused with both versions named. The password in `url` never appears in a message.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    checkPostgresUrl(url);
    const schema = options.schema ?? null;
    if (schema !== null && !SCHEMA_NAME.test(schema)) {
      throw new AdapterError(`schema "${schema}" must be lower-case letters, digits and _ (at most 63), not starting with a digit`, { retryable: false });
    }
    const where = `${redactUrl(url)}${schema ? ` (schema ${schema})` : ''}`;
    const session = sessionOptions(schema, options.readonly ?? false);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: 'meridian',
      ...(session ? { options: session } : {}),
    });
    // An idle connection the server closed is dropped from the pool; the next query opens another.
    pool.on('error', () => {});
    try {
      const client = await pool.connect();
      try {
        if (options.readonly) await checkReadable(client, where);
        else await migrate(client, where, schema === null ? {} : { schema });
      } finally {
        client.release();
      }
      return new PostgresStore(where, schema, pool);
    } catch (e) {
      await pool.end().catch(() => {});
      throw adapterError(where, e);
    }
  }

  #live(): void {
    if (this.#closed) throw new AdapterError(`postgres store ${this.where} is closed`, { retryable: false });
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    this.#live();
    try {
      return (await this.#pool.query<R>(text, values)).rows;
    } catch (e) {
      throw adapterError(this.where, e);
    }
  }

  /** Run `fn` in one transaction on one connection; rolled back when it throws. */
  async #tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.#live();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw adapterError(this.where, e);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
        // The connection is gone or unusable: do not hand it to the next caller.
        broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
      });
      throw adapterError(this.where, e);
    } finally {
      client.release(broken);
    }
  }

  async createRelease(rec: NewRelease): Promise<void> {
    const request = toJson('release request', rec.request);
    const first = rec.first ? toJson('input', rec.first.input) : null;
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      // The primary key and the partial unique index decide, atomically, against every other
      // connection; losing either way inserts nothing. The first input and the audit entry go in
      // the same transaction, so a refused entry leaves nothing behind.
      const created = await this.#tx(async (c) => {
        const inserted = await c.query(
          'INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES ($1, $2, $3, $4, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id',
          [rec.id, rec.service, rec.version, rec.createdAt, rec.first?.phase ?? INITIAL_PHASE, request],
        );
        if (inserted.rows.length !== 1) return false;
        if (first !== null) await c.query('INSERT INTO inputs (release_id, seq, input, at) VALUES ($1, 1, $2, $3)', [rec.id, first, rec.createdAt]);
        if (rec.audit) await this.#insertAudit(c, rec.audit);
        return true;
      });
      if (created) return;
      if ((await this.#query('SELECT 1 FROM releases WHERE id = $1', [rec.id])).length > 0) throw new ConflictError(`release ${rec.id} already exists`);
      const [running] = await this.#query<{ id: string; phase: string }>(`SELECT id, phase FROM releases WHERE service = $1 AND phase NOT IN (${FINISHED_SQL}) LIMIT 1`, [rec.service]);
      if (running) throw conflictInProgress(rec.service, running);
      // The release in the way finished in between: try again.
    }
    throw new AdapterError(`${this.where}: could not create release ${rec.id}: service ${rec.service} kept changing under it`, { retryable: true });
  }

  async getRelease(id: string): Promise<ReleaseRecord | null> {
    const [row] = await this.#query<ReleaseRow>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = $1`, [id]);
    return row ? toRecord(row) : null;
  }

  async listReleases(query: ReleaseListQuery = {}): Promise<ReleaseRecord[]> {
    checkListQuery(query);
    const { text, values } = listSql(query);
    return (await this.#query<ReleaseRow>(text, values)).map(toRecord);
  }

  async activeReleases(): Promise<ReleaseRecord[]> {
    return (await this.#query<ReleaseRow>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE phase NOT IN (${FINISHED_SQL}) ${NEWEST_FIRST}`)).map(toRecord);
  }

  async appendInput(id: string, seq: number, input: unknown, phase: string, at: number): Promise<void> {
    const text = toJson('input', input);
    await this.#tx(async (c) => {
      const last = await lockRelease(c, id);
      checkSeq(id, seq, last);
      await c.query('INSERT INTO inputs (release_id, seq, input, at) VALUES ($1, $2, $3, $4)', [id, seq, text, at]);
      await c.query('UPDATE releases SET phase = $1, updated_at = $2 WHERE id = $3', [phase, at, id]);
    });
  }

  async inputs(id: string, afterSeq = 0): Promise<Array<{ seq: number; input: unknown }>> {
    const rows = await this.#query<{ seq: number; input: unknown }>('SELECT seq, input FROM inputs WHERE release_id = $1 AND seq > $2 ORDER BY seq', [id, afterSeq]);
    return rows.map((r) => ({ seq: r.seq, input: r.input }));
  }

  async saveSnapshot(id: string, seq: number, state: unknown): Promise<void> {
    const text = toJson('snapshot state', state);
    await this.#tx(async (c) => {
      const last = await lockRelease(c, id);
      checkSnapshotSeq(id, seq, last);
      await c.query('INSERT INTO snapshots (release_id, seq, state) VALUES ($1, $2, $3) ON CONFLICT (release_id, seq) DO UPDATE SET state = excluded.state', [id, seq, text]);
      // Only the latest is ever read: older ones go.
      await c.query('DELETE FROM snapshots WHERE release_id = $1 AND seq < (SELECT max(seq) FROM snapshots WHERE release_id = $1)', [id]);
    });
  }

  async deleteInputs(id: string, seqs: readonly number[]): Promise<number> {
    return this.#tx(async (c) => {
      await lockRelease(c, id);
      const { rows } = await c.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM snapshots WHERE release_id = $1', [id]);
      checkDeletable(id, seqs, rows[0]?.seq ?? null);
      if (seqs.length === 0) return 0;
      const gone = await c.query('DELETE FROM inputs WHERE release_id = $1 AND seq = ANY($2::integer[])', [id, seqs]);
      return gone.rowCount ?? 0;
    });
  }

  async latestSnapshot(id: string): Promise<{ seq: number; state: unknown } | null> {
    const [row] = await this.#query<{ seq: number; state: unknown }>('SELECT seq, state FROM snapshots WHERE release_id = $1 ORDER BY seq DESC LIMIT 1', [id]);
    return row ? { seq: row.seq, state: row.state } : null;
  }

  async effectResult(key: string): Promise<unknown | null> {
    const [row] = await this.#query<{ result: unknown }>('SELECT result FROM effects WHERE key = $1', [key]);
    return row ? row.result : null;
  }

  async recordEffect(key: string, result: unknown): Promise<void> {
    const text = toJson('effect result', result);
    // The first completion is the truth: a second report of the same effect does not replace it.
    await this.#query('INSERT INTO effects (key, result) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, text]);
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.#tx((c) => this.#insertAudit(c, entry));
  }

  /** Seal and insert an audit entry inside the transaction of `c`. */
  async #insertAudit(c: pg.PoolClient, entry: NewAuditEntry): Promise<AuditEntry> {
    // Writers take turns from reading the last entry to inserting the next: the chain stays one
    // chain. An advisory lock needs no privilege on the table (which may be insert-only).
    await c.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.#auditKey]);
    const [last] = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')).rows;
    const sealed = sealAuditEntry(last ? { seq: Number(last.seq), hash: last.hash } : null, entry);
    await c.query(`INSERT INTO audit (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      sealed.seq, sealed.at, sealed.actor, sealed.action, sealed.target, sealed.outcome, sealed.detail, sealed.prevHash, sealed.hash,
    ]);
    return sealed;
  }

  async audit(): Promise<AuditEntry[]> {
    return (await this.#query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit ORDER BY seq`)).map(toAudit);
  }

  async regionVersions(service: string): Promise<Record<string, string>> {
    const rows = await this.#query<{ region: string; version: string }>('SELECT region, version FROM region_versions WHERE service = $1 ORDER BY region COLLATE "C"', [service]);
    const out: Record<string, string> = {};
    for (const r of rows) out[r.region] = r.version;
    return out;
  }

  async setRegionVersion(service: string, region: string, version: string, at: number): Promise<void> {
    await this.#query(
      'INSERT INTO region_versions (service, region, version, at) VALUES ($1, $2, $3, $4) ON CONFLICT (service, region) DO UPDATE SET version = excluded.version, at = excluded.at',
      [service, region, version, at],
    );
  }

  async createFreeze(freeze: FreezeRecord, audit: NewAuditEntry): Promise<void> {
    checkNewFreeze(freeze);
    // The primary key decides against every other connection; the audit entry goes in the same
    // transaction, so a refused entry leaves no freeze behind.
    await this.#tx(async (c) => {
      const inserted = await c.query(
        `INSERT INTO freezes (${FREEZE_COLUMNS}) VALUES ($1, $2, $3::text[], $4::text[], $5, $6, NULL, NULL) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [freeze.id, freeze.reason, freeze.regions, freeze.services, freeze.startedAt, freeze.startedBy],
      );
      if (inserted.rows.length !== 1) throw freezeExists(freeze.id);
      await this.#insertAudit(c, audit);
    });
  }

  async endFreeze(id: string, at: number, by: string, audit: NewAuditEntry): Promise<boolean> {
    checkFreezeEnd(at, by);
    // The UPDATE locks the row; a second replica ending it at once waits, then finds it ended.
    return this.#tx(async (c) => {
      const ended = await c.query('UPDATE freezes SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL RETURNING id', [at, by, id]);
      if (ended.rows.length !== 1) return false;
      await this.#insertAudit(c, audit);
      return true;
    });
  }

  async activeFreezes(): Promise<FreezeRecord[]> {
    return (await this.#query<FreezeRow>(`SELECT ${FREEZE_COLUMNS} FROM freezes WHERE ended_at IS NULL ORDER BY started_at, id COLLATE "C"`)).map(toFreeze);
  }

  async recordFailedVersion(rec: FailedVersionRecord): Promise<void> {
    checkFailedVersion(rec);
    // The first record of a release is the truth: recording it again (another replica, a restart) changes nothing.
    await this.#query(`INSERT INTO failed_versions (${FAILED_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (service, version, release_id) DO NOTHING`, [
      rec.service, rec.version, rec.releaseId, rec.at, rec.reason,
    ]);
  }

  async failedVersion(service: string, version: string): Promise<FailedVersionRecord | null> {
    const [row] = await this.#query<FailedRow>(`SELECT ${FAILED_COLUMNS} FROM failed_versions WHERE service = $1 AND version = $2 ORDER BY at DESC, release_id COLLATE "C" DESC LIMIT 1`, [service, version]);
    return row ? toFailed(row) : null;
  }

  async failedVersions(keys: ReadonlyArray<{ service: string; version: string }>): Promise<FailedVersionRecord[]> {
    const wanted = checkFailedVersionKeys(keys);
    if (wanted.length === 0) return [];
    // One query for the page: the newest failure of each key, then put back in the order given.
    const rows = await this.#query<FailedRow>(
      `SELECT DISTINCT ON (f.service, f.version) f.service, f.version, f.release_id, f.at, f.reason
       FROM failed_versions f JOIN unnest($1::text[], $2::text[]) AS k (service, version) ON f.service = k.service AND f.version = k.version
       ORDER BY f.service, f.version, f.at DESC, f.release_id COLLATE "C" DESC`,
      [wanted.map((k) => k.service), wanted.map((k) => k.version)],
    );
    const newest = new Map(rows.map((r) => [failedKey(r.service, r.version), toFailed(r)]));
    return wanted.flatMap((k) => newest.get(failedKey(k.service, k.version)) ?? []);
  }

  async createSession(rec: SessionRecord): Promise<void> {
    checkSession(rec);
    // The primary key decides against every other replica; the clean-up goes in the same transaction.
    await this.#tx(async (c) => {
      const inserted = await c.query(
        `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8) ON CONFLICT (id_hash) DO NOTHING RETURNING id_hash`,
        [rec.idHash, rec.issuer, rec.subject, rec.user, rec.name, rec.groups, rec.createdAt, rec.expiresAt],
      );
      if (inserted.rows.length !== 1) throw new ConflictError('a session with this id already exists');
      await c.query('DELETE FROM sessions WHERE expires_at <= $1', [rec.createdAt]);
      await c.query(
        `DELETE FROM sessions WHERE issuer = $1 AND subject = $2 AND id_hash NOT IN (
           SELECT id_hash FROM sessions WHERE issuer = $1 AND subject = $2 ORDER BY created_at DESC, id_hash COLLATE "C" DESC LIMIT $3)`,
        [rec.issuer, rec.subject, MAX_SESSIONS_PER_SUBJECT],
      );
    });
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | null> {
    const [row] = await this.#query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = $1 AND expires_at > $2`, [idHash, now]);
    return row ? toSession(row) : null;
  }

  async deleteSession(idHash: string): Promise<boolean> {
    return (await this.#query('DELETE FROM sessions WHERE id_hash = $1 RETURNING id_hash', [idHash])).length > 0;
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return (await this.#query('DELETE FROM sessions WHERE expires_at <= $1 RETURNING id_hash', [now])).length;
  }

  /** Idempotent: waits for queries in flight, then closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/** The `options` startup parameter: the schema to work in, and read-only transactions. */
function sessionOptions(schema: string | null, readonly: boolean): string | undefined {
  const parts: string[] = [];
  if (schema !== null) parts.push(`-c search_path=${schema}`);
  if (readonly) parts.push('-c default_transaction_read_only=on');
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Lock the release's row for the rest of the transaction; its last input seq. NotFoundError when there is no such release. */
async function lockRelease(c: pg.PoolClient, id: string): Promise<number> {
  const found = await c.query('SELECT 1 FROM releases WHERE id = $1 FOR UPDATE', [id]);
  if (found.rowCount === 0) throw notFound(id);
  const { rows } = await c.query<{ last: number }>('SELECT coalesce(max(seq), 0)::integer AS last FROM inputs WHERE release_id = $1', [id]);
  return rows[0]?.last ?? 0;
}

/** A read-only store needs a schema this code knows, already migrated. */
async function checkReadable(client: pg.PoolClient, where: string): Promise<void> {
  const version = await schemaVersion(client);
  if (version > SCHEMA_VERSION) throw futureVersionError(where, version, SCHEMA_VERSION);
  if (version === 0) throw new AdapterError(`${where}: not a meridian database (it has no meridian schema)`, { retryable: false });
  if (version < SCHEMA_VERSION) {
    throw new AdapterError(`${where}: the database has schema version ${version}, older than this version of meridian (${SCHEMA_VERSION}); open it once for writing (meridian serve --postgres) to migrate it`, { retryable: false });
  }
}
