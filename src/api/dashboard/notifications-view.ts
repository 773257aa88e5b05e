/**
 * @module The "Notifications" section of a release's page: what was sent to which sink about which
 * event, newest first, and how each attempt went (delivered, retrying with the time of the next
 * attempt, failed with why). Sinks are shown as the delivery log keeps them: URLs unexpanded, with
 * credentials and query strings redacted.
 */
import type { NotificationEntry } from '../../runtime/notifier-types.ts';
import { utcMinute } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** Entries shown on the page; the API pages through all that are kept. */
export const SHOWN_NOTIFICATIONS = 25;

const TONE: Record<NotificationEntry['outcome'], string> = { delivered: 'ev-ok', retrying: '', failed: 'ev-bad' };

function said(e: NotificationEntry): string {
  const status = e.status === null ? null : e.sink.startsWith('command ') ? `exit status ${e.status}` : `HTTP ${e.status}`;
  const words = e.error ?? status ?? '';
  return e.nextAttemptAt ? `${words}; next attempt ${utcMinute(e.nextAttemptAt)}` : words;
}

/** `entries` oldest first, as the delivery log keeps them; `sinks`: how many sinks the release's service has. */
export function notificationsTable(entries: readonly NotificationEntry[], sinks: number, releaseId: string): SafeHtml {
  if (entries.length === 0) {
    return sinks === 0
      ? html`<p class="empty">This service's policy sends no notifications (<code>spec.notifications</code>).</p>`
      : html`<p class="empty">No notification has been sent about this release since the server started.</p>`;
  }
  const shown = entries.slice(-SHOWN_NOTIFICATIONS).reverse();
  const rows = shown.map((e) => html`<tr class="${TONE[e.outcome]}"><td class="when">${utcMinute(e.at)}</td><td><code>${e.sink}</code></td><td><code>${e.event}</code></td><td>${[e.ring, e.region].filter(Boolean).join(' ')}</td><td>${e.attempt}</td><td>${e.outcome}</td><td>${said(e)}</td></tr>`);
  const more = entries.length > shown.length
    ? html`<p class="muted">The newest ${shown.length} of ${entries.length} entries kept; every one: <code>GET /api/v1/releases/${releaseId}/notifications</code>.</p>`
    : '';
  return html`<div class="scroll"><table class="log stack notifications">
<caption class="vh">Notifications about this release, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Sink</th><th scope="col">Event</th><th scope="col">Where</th><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col">Status or error</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>${more}`;
}
