/**
 * @module The rules every Store applies to dashboard sessions (SessionRecord in ports.ts): the
 * limits of a record, checked before anything is written, and the order in which a person's
 * sessions beyond MAX_SESSIONS_PER_SUBJECT are dropped (oldest first). No storage here.
 */
import type { SessionRecord } from '../ports.ts';

export const SESSION_LIMITS = { issuer: 500, subject: 255, user: 200, name: 200, groups: 500, group: 200 } as const;

const HASH = /^[0-9a-f]{64}$/;

function text(field: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || value === '' || value.length > max) throw new TypeError(`session ${field} must be a string of 1 to ${max} characters`);
}

/** A session record as every store keeps it; a TypeError naming the field otherwise. */
export function checkSession(rec: SessionRecord): void {
  if (typeof rec.idHash !== 'string' || !HASH.test(rec.idHash)) throw new TypeError('session idHash must be 64 lowercase hex digits (the SHA-256 of the session id)');
  text('issuer', rec.issuer, SESSION_LIMITS.issuer);
  text('subject', rec.subject, SESSION_LIMITS.subject);
  text('user', rec.user, SESSION_LIMITS.user);
  if (rec.name !== null) text('name', rec.name, SESSION_LIMITS.name);
  if (!Array.isArray(rec.groups) || rec.groups.length > SESSION_LIMITS.groups) throw new TypeError(`session groups must be a list of at most ${SESSION_LIMITS.groups} names`);
  for (const g of rec.groups) text('group', g, SESSION_LIMITS.group);
  for (const field of ['createdAt', 'expiresAt'] as const) {
    if (!Number.isFinite(rec[field])) throw new TypeError(`session ${field} must be a time in epoch milliseconds, not ${String(rec[field])}`);
  }
  if (rec.expiresAt <= rec.createdAt) throw new TypeError('session expiresAt must be after its createdAt');
}

export function copySession(rec: SessionRecord): SessionRecord {
  return { idHash: rec.idHash, issuer: rec.issuer, subject: rec.subject, user: rec.user, name: rec.name, groups: [...rec.groups], createdAt: rec.createdAt, expiresAt: rec.expiresAt };
}

/** The order in which a person's sessions are kept: newest first (createdAt, then id hash, descending). */
export function newestSessionFirst(a: SessionRecord, b: SessionRecord): number {
  return b.createdAt - a.createdAt || (a.idHash < b.idHash ? 1 : a.idHash > b.idHash ? -1 : 0);
}
