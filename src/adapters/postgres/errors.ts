/**
 * @module PostgreSQL failures as meridian's AdapterError, prefixed with where they happened (the
 * URL with its password hidden). Retryable: lost or refused connections, a server shutting down or
 * starting up, too many connections, serialization failures and deadlocks — trying again may work.
 * Not retryable: everything else the server says (a constraint, a syntax error, a missing
 * privilege). Errors of our own (MeridianError, TypeError) and anything that is not a database or
 * network failure pass through unchanged.
 */
import pg from 'pg';
import { AdapterError, MeridianError } from '../../errors.ts';

/** SQLSTATE codes (or classes, two characters) after which trying again may succeed. */
const RETRYABLE_SQLSTATES = ['08', '40001', '40P01', '53300', '57P01', '57P02', '57P03', '55P03'];

/** Network errors of Node's sockets. */
const RETRYABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** Messages node-postgres gives lost connections and timeouts (it has no code for them). */
const RETRYABLE_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Query read timeout/i, /Client has encountered a connection error/i, /connection is closed/i];

export function isRetryable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (e instanceof pg.DatabaseError) return typeof code === 'string' && RETRYABLE_SQLSTATES.some((c) => code.startsWith(c));
  if (typeof code === 'string' && RETRYABLE_ERRNO.has(code)) return true;
  return RETRYABLE_MESSAGES.some((m) => m.test(e.message));
}

/** Whether `e` came from the database or the connection to it (and not from our own code). */
function fromDatabase(e: Error): boolean {
  if (e instanceof pg.DatabaseError) return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (RETRYABLE_ERRNO.has(code) || /^E[A-Z]+$/.test(code))) return true;
  return RETRYABLE_MESSAGES.some((m) => m.test(e.message));
}

/** A PostgreSQL failure as an AdapterError naming `where`; other errors unchanged. */
export function adapterError(where: string, e: unknown): unknown {
  if (e instanceof MeridianError || e instanceof TypeError || !(e instanceof Error) || !fromDatabase(e)) return e;
  const message = e.message || (e as { code?: string }).code || 'unknown error';
  return new AdapterError(`${where}: ${message}`, { retryable: isRetryable(e), cause: e });
}
