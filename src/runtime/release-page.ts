/**
 * @module `GET /api/v1/releases`: release summaries a page at a time, newest first, filtered by
 * service and phase (fleet.md "API"). The store serves the page (keyset on createdAt and id), so a
 * page costs what it holds, not the history. Paging and cursors as every list (page-cursor.ts).
 */
import { isFinished } from '../engine/actions.ts';
import type { Phase, ReleaseState } from '../engine/types.ts';
import { UsageError } from '../errors.ts';
import type { Policy } from '../policy/schema.ts';
import type { ReleaseRecord, Store } from '../ports.ts';
import type { Page, ReleaseQuery, ReleaseSummary } from './controller-types.ts';
import { iso } from './release-view.ts';
import { issueCursor, parseLimit, readCursor } from './page-cursor.ts';

export const PHASES: readonly Phase[] = ['running', 'waiting', 'halted', 'rolling-back', 'completed', 'rolled-back', 'aborted'];

export function releaseSummary(policy: Policy, state: ReleaseState): ReleaseSummary {
  const ring = isFinished(state.phase) ? undefined : policy.spec.rings[state.current];
  return {
    id: state.release.id,
    service: state.release.service,
    version: state.release.version,
    previousVersion: state.release.previousVersion,
    phase: state.phase,
    currentRing: ring?.name ?? null,
    startedAt: iso(state.startedAt)!,
    endedAt: iso(state.completedAt),
  };
}

type Position = [number, string];
const isPosition = (p: unknown): p is Position => Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && typeof p[1] === 'string';

/** The page `query` asks for; `summarize` turns a stored record into its summary (null: skip it). */
export async function releasePage(store: Store, query: ReleaseQuery, summarize: (rec: ReleaseRecord) => Promise<ReleaseSummary | null>): Promise<Page<ReleaseSummary>> {
  const limit = parseLimit(query.limit);
  const phases = query.phase === undefined ? undefined : query.phase.split(',');
  for (const p of phases ?? []) {
    if (!PHASES.includes(p as Phase)) throw new UsageError(`phase "${p.slice(0, 40)}" is not a phase (one of ${PHASES.join(', ')})`);
  }
  const filters = [query.service ?? null, phases ?? null];
  const after = readCursor(query.cursor, filters, isPosition);
  const records = await store.listReleases({
    ...(query.service !== undefined ? { service: query.service } : {}),
    ...(phases ? { phases } : {}),
    ...(after ? { after: { createdAt: after[0], id: after[1] } } : {}),
    limit: limit + 1,
  });
  const items: ReleaseSummary[] = [];
  for (const rec of records.slice(0, limit)) {
    const summary = await summarize(rec);
    if (summary) items.push(summary);
  }
  const last = records[limit - 1];
  return { items, next: records.length > limit && last ? issueCursor([last.createdAt, last.id], filters) : null };
}
