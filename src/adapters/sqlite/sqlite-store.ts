/**
 * @module SqliteStore: the Store port on one SQLite file (better-sqlite3, synchronous; the async
 * methods only wrap it). WAL journal, a busy timeout, versioned migrations (migrations.ts). Every
 * check-then-write runs in an IMMEDIATE transaction, so another process on the same file cannot slip
 * in between; the one-unfinished-release-per-service rule is also a unique index. Release pages are
 * keyset queries on an index in their order (listSql). SQLite failures surface as AdapterError
 * (retryable when the database was busy).
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AdapterError, ConflictError, MeridianError } from '../../errors.ts';
import { MAX_SESSIONS_PER_SUBJECT, type AuditEntry, type FailedVersionRecord, type FreezeRecord, type NewAuditEntry, type NewRelease, type ReleaseListQuery, type ReleaseRecord, type SessionRecord, type Store } from '../../ports.ts';
import { checkSession } from '../../runtime/session-records.ts';
import { sealAuditEntry } from '../../runtime/audit-chain.ts';
import { FINISHED_SQL, RELEASE_COLUMNS, toAudit, toRecord, type AuditRow, type ReleaseRow } from '../sql-rows.ts';
import {
  INITIAL_PHASE, checkFailedVersion, checkFailedVersionKeys, checkFreezeEnd, checkListQuery, checkNewFreeze, checkDeletable, checkSeq, checkSnapshotSeq, conflictInProgress, freezeExists, notFound, toJson,
} from '../../runtime/memory-store.ts';
import { futureVersionError } from '../migrations.ts';
import { SCHEMA_VERSION, migrate, schemaVersion } from './migrations.ts';

export interface SqliteStoreOptions {
  /**
   * Open an existing database for reading only: nothing is created or migrated, and writes fail.
   * For inspection (`meridian audit verify`) next to a running server.
   */
  readonly?: boolean;
  /** How long to wait for another connection's write lock before failing (ms). Default 5000. */
  busyTimeoutMs?: number;
}


function isSqliteError(e: unknown): e is InstanceType<Database.SqliteError> {
  return e instanceof Database.SqliteError;
}

/** A SQLite failure as an AdapterError; errors of our own pass through. */
function adapterError(file: string, e: unknown): unknown {
  if (e instanceof MeridianError || e instanceof TypeError || !(e instanceof Error)) return e;
  if (isSqliteError(e)) {
    const retryable = e.code.startsWith('SQLITE_BUSY') || e.code.startsWith('SQLITE_LOCKED');
    const hint = e.code === 'SQLITE_NOTADB' ? ' (not a SQLite database)' : '';
    return new AdapterError(`${file}: ${e.message}${hint}`, { retryable, cause: e });
  }
  return e;
}

/** A freeze as the freezes table keeps it. */
interface FreezeRow {
  id: string;
  reason: string;
  regions: string;
  services: string;
  started_at: number;
  started_by: string;
  ended_at: number | null;
  ended_by: string | null;
}

const FREEZE_COLUMNS = 'id, reason, regions, services, started_at, started_by, ended_at, ended_by';

