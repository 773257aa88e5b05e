/**
 * @module API tokens and the tokens file. A token is `mrd_` followed by 32 random bytes in
 * base64url; the file keeps only its SHA-256 (hex), never the token. The file is JSON:
 *
 *     { "tokens": [ { "user": "alice", "groups": ["release-team"], "role": "operator",
 *                     "services": ["checkout", "cart"],
 *                     "hash": "<64 hex digits>", "createdAt": "2026-03-02T10:00:00.000Z" } ] }
 *
 * `services` (optional; `token create --services`) limits what the token may change to releases of
 * those services: 1 to 200 service names (letters, digits, `.`, `_`, `-`). Left out, the token
 * covers every service, as every entry written before the field existed does. Only an operator's or
 * an admin's token carries it: a viewer only reads, and reads everything. An empty list is refused
 * rather than read as "none" or "all". This file only carries the list to the Actor (auth.ts); the
 * controller is what refuses a write to another service.
 *
 * The file is written with mode 0600 (replaced atomically, so a reader never sees half a file). Two
 * `token create` runs at the same moment may lose one entry; tokens are created by hand, rarely.
 * `token revoke` removes an entry the same way (revokeToken): revoking is leaving the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { formatPath, zodIssues } from '../policy/source.ts';
import type { Role } from '../runtime/controller-types.ts';

export const TOKEN_PREFIX = 'mrd_';
export const DEFAULT_TOKENS_FILE = 'meridian-tokens.json';
export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];

/** What a service name in a token's `services` may be made of. */
export const SERVICE_NAME = /^[A-Za-z0-9._-]+$/;
export const SERVICE_NAME_RULE = 'letters, digits, . _ -';
/** The most services one token may be limited to. */
export const MAX_TOKEN_SERVICES = 200;

const ServiceName = z.string({ error: (iss) => `expected a service name (${SERVICE_NAME_RULE}), got ${iss.input === null ? 'null' : typeof iss.input}` }).regex(SERVICE_NAME, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a service name (${SERVICE_NAME_RULE})`,
});

const TokenEntrySchema = z
  .strictObject({
    user: z.string().min(1),
    groups: z.array(z.string().min(1)),
    role: z.enum(ROLES),
    services: z
      .array(ServiceName)
      .min(1, { error: 'must name at least one service (leave the field out for a token that covers every service)' })
      .max(MAX_TOKEN_SERVICES, { error: (iss) => `at most ${MAX_TOKEN_SERVICES} services, got ${(iss.input as unknown[]).length}` })
      .optional(),
    hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (the SHA-256 of the token)'),
    createdAt: z.string().optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.services !== undefined && entry.role === 'viewer') {
      ctx.addIssue({ code: 'custom', path: ['services'], message: 'a viewer only reads, so its token is not limited to services (leave the field out, or make the role operator)' });
    }
  });
const TokensFileSchema = z.strictObject({ tokens: z.array(TokenEntrySchema) });

export type TokenEntry = z.output<typeof TokenEntrySchema>;

/** A new token: 256 random bits, so guessing one is hopeless. */
export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 hex of a token. A fast hash is the right tool here: a password needs a slow hash
 * because people choose guessable ones, but these tokens carry 256 bits of randomness, so no
 * amount of hashing speed makes a brute force over them feasible.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * What is wrong with text that is not JSON, saying where but quoting none of it: V8's own message
 * can carry a piece of the text, which here may be a hash.
 */
function jsonProblem(e: unknown, text: string): string {
  const message = e instanceof Error ? e.message : String(e);
  const at = /^(.*?) (in|after) JSON at position (\d+)/.exec(message);
  // V8's fixed descriptions ("Unterminated string", "Expected ',' or '}' after property value")
  // quote no input; a snippet of the text would come in double quotes.
  if (at && !at[1]!.includes('"')) return `${at[1]!.toLowerCase()}${at[2] === 'after' ? ' after the JSON' : ''} at ${lineCol(text, Number(at[3]))}`;
  if (/^Unexpected end of JSON input/.test(message)) return 'the text ends early';
  if (/^Unexpected token/.test(message)) {
    const stray = strayText(text);
    return stray === null ? 'unexpected text' : `unexpected text at ${lineCol(text, stray)}, outside any string`;
  }
  return 'not parsed';
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** Where the first text outside strings that no JSON token starts with is (a value without its quotes, say). */
function strayText(text: string): number | null {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (/[a-z]/i.test(c)) {
      const word = /^[a-z]+/i.exec(text.slice(i))![0];
      if (word !== 'true' && word !== 'false' && word !== 'null' && !/^[eE]$/.test(word)) return i;
      i += word.length - 1;
    } else if (!/[\s{}[\]:,0-9+\-.]/.test(c)) return i;
  }
  return null;
}

/**
 * The entries of a tokens file's text; a malformed file is a UsageError naming the field. The
 * message never quotes a hash, so it is safe to log.
 */
export function parseTokensFile(text: string, file: string): TokenEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${jsonProblem(e, text)})`);
  }
  const parsed = TokensFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const first = zodIssues(parsed.error, TokensFileSchema)[0]!;
    // An issue may quote a value; a hash in the wrong field must not reach a log that way.
    const message = first.message.replace(/[0-9a-f]{16,}/gi, '(hex digits, not shown)');
    throw new UsageError(`${file}: ${formatPath(first.path) || '(top level)'}: ${message}`);
  }
  return parsed.data.tokens;
}

/** Read a tokens file; `missingOk` makes a missing file an empty one. */
export function readTokensFile(file: string, opts: { missingOk?: boolean } = {}): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.missingOk) return [];
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? 'unknown error'})`);
  }
  return parseTokensFile(text, file);
}

/** Add an entry to the tokens file (created if missing), leaving it with mode 0600. */
export function appendToken(file: string, entry: TokenEntry): void {
  writeTokens(file, [...readTokensFile(file, { missingOk: true }), entry]);
}

/** How `token list` and `token revoke` name a token: the first 12 hex digits of its hash (which tell nothing of the token). */
export function tokenId(entry: Pick<TokenEntry, 'hash'>): string {
  return entry.hash.slice(0, 12);
}

/**
 * Revoke a token: its entry leaves the file (replaced atomically, mode 0600), so a running `serve`,
 * which follows the file, refuses it from the next request on. `id` is what `token list` shows (12
 * hex digits); the entry removed is returned. A UsageError when no entry, or more than one, has it.
 */
export function revokeToken(file: string, id: string): TokenEntry {
  if (!/^[0-9a-f]{12}$/.test(id)) throw new UsageError(`"${id.slice(0, 40)}" is not a token id (12 lowercase hex digits, as meridian token list shows)`);
  const tokens = readTokensFile(file);
  const found = tokens.filter((e) => tokenId(e) === id);
  if (found.length === 0) throw new UsageError(`${file}: no token has the id ${id} (meridian token list --tokens ${file} shows them)`);
  if (found.length > 1) throw new UsageError(`${file}: ${found.length} tokens have the id ${id}; remove the one you mean from the file by hand`);
  writeTokens(file, tokens.filter((e) => tokenId(e) !== id));
  return found[0]!;
}

/** Replace the tokens file with `tokens`, atomically, mode 0600. */
function writeTokens(file: string, tokens: readonly TokenEntry[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UsageError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
}
