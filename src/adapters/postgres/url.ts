/**
 * @module PostgreSQL connection URLs as meridian shows them: checked to be a `postgres://` or
 * `postgresql://` URL, and printed with the password replaced by `***` (in the user part and in a
 * `password=` parameter). A URL that cannot be parsed is never echoed: it may hold a password.
 */
import { AdapterError } from '../../errors.ts';

const SCHEMES = new Set(['postgres:', 'postgresql:']);

/** Why `url` is not a PostgreSQL URL, or null when it is one. The message never contains the URL. */
export function postgresUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)';
  }
  if (!SCHEMES.has(u.protocol)) return `a ${u.protocol.replace(/:$/, '')}: URL, not postgresql:// (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)`;
  return null;
}

/** The URL with its password replaced by `***`; `(an invalid PostgreSQL URL)` when it cannot be parsed. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(an invalid PostgreSQL URL)';
  }
  if (u.password) u.password = '***';
  for (const key of [...u.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') u.searchParams.set(key, '***');
  }
  return u.toString().replace(/password=\*\*\*/gi, (m) => m.replace(/%2A/gi, '*'));
}

/** Throws a (non-retryable) AdapterError when `url` is not a PostgreSQL URL. */
export function checkPostgresUrl(url: string): void {
  const problem = postgresUrlProblem(url);
  if (problem) throw new AdapterError(`--postgres: ${problem}`, { retryable: false });
}
