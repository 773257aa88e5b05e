/**
 * @module The rows the SQL stores (SQLite, PostgreSQL) keep for releases and audit entries, and
 * their mapping to the Store port's records: one table layout, written once.
 */
import type { AuditEntry, ReleaseRecord } from '../ports.ts';
import { FINISHED_PHASES } from '../engine/actions.ts';

export interface ReleaseRow {
  id: string;
  service: string;
  version: string;
  created_at: number;
  updated_at: number;
  phase: string;
}

export interface AuditRow {
  /** A number in SQLite; a string in PostgreSQL (bigint). */
  seq: number | string;
  at: number;
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused';
  detail: string;
  prev_hash: string;
  hash: string;
}

export const toRecord = (r: ReleaseRow): ReleaseRecord => ({
  id: r.id,
  service: r.service,
  version: r.version,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  phase: r.phase,
});

export const toAudit = (r: AuditRow): AuditEntry => ({
  seq: Number(r.seq),
  at: Number(r.at),
  actor: r.actor,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  detail: r.detail,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** `'completed', 'rolled-back', 'aborted'` for SQL `IN (...)`. */
export const FINISHED_SQL = FINISHED_PHASES.map((p) => `'${p}'`).join(', ');
export const RELEASE_COLUMNS = 'id, service, version, created_at, updated_at, phase';
