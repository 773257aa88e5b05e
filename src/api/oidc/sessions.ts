/**
 * @module Dashboard sessions: a session id is 32 random bytes (base64url) that lives only in the
 * browser's `meridian_session` cookie; the store keeps its SHA-256 and who signed in (Store
 * createSession and friends). A session lasts `sessionHours` from sign-in, whatever happens in
 * between; expired rows are deleted on every sign-in and by `sweep()`, which the server runs every
 * 10 minutes. The CSRF token of a session is an HMAC of the session id, so it needs no storage, is
 * not the cookie, and changes with every sign-in.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionRecord, Store } from '../../ports.ts';
import type { Identity } from './sign-in-config.ts';

export type SessionStore = Pick<Store, 'createSession' | 'getSession' | 'deleteSession' | 'deleteExpiredSessions'>;

/** What a session id looks like: 32 bytes in base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

export interface SessionsOptions {
  /** How long a session lasts (hours). */
  hours: number;
  /** The wall clock (ms); sessions expire in real time whatever the controller's time scale. */
  now?: () => number;
}

export class Sessions {
  readonly #store: SessionStore;
  readonly #ttlMs: number;
  readonly now: () => number;

  constructor(store: SessionStore, opts: SessionsOptions) {
    this.#store = store;
    this.#ttlMs = opts.hours * 3_600_000;
    this.now = opts.now ?? (() => Date.now());
  }

  /** How long a new session lasts, in seconds (the cookie's Max-Age). */
  get maxAgeSeconds(): number {
    return Math.floor(this.#ttlMs / 1000);
  }

  /** Keep a new session for `who`; its id, for the cookie, and the record kept. */
  async start(who: Identity): Promise<{ id: string; record: SessionRecord }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const record: SessionRecord = {
      idHash: hashSessionId(id), issuer: who.issuer, subject: who.subject, user: who.user, name: who.name, groups: [...who.groups], createdAt: now, expiresAt: now + this.#ttlMs,
    };
    await this.#store.createSession(record);
    return { id, record };
  }

  /** The session a cookie names, or null (malformed, unknown, ended or expired). */
  async find(id: string | undefined): Promise<SessionRecord | null> {
    if (!id || !SESSION_ID.test(id)) return null;
    return this.#store.getSession(hashSessionId(id), this.now());
  }

  /** Sign-out: the session is deleted, so its cookie is worth nothing even if kept. */
  async end(id: string): Promise<boolean> {
    if (!SESSION_ID.test(id)) return false;
    return this.#store.deleteSession(hashSessionId(id));
  }

  /** Delete every expired session; how many went. */
  sweep(): Promise<number> {
    return this.#store.deleteExpiredSessions(this.now());
  }

  /** The CSRF token of a session: what the dashboard sends as X-CSRF-Token with every change. */
  csrfToken(id: string): string {
    return createHmac('sha256', id).update('meridian csrf v1').digest('base64url');
  }

  csrfOk(id: string, sent: string | undefined): boolean {
    if (!sent || sent.length > 100) return false;
    const want = Buffer.from(this.csrfToken(id));
    const got = Buffer.from(sent);
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
