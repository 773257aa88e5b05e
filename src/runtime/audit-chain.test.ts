/** @module Tests of the audit hash chain: what it covers, what breaks it, and the secrets guard. */
import { describe, expect, it } from 'vitest';
import type { AuditEntry, NewAuditEntry } from '../ports.ts';
import { GENESIS, assertNoSecrets, auditHash, sealAuditEntry, verifyAuditChain } from './audit-chain.ts';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

function entry(n: number, over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return { at: T0 + n * 60_000, actor: 'alice', action: 'release.approve', target: 'webapp-v2.1.0-1a2b3c4d', outcome: 'ok', detail: `ring-${n}`, ...over };
}

/** A valid log of `n` entries. */
function log(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 1; i <= n; i++) out.push(sealAuditEntry(out[out.length - 1] ?? null, entry(i)));
  return out;
}

describe('auditHash', () => {
  it('is the sha256 hex of the fields and the previous hash as a JSON array', () => {
    const h = auditHash(GENESIS, { seq: 1, ...entry(1) });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    // Pinned (sha256sum of '[1,0,"a","b","c","ok","",<64 zeros>]'): a change to the canonical form
    // would orphan every stored log.
    expect(auditHash(GENESIS, { seq: 1, at: 0, actor: 'a', action: 'b', target: 'c', outcome: 'ok', detail: '' })).toBe(
      'f2c3f254546978300a1164ba27dc95d44f1993767ab0d4d683c1688c4b918fc3',
    );
  });

  it('changes when any field or the previous hash changes', () => {
    const base = { seq: 1, ...entry(1) };
    const h = auditHash(GENESIS, base);
    const variants = [
      { ...base, seq: 2 },
      { ...base, at: base.at + 1 },
      { ...base, actor: 'bob' },
      { ...base, action: 'release.abort' },
      { ...base, target: 'other' },
      { ...base, outcome: 'refused' as const },
      { ...base, detail: 'ring-2' },
    ];
    for (const v of variants) expect(auditHash(GENESIS, v)).not.toBe(h);
    expect(auditHash('f'.repeat(64), base)).not.toBe(h);
  });

  it('cannot be fooled by moving text between fields', () => {
    const a = auditHash(GENESIS, { seq: 1, ...entry(1, { actor: 'ab', action: 'c' }) });
    const b = auditHash(GENESIS, { seq: 1, ...entry(1, { actor: 'a', action: 'bc' }) });
    expect(a).not.toBe(b);
  });
});

describe('sealAuditEntry', () => {
  it('starts the log at 1 from the genesis hash and links each entry to the last', () => {
    const first = sealAuditEntry(null, entry(1));
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS, hash: auditHash(GENESIS, { seq: 1, ...entry(1) }) });
    const second = sealAuditEntry(first, entry(2));
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
  });

  it('refuses an outcome other than ok or refused', () => {
    expect(() => sealAuditEntry(null, entry(1, { outcome: 'maybe' as 'ok' }))).toThrow('audit entry outcome must be "ok" or "refused", not "maybe"');
  });
});