const toFreeze = (r: FreezeRow): FreezeRecord => ({
  id: r.id,
  reason: r.reason,
  regions: JSON.parse(r.regions) as string[],
  services: JSON.parse(r.services) as string[],
  startedAt: r.started_at,
  startedBy: r.started_by,
  endedAt: r.ended_at,
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

const toFailed = (r: FailedRow): FailedVersionRecord => ({ service: r.service, version: r.version, releaseId: r.release_id, at: r.at, reason: r.reason });

/** A dashboard session as the sessions table keeps it (groups as a JSON array). */
interface SessionRow {
  id_hash: string;
  issuer: string;
  subject: string;
  user_name: string;
  name: string | null;
  groups: string;
  created_at: number;
  expires_at: number;
}

const SESSION_COLUMNS = 'id_hash, issuer, subject, user_name, name, groups, created_at, expires_at';

const toSession = (r: SessionRow): SessionRecord => ({
  idHash: r.id_hash, issuer: r.issuer, subject: r.subject, user: r.user_name, name: r.name, groups: JSON.parse(r.groups) as string[], createdAt: r.created_at, expiresAt: r.expires_at,
});

/**
 * The SQL of one page of releases and its parameters, for a checked query. Newest first by
 * (created_at, id), the keyset being the page's last record: served by releases_newest_first, or
 * releases_of_service_newest_first for one service, read in order from the key on and stopped at
 * the limit, so a page costs its own rows whatever the history.
 */
export function listSql(query: ReleaseListQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.service !== undefined) {
    where.push('service = ?');
    params.push(query.service);
  }
  if (query.phases !== undefined && query.phases.length > 0) {
    where.push('phase IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(query.phases));
  }
  if (query.after !== undefined) {
    where.push('(created_at, id) < (?, ?)');
    params.push(query.after.createdAt, query.after.id);
  }
  let sql = `SELECT ${RELEASE_COLUMNS} FROM releases${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`;
  if (query.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(query.limit);
  }
  return { sql, params };
}

interface PendingAppend {
  id: string;
  seq: number;
  text: string;
  phase: string;
  at: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class SqliteStore implements Store {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #stmt: ReturnType<typeof prepare>;
  /** The list statements prepared so far, by SQL text (at most 16 shapes). */
  readonly #lists = new Map<string, Database.Statement>();
  /** Appends waiting for the next group commit. */
  readonly #appends: PendingAppend[] = [];

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.#db = db;
    this.#stmt = prepare(db);
  }

  /**
   * Open (creating it if needed) the database at `file` and bring its schema up to date. A database
   * written by a newer meridian is refused with both versions named.
   */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    const readonly = options.readonly ?? false;
    if (readonly && !existsSync(file)) throw new AdapterError(`${file}: no such database file`, { retryable: false });
    if (existsSync(file) && statSync(file).isDirectory()) throw new AdapterError(`${file}: is a directory, not a database file`, { retryable: false });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? 5000 });
    } catch (e) {
      throw new AdapterError(`${file}: cannot open the database (${e instanceof Error ? e.message : String(e)})`, { retryable: false, cause: e });
    }
    try {
      if (readonly) {
        const version = schemaVersion(db);
        if (version > SCHEMA_VERSION) throw futureVersionError(file, version, SCHEMA_VERSION);
        if (version === 0) throw new AdapterError(`${file}: not a meridian database (it has no meridian schema)`, { retryable: false });
        if (version < SCHEMA_VERSION) {
          throw new AdapterError(`${file}: the database has schema version ${version}, older than this version of meridian (${SCHEMA_VERSION}); open it once for writing (meridian serve --db) to migrate it`, { retryable: false });
        }
      } else {
        db.pragma('journal_mode = WAL');
        // FULL: a commit is on disk when appendInput returns, even across a power cut. An input the
        // engine acted on must not disappear from the log.
        db.pragma('synchronous = FULL');
        db.pragma('foreign_keys = ON');
        migrate(db, file);
      }
      return new SqliteStore(file, db);
    } catch (e) {
      db.close();
      throw adapterError(file, e);
    }
  }

  #run<T>(fn: () => T): T {
    if (!this.#db.open) throw new AdapterError(`sqlite store ${this.file} is closed`, { retryable: false });
    try {
      return fn();
    } catch (e) {
      throw adapterError(this.file, e);
    }
  }

  async createRelease(rec: NewRelease): Promise<void> {
    const request = toJson('release request', rec.request);
    const first = rec.first ? toJson('input', rec.first.input) : null;
    const s = this.#stmt;
    const create = this.#db.transaction(() => {
      if (s.releaseById.get(rec.id)) throw new ConflictError(`release ${rec.id} already exists`);
      const running = s.unfinishedOfService.get(rec.service) as { id: string; phase: string } | undefined;
      if (running) throw conflictInProgress(rec.service, running);
      s.insertRelease.run(rec.id, rec.service, rec.version, rec.createdAt, rec.createdAt, rec.first?.phase ?? INITIAL_PHASE, request);
      if (first !== null) s.insertInput.run(rec.id, 1, first, rec.createdAt);
      if (rec.audit) this.#insertAudit(rec.audit);
    });
    this.#run(() => create.immediate());
  }

  /** Seal and insert an audit entry; call inside a transaction. */
  #insertAudit(entry: NewAuditEntry): AuditEntry {
    const s = this.#stmt;
    const last = s.lastAudit.get() as { seq: number; hash: string } | undefined;
    const sealed = sealAuditEntry(last ?? null, entry);
    s.insertAudit.run(sealed.seq, sealed.at, sealed.actor, sealed.action, sealed.target, sealed.outcome, sealed.detail, sealed.prevHash, sealed.hash);
    return sealed;
  }

  async getRelease(id: string): Promise<ReleaseRecord | null> {
    const row = this.#run(() => this.#stmt.releaseById.get(id) as ReleaseRow | undefined);
    return row ? toRecord(row) : null;
  }

  async listReleases(query: ReleaseListQuery = {}): Promise<ReleaseRecord[]> {
    checkListQuery(query);
    const { sql, params } = listSql(query);
    return this.#run(() => {
      let stmt = this.#lists.get(sql);
      if (!stmt) this.#lists.set(sql, (stmt = this.#db.prepare(sql)));
      return (stmt.all(...params) as ReleaseRow[]).map(toRecord);
    });
  }

  async activeReleases(): Promise<ReleaseRecord[]> {
    return this.#run(() => (this.#stmt.activeReleases.all() as ReleaseRow[]).map(toRecord));
  }

  /**
   * Inputs of every release are committed together (group commit): an append waits for the next
   * turn of the event loop and is written with whatever else was appended meanwhile, in one
   * transaction and one flush to disk, and resolves once that commit is durable. A hundred releases
   * reaching their gate rounds at once cost one fsync, not a hundred, on the server's only thread.
   * Each append is checked on its own (a savepoint each): one refused leaves the others written.
   */
  appendInput(id: string, seq: number, input: unknown, phase: string, at: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // A value JSON cannot hold is refused at once, before anything waits.
      const text = toJson('input', input);
      this.#appends.push({ id, seq, text, phase, at, resolve, reject });
      if (this.#appends.length === 1) setImmediate(() => this.#flushAppends());
    });
  }

  #flushAppends(): void {
    const batch = this.#appends.splice(0);
    if (batch.length === 0) return;
    const s = this.#stmt;
    const outcome: unknown[] = [];
    const one = this.#db.transaction((a: PendingAppend) => {
      if (!s.releaseById.get(a.id)) throw notFound(a.id);
      checkSeq(a.id, a.seq, s.lastInputSeq.get(a.id) as number);
      s.insertInput.run(a.id, a.seq, a.text, a.at);
      s.updatePhase.run(a.phase, a.at, a.id);
    });
    const all = this.#db.transaction(() => {
      for (const a of batch) {
        try {
          one(a);
          outcome.push(null);
        } catch (e) {
          outcome.push(adapterError(this.file, e));
        }
      }
    });
    try {
      this.#run(() => all.immediate());
    } catch (e) {
      for (const a of batch) a.reject(e);
      return;
    }
    batch.forEach((a, i) => (outcome[i] === null ? a.resolve() : a.reject(outcome[i])));
  }

  async inputs(id: string, afterSeq = 0): Promise<Array<{ seq: number; input: unknown }>> {
    const rows = this.#run(() => this.#stmt.inputsAfter.all(id, afterSeq) as Array<{ seq: number; input: string }>);
    return rows.map((r) => ({ seq: r.seq, input: JSON.parse(r.input) as unknown }));
  }

  async saveSnapshot(id: string, seq: number, state: unknown): Promise<void> {
    const text = toJson('snapshot state', state);
    const s = this.#stmt;
    const save = this.#db.transaction(() => {
      if (!s.releaseById.get(id)) throw notFound(id);
      checkSnapshotSeq(id, seq, s.lastInputSeq.get(id) as number);
      s.upsertSnapshot.run(id, seq, text);
      // Only the latest is ever read: older ones go.
      s.pruneSnapshots.run(id, id);
    });
    this.#run(() => save.immediate());
  }

  async deleteInputs(id: string, seqs: readonly number[]): Promise<number> {
    const s = this.#stmt;
    const remove = this.#db.transaction((): number => {
      if (!s.releaseById.get(id)) throw notFound(id);
      checkDeletable(id, seqs, (s.latestSnapshotSeq.get(id) as number | undefined) ?? null);
      let gone = 0;
      for (const seq of seqs) gone += s.deleteInput.run(id, seq).changes;
      return gone;
    });
    return this.#run(() => remove.immediate());
  }

  async latestSnapshot(id: string): Promise<{ seq: number; state: unknown } | null> {
    const row = this.#run(() => this.#stmt.latestSnapshot.get(id) as { seq: number; state: string } | undefined);
    return row ? { seq: row.seq, state: JSON.parse(row.state) as unknown } : null;
  }

  async effectResult(key: string): Promise<unknown | null> {
    const row = this.#run(() => this.#stmt.effect.get(key) as { result: string } | undefined);
    return row ? (JSON.parse(row.result) as unknown) : null;
  }

  async recordEffect(key: string, result: unknown): Promise<void> {
    const text = toJson('effect result', result);
    // The first completion is the truth: a second report of the same effect does not replace it.
    this.#run(() => this.#stmt.insertEffect.run(key, text));
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const append = this.#db.transaction((): AuditEntry => this.#insertAudit(entry));
    return this.#run(() => append.immediate());
  }

  async audit(): Promise<AuditEntry[]> {
    return this.#run(() => (this.#stmt.allAudit.all() as AuditRow[]).map(toAudit));
  }

  async regionVersions(service: string): Promise<Record<string, string>> {
    const rows = this.#run(() => this.#stmt.regionVersions.all(service) as Array<{ region: string; version: string }>);
    const out: Record<string, string> = {};
    for (const r of rows) out[r.region] = r.version;
    return out;
  }

  async setRegionVersion(service: string, region: string, version: string, at: number): Promise<void> {
    this.#run(() => this.#stmt.upsertRegionVersion.run(service, region, version, at));
  }

  async createFreeze(freeze: FreezeRecord, audit: NewAuditEntry): Promise<void> {
    checkNewFreeze(freeze);
    const s = this.#stmt;
    const create = this.#db.transaction(() => {
      if (s.freezeById.get(freeze.id)) throw freezeExists(freeze.id);
      s.insertFreeze.run(freeze.id, freeze.reason, JSON.stringify(freeze.regions), JSON.stringify(freeze.services), freeze.startedAt, freeze.startedBy);
      this.#insertAudit(audit);
    });
    this.#run(() => create.immediate());
  }

  async endFreeze(id: string, at: number, by: string, audit: NewAuditEntry): Promise<boolean> {
    checkFreezeEnd(at, by);
    const s = this.#stmt;
    const end = this.#db.transaction((): boolean => {
      if (s.endFreeze.run(at, by, id).changes === 0) return false;
      this.#insertAudit(audit);
      return true;
    });
    return this.#run(() => end.immediate());
  }

  async activeFreezes(): Promise<FreezeRecord[]> {
    return this.#run(() => (this.#stmt.activeFreezes.all() as FreezeRow[]).map(toFreeze));
  }

  async recordFailedVersion(rec: FailedVersionRecord): Promise<void> {
    checkFailedVersion(rec);
    // The first record of a release is the truth: recording it again changes nothing.
    this.#run(() => this.#stmt.insertFailed.run(rec.service, rec.version, rec.releaseId, rec.at, rec.reason));
  }

  async failedVersion(service: string, version: string): Promise<FailedVersionRecord | null> {
    const row = this.#run(() => this.#stmt.newestFailed.get(service, version) as FailedRow | undefined);
    return row ? toFailed(row) : null;
  }

  async failedVersions(keys: ReadonlyArray<{ service: string; version: string }>): Promise<FailedVersionRecord[]> {
    const wanted = checkFailedVersionKeys(keys);
    // One lookup on the primary key's index each: a page of releases costs its own rows.
    return this.#run(() => wanted.flatMap((k) => {
      const row = this.#stmt.newestFailed.get(k.service, k.version) as FailedRow | undefined;
      return row ? [toFailed(row)] : [];
    }));
  }

  async createSession(rec: SessionRecord): Promise<void> {
    checkSession(rec);
    const s = this.#stmt;
    const create = this.#db.transaction(() => {
      if (s.sessionExists.get(rec.idHash)) throw new ConflictError('a session with this id already exists');
      s.deleteExpiredSessions.run(rec.createdAt);
      s.insertSession.run(rec.idHash, rec.issuer, rec.subject, rec.user, rec.name, JSON.stringify(rec.groups), rec.createdAt, rec.expiresAt);
      s.dropOldSessions.run(rec.issuer, rec.subject, rec.issuer, rec.subject, MAX_SESSIONS_PER_SUBJECT);
    });
    this.#run(() => create.immediate());
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | null> {
    const row = this.#run(() => this.#stmt.sessionByHash.get(idHash, now) as SessionRow | undefined);
    return row ? toSession(row) : null;
  }

  async deleteSession(idHash: string): Promise<boolean> {
    return this.#run(() => this.#stmt.deleteSession.run(idHash).changes > 0);
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return this.#run(() => this.#stmt.deleteExpiredSessions.run(now).changes);
  }

  /** Idempotent. In WAL mode the last connection to close checkpoints and removes the -wal file. */
  async close(): Promise<void> {
    // Appends still waiting for their commit are written (or refused) first.
    this.#flushAppends();
    if (this.#db.open) this.#db.close();
  }
}

