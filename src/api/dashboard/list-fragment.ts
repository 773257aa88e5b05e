/**
 * @module Every release, newest first, a page at a time (`/releases`): service, version, phase,
 * when it started and ended and the ring it is at, each linking to its page, and a link to the
 * next page (the list's cursor). A release whose version is recorded failed for its service is
 * marked `✗ failed`, saying where and why. Summaries only: a page costs what it shows.
 */
import type { Actor, FreezeView, Page, ReleaseSummary } from '../../runtime/controller-types.ts';
import { utcMinute } from './format.ts';
import { freezeBanner } from './freeze-view.ts';
import { html, type SafeHtml } from './html.ts';
import { phaseBadge } from './release-fragment.ts';

/** What `/releases` filters and pages by (query parameters). */
export interface ListQuery {
  service?: string;
  phase?: string;
  /** Releases per page (the API's default and bound). */
  limit?: string;
  cursor?: string;
}

export const LIST_PARAMS = ['service', 'phase', 'limit', 'cursor'] as const;

/** `/releases?…` for the query given. */
export function listHref(q: ListQuery): string {
  const p = new URLSearchParams();
  for (const name of LIST_PARAMS) if (q[name]) p.set(name, q[name]!);
  const s = p.toString();
  return s ? `/releases?${s}` : '/releases';
}

/** ` ✗ failed` (with its space) after a version recorded failed for its service, the failure in its title; '' otherwise. */
export function versionFailedMark(r: ReleaseSummary): SafeHtml | '' {
  const f = r.versionFailed;
  if (!f) return '';
  const words = `${r.version} failed in release ${f.releaseId} on ${utcMinute(f.at)}: ${f.reason}`;
  return html` <span class="badge tone-bad version-failed" title="${words}" data-failed-release="${f.releaseId}">✗ failed<span class="vh">: ${words}</span></span>`;
}

function where(r: ReleaseSummary): string {
  if (r.currentRing) return r.currentRing;
  return r.phase === 'completed' ? 'every ring passed' : '—';
}

export interface ReleaseListInput {
  page: Page<ReleaseSummary>;
  query: ListQuery;
  freezes: readonly FreezeView[];
  actor: Actor;
}

export function releaseList(input: ReleaseListInput): SafeHtml {
  const { page, query, actor } = input;
  const title = query.service ? `Releases of ${query.service}` : 'Releases';
  const { cursor, ...rest } = query;
  const first = cursor ? html`<a href="${listHref(rest)}">First page</a>` : '';
  const next = page.next ? html`<a href="${listHref({ ...query, cursor: page.next })}" rel="next" class="next">Next page</a>` : '';
  const pager = first || next ? html`<nav class="pager" aria-label="Pages">${first} ${next}</nav>` : '';
  const head = html`<div class="releases" data-title="${title}" data-user="${actor.user}" data-role="${actor.role}">
${freezeBanner(input.freezes, actor)}
<p class="muted counts">Newest first · <a href="/">every service × region</a></p>`;
  if (page.items.length === 0) {
    return html`${head}<p class="empty">${cursor ? 'No more releases.' : html`No releases yet. Start one with <code>meridian release start --service S --version V</code>.`}</p>${pager}</div>`;
  }
  const rows = page.items.map((r) => html`<tr>
  <th scope="row"><a href="/releases/${encodeURIComponent(r.id)}">${r.service} <code>${r.version}</code></a>${versionFailedMark(r)}</th>
  <td>${phaseBadge(r.phase)}</td><td class="when">${utcMinute(r.startedAt)}</td><td class="when">${r.endedAt ? utcMinute(r.endedAt) : ''}</td><td>${where(r)}</td>
</tr>`);
  return html`${head}<div class="scroll"><table class="list stack">
<caption class="vh">Releases, newest first</caption>
<thead><tr><th scope="col">Release</th><th scope="col">Phase</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Current ring</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
${pager}</div>`;
}
