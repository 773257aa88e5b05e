/**
 * @module The interfaces the core needs from the world. Each has several implementations: the
 * simulated fleet (src/sim) and the real adapters (src/adapters/*). The engine never knows which.
 * Times are epoch milliseconds. Ports throw AdapterError (errors.ts) on failure.
 */

/**
 * Time, injected. Implementations: the simulated clock (runtime/simulated-clock.ts), which moves
 * only when told to and refuses to go back, and the real and scaled clocks (runtime/real-clock.ts).
 */
export interface Clock {
  /** The present, in epoch milliseconds; never earlier than an answer given before. */
  now(): number;
}

/** Wake-ups on a clock's time, for what runs releases (the controller). Same implementations as Clock. */
export interface Timers {
  /**
   * Run `fn` once, when the clock reaches `at` (a time already past is due at once), never before;
   * timers due at different times run in time order. Returns a cancel function: a cancelled timer
   * never runs, and cancelling twice or after it ran does nothing. Throws a RangeError for a time
   * that is not finite.
   */
  at(at: number, fn: () => void): () => void;
}

/** A cluster as delivery and health see it. */
export interface ClusterTarget {
  name: string;
  region: string;
  server?: string;
  labels: Record<string, string>;
}

/** One ring of one release, as delivery and health are asked about it. */
export interface RingTarget {
  releaseId: string;
  service: string;
  ring: string;
  ringIndex: number;
  version: string;
  previousVersion: string;
  revision?: string;
  image?: string;
  clusters: ClusterTarget[];
}

export interface DeliveryResult {
  /** What was applied: a commit id for GitOps, a token for the simulator. */
  ref: string;
}

/** Puts a version on a ring's clusters, or takes it back. Idempotent per (release, ring, step). */
export interface Delivery {
  deploy(target: RingTarget): Promise<DeliveryResult>;
  rollback(target: RingTarget): Promise<DeliveryResult>;
  /** What each region runs according to the delivery system's own records (newest Meridian deploy/rollback commits), where it can tell; regions it cannot tell are left out. */
  versions?(service: string, regions: string[]): Promise<Record<string, string>>;
}

export interface HealthReport {
  /** Every cluster runs what was applied last (`ref`) and is healthy. */
  healthy: boolean;
  /** A cluster reported a hard failure (Degraded, failed sync): no point waiting. */
  failed: boolean;
  detail: string;
}

/** Tells whether what delivery applied is really running and healthy. */
export interface Health {
  status(target: RingTarget, ref: string): Promise<HealthReport>;
  /** Per-region liveness, for failover (the scenario's `outage`). */
  regionUp?(region: string): Promise<boolean>;
}

export interface MetricQuery {
  metric: string;
  region: string;
  ring: string;
  version: string;
}

/**
 * Reads gate metrics. `null` (or an empty series) means no data: inconclusive, never a pass. A ratio
 * over nothing counted (NaN, e.g. the errors of a drained region) is no data too. The shared
 * behaviour is src/ports-contract/metrics-contract.test-helper.ts.
 */
export interface Metrics {
  /** The metric's value over [from, to): a rate or mean over that window. */
  value(q: MetricQuery, from: number, to: number): Promise<number | null>;
  /** Samples every `step` over [from, to), for comparisons. Missing points are left out. */
  series(q: MetricQuery, from: number, to: number, step: number): Promise<number[]>;
  /**
   * `value`, answered at once, by metrics that hold their data in memory (the simulated fleet):
   * the gate runner then judges a round's thresholds without a promise per check. Same answers
   * and errors as `value`.
   */
  valueNow?(q: MetricQuery, from: number, to: number): number | null;
  /**
   * One value for each of the `count` whole minutes from `from` into `out` from `offset` on, NaN
   * for a minute without data, answered at once by metrics held in memory: the gate runner then reads a
   * comparison's minutes without a promise or an array per read. The values `series` with a
   * 1-minute step gives for the minutes it has; same errors.
   */
  minutesNow?(q: MetricQuery, from: number, count: number, out: Float64Array, offset: number): void;
}

