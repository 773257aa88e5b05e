/**
 * @module Paging shared by every list of the API: a `limit` from 1 to MAX_PAGE (DEFAULT_PAGE when
 * not given) and opaque cursors. A cursor carries the position it continues from and the filters it
 * was issued for, so a cursor that was never issued, or one reused with other filters, is refused
 * naming the parameter (a UsageError, 400).
 */
import { UsageError } from '../errors.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;

export function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) throw new UsageError(`limit "${limit.slice(0, 20)}" must be a whole number from 1 to ${MAX_PAGE}`);
  return Number(limit);
}

/** A cursor for `position` under `filters` (any JSON). */
export function issueCursor(position: unknown, filters: unknown): string {
  return btoa(JSON.stringify([position, JSON.stringify(filters)])).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The position a cursor continues from, when it was issued under `filters` and `valid` accepts its
 * position; undefined without a cursor.
 */
export function readCursor<T>(cursor: string | undefined, filters: unknown, valid: (position: unknown) => position is T): T | undefined {
  if (cursor === undefined) return undefined;
  const refused = new UsageError(`cursor "${cursor.slice(0, 40)}" was not issued for this list (start again without a cursor)`);
  if (!CURSOR.test(cursor)) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw refused;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[1] !== JSON.stringify(filters) || !valid(decoded[0])) throw refused;
  return decoded[0];
}
