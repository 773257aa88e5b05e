/**
 * @module One page of a release's gate evaluations (`GET /api/v1/releases/{id}/evaluations`), oldest
 * first, filtered by ring, gate and region. Paging as every list (page-cursor.ts).
 */
import type { Evaluation } from '../gates/types.ts';
import type { EvaluationQuery, EvaluationView, Page, ReleaseController } from './controller-types.ts';
import { MAX_PAGE, issueCursor, parseLimit, readCursor } from './page-cursor.ts';

export { DEFAULT_PAGE, MAX_PAGE } from './page-cursor.ts';

function filters(q: EvaluationQuery): unknown[] {
  return [q.ring ?? null, q.gate ?? null, q.region ?? null];
}

/** The page of `all` (the release's evaluations, oldest first) that `q` asks for. */
export function evaluationPage(all: ReadonlyArray<Evaluation & { ring: string }>, q: EvaluationQuery): Page<EvaluationView> {
  const limit = parseLimit(q.limit);
  const start = readCursor(q.cursor, filters(q), (at): at is number => typeof at === 'number' && Number.isInteger(at) && at >= 1 && at <= all.length) ?? 0;
  const items: EvaluationView[] = [];
  let i = start;
  for (; i < all.length && items.length < limit; i++) {
    const e = all[i]!;
    if ((q.ring !== undefined && e.ring !== q.ring) || (q.gate !== undefined && e.gate !== q.gate) || (q.region !== undefined && e.region !== q.region)) continue;
    items.push({ ...e, at: new Date(e.at).toISOString() });
  }
  // A next page only when something is left that the filter could still match.
  return { items, next: i < all.length ? issueCursor(i, filters(q)) : null };
}

/** Every gate evaluation of a release, page after page, oldest first (charts and /metrics read them all). */
export async function everyEvaluation(controller: Pick<ReleaseController, 'evaluations'>, id: string): Promise<EvaluationView[]> {
  const all: EvaluationView[] = [];
  for (let cursor: string | null | undefined; cursor !== null;) {
    const page = await controller.evaluations(id, { limit: String(MAX_PAGE), ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next;
  }
  return all;
}