/**
 * Global load balancer weights per region (0 = drained). setWeights refuses, changing nothing, an
 * unknown or internal region, a weight that is not a number ≥ 0, and a change that would leave no
 * region serving (src/ports-contract/traffic-contract.test-helper.ts).
 */
export interface Traffic {
  weights(): Promise<Record<string, number>>;
  setWeights(weights: Record<string, number>): Promise<void>;
}

export interface HookContext {
  releaseId: string;
  service: string;
  version: string;
  /** What the hook is for: `replication.pause`, `flag.enable`, ... */
  step: string;
}

/** Runs a policy hook (command or webhook). Throws AdapterError when it fails. */
export interface Hooks {
  run(hook: { command?: string[]; webhook?: { url: string; method: string } }, context: HookContext): Promise<void>;
}

/** A release as the store lists it. */
export interface ReleaseRecord {
  id: string;
  service: string;
  version: string;
  createdAt: number;
  updatedAt: number;
  /** The engine phase after the last recorded input. */
  phase: string;
}

/** One entry of the audit log; each carries the hash of the previous one (a hash chain). */
export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused';
  detail: string;
  prevHash: string;
  hash: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

/**
 * A release to create. With `first` and `audit`, its first input (seq 1) and the audit entry of
 * its start are written in the same transaction: a refused entry (one that carries a credential)
 * leaves no release, no input and no audit entry behind.
 */
export interface NewRelease {
  id: string;
  service: string;
  version: string;
  createdAt: number;
  request: unknown;
  first?: { input: unknown; phase: string };
  audit?: NewAuditEntry;
}

/**
 * Durable state: per release an append-only log of engine inputs plus snapshots (state is rebuilt
 * by replaying inputs through the pure engine), effect results by idempotency key, the audit log,
 * and the version each region runs across releases.
 */
