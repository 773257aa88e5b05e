/**
 * @module The live part of a release page, rendered on the server for one signed-in person: the
 * freezes in force, the summary with the blast radius, the freezes holding the release and the
 * actions they may take, then rings, regions, comparison, gate charts, events, notifications and
 * audit. The client script swaps it in whenever something happens.
 */
import type { Policy } from '../../policy/schema.ts';
import type { AuditEntry } from '../../ports.ts';
import type { ComparisonRow } from '../../runtime/region-table.ts';
import type { Actor, EvaluationView, FreezeView, ReleaseView } from '../../runtime/controller-types.ts';
import { actionsFor, type Action } from './actions.ts';
import { charts } from './charts.ts';
import { comparisonTable } from './region-table-view.ts';
import { failureEvidence, failureTitle } from './evidence-view.ts';
import { timeTag } from './format.ts';
import { freezeBanner, heldBy } from './freeze-view.ts';
import { html, type SafeHtml } from './html.ts';
import { auditTable, eventsTable } from './log-view.ts';
import { notificationsTable } from './notifications-view.ts';
import type { NotificationEntry } from '../../runtime/notifier-types.ts';
import { timeline } from './timeline-view.ts';
import { blastRadius, worldTable } from './world-view.ts';

export interface ReleaseFragmentInput {
  policy: Policy;
  view: ReleaseView;
  /** The release's gate evaluations, oldest first (for the charts). */
  evaluations: readonly EvaluationView[];
  comparison: readonly ComparisonRow[];
  audit: readonly AuditEntry[];
  /** Every freeze in force (the banner at the top); those holding this release are `view.freezes`. */
  freezes: readonly FreezeView[];
  actor: Actor;
  now: number;
  /** The release's notification delivery log, oldest first. */
  notifications?: readonly NotificationEntry[];
}

const PHASE_TONE: Record<string, string> = {
  running: 'active', waiting: 'wait', halted: 'bad', 'rolling-back': 'bad', completed: 'ok', 'rolled-back': 'bad', aborted: 'idle',
};

/** The phase in words: `rolled-back` → `Rolled back`. */
export function phaseLabel(phase: string): string {
  const words = phase.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function phaseBadge(phase: string): SafeHtml {
  return html`<span class="badge tone-${PHASE_TONE[phase] ?? 'idle'}" data-phase="${phase}">${phaseLabel(phase)}</span>`;
}

function actionButton(a: Action): SafeHtml {
  return html`<button type="button" class="action${a.danger ? ' danger' : ' primary'}" data-action="${a.kind}" data-ring="${a.ring ?? ''}" data-question="${a.question}" data-consequence="${a.consequence}">${a.label}</button>`;
}

/** When the release is expected to reach every region (GA), and what that assumes; nothing once it ended or while it cannot be said. */
function expectedComplete(view: ReleaseView, now: number): SafeHtml {
  if (!view.etaComplete || view.completedAt) return html``;
  return html`<p class="eta">GA expected ${timeTag(view.etaComplete, now, { suffix: ' (expected)' })} <span class="muted">— assuming ${view.etaAssumes ?? 'every approval is given when it is asked for and no gate fails'}.</span></p>`;
}

function section(id: string, title: string, body: SafeHtml): SafeHtml {
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}</section>`;
}

export function releaseFragment(input: ReleaseFragmentInput): SafeHtml {
  const { policy, view, actor, now } = input;
  const actions = actionsFor(view, actor);
  return html`<div class="release" data-title="${view.service} ${view.version}" data-phase="${view.phase}" data-user="${actor.user}" data-role="${actor.role}" data-now="${now}">
${freezeBanner(input.freezes, actor)}
<div class="summary">
  <p class="facts">${phaseBadge(view.phase)} <code>${view.previousVersion}</code> → <code>${view.version}</code>
    <span class="muted">· started ${timeTag(view.startedAt, now)}${view.completedAt ? html` · ended ${timeTag(view.completedAt, now)}` : ''}</span></p>
  ${expectedComplete(view, now)}
  ${view.haltReason ? html`<p class="alert">Halted: ${view.haltReason}</p>` : ''}
  ${view.leftBehind ? html`<p class="alert">${view.leftBehind}</p>` : ''}
  ${heldBy(view.freezes)}
  ${blastRadius(view)}
  ${actions.length > 0 ? html`<div class="actions" role="group" aria-label="Actions">${actions.map(actionButton)}</div>` : ''}
</div>
${section('rings-h', 'Rings', timeline(view, now))}
${failureTitle(view) ? section('failure-h', failureTitle(view)!, failureEvidence(view)) : ''}
<div class="pair">
${section('regions-h', 'Regions', worldTable(policy, view))}
${section('comparison-h', 'Comparison, last hour', comparisonTable(input.comparison))}
</div>
${section('charts-h', 'Gate metrics over the bake', charts(policy, view, input.evaluations, now, input.comparison))}
${section('events-h', 'Events', eventsTable(view, now))}
${section('notifications-h', 'Notifications', notificationsTable(input.notifications ?? [], policy.spec.notifications.length, view.id))}
${section('audit-h', 'Audit log', auditTable(input.audit, view.id, now))}
</div>`;
}
