/**
 * @module LeaderLock: one leader among the `meridian serve` replicas sharing a PostgreSQL database.
 * The lock is a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of its
 * own: PostgreSQL releases it when that connection ends — a clean release, a crashed or killed
 * process, a connection the server finds dead (TCP keepalives, set short on this connection) — and
 * that is what lets another replica take over. Whoever took it last is written to the `leader`
 * table (hostname:pid), so the others can name the leader; the name counts only while that
 * connection still holds the lock. Nothing here runs releases: the caller decides what leading means.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import { AdapterError } from '../../errors.ts';
import { advisoryKey, lockIds } from './advisory-key.ts';
import { adapterError } from './errors.ts';
import { SCHEMA_NAME, migrate } from './migrations.ts';
import { checkPostgresUrl, redactUrl } from './url.ts';

export interface LeaderLockOptions {
  /** How this replica is named to the others. Default `hostname:pid`. */
  identity?: string;
  /** Which lock: replicas contend for the same name. Default `meridian`. */
  name?: string;
  /** The schema of the meridian tables (as given to PostgresStore.open), if not the search_path's. */
  schema?: string;
  /** How long to wait for the connection (ms). Default 10000. */
  connectTimeoutMs?: number;
  /**
   * How long a query on the lock's connection may take (ms) before the connection is given up —
   * and the lock with it. Default 5000.
   */
  queryTimeoutMs?: number;
  /**
   * Seconds of silence after which the server probes this connection (tcp_keepalives_idle; then
   * every 5 s, 3 times), so a leader cut off from the network loses the lock within about
   * this + 15 s instead of the operating system's default of hours. Default 10.
   */
  keepAliveIdleSeconds?: number;
}

export class LeaderLock {
  /** This replica's name, as the others see it. */
  readonly identity: string;
  readonly name: string;
  /** The URL with its password hidden. */
  readonly where: string;
  readonly #url: string;
  readonly #schema: string | null;
  readonly #key: string;
  readonly #ids: { classid: string; objid: string };
  readonly #opts: LeaderLockOptions;
  #client: pg.Client | null = null;
  #backendPid: number | null = null;
  #held = false;
  #released = false;
  readonly #lostListeners = new Set<() => void>();

  constructor(url: string, opts: LeaderLockOptions = {}) {
    checkPostgresUrl(url);
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new AdapterError(`schema "${opts.schema}" must be lower-case letters, digits and _ (at most 63), not starting with a digit`, { retryable: false });
    }
    this.#url = url;
    this.#schema = opts.schema ?? null;
    this.#opts = opts;
    this.identity = opts.identity ?? `${hostname()}:${process.pid}`;
    this.name = opts.name ?? 'meridian';
    this.where = redactUrl(url);
    this.#key = advisoryKey(`leader:${this.name}`, this.#schema ?? '');
    this.#ids = lockIds(this.#key);
  }

  /** The server process of the lock's connection, while there is one (for tests and diagnostics). */
  get backendPid(): number | null {
    return this.#backendPid;
  }

  /**
   * Take the lock if no one holds it. True when this replica holds it now (also when it already
   * did); false when another does. Connection failures are a retryable AdapterError.
   */
  async acquire(): Promise<boolean> {
    if (this.#released) throw new AdapterError(`leader lock on ${this.where} was released; make a new one`, { retryable: false });
    if (this.#held && (await this.holdsLock())) return true;
    const client = await this.#connection();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [this.#key]);
      if (!rows[0]?.ok) return false;
      this.#held = true;
      await client.query(
        `INSERT INTO leader (name, holder, backend_pid, since) VALUES ($1, $2, pg_backend_pid(), now())
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, backend_pid = excluded.backend_pid, since = excluded.since`,
        [this.name, this.identity],
      );
      return true;
    } catch (e) {
      this.#drop(client);
      throw adapterError(this.where, e);
    }
  }

  /**
   * Whether this replica still holds the lock, asked of the server. A connection that fails to
   * answer is given up (and with it the lock): the answer is then false, never a guess.
   */
  async holdsLock(): Promise<boolean> {
    const client = this.#client;
    if (!client || !this.#held) return false;
    try {
      const { rows } = await client.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
           AND classid = $1::oid AND objid = $2::oid AND objsubid = 1) AS held`,
        [this.#ids.classid, this.#ids.objid],
      );
      if (rows[0]?.held) return true;
      this.#lose();
      return false;
    } catch {
      this.#drop(client);
      return false;
    }
  }

  /** The identity of the replica holding the lock now, or null when none does. */
  async leader(): Promise<string | null> {
    const client = await this.#connection();
    try {
      const { rows } = await client.query<{ holder: string }>(
        `SELECT l.holder FROM leader l WHERE l.name = $1 AND EXISTS (
           SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.backend_pid
             AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND k.classid = $2::oid AND k.objid = $3::oid AND k.objsubid = 1)`,
        [this.name, this.#ids.classid, this.#ids.objid],
      );
      return rows[0]?.holder ?? null;
    } catch (e) {
      this.#drop(client);
      throw adapterError(this.where, e);
    }
  }

  /** Called (once per loss) when the lock is found lost: its connection died or no longer holds it. */
  onLost(listener: () => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  /** Give the lock up and close the connection. Idempotent; the lock cannot be taken again. */
  async release(): Promise<void> {
    this.#released = true;
    const client = this.#client;
    this.#client = null;
    this.#backendPid = null;
    const held = this.#held;
    this.#held = false;
    if (!client) return;
    try {
      if (held) {
        await client.query('DELETE FROM leader WHERE name = $1 AND backend_pid = pg_backend_pid()', [this.name]);
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [this.#key]);
      }
    } catch {
      // The connection is gone, and the lock with it.
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** The lock's own connection, opened (and the schema brought up to date) when there is none. */
  async #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const idle = this.#opts.keepAliveIdleSeconds ?? 10;
    const options = [
      ...(this.#schema !== null ? [`-c search_path=${this.#schema}`] : []),
      `-c tcp_keepalives_idle=${idle}`, '-c tcp_keepalives_interval=5', '-c tcp_keepalives_count=3',
    ].join(' ');
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: this.#opts.connectTimeoutMs ?? 10_000,
      query_timeout: this.#opts.queryTimeoutMs ?? 5_000,
      keepAlive: true,
      application_name: 'meridian leader lock',
      options,
    });
    client.on('error', () => this.#drop(client));
    client.on('end', () => this.#drop(client));
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await migrate(client, this.where, this.#schema === null ? {} : { schema: this.#schema });
      if (this.#released) throw new AdapterError(`leader lock on ${this.where} was released`, { retryable: false });
      this.#client = client;
      this.#backendPid = rows[0]?.pid ?? null;
      return client;
    } catch (e) {
      await client.end().catch(() => {});
      throw adapterError(this.where, e);
    }
  }

  /** Forget a connection that failed; if it held the lock, the lock is lost with it. */
  #drop(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#backendPid = null;
    void client.end().catch(() => {});
    this.#lose();
  }

  #lose(): void {
    if (!this.#held) return;
    this.#held = false;
    for (const l of [...this.#lostListeners]) l();
  }
}