function prepare(db: Database.Database) {
  // On a read-only connection the writes are prepared too; running one fails (SQLITE_READONLY).
  return {
    releaseById: db.prepare(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = ?`),
    unfinishedOfService: db.prepare(`SELECT id, phase FROM releases WHERE service = ? AND phase NOT IN (${FINISHED_SQL}) LIMIT 1`),
    insertRelease: db.prepare('INSERT INTO releases (id, service, version, created_at, updated_at, phase, request) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    activeReleases: db.prepare(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE phase NOT IN (${FINISHED_SQL}) ORDER BY created_at DESC, id DESC`),
    lastInputSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM inputs WHERE release_id = ?').pluck(),
    insertInput: db.prepare('INSERT INTO inputs (release_id, seq, input, at) VALUES (?, ?, ?, ?)'),
    updatePhase: db.prepare('UPDATE releases SET phase = ?, updated_at = ? WHERE id = ?'),
    inputsAfter: db.prepare('SELECT seq, input FROM inputs WHERE release_id = ? AND seq > ? ORDER BY seq'),
    upsertSnapshot: db.prepare('INSERT INTO snapshots (release_id, seq, state) VALUES (?, ?, ?) ON CONFLICT (release_id, seq) DO UPDATE SET state = excluded.state'),
    pruneSnapshots: db.prepare('DELETE FROM snapshots WHERE release_id = ? AND seq < (SELECT max(seq) FROM snapshots WHERE release_id = ?)'),
    latestSnapshot: db.prepare('SELECT seq, state FROM snapshots WHERE release_id = ? ORDER BY seq DESC LIMIT 1'),
    latestSnapshotSeq: db.prepare('SELECT max(seq) FROM snapshots WHERE release_id = ?').pluck(),
    deleteInput: db.prepare('DELETE FROM inputs WHERE release_id = ? AND seq = ?'),
    effect: db.prepare('SELECT result FROM effects WHERE key = ?'),
    insertEffect: db.prepare('INSERT INTO effects (key, result) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    lastAudit: db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
    insertAudit: db.prepare('INSERT INTO audit (seq, at, actor, action, target, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    allAudit: db.prepare('SELECT seq, at, actor, action, target, outcome, detail, prev_hash, hash FROM audit ORDER BY seq'),
    regionVersions: db.prepare('SELECT region, version FROM region_versions WHERE service = ? ORDER BY region'),
    upsertRegionVersion: db.prepare(
      'INSERT INTO region_versions (service, region, version, at) VALUES (?, ?, ?, ?) ON CONFLICT (service, region) DO UPDATE SET version = excluded.version, at = excluded.at',
    ),
    freezeById: db.prepare('SELECT 1 FROM freezes WHERE id = ?'),
    insertFreeze: db.prepare(`INSERT INTO freezes (${FREEZE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`),
    endFreeze: db.prepare('UPDATE freezes SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL'),
    activeFreezes: db.prepare(`SELECT ${FREEZE_COLUMNS} FROM freezes WHERE ended_at IS NULL ORDER BY started_at, id`),
    insertFailed: db.prepare(`INSERT INTO failed_versions (${FAILED_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, version, release_id) DO NOTHING`),
    sessionExists: db.prepare('SELECT 1 FROM sessions WHERE id_hash = ?'),
    insertSession: db.prepare(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    sessionByHash: db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ? AND expires_at > ?`),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
    deleteExpiredSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    // The person's sessions past the newest N, found on their index.
    dropOldSessions: db.prepare(
      'DELETE FROM sessions WHERE issuer = ? AND subject = ? AND id_hash NOT IN (SELECT id_hash FROM sessions WHERE issuer = ? AND subject = ? ORDER BY created_at DESC, id_hash DESC LIMIT ?)',
    ),
    newestFailed: db.prepare(`SELECT ${FAILED_COLUMNS} FROM failed_versions WHERE service = ? AND version = ? ORDER BY at DESC, release_id DESC LIMIT 1`),
  };
}
