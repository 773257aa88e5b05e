/**
 * @module Who is calling: `Authorization: Bearer TOKEN` checked against the hashes of a tokens
 * file, and the order of roles (viewer < operator < admin). No HTTP framework here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Actor, Role } from '../runtime/controller-types.ts';
import type { TokenEntry } from './tokens.ts';

export interface Auth {
  /** The actor a `Bearer TOKEN` header belongs to; null when missing, malformed or unknown. */
  authenticate(header: string | undefined): Actor | null;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(actor: Actor, needed: Role): boolean {
  return RANK[actor.role] >= RANK[needed];
}

/** Longer headers are refused without hashing them. */
const MAX_HEADER = 512;

export function createAuth(entries: readonly TokenEntry[]): Auth {
  const known = entries.map((e) => ({
    digest: Buffer.from(e.hash, 'hex'),
    actor: { user: e.user, groups: [...e.groups], role: e.role } satisfies Actor,
  }));
  return {
    authenticate(header) {
      if (!header || header.length > MAX_HEADER) return null;
      const m = /^Bearer +(\S+) *$/i.exec(header);
      if (!m) return null;
      const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
      // Every entry is compared, in constant time each, so timing says nothing about which matched.
      let found: Actor | null = null;
      for (const k of known) if (timingSafeEqual(digest, k.digest) && !found) found = k.actor;
      return found ? { ...found, groups: [...found.groups] } : null;
    },
  };
}
