/**
 * @module Who is calling: `Authorization: Bearer TOKEN` checked against the hashes of a tokens
 * file, and the order of roles (viewer < operator < admin); `tokensFileAuth` follows the file as
 * it changes, so tokens created or removed while `serve` runs count without a restart. A token
 * limited to services (`services` in the file) gives an Actor with those services; one without
 * gives an Actor without the field (every service). Deciding what that allows is the controller's
 * job, not this file's. `withSessions` adds the dashboard's sessions: a request without a bearer
 * token is the person its session cookie signed in (request-actor.ts), when it has one. No HTTP
 * framework here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Actor, Role } from '../runtime/controller-types.ts';
import { sessionSignIn } from './request-actor.ts';
import { readTokensFile, type TokenEntry } from './tokens.ts';

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

/** A copy of an actor, lists included, so a caller cannot change who a token belongs to. */
function copyActor(a: Actor): Actor {
  return { ...a, groups: [...a.groups], ...(a.services ? { services: [...a.services] } : {}), ...(a.idp ? { idp: { ...a.idp } } : {}) };
}

export function createAuth(entries: readonly TokenEntry[]): Auth {
  // By the SHA-256 of the token, so a request costs one hash and one lookup however many tokens
  // there are. The lookup's timing depends only on the digest of what was sent, which tells nothing
  // about any stored token (making a digest that shares a prefix with a stored one is a preimage
  // search); the entry found is still confirmed with a constant-time compare. The first entry of a
  // hash listed twice wins.
  const known = new Map<string, { digest: Buffer; actor: Actor }>();
  for (const e of entries) {
    if (known.has(e.hash)) continue;
    known.set(e.hash, {
      digest: Buffer.from(e.hash, 'hex'),
      actor: { user: e.user, groups: [...e.groups], role: e.role, ...(e.services ? { services: [...e.services] } : {}) } satisfies Actor,
    });
  }
  return {
    authenticate(header) {
      if (!header || header.length > MAX_HEADER) return null;
      const m = /^Bearer +(\S+) *$/i.exec(header);
      if (!m) return null;
      const digest = createHash('sha256').update(m[1]!, 'utf8').digest();
      const found = known.get(digest.toString('hex'));
      return found && timingSafeEqual(digest, found.digest) ? copyActor(found.actor) : null;
    },
  };
}

/**
 * `inner` (bearer tokens), and for a request that sends no Authorization header, the person its
 * session cookie signed in. A bearer token always wins: a request that sends one is judged by it
 * alone, cookie or not.
 */
export function withSessions<A extends Auth>(inner: A): A {
  return {
    ...inner,
    authenticate(header: string | undefined) {
      if (header !== undefined) return inner.authenticate(header);
      const actor = sessionSignIn()?.actor;
      return actor ? copyActor(actor) : null;
    },
  };
}

export interface TokensFileAuth extends Auth {
  /** The entries in force now. */
  tokens(): readonly TokenEntry[];
  /** Stop watching the file (authentication goes on, noticing changes by the stat alone). */
  close(): void;
}

export interface TokensFileAuthOptions {
  /** Where reloads and refused edits are reported, one line each. */
  log: (line: string) => void;
  /** Watch the file's directory (default true). Without it a change counts from the next request. */
  watch?: boolean;
}

/** Changes seen by the watcher are read this long after the last event of a burst. */
const SETTLE_MS = 50;

/**
 * Authentication against a tokens file that follows the file as it changes. Two ways of noticing,
 * so it works on every filesystem: fs.watch on the file's directory (so a replaced file, or a
 * Kubernetes-style symlink swap, is seen too), and on every authenticate a stat of the file whose
 * device, inode, size and mtime, when changed, mean "read it again" — which also makes a token
 * count the moment `token create` has finished, before any watch event arrives.
 *
 * The file is read as a restart would read it: a missing file means no tokens. An invalid file at
 * the start throws (a UsageError naming the file and field); an invalid file after a change keeps
 * the tokens in force before, reported in one line naming the file and the field. No line quotes
 * the file's contents.
 */
export function tokensFileAuth(file: string, opts: TokensFileAuthOptions): TokensFileAuth {
  let seen = stamp(file);
  let entries = readTokensFile(file, { missingOk: true });
  let current = createAuth(entries);

  const refresh = (): void => {
    const now = stamp(file);
    if (now === seen) return;
    seen = now;
    if (now === 'missing') {
      entries = [];
      current = createAuth(entries);
      opts.log(`tokens: ${file} is gone; no token is accepted until it is back`);
      return;
    }
    try {
      const next = readTokensFile(file);
      entries = next;
      current = createAuth(next);
      opts.log(`tokens: reloaded ${file}: ${next.length} token(s)`);
    } catch (e) {
      opts.log(`tokens: ${e instanceof Error ? e.message : String(e)}; keeping the ${entries.length} token(s) loaded before`);
    }
  };

  let watcher: FSWatcher | null = null;
  let settle: NodeJS.Timeout | null = null;
  if (opts.watch !== false) {
    const dir = dirname(resolve(file));
    try {
      // Any event in the directory may be the file's: a rename onto it, or a symlink swapped above it.
      watcher = watch(dir, { persistent: false }, () => {
        settle ??= setTimeout(() => {
          settle = null;
          refresh();
        }, SETTLE_MS).unref();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = null;
      });
    } catch (e) {
      opts.log(`tokens: cannot watch ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}); changes to ${file} count from the next request`);
    }
  }

  return {
    authenticate(header) {
      refresh();
      return current.authenticate(header);
    },
    tokens: () => entries.map((e) => ({ ...e, groups: [...e.groups], ...(e.services ? { services: [...e.services] } : {}) })),
    close() {
      watcher?.close();
      watcher = null;
      if (settle) clearTimeout(settle);
      settle = null;
    },
  };
}

/** What identifies a version of the file cheaply: device, inode, size and mtime (ns), or why there is none. */
function stamp(file: string): string {
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}` : 'missing';
  } catch (e) {
    return `unreadable:${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}
