/**
 * @module One page of a release's gate evaluations (`GET /api/v1/releases/{id}/evaluations`), oldest
 * first, filtered by ring, gate and region, read from the release's evaluation log (evaluation-log.ts:
 * its retention is the API's). The cursor is the sequence number of the page's last evaluation, so it
 * stays valid as the log drops old evaluations. Paging as every list (page-cursor.ts).
 */
import type { EvaluationQuery, EvaluationView, Page, ReleaseController } from './controller-types.ts';
import type { EvaluationLog, LoggedEvaluation } from './evaluation-log.ts';
import { MAX_PAGE, issueCursor, parseLimit, readCursor } from './page-cursor.ts';

export { DEFAULT_PAGE, MAX_PAGE } from './page-cursor.ts';

function filters(q: EvaluationQuery): unknown[] {
  return [q.ring ?? null, q.gate ?? null, q.region ?? null];
}

/** The page of the log that `q` asks for; `describe` says what an evaluation that kept no words said. */
export function evaluationPage(log: EvaluationLog, q: EvaluationQuery, describe: (e: LoggedEvaluation) => string): Page<EvaluationView> {
  const limit = parseLimit(q.limit);
  const after = readCursor(q.cursor, filters(q), (at): at is number => typeof at === 'number' && Number.isInteger(at) && at >= 1) ?? 0;
  const { items, more } = log.read(after, limit, (s) => (q.ring === undefined || s.ring === q.ring) && (q.gate === undefined || s.gate === q.gate) && (q.region === undefined || s.region === q.region));
  const views = items.map((e): EvaluationView => {
    const { seq: _seq, at, ...rest } = e;
    return { ...rest, detail: e.detail ?? describe(e), at: new Date(at).toISOString() };
  });
  const last = items[items.length - 1];
  // A next page only when something is left that the filter matches.
  return { items: views, next: more && last ? issueCursor(last.seq, filters(q)) : null };
}

/** Every gate evaluation of a release the log keeps, page after page, oldest first (charts and /metrics read them all). */
export async function everyEvaluation(controller: Pick<ReleaseController, 'evaluations'>, id: string): Promise<EvaluationView[]> {
  const all: EvaluationView[] = [];
  for (let cursor: string | null | undefined; cursor !== null;) {
    const page = await controller.evaluations(id, { limit: String(MAX_PAGE), ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next;
  }
  return all;
}
