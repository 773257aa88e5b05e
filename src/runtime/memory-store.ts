/**
 * @module MemoryStore: a working in-memory Store for tests and the demo. Same rules as the SQLite
 * store (one unfinished release per service, contiguous input numbers, the audit hash chain, the
 * release order, freezes and failed versions), and values are kept as JSON text so callers get copies, exactly as
 * from a database. Nothing survives the process. Also the checks and orders every Store shares.
 *
 * A run in virtual time (`simulate --config`) may ask for `inputs: 'as-given'`: inputs and snapshots
 * are kept as the objects given (the engine never changes one once recorded), and `compact: true`:
 * ticks and gate rounds at or before a snapshot are dropped, as nothing reads them again (the
 * release is rebuilt from the snapshot and the inputs after it). Both keep a long run's memory and
 * time to what it computes rather than what it copies.
 */
import { AdapterError, ConflictError, NotFoundError } from '../errors.ts';
import { FAILED_VERSIONS_MAX, MAX_SESSIONS_PER_SUBJECT, type SessionRecord, type AuditEntry, type FailedVersionRecord, type FreezeRecord, type NewAuditEntry, type NewRelease, type ReleaseListQuery, type ReleaseRecord, type Store } from '../ports.ts';
import { isFinished } from '../engine/actions.ts';
import { sealAuditEntry } from './audit-chain.ts';
import { checkSession, copySession, newestSessionFirst } from './session-records.ts';

/** The phase of a release created but not yet given its first input. */
export const INITIAL_PHASE = 'running';