export interface Store {
  /** ConflictError naming the running release when the service already has an unfinished one. */
  createRelease(rec: NewRelease): Promise<void>;
  getRelease(id: string): Promise<ReleaseRecord | null>;
  /**
   * Newest first (createdAt, then id, descending), filtered by service and phases, at most `limit`
   * (default: all) of those after the `after` key (a page's last record).
   */
  listReleases(query?: ReleaseListQuery): Promise<ReleaseRecord[]>;
  /** Releases whose phase is not completed, rolled-back or aborted. */
  activeReleases(): Promise<ReleaseRecord[]>;
  /** Append input number `seq` (1, 2, ...) of a release; a seq already taken is a ConflictError. */
  appendInput(id: string, seq: number, input: unknown, phase: string, at: number): Promise<void>;
  inputs(id: string, afterSeq?: number): Promise<Array<{ seq: number; input: unknown }>>;
  saveSnapshot(id: string, seq: number, state: unknown): Promise<void>;
  /**
   * Compaction: delete inputs `seqs` of a release, which its latest snapshot sums up. Each must be
   * below that snapshot's number (a RangeError otherwise, deleting nothing); one not there is
   * skipped. Returns how many went.
   */
  deleteInputs(id: string, seqs: readonly number[]): Promise<number>;
  latestSnapshot(id: string): Promise<{ seq: number; state: unknown } | null>;
  /** The recorded result of a completed effect, or null. */
  effectResult(key: string): Promise<unknown | null>;
  recordEffect(key: string, result: unknown): Promise<void>;
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  audit(): Promise<AuditEntry[]>;
  regionVersions(service: string): Promise<Record<string, string>>;
  setRegionVersion(service: string, region: string, version: string, at: number): Promise<void>;
  /** A freeze a person started and its audit entry, in one transaction; a freeze id already taken is a ConflictError. */
  createFreeze(freeze: FreezeRecord, audit: NewAuditEntry): Promise<void>;
  /** End a freeze in force and write its audit entry, in one transaction; false (nothing written) when no such freeze is in force. */
  endFreeze(id: string, at: number, by: string, audit: NewAuditEntry): Promise<boolean>;
  /** Freezes in force (not ended), oldest first. */
  activeFreezes(): Promise<FreezeRecord[]>;
  /**
   * Record that a version failed for a service (a ring of that release failed). Idempotent per
   * (service, version, release): recording the same release again keeps the first record.
   */
  recordFailedVersion(rec: FailedVersionRecord): Promise<void>;
  /** The newest failure of the version for the service (by `at`, then release id), or null. */
  failedVersion(service: string, version: string): Promise<FailedVersionRecord | null>;
  /**
   * The newest failure of each (service, version) given that has one, in the order given, each
   * once; at most FAILED_VERSIONS_MAX keys (a page of releases). For lists of releases.
   */
  failedVersions(keys: ReadonlyArray<{ service: string; version: string }>): Promise<FailedVersionRecord[]>;
  /**
   * Keep a new dashboard session (sign-in through the identity provider). In the same transaction,
   * every session expired by `rec.createdAt` is deleted, and so are the oldest sessions of the same
   * issuer and subject beyond MAX_SESSIONS_PER_SUBJECT. An id hash already kept is a ConflictError;
   * a record that breaks the limits of SessionRecord is a TypeError, and nothing is written.
   */
  createSession(rec: SessionRecord): Promise<void>;
  /** The session whose id hashes to `idHash`, or null when there is none or it expired by `now`. */
  getSession(idHash: string, now: number): Promise<SessionRecord | null>;
  /** End a session (sign-out); false when there was none. */
  deleteSession(idHash: string): Promise<boolean>;
  /** Delete every session expired by `now` (expiresAt <= now); how many went. */
  deleteExpiredSessions(now: number): Promise<number>;
  close(): Promise<void>;
}

/** The most sessions one person (issuer and subject) keeps at once; a new sign-in drops the oldest beyond. */
export const MAX_SESSIONS_PER_SUBJECT = 20;

/**
 * A person signed in to the dashboard through the identity provider. The session id the cookie
 * carries is never kept, only its SHA-256 (64 lowercase hex digits). Limits: issuer at most 500
 * characters, subject 255, user and name 200, at most 500 groups of at most 200 characters each.
 */
export interface SessionRecord {
  idHash: string;
  /** The ID token's `iss` and `sub`: who the identity provider says signed in. */
  issuer: string;
  subject: string;
  /** The user name approvers (`approvers: [alice]`) and the audit log know them by. */
  user: string;
  /** The display name (`name` claim), or null. */
  name: string | null;
  /** The groups the identity provider gave, as it spelled them (`group:NAME` approvers, roles). */
  groups: string[];
  createdAt: number;
  expiresAt: number;
}

/** The most (service, version) keys one failedVersions call takes. */
export const FAILED_VERSIONS_MAX = 500;

/**
 * A version whose release failed for a service: kept (one record per failed release) so that the
 * version is not started again without a reason given. `reason` is at most 500 characters.
 */
export interface FailedVersionRecord {
  service: string;
  version: string;
  releaseId: string;
  at: number;
  /** What failed, in words: `ring ring-1: gate error-rate: ...`. */
  reason: string;
}

export interface ReleaseListQuery {
  service?: string;
  /** Any of these phases. */
  phases?: string[];
  /** Only records after this one in the order (the last of the previous page). */
  after?: { createdAt: number; id: string };
  limit?: number;
}

/** A freeze started by a person through the API (stop the line). Empty lists match everything. */
export interface FreezeRecord {
  id: string;
  reason: string;
  regions: string[];
  services: string[];
  startedAt: number;
  startedBy: string;
  endedAt: number | null;
  endedBy: string | null;
}
