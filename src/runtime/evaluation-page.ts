/**
 * @module One page of a release's gate evaluations (`GET /api/v1/releases/{id}/evaluations`), oldest
 * first, filtered by ring, gate and region. A page holds at most MAX_PAGE evaluations; its `next`
 * cursor is opaque and carries the filter it was issued for, so a cursor that was never issued, or
 * one reused with other filters, is refused naming the parameter.
 */
import { UsageError } from '../errors.ts';
import type { Evaluation } from '../gates/types.ts';
import type { EvaluationQuery, EvaluationView, Page } from './controller-types.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

function filterKey(q: EvaluationQuery): string {
  return JSON.stringify([q.ring ?? null, q.gate ?? null, q.region ?? null]);
}

function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) throw new UsageError(`limit "${limit.slice(0, 20)}" must be a whole number from 1 to ${MAX_PAGE}`);
  return Number(limit);
}

const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

function parseCursor(cursor: string | undefined, q: EvaluationQuery, total: number): number {
  if (cursor === undefined) return 0;
  const refused = new UsageError(`cursor "${cursor.slice(0, 40)}" was not issued for this list (start again without a cursor)`);
  if (!CURSOR.test(cursor)) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    throw refused;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[1] !== filterKey(q)) throw refused;
  const at = decoded[0];
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 1 || at > total) throw refused;
  return at;
}

function issueCursor(at: number, q: EvaluationQuery): string {
  return btoa(JSON.stringify([at, filterKey(q)])).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The page of `all` (the release's evaluations, oldest first) that `q` asks for. */
export function evaluationPage(all: ReadonlyArray<Evaluation & { ring: string }>, q: EvaluationQuery): Page<EvaluationView> {
  const limit = parseLimit(q.limit);
  const start = parseCursor(q.cursor, q, all.length);
  const items: EvaluationView[] = [];
  let i = start;
  for (; i < all.length && items.length < limit; i++) {
    const e = all[i]!;
    if ((q.ring !== undefined && e.ring !== q.ring) || (q.gate !== undefined && e.gate !== q.gate) || (q.region !== undefined && e.region !== q.region)) continue;
    items.push({ ...e, at: new Date(e.at).toISOString() });
  }
  // A next page only when something is left that the filter could still match.
  return { items, next: i < all.length ? issueCursor(i, q) : null };
}