describe('verifyAuditChain', () => {
  it('accepts an intact log and an empty one', () => {
    expect(verifyAuditChain(log(12))).toEqual({ ok: true, count: 12 });
    expect(verifyAuditChain([])).toEqual({ ok: true, count: 0 });
  });

  it('finds an entry changed after it was written', () => {
    const l = log(15);
    l[11] = { ...l[11]!, detail: 'ring-9' };
    expect(verifyAuditChain(l)).toEqual({ ok: false, seq: 12, problem: 'hash does not match its contents (changed after it was written)' });
  });

  it('finds an entry whose hash was recomputed to match the change, at the entry after it', () => {
    const l = log(15);
    const changed = { ...l[11]!, detail: 'ring-9' };
    l[11] = { ...changed, hash: auditHash(changed.prevHash, changed) };
    expect(verifyAuditChain(l)).toEqual({
      ok: false,
      seq: 13,
      problem: "does not follow from entry 12 (its prevHash is not that entry's hash: an earlier entry was replaced or removed)",
    });
  });

  it('finds a deleted entry by the gap it leaves', () => {
    const l = log(15);
    l.splice(11, 1);
    expect(verifyAuditChain(l)).toEqual({ ok: false, seq: 12, problem: 'missing (deleted): entry 13 follows entry 11' });
  });

  it('finds deleted first entries', () => {
    expect(verifyAuditChain(log(5).slice(2))).toEqual({ ok: false, seq: 1, problem: 'missing (deleted): the log starts at entry 3' });
  });

  it('finds a deleted entry whose followers were renumbered to close the gap', () => {
    const l = log(15);
    l.splice(11, 1);
    for (let i = 11; i < l.length; i++) l[i] = { ...l[i]!, seq: i + 1 };
    expect(verifyAuditChain(l)).toEqual({ ok: false, seq: 12, problem: 'hash does not match its contents (changed after it was written)' });
  });

  it('finds reordered entries', () => {
    const l = log(6);
    [l[3], l[4]] = [l[4]!, l[3]!];
    expect(verifyAuditChain(l)).toEqual({ ok: false, seq: 4, problem: 'missing (deleted): entry 5 follows entry 3' });
    const swappedNumbers = log(6);
    const [four, five] = [swappedNumbers[3]!, swappedNumbers[4]!];
    swappedNumbers[3] = { ...five, seq: 4 };
    swappedNumbers[4] = { ...four, seq: 5 };
    expect(verifyAuditChain(swappedNumbers)).toEqual({ ok: false, seq: 4, problem: 'hash does not match its contents (changed after it was written)' });
  });

  it('finds an entry that repeats an earlier number', () => {
    const l = log(4);
    l.splice(2, 0, l[1]!);
    expect(verifyAuditChain(l)).toEqual({ ok: false, seq: 2, problem: 'out of order: it comes after entry 2' });
  });

  it('finds a first entry that does not start from the genesis hash', () => {
    const first = sealAuditEntry({ seq: 0, hash: 'a'.repeat(64) }, entry(1));
    expect(verifyAuditChain([first])).toEqual({ ok: false, seq: 1, problem: 'the first entry does not start from the genesis hash (earlier entries were removed)' });
  });
});

describe('the secrets guard', () => {
  const refused = (detail: string) => () => assertNoSecrets(entry(1, { detail }));

  it('refuses a bearer token', () => {
    expect(refused('retried with Bearer mrd_3f9a0c1d2e4b5a6f')).toThrow(
      'audit entry detail looks like it contains a bearer token; audit entries must never carry credentials',
    );
  });

  it("refuses 'token='", () => {
    expect(refused('GET /api/v1/releases?token=abc')).toThrow("audit entry detail looks like it contains 'token='; audit entries must never carry credentials");
  });

  it('refuses an Authorization header with its value', () => {
    expect(refused('Authorization: Basic YWxpY2U6c2VjcmV0')).toThrow(
      'audit entry detail looks like it contains an Authorization header; audit entries must never carry credentials',
    );
  });

  it('refuses a JWT', () => {
    expect(refused('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl')).toThrow('audit entry detail looks like it contains a JWT');
  });

  it('checks the other text fields too, and never repeats the secret', () => {
    let message = '';
    try {
      assertNoSecrets(entry(1, { target: '/hook?token=s3cr3t' }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("audit entry target looks like it contains 'token='; audit entries must never carry credentials");
    expect(message).not.toContain('s3cr3t');
  });

  it('allows ordinary details, including the word Authorization in prose', () => {
    expect(refused('bob is not an approver of ring-2')).not.toThrow();
    expect(refused('missing Authorization header')).not.toThrow();
    expect(refused('token expired')).not.toThrow();
    expect(refused('webapp v2.1.0')).not.toThrow();
  });

  it('guards sealing, so no store can write such an entry', () => {
    expect(() => sealAuditEntry(null, entry(1, { detail: 'Bearer abcdefghijkl' }))).toThrow('looks like it contains a bearer token');
  });
});
