/**
 * @module Advisory lock keys. PostgreSQL's advisory locks are named by one bigint per database;
 * meridian derives each from a purpose and the schema it guards (sha256, the first 8 bytes as a
 * signed 64-bit integer), so migrations and the leader lock of different schemas in one database
 * never wait for each other, and no hand-picked number collides with another application's.
 */
import { createHash } from 'node:crypto';

/** The key for `purpose` (e.g. `migrations`, `leader:meridian`) in `schema`, as a decimal string. */
export function advisoryKey(purpose: string, schema: string): string {
  const digest = createHash('sha256').update(`meridian\u0000${schema}\u0000${purpose}`, 'utf8').digest();
  return digest.readBigInt64BE(0).toString();
}

/** How pg_locks shows a bigint advisory key: classid is the high 32 bits, objid the low 32 bits. */
export function lockIds(key: string): { classid: string; objid: string } {
  const k = BigInt.asUintN(64, BigInt(key));
  return { classid: (k >> 32n).toString(), objid: (k & 0xffff_ffffn).toString() };
}
