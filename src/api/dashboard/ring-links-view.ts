/**
 * @module The links of a ring's card: its deploy and rollback commits (short sha, linked with
 * `spec.delivery.gitops.commitUrl`) and its Argo CD Applications (linked with
 * `spec.delivery.health.argocd.appUrl`). Nothing for what is not a git commit (the simulated
 * delivery's tokens) and nothing when there is nothing to show.
 */
import type { CommitView, RingView } from '../../runtime/controller-types.ts';
import { html, type HtmlValue, type SafeHtml } from './html.ts';

function commit(step: string, c: CommitView | null | undefined): SafeHtml | null {
  if (!c?.sha) return null;
  const short = html`<code title="${c.sha}">${c.sha.slice(0, 12)}</code>`;
  return html`<span class="commit" data-step="${step}" data-sha="${c.sha}">${step} ${c.url ? html`<a href="${c.url}" rel="noopener noreferrer">${short}</a>` : short}</span>`;
}

export function ringLinksLine(ring: RingView): SafeHtml | '' {
  const parts: SafeHtml[] = [];
  for (const [step, c] of [['deploy', ring.deployCommit], ['rollback', ring.rollbackCommit]] as const) {
    const part = commit(step, c);
    if (part) parts.push(part);
  }
  const apps = (ring.applications ?? []).map((a) => (a.url
    ? html`<a class="app" href="${a.url}" rel="noopener noreferrer" title="Argo CD Application of ${a.cluster} (${a.region})">${a.name}</a>`
    : html`<span class="app" title="Argo CD Application of ${a.cluster} (${a.region})">${a.name}</span>`));
  if (apps.length > 0) parts.push(html`<span class="apps">Argo CD ${joined(apps, ', ')}</span>`);
  if (parts.length === 0) return '';
  return html`<p class="ring-links muted">${joined(parts, ' · ')}</p>`;
}

function joined(parts: SafeHtml[], separator: string): HtmlValue[] {
  return parts.flatMap((p, i) => (i === 0 ? [p] : [separator, p]));
}
