/**
 * @module The list of releases, newest first: service, version, phase, when it started and the
 * ring it is at, each linking to its page.
 */
import type { Actor, ReleaseView } from '../../runtime/controller-types.ts';
import { utcMinute } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { phaseBadge } from './release-fragment.ts';

const IDLE = new Set(['pending', 'passed', 'rolled-back']);

/** The ring being worked on, or the one that stopped the release, in words. */
export function currentRing(view: ReleaseView): string {
  const busy = view.rings.find((r) => !IDLE.has(r.status));
  if (busy) return `${busy.name} (${busy.status.replace(/-/g, ' ')})`;
  const failed = view.rings.find((r) => r.verdict === 'failed');
  if (failed) return `${failed.name} failed${failed.rolledBack ? ', rolled back' : ''}`;
  if (view.phase === 'completed') return 'every ring passed';
  const next = view.rings.find((r) => r.status === 'pending');
  if (view.phase === 'rolled-back' || view.phase === 'aborted') return next ? `stopped before ${next.name}` : view.phase.replace(/-/g, ' ');
  return next ? `${next.name} (next)` : '—';
}

export function releaseList(views: readonly ReleaseView[], actor: Actor): SafeHtml {
  if (views.length === 0) {
    return html`<div class="releases" data-title="Releases" data-user="${actor.user}" data-role="${actor.role}"><p class="empty">No releases yet. Start one with <code>meridian release start --version V</code>.</p></div>`;
  }
  const newest = [...views].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const rows = newest.map((v) => html`<tr>
  <th scope="row"><a href="/releases/${encodeURIComponent(v.id)}">${v.service} <code>${v.version}</code></a></th>
  <td>${phaseBadge(v.phase)}</td><td class="when">${utcMinute(v.startedAt)}</td><td>${currentRing(v)}</td>
</tr>`);
  return html`<div class="releases" data-title="Releases" data-user="${actor.user}" data-role="${actor.role}"><div class="scroll"><table class="list stack">
<caption class="vh">Releases, newest first</caption>
<thead><tr><th scope="col">Release</th><th scope="col">Phase</th><th scope="col">Started</th><th scope="col">Current ring</th></tr></thead>
<tbody>${rows}</tbody>
</table></div></div>`;
}
