/**
 * @module The audit log's hash chain: each entry's hash covers its contents and the previous
 * entry's hash, so a changed, deleted or reordered entry breaks the chain where it happened. Also
 * the guard that keeps credentials out of the log. Shared by every Store; no storage here.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry, NewAuditEntry } from '../ports.ts';

/** The `prevHash` of the first entry. */
export const GENESIS = '0'.repeat(64);

/**
 * sha256 (hex) over a canonical JSON array of the entry's fields in a fixed order, ending with the
 * previous entry's hash. An array, not an object: no key order to disagree about.
 */
export function auditHash(prevHash: string, entry: NewAuditEntry & { seq: number }): string {
  const canonical = JSON.stringify([entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.outcome, entry.detail, prevHash]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * What a credential looks like in text: a bearer token, a `token=` parameter, an Authorization
 * header with its value. The bare word "Authorization" in prose (`missing Authorization header`)
 * is allowed: refusals of unauthenticated requests are worth recording.
 */
const SECRET_PATTERNS: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/i, what: 'a bearer token' },
  { pattern: /token=/i, what: "'token='" },
  { pattern: /authorization\s*[:=]/i, what: 'an Authorization header' },
  { pattern: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\./, what: 'a JWT' },
];

/**
 * `text` with whatever looks like a credential replaced by `[redacted]`, so that what a caller
 * sent can be recorded (a refused request is worth an entry) without ever carrying the secret.
 */
export function scrubCredentials(text: string): string {
  return text
    .replace(/\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [redacted]')
    .replace(/token=[^\s&"';,]*/gi, 'token [redacted]')
    .replace(/authorization\s*[:=]\s*\S*/gi, 'Authorization [redacted]')
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted JWT]');
}

/** Throws when a text field of the entry looks like it carries a credential. The secret is not echoed. */
export function assertNoSecrets(entry: NewAuditEntry): void {
  for (const field of ['actor', 'action', 'target', 'detail'] as const) {
    const text = entry[field];
    for (const { pattern, what } of SECRET_PATTERNS) {
      if (pattern.test(text)) {
        throw new Error(`audit entry ${field} looks like it contains ${what}; audit entries must never carry credentials`);
      }
    }
  }
}

/** The next entry of a log whose last entry is `last` (null for an empty log): guarded, numbered, chained. */
export function sealAuditEntry(last: Pick<AuditEntry, 'seq' | 'hash'> | null, entry: NewAuditEntry): AuditEntry {
  if (entry.outcome !== 'ok' && entry.outcome !== 'refused') throw new Error(`audit entry outcome must be "ok" or "refused", not ${JSON.stringify(entry.outcome)}`);
  if (!Number.isFinite(entry.at)) throw new Error(`audit entry at must be a time in epoch milliseconds, not ${String(entry.at)}`);
  for (const field of ['actor', 'action', 'target', 'detail'] as const) {
    if (typeof entry[field] !== 'string') throw new Error(`audit entry ${field} must be a string`);
  }
  assertNoSecrets(entry);
  const seq = last ? last.seq + 1 : 1;
  const prevHash = last ? last.hash : GENESIS;
  const fields = { at: entry.at, actor: entry.actor, action: entry.action, target: entry.target, outcome: entry.outcome, detail: entry.detail };
  return { seq, ...fields, prevHash, hash: auditHash(prevHash, { seq, ...fields }) };
}

export type AuditVerdict = { ok: true; count: number } | { ok: false; seq: number; problem: string };

/**
 * Check a whole log, in the order given (a store returns it by seq). Stops at the first break:
 * `seq` is the entry where the chain stops holding (for a deletion, the first missing number).
 * Deleting entries from the end, or rewriting every hash from some point on, cannot be seen from the
 * log alone; compare the count and the last hash with a copy kept elsewhere for that.
 */
export function verifyAuditChain(entries: AuditEntry[]): AuditVerdict {
  let prev: AuditEntry | null = null;
  for (const entry of entries) {
    const expected = prev ? prev.seq + 1 : 1;
    if (entry.seq > expected) {
      const problem = prev
        ? `missing (deleted): entry ${entry.seq} follows entry ${prev.seq}`
        : `missing (deleted): the log starts at entry ${entry.seq}`;
      return { ok: false, seq: expected, problem };
    }
    if (entry.seq < expected) {
      return { ok: false, seq: entry.seq, problem: `out of order: it comes after entry ${prev ? prev.seq : 0}` };
    }
    if (auditHash(entry.prevHash, entry) !== entry.hash) {
      return { ok: false, seq: entry.seq, problem: 'hash does not match its contents (changed after it was written)' };
    }
    const prevHash = prev ? prev.hash : GENESIS;
    if (entry.prevHash !== prevHash) {
      const problem = prev
        ? `does not follow from entry ${prev.seq} (its prevHash is not that entry's hash: an earlier entry was replaced or removed)`
        : 'the first entry does not start from the genesis hash (earlier entries were removed)';
      return { ok: false, seq: entry.seq, problem };
    }
    prev = entry;
  }
  return { ok: true, count: entries.length };
}
