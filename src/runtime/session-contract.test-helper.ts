/**
 * @module The Store contract for dashboard sessions (createSession, getSession, deleteSession,
 * deleteExpiredSessions), run by storeContract for every store: what is kept, when it expires, how
 * a person's sessions are bounded, and that a refused record writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors.ts';
import { MAX_SESSIONS_PER_SUBJECT, type SessionRecord, type Store } from '../ports.ts';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const HOUR = 3_600_000;
const ISSUER = 'https://idp.example.com/realms/platform';

/** A 64-hex-digit id hash from a number. */
const hash = (n: number): string => n.toString(16).padStart(64, '0');

function session(n: number, over: Partial<SessionRecord> = {}): SessionRecord {
  return { idHash: hash(n), issuer: ISSUER, subject: 'f3c1a2b0-alice', user: 'alice', name: 'Alice Example', groups: ['release-team', 'Platform Engineers'], createdAt: T0, expiresAt: T0 + 8 * HOUR, ...over };
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject, and it resolved');
}

export function sessionContract(fresh: () => Promise<Store>, reopen?: (s: Store) => Promise<Store>): void {
  describe('dashboard sessions', () => {
    it('keeps a session by the hash of its id, groups as given, until it expires', async () => {
      const s = await fresh();
      await s.createSession(session(1));
      expect(await s.getSession(hash(1), T0 + HOUR)).toEqual(session(1));
      expect(await s.getSession(hash(1), T0 + 8 * HOUR - 1)).not.toBeNull();
      expect(await s.getSession(hash(1), T0 + 8 * HOUR)).toBeNull();
      expect(await s.getSession(hash(2), T0)).toBeNull();
    });

    it('keeps a session without a display name or groups', async () => {
      const s = await fresh();
      await s.createSession(session(1, { name: null, groups: [] }));
      expect(await s.getSession(hash(1), T0)).toEqual(session(1, { name: null, groups: [] }));
    });

    it('hands out copies: a session changed after reading is not changed in the store', async () => {
      const s = await fresh();
      await s.createSession(session(1));
      const read = (await s.getSession(hash(1), T0))!;
      read.groups.push('admins');
      expect((await s.getSession(hash(1), T0))!.groups).toEqual(['release-team', 'Platform Engineers']);
    });

    it('ends a session on sign-out, once', async () => {
      const s = await fresh();
      await s.createSession(session(1));
      expect(await s.deleteSession(hash(1))).toBe(true);
      expect(await s.getSession(hash(1), T0)).toBeNull();
      expect(await s.deleteSession(hash(1))).toBe(false);
    });

    it('refuses a second session with the same id hash, keeping the first', async () => {
      const s = await fresh();
      await s.createSession(session(1));
      const e = await refusal(s.createSession(session(1, { user: 'mallory', subject: 'mallory' })));
      expect(e).toBeInstanceOf(ConflictError);
      expect(e.message).toBe('a session with this id already exists');
      expect((await s.getSession(hash(1), T0))!.user).toBe('alice');
    });

    it('deletes expired sessions when asked, and on every new sign-in', async () => {
      const s = await fresh();
      await s.createSession(session(1, { expiresAt: T0 + HOUR }));
      await s.createSession(session(2, { subject: 'bob', user: 'bob', expiresAt: T0 + 2 * HOUR }));
      await s.createSession(session(3, { subject: 'carol', user: 'carol', expiresAt: T0 + 3 * HOUR }));
      expect(await s.deleteExpiredSessions(T0 + HOUR)).toBe(1);
      expect(await s.deleteExpiredSessions(T0 + HOUR)).toBe(0);
      // A sign-in two and a half hours later takes bob's expired session with it.
      await s.createSession(session(4, { subject: 'dave', user: 'dave', createdAt: T0 + 2.5 * HOUR, expiresAt: T0 + 10 * HOUR }));
      expect(await s.deleteExpiredSessions(T0 + 2.5 * HOUR)).toBe(0);
      expect(await s.getSession(hash(3), T0 + 2.5 * HOUR)).not.toBeNull();
    });

    it(`keeps the newest ${MAX_SESSIONS_PER_SUBJECT} sessions of one person, dropping the oldest, and leaves others' alone`, async () => {
      const s = await fresh();
      await s.createSession(session(1000, { subject: 'bob', user: 'bob' }));
      for (let n = 1; n <= MAX_SESSIONS_PER_SUBJECT + 2; n++) await s.createSession(session(n, { createdAt: T0 + n, expiresAt: T0 + n + 8 * HOUR }));
      expect(await s.getSession(hash(1), T0 + 100)).toBeNull();
      expect(await s.getSession(hash(2), T0 + 100)).toBeNull();
      expect(await s.getSession(hash(3), T0 + 100)).not.toBeNull();
      expect(await s.getSession(hash(MAX_SESSIONS_PER_SUBJECT + 2), T0 + 100)).not.toBeNull();
      expect(await s.getSession(hash(1000), T0 + 100)).not.toBeNull();
      // The same subject at another issuer is another person.
      await s.createSession(session(2000, { issuer: 'https://other.example.com' }));
      expect(await s.getSession(hash(3), T0 + 100)).not.toBeNull();
    });

    it('refuses a record outside its limits, naming the field, and writes nothing', async () => {
      const s = await fresh();
      const cases: Array<[Partial<SessionRecord>, string]> = [
        [{ idHash: 'abc' }, 'session idHash must be 64 lowercase hex digits (the SHA-256 of the session id)'],
        [{ subject: '' }, 'session subject must be a string of 1 to 255 characters'],
        [{ user: 'a'.repeat(201) }, 'session user must be a string of 1 to 200 characters'],
        [{ groups: Array.from({ length: 501 }, (_, i) => `g${i}`) }, 'session groups must be a list of at most 500 names'],
        [{ groups: ['ok', ''] }, 'session group must be a string of 1 to 200 characters'],
        [{ expiresAt: T0 }, 'session expiresAt must be after its createdAt'],
        [{ createdAt: Number.NaN }, 'session createdAt must be a time in epoch milliseconds, not NaN'],
      ];
      for (const [over, message] of cases) {
        const e = await refusal(s.createSession(session(7, over)));
        expect(e, message).toBeInstanceOf(TypeError);
        expect(e.message).toBe(message);
      }
      expect(await s.getSession(hash(7), T0)).toBeNull();
    });

    it.skipIf(!reopen)('keeps sessions across a restart', async () => {
      const s = await fresh();
      await s.createSession(session(1));
      const again = await reopen!(s);
      expect(await again.getSession(hash(1), T0 + HOUR)).toEqual(session(1));
    });
  });
}
