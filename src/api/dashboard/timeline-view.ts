/**
 * @module The ring progression: one card per ring, in order, with its status in words and colour
 * (deploying, baking with the time left, waiting and why, passed, failed, rolled back).
 */
import type { ReleaseView, RingView } from '../../runtime/controller-types.ts';
import { html, type SafeHtml } from './html.ts';
import { ringLinksLine } from './ring-links-view.ts';
import { minutes, share, timeTag, utcMinute } from './format.ts';

type Tone = 'ok' | 'bad' | 'active' | 'wait' | 'idle';

interface RingStatus {
  label: string;
  tone: Tone;
  detail: string;
  /** Share of the bake done, while baking. */
  progress?: number;
}

type ReleaseEvent = ReleaseView['events'][number];

/** The ring's latest event of one of `types`. */
export function latest(view: ReleaseView, ring: string, types: readonly string[]): ReleaseEvent | undefined {
  for (let i = view.events.length - 1; i >= 0; i--) {
    const e = view.events[i]!;
    if (e.ring === ring && types.includes(e.type)) return e;
  }
  return undefined;
}

const since = (at: string | null): string => (at ? ` since ${utcMinute(at)}` : '');

const IN_FLIGHT = new Set(['deploying', 'baking', 'rolling-back']);

export function ringStatus(view: ReleaseView, ring: RingView, now: number): RingStatus {
  const s = statusOf(view, ring, now);
  // A halted release stops its ring where it is: say so first, then what the ring was doing.
  if (view.phase === 'halted' && IN_FLIGHT.has(ring.status)) {
    return { ...s, label: 'Halted', tone: 'bad', detail: `while ${s.label.toLowerCase()}: ${s.detail}` };
  }
  return s;
}

function statusOf(view: ReleaseView, ring: RingView, now: number): RingStatus {
  const i = view.rings.indexOf(ring);
  switch (ring.status) {
    case 'deploying':
      return { label: 'Deploying', tone: 'active', detail: `${view.version} to ${ring.regions.join(', ')}${since(ring.deployedAt)}` };
    case 'baking': {
      const from = Date.parse(ring.healthyAt ?? ring.deployedAt ?? view.startedAt);
      const until = Date.parse(ring.bakeUntil!);
      const left = until - now;
      const progress = until > from ? Math.min(1, Math.max(0, (now - from) / (until - from))) : 1;
      if (ring.evidence) return { label: 'Waiting for evidence', tone: 'wait', progress, detail: ring.evidence };
      return { label: 'Baking', tone: 'active', progress, detail: `${minutes(left)} left of ${minutes(ring.bakeMinutes * 60_000)}, until ${utcMinute(until)}` };
    }
    case 'awaiting-approval': {
      const asked = latest(view, ring.name, ['approval.requested']);
      return { label: 'Waiting for approval', tone: 'wait', detail: asked?.detail ?? `approvers: ${ring.approvers.join(', ')}` };
    }
    case 'waiting-window': {
      const why = latest(view, ring.name, ['ring.waiting']);
      return { label: 'Waiting', tone: 'wait', detail: why?.detail ?? 'waiting for its deploy window' };
    }
    case 'passed': {
      const passed = latest(view, ring.name, ['ring.passed']);
      return { label: 'Passed', tone: 'ok', detail: passed ? `${passed.detail ?? 'passed'} (${utcMinute(passed.at)})` : 'passed' };
    }
    case 'failed':
      return { label: 'Failed', tone: 'bad', detail: failure(view, ring) };
    case 'rolling-back':
      return { label: 'Rolling back', tone: 'active', detail: `back to ${view.previousVersion}` };
    case 'rolled-back':
      return ring.verdict === 'failed'
        ? { label: 'Failed, rolled back', tone: 'bad', detail: `${failure(view, ring)}; back on ${view.previousVersion}` }
        : { label: 'Rolled back', tone: 'idle', detail: `had ${ring.verdict === 'passed' ? 'passed' : 'not finished'}; back on ${view.previousVersion}` };
    default: {
      const upstreamFailed = view.rings.slice(0, i).some((r) => r.verdict === 'failed');
      if (upstreamFailed) return { label: 'Never deployed', tone: 'idle', detail: 'an earlier ring failed; this ring was left untouched' };
      if (view.phase === 'aborted') return { label: 'Not deployed', tone: 'idle', detail: 'the release was aborted' };
      return { label: 'Not started', tone: 'idle', detail: `bakes ${minutes(ring.bakeMinutes * 60_000)} once deployed` };
    }
  }
}

function failure(view: ReleaseView, ring: RingView): string {
  const failed = latest(view, ring.name, ['ring.failed']);
  if (!failed) return 'failed';
  return `${failed.detail?.replace(/; downstream rings will not be deployed$/, '') ?? 'failed'} (${utcMinute(failed.at)})`;
}

function progressBar(progress: number, label: string): SafeHtml {
  const pct = Math.round(progress * 100);
  return html`<svg class="bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="${label}"><rect class="bar-track" width="100" height="6" rx="3"/><rect class="bar-fill" width="${pct}" height="6" rx="3"/></svg>`;
}

/**
 * When the ring is approved, deploys and ends its bake (`RingView.eta`), relative to the server's
 * clock: recorded once past, expected before (the title says so); a time that cannot be said (the
 * release stopped short of the ring) is left out.
 */
export function ringTimes(ring: RingView, now: number): SafeHtml {
  const eta = ring.eta;
  if (!eta) return html``;
  const all: Array<[string, string | null]> = [['Approval', eta.approvalAt], ['Deploy', eta.deployAt], ['Bake end', eta.bakeEndsAt]];
  const items = all.filter((item): item is [string, string] => item[1] !== null);
  if (items.length === 0) return html``;
  return html`<dl class="ring-times">${items.map(([label, at]) => html`<div><dt>${label}</dt><dd>${timeTag(at, now, Date.parse(at) > now ? { suffix: ' (expected)' } : {})}</dd></div>`)}</dl>`;
}

export function timeline(view: ReleaseView, now: number): SafeHtml {
  const cards = view.rings.map((ring) => {
    const s = ringStatus(view, ring, now);
    return html`<li class="ring tone-${s.tone}" data-ring="${ring.name}" data-status="${ring.status}">
  <div class="ring-head"><h3>${ring.name}</h3><span class="badge tone-${s.tone}">${s.label}</span></div>
  <p class="ring-where">${ring.regions.join(', ')} · ${ring.userShare > 0 ? `${share(ring.userShare)} of users` : 'no user traffic'}</p>
  <p class="ring-detail">${s.detail}</p>
  ${s.progress === undefined ? '' : progressBar(s.progress, `${Math.round(s.progress * 100)}% of the bake done`)}
  ${ringTimes(ring, now)}
  ${ringLinksLine(ring)}
</li>`;
  });
  return html`<ol class="rings">${cards}</ol>`;
}