/** JSON text of a value a store keeps; `undefined` (which JSON cannot hold) is refused. */
export function toJson(what: string, value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${what} must be a JSON value, not ${typeof value}`);
  return text;
}

export function conflictInProgress(service: string, running: { id: string; phase: string }): ConflictError {
  return new ConflictError(`service ${service} already has a release in progress: ${running.id} (phase ${running.phase})`);
}

export function notFound(id: string): NotFoundError {
  return new NotFoundError(`release "${id}" not found`);
}

export function checkSeq(id: string, seq: number, last: number): void {
  if (!Number.isInteger(seq) || seq < 1) throw new TypeError(`input seq must be a whole number from 1, not ${String(seq)}`);
  if (seq <= last) throw new ConflictError(`release ${id} already has input ${seq} (the last is ${last})`);
  if (seq > last + 1) throw new ConflictError(`release ${id}: input ${seq} would leave a gap (the next is ${last + 1})`);
}

export function checkSnapshotSeq(id: string, seq: number, last: number): void {
  if (!Number.isInteger(seq) || seq < 0) throw new TypeError(`snapshot seq must be a whole number from 0, not ${String(seq)}`);
  if (seq > last) throw new ConflictError(`release ${id}: a snapshot at input ${seq} is ahead of the log (the last input is ${last})`);
}

/** What every store checks before a compaction deletes anything: whole input numbers below the latest snapshot's. */
export function checkDeletable(id: string, seqs: readonly number[], snapshotSeq: number | null): void {
  for (const seq of seqs) {
    if (!Number.isInteger(seq) || seq < 1) throw new TypeError(`release ${id}: an input to delete must be numbered by a whole number from 1, not ${String(seq)}`);
    if (snapshotSeq === null || seq >= snapshotSeq) {
      throw new RangeError(`release ${id}: input ${seq} is not behind a snapshot (${snapshotSeq === null ? 'there is none' : `the latest is at input ${snapshotSeq}`}), so it cannot be deleted`);
    }
  }
}

/**
 * A release list query every store can run; a TypeError naming the field otherwise. An empty
 * `phases` list filters nothing, like an absent one (as the empty lists of a freeze match everything).
 */
export function checkListQuery(query: ReleaseListQuery): void {
  const { service, phases, after, limit } = query;
  if (service !== undefined && typeof service !== 'string') throw new TypeError(`release list service must be a string, not ${typeof service}`);
  if (phases !== undefined && (!Array.isArray(phases) || phases.some((p) => typeof p !== 'string'))) throw new TypeError('release list phases must be a list of strings');
  if (after !== undefined && (after === null || !Number.isFinite(after.createdAt) || typeof after.id !== 'string')) {
    throw new TypeError('release list after must be { createdAt, id } of a listed release (a time in epoch milliseconds and an id)');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new TypeError(`release list limit must be a whole number from 0, not ${String(limit)}`);
}

/** Strings in code-unit order, as SQLite's BINARY and PostgreSQL's "C" collation order ASCII ids. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The release order of every store: newest first (createdAt descending), then id descending. */
export function newestFirst(a: { createdAt: number; id: string }, b: { createdAt: number; id: string }): number {
  return b.createdAt - a.createdAt || compareText(b.id, a.id);
}

/** A new freeze as every store keeps it: in force, with lists of strings; a TypeError naming the field otherwise. */
export function checkNewFreeze(freeze: FreezeRecord): void {
  if (typeof freeze.id !== 'string' || freeze.id === '') throw new TypeError('freeze id must be a non-empty string');
  for (const field of ['reason', 'startedBy'] as const) {
    if (typeof freeze[field] !== 'string') throw new TypeError(`freeze ${field} must be a string`);
  }
  for (const field of ['regions', 'services'] as const) {
    const list: unknown = freeze[field];
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new TypeError(`freeze ${field} must be a list of strings`);
  }
  if (!Number.isFinite(freeze.startedAt)) throw new TypeError(`freeze startedAt must be a time in epoch milliseconds, not ${String(freeze.startedAt)}`);
  if (freeze.endedAt !== null || freeze.endedBy !== null) throw new TypeError(`freeze ${freeze.id}: a new freeze is in force (endedAt and endedBy null); end it with endFreeze`);
}

/** The end of a freeze as every store records it; a TypeError naming the argument otherwise. */
export function checkFreezeEnd(at: number, by: string): void {
  if (!Number.isFinite(at)) throw new TypeError(`freeze end time must be a time in epoch milliseconds, not ${String(at)}`);
  if (typeof by !== 'string') throw new TypeError('freeze endedBy must be a string');
}

export function freezeExists(id: string): ConflictError {
  return new ConflictError(`freeze ${id} already exists`);
}

/** The order of freezes in force: oldest first (startedAt), then id. */
export function oldestFirst(a: FreezeRecord, b: FreezeRecord): number {
  return a.startedAt - b.startedAt || compareText(a.id, b.id);
}

/** The longest reason a failed version is recorded with. */
export const FAILED_REASON_MAX = 500;

/** A failed version as every store records it; a TypeError naming the field otherwise. */
export function checkFailedVersion(rec: FailedVersionRecord): void {
  for (const field of ['service', 'version', 'releaseId'] as const) {
    if (typeof rec[field] !== 'string' || rec[field] === '') throw new TypeError(`failed version ${field} must be a non-empty string`);
  }
  if (!Number.isFinite(rec.at)) throw new TypeError(`failed version at must be a time in epoch milliseconds, not ${String(rec.at)}`);
  if (typeof rec.reason !== 'string' || rec.reason.length > FAILED_REASON_MAX) throw new TypeError(`failed version reason must be a string of at most ${FAILED_REASON_MAX} characters`);
}

/** The keys of a failedVersions call, each once, in the order given; a TypeError for too many or a bad one. */
export function checkFailedVersionKeys(keys: ReadonlyArray<{ service: string; version: string }>): Array<{ service: string; version: string }> {
  if (!Array.isArray(keys)) throw new TypeError('failed version keys must be a list of { service, version }');
  if (keys.length > FAILED_VERSIONS_MAX) throw new TypeError(`failed version keys: at most ${FAILED_VERSIONS_MAX} at a time, not ${keys.length}`);
  const seen = new Set<string>();
  const out: Array<{ service: string; version: string }> = [];
  for (const k of keys) {
    if (typeof k?.service !== 'string' || typeof k.version !== 'string') throw new TypeError('failed version keys must be a list of { service, version } strings');
    const key = failedKey(k.service, k.version);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ service: k.service, version: k.version });
  }
  return out;
}

export function failedKey(service: string, version: string): string {
  return `${service}\u0000${version}`;
}

/** The order of the failures of one version: newest first (at descending), then release id descending. */
export function newestFailureFirst(a: FailedVersionRecord, b: FailedVersionRecord): number {
  return b.at - a.at || compareText(b.releaseId, a.releaseId);
}

function copyFreeze(f: FreezeRecord): FreezeRecord {
  return { ...f, regions: [...f.regions], services: [...f.services] };
}

interface Release {
  record: ReleaseRecord;
  request: string;
  /** JSON text, or the input as given (`inputs: 'as-given'`). */
  inputs: Array<{ seq: number; input: unknown; at: number; type: unknown }>;
  /** The number of the last input recorded (compaction may have dropped it). */
  lastSeq: number;
  snapshot: { seq: number; state: unknown } | null;
}

export interface MemoryStoreOptions {
  /** `copies` (default): values kept as JSON text, callers get copies; `as-given`: the objects themselves. */
  inputs?: 'copies' | 'as-given';
  /** Drop ticks and gate rounds at or before each snapshot. Default false. */
  compact?: boolean;
}

/** What compaction drops: inputs that only move time or report gates, which a snapshot sums up. */
const COMPACTED = new Set<unknown>(['tick', 'gates']);

export class MemoryStore implements Store {
  readonly #copies: boolean;
  readonly #compact: boolean;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#copies = (opts.inputs ?? 'copies') === 'copies';
    this.#compact = opts.compact ?? false;
  }

  readonly #releases = new Map<string, Release>();
  readonly #effects = new Map<string, string>();
  readonly #audit: AuditEntry[] = [];
  readonly #regions = new Map<string, Map<string, { version: string; at: number }>>();
  readonly #freezes = new Map<string, FreezeRecord>();
  /** Failures per (service, version), newest first. */
  readonly #failed = new Map<string, FailedVersionRecord[]>();
  /** Dashboard sessions by the hash of their id. */
  readonly #sessions = new Map<string, SessionRecord>();
  #closed = false;

  #live(): void {
    if (this.#closed) throw new AdapterError('memory store is closed', { retryable: false });
  }

  #release(id: string): Release {
    const r = this.#releases.get(id);
    if (!r) throw notFound(id);
    return r;
  }

  async createRelease(rec: NewRelease): Promise<void> {
    this.#live();
    const request = toJson('release request', rec.request);
    const first = rec.first ? toJson('input', rec.first.input) : null;
    if (this.#releases.has(rec.id)) throw new ConflictError(`release ${rec.id} already exists`);
    for (const r of this.#releases.values()) {
      if (r.record.service === rec.service && !isFinished(r.record.phase)) throw conflictInProgress(rec.service, r.record);
    }
    // Everything that can refuse runs before anything is kept.
    const sealed = rec.audit ? sealAuditEntry(this.#audit[this.#audit.length - 1] ?? null, rec.audit) : null;
    const phase = rec.first?.phase ?? INITIAL_PHASE;
    const record: ReleaseRecord = { id: rec.id, service: rec.service, version: rec.version, createdAt: rec.createdAt, updatedAt: rec.createdAt, phase };
    const kept = first === null ? [] : [{ seq: 1, input: this.#copies ? first : rec.first!.input, at: rec.createdAt, type: (rec.first!.input as { type?: unknown } | null)?.type }];
    this.#releases.set(rec.id, { record, request, inputs: kept, lastSeq: kept.length, snapshot: null });
    if (sealed) this.#audit.push(sealed);
  }

  async getRelease(id: string): Promise<ReleaseRecord | null> {
    this.#live();
    const r = this.#releases.get(id);
    return r ? { ...r.record } : null;
  }

  async listReleases(query: ReleaseListQuery = {}): Promise<ReleaseRecord[]> {
    this.#live();
    checkListQuery(query);
    const { service, after, limit } = query;
    const phases = query.phases && query.phases.length > 0 ? new Set(query.phases) : null;
    const page = [...this.#releases.values()]
      .map((r) => r.record)
      .filter((r) => (service === undefined || r.service === service) && (phases === null || phases.has(r.phase)) && (after === undefined || newestFirst(after, r) < 0))
      .sort(newestFirst);
    return (limit === undefined ? page : page.slice(0, limit)).map((r) => ({ ...r }));
  }

  async activeReleases(): Promise<ReleaseRecord[]> {
    return (await this.listReleases()).filter((r) => !isFinished(r.phase));
  }

  async appendInput(id: string, seq: number, input: unknown, phase: string, at: number): Promise<void> {
    this.#live();
    const r = this.#release(id);
    const kept = this.#copies ? toJson('input', input) : input;
    checkSeq(id, seq, r.lastSeq);
    r.inputs.push({ seq, input: kept, at, type: (input as { type?: unknown } | null)?.type });
    r.lastSeq = seq;
    r.record = { ...r.record, phase, updatedAt: at };
  }

  async inputs(id: string, afterSeq = 0): Promise<Array<{ seq: number; input: unknown }>> {
    this.#live();
    const r = this.#releases.get(id);
    if (!r) return [];
    return r.inputs.filter((i) => i.seq > afterSeq).map((i) => ({ seq: i.seq, input: this.#copies ? (JSON.parse(i.input as string) as unknown) : i.input }));
  }

  async saveSnapshot(id: string, seq: number, state: unknown): Promise<void> {
    this.#live();
    const r = this.#release(id);
    const kept = this.#copies ? toJson('snapshot state', state) : state;
    checkSnapshotSeq(id, seq, r.lastSeq);
    if (!r.snapshot || seq >= r.snapshot.seq) r.snapshot = { seq, state: kept };
    if (this.#compact) r.inputs = r.inputs.filter((i) => i.seq > seq || !COMPACTED.has(i.type));
  }

  async deleteInputs(id: string, seqs: readonly number[]): Promise<number> {
    this.#live();
    const r = this.#release(id);
    checkDeletable(id, seqs, r.snapshot?.seq ?? null);
    const gone = new Set(seqs);
    const before = r.inputs.length;
    r.inputs = r.inputs.filter((i) => !gone.has(i.seq));
    return before - r.inputs.length;
  }

  async latestSnapshot(id: string): Promise<{ seq: number; state: unknown } | null> {
    this.#live();
    const s = this.#releases.get(id)?.snapshot;
    return s ? { seq: s.seq, state: this.#copies ? (JSON.parse(s.state as string) as unknown) : s.state } : null;
  }

  async effectResult(key: string): Promise<unknown | null> {
    this.#live();
    const text = this.#effects.get(key);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  async recordEffect(key: string, result: unknown): Promise<void> {
    this.#live();
    const text = toJson('effect result', result);
    // The first completion is the truth: a second report of the same effect does not replace it.
    if (!this.#effects.has(key)) this.#effects.set(key, text);
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    this.#live();
    const sealed = sealAuditEntry(this.#audit[this.#audit.length - 1] ?? null, entry);
    this.#audit.push(sealed);
    return { ...sealed };
  }

  async audit(): Promise<AuditEntry[]> {
    this.#live();
    return this.#audit.map((e) => ({ ...e }));
  }

  async regionVersions(service: string): Promise<Record<string, string>> {
    this.#live();
    const out: Record<string, string> = {};
    const regions = [...(this.#regions.get(service) ?? new Map<string, { version: string }>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [region, { version }] of regions) out[region] = version;
    return out;
  }

  async setRegionVersion(service: string, region: string, version: string, at: number): Promise<void> {
    this.#live();
    let regions = this.#regions.get(service);
    if (!regions) this.#regions.set(service, (regions = new Map()));
    regions.set(region, { version, at });
  }

  async createFreeze(freeze: FreezeRecord, audit: NewAuditEntry): Promise<void> {
    this.#live();
    checkNewFreeze(freeze);
    if (this.#freezes.has(freeze.id)) throw freezeExists(freeze.id);
    // Everything that can refuse runs before anything is kept.
    const sealed = sealAuditEntry(this.#audit[this.#audit.length - 1] ?? null, audit);
    this.#freezes.set(freeze.id, copyFreeze(freeze));
    this.#audit.push(sealed);
  }

  async endFreeze(id: string, at: number, by: string, audit: NewAuditEntry): Promise<boolean> {
    this.#live();
    checkFreezeEnd(at, by);
    const freeze = this.#freezes.get(id);
    if (!freeze || freeze.endedAt !== null) return false;
    const sealed = sealAuditEntry(this.#audit[this.#audit.length - 1] ?? null, audit);
    this.#freezes.set(id, { ...freeze, endedAt: at, endedBy: by });
    this.#audit.push(sealed);
    return true;
  }

  async activeFreezes(): Promise<FreezeRecord[]> {
    this.#live();
    return [...this.#freezes.values()].filter((f) => f.endedAt === null).sort(oldestFirst).map(copyFreeze);
  }

  async recordFailedVersion(rec: FailedVersionRecord): Promise<void> {
    this.#live();
    checkFailedVersion(rec);
    const key = failedKey(rec.service, rec.version);
    const known = this.#failed.get(key) ?? [];
    // The first record of a release is the truth: recording it again changes nothing.
    if (known.some((f) => f.releaseId === rec.releaseId)) return;
    const kept: FailedVersionRecord = { service: rec.service, version: rec.version, releaseId: rec.releaseId, at: rec.at, reason: rec.reason };
    this.#failed.set(key, [...known, kept].sort(newestFailureFirst));
  }

  async failedVersion(service: string, version: string): Promise<FailedVersionRecord | null> {
    this.#live();
    const newest = this.#failed.get(failedKey(service, version))?.[0];
    return newest ? { ...newest } : null;
  }

  async failedVersions(keys: ReadonlyArray<{ service: string; version: string }>): Promise<FailedVersionRecord[]> {
    this.#live();
    const out: FailedVersionRecord[] = [];
    for (const k of checkFailedVersionKeys(keys)) {
      const newest = this.#failed.get(failedKey(k.service, k.version))?.[0];
      if (newest) out.push({ ...newest });
    }
    return out;
  }

  async createSession(rec: SessionRecord): Promise<void> {
    this.#live();
    checkSession(rec);
    if (this.#sessions.has(rec.idHash)) throw new ConflictError('a session with this id already exists');
    for (const [hash, kept] of this.#sessions) if (kept.expiresAt <= rec.createdAt) this.#sessions.delete(hash);
    this.#sessions.set(rec.idHash, copySession(rec));
    const mine = [...this.#sessions.values()].filter((k) => k.issuer === rec.issuer && k.subject === rec.subject).sort(newestSessionFirst);
    for (const old of mine.slice(MAX_SESSIONS_PER_SUBJECT)) this.#sessions.delete(old.idHash);
  }

  async getSession(idHash: string, now: number): Promise<SessionRecord | null> {
    this.#live();
    const kept = this.#sessions.get(idHash);
    return kept && kept.expiresAt > now ? copySession(kept) : null;
  }

  async deleteSession(idHash: string): Promise<boolean> {
    this.#live();
    return this.#sessions.delete(idHash);
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    this.#live();
    let n = 0;
    for (const [hash, kept] of this.#sessions) {
      if (kept.expiresAt > now) continue;
      this.#sessions.delete(hash);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
