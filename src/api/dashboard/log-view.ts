/**
 * @module What happened when: the release's events and the audit log entries about it (who asked
 * for what, and whether it was allowed), newest first.
 */
import type { AuditEntry } from '../../ports.ts';
import type { ReleaseView } from '../../runtime/controller-types.ts';
import { html, type SafeHtml } from './html.ts';
import { timeTag, utcClock, utcMinute } from './format.ts';

const BAD = new Set(['gate.failed', 'ring.failed', 'release.halted', 'approval.rejected', 'traffic.drain.refused', 'release.aborted']);
const GOOD = new Set(['ring.passed', 'release.completed', 'approval.granted', 'ring.rollback.completed']);

/**
 * When an entry happened: with `now` (the server's clock), how long ago in words and the UTC time of
 * day (the date on hover); without, the UTC minute.
 */
function when(at: string | number, now: number | undefined): SafeHtml | string {
  if (now === undefined) return utcMinute(at);
  return html`${timeTag(at, now)}<span class="when-utc"> · ${utcClock(at)} UTC</span>`;
}

export function eventsTable(view: ReleaseView, now?: number): SafeHtml {
  if (view.events.length === 0) return html`<p class="empty">Nothing has happened yet.</p>`;
  const rows = [...view.events].reverse().map((e) => {
    const tone = BAD.has(e.type) ? 'bad' : GOOD.has(e.type) ? 'ok' : '';
    return html`<tr class="${tone ? `ev-${tone}` : ''}"><td class="when">${when(e.at, now)}</td><td><code>${e.type}</code></td><td>${[e.ring, e.region].filter(Boolean).join(' ')}</td><td>${e.detail ?? ''}</td></tr>`;
  });
  return html`<div class="scroll"><table class="log stack events">
<caption class="vh">Events of this release, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Where</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

export function auditTable(entries: readonly AuditEntry[], releaseId: string, now?: number): SafeHtml {
  const mine = entries.filter((a) => a.target === releaseId).reverse();
  if (mine.length === 0) return html`<p class="empty">No audit entries for this release.</p>`;
  const rows = mine.map((a) => html`<tr class="${a.outcome === 'refused' ? 'ev-bad' : ''}"><td class="when">${when(a.at, now)}</td><td>${a.actor}</td><td><code>${a.action}</code></td><td>${a.outcome}</td><td>${a.detail}</td></tr>`);
  return html`<div class="scroll"><table class="log stack audit">
<caption class="vh">Audit log entries about this release, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}
