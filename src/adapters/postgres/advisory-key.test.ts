/** @module Advisory lock keys: stable, distinct per purpose and schema, and shown in pg_locks as their two halves. */
import { describe, expect, it } from 'vitest';
import { advisoryKey, lockIds } from './advisory-key.ts';

describe('advisoryKey', () => {
  it('is the same for the same purpose and schema, every time', () => {
    expect(advisoryKey('leader:meridian', '')).toBe(advisoryKey('leader:meridian', ''));
    expect(BigInt(advisoryKey('migrations', 'x'))).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(BigInt(advisoryKey('migrations', 'x'))).toBeLessThan(2n ** 63n);
  });

  it('differs between purposes and between schemas', () => {
    const keys = new Set([advisoryKey('migrations', ''), advisoryKey('leader:meridian', ''), advisoryKey('audit', ''), advisoryKey('migrations', 't_1'), advisoryKey('leader:meridian', 't_1')]);
    expect(keys.size).toBe(5);
  });
});

describe('lockIds', () => {
  it('splits a key into pg_locks classid (high 32 bits) and objid (low 32 bits), negative keys too', () => {
    expect(lockIds('1')).toEqual({ classid: '0', objid: '1' });
    expect(lockIds(String(2n ** 32n + 5n))).toEqual({ classid: '1', objid: '5' });
    expect(lockIds('-1')).toEqual({ classid: '4294967295', objid: '4294967295' });
  });
});
