/**
 * @module The message a Slack incoming webhook is sent for a notification: a plain-text fallback
 * (what a phone's notification shows) and Block Kit blocks that read well in a channel — a header
 * with an emoji and what happened (`:red_circle: checkout 2.4.1 — ring canary failed`), the reason,
 * where and when, and a button to the release's page. Within Slack's limits (a header's text is at
 * most 150 characters, a section's 3,000, a button's 75); mrkdwn text has &, < and > escaped, so
 * nothing a release carries can make a link or a mention. Pure.
 */
import type { NotificationBody } from '../../runtime/notifier-types.ts';

const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;

/** What happened, in words, by event type (`ring canary failed`). */
function what(b: NotificationBody): string {
  const ring = `ring ${b.ring ?? '?'}`;
  const region = b.region ?? 'a region';
  switch (b.event) {
    case 'release.started': return 'release started';
    case 'ring.waiting': return `${ring} waiting`;
    case 'approval.requested': return `approval needed for ${ring}`;
    case 'approval.granted': return `${ring} approved`;
    case 'approval.rejected': return `approval refused for ${ring}`;
    case 'ring.deploy.started': return `${ring} deploying`;
    case 'ring.deploy.completed': return `${ring} deployed`;
    case 'gate.failed': return `gate failed in ${ring}${b.region ? ` (${b.region})` : ''}`;
    case 'gate.inconclusive': return `gate inconclusive in ${ring}${b.region ? ` (${b.region})` : ''}`;
    case 'ring.passed': return `${ring} passed`;
    case 'ring.failed': return `${ring} failed`;
    case 'release.halted': return 'release halted';
    case 'release.resumed': return 'release resumed';
    case 'release.aborted': return 'release aborted';
    case 'rollback.requested': return 'rollback requested';
    case 'ring.rollback.started': return `${ring} rolling back`;
    case 'ring.rollback.completed': return `${ring} rolled back`;
    case 'traffic.drained': return `traffic drained from ${region}`;
    case 'traffic.drain.refused': return `traffic drain of ${region} refused`;
    case 'traffic.drain.failed': return `traffic drain of ${region} failed`;
    case 'traffic.restored': return `traffic restored to ${region}`;
    case 'traffic.restore.failed': return `traffic restore of ${region} failed`;
    case 'region.down': return `${region} is down`;
    case 'region.up': return `${region} is up again`;
    case 'replication.paused': return 'replication paused';
    case 'replication.resumed': return 'replication resumed';
    case 'flag.enabled': return 'feature flag enabled';
    case 'flag.disabled': return 'feature flag disabled';
    case 'release.watching': return 'every ring passed; still watched by its gates';
    case 'release.completed': return 'release completed';
    default: return b.event;
  }
}

const BAD = new Set(['ring.failed', 'gate.failed', 'approval.rejected', 'traffic.drain.failed', 'traffic.restore.failed', 'region.down']);
const WARN = new Set(['gate.inconclusive', 'traffic.drain.refused', 'ring.waiting']);

function emoji(event: string): string {
  if (BAD.has(event)) return ':red_circle:';
  if (WARN.has(event)) return ':warning:';
  switch (event) {
    case 'release.halted': return ':octagonal_sign:';
    case 'release.aborted': return ':no_entry_sign:';
    case 'release.started': return ':rocket:';
    case 'release.completed': return ':white_check_mark:';
    case 'ring.passed': return ':large_green_circle:';
    case 'approval.requested': return ':raising_hand:';
    case 'approval.granted': return ':ballot_box_with_check:';
    case 'rollback.requested':
    case 'ring.rollback.started': return ':rewind:';
    case 'ring.rollback.completed': return ':leftwards_arrow_with_hook:';
    default: return ':large_blue_circle:';
  }
}

/** At most `max` characters (code points), the last one an ellipsis when cut. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Text for mrkdwn: Slack's three control characters escaped. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `:red_circle: checkout 2.4.1 — ring canary failed` */
export function slackHeadline(b: NotificationBody): string {
  return `${emoji(b.event)} ${b.service} ${b.version} — ${what(b)}`;
}

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** The incoming-webhook payload for a notification. */
export function slackMessage(b: NotificationBody): SlackMessage {
  const headline = slackHeadline(b);
  const where = [`release \`${b.releaseId}\``, b.ring ? `ring ${b.ring}` : null, b.region ? `region ${b.region}` : null, `${b.at.slice(0, 16).replace('T', ' ')} UTC`].filter(Boolean).join(' · ');
  const blocks: Array<Record<string, unknown>> = [{ type: 'header', text: { type: 'plain_text', text: cut(headline, HEADER_CHARS), emoji: true } }];
  if (b.reason) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(b.reason), SECTION_CHARS) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(escapeMrkdwn(where), SECTION_CHARS) }] });
  blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the release', emoji: false }, url: b.url, action_id: 'open-release' }] });
  return { text: cut(escapeMrkdwn(b.reason ? `${headline}: ${b.reason}` : headline), SECTION_CHARS), blocks };
}
