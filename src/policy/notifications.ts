/**
 * @module `spec.notifications` of a ReleasePolicy or a Fleet: who is told about a release's events
 * (a webhook, a Slack incoming webhook or a command) and about which of them. The sink schema, the
 * event types a sink may name, the `${NAME}` references a sink URL may carry (expanded from the
 * environment only when a notification is delivered, never here), and how a sink is shown: its URL
 * unexpanded, with the user name, password and query string redacted. Pure.
 */
import { z } from 'zod';
import type { Draft, Failures } from './draft.ts';
import type { Issue } from './issue.ts';
import { didYouMean, listSome } from './source.ts';

/**
 * The event types a notification may be about: those of cli.md "Event types" and the others the
 * engine records (a resume, an abort, an outage, ...). `*` in a sink's `events` means all of them.
 */
export const NOTIFICATION_EVENTS = [
  'release.started', 'ring.waiting', 'approval.requested', 'approval.granted', 'approval.rejected',
  'ring.deploy.started', 'ring.deploy.completed', 'gate.failed', 'gate.inconclusive', 'ring.passed', 'ring.failed',
  'release.halted', 'release.resumed', 'release.aborted', 'rollback.requested', 'ring.rollback.started', 'ring.rollback.completed',
  'traffic.drained', 'traffic.drain.refused', 'traffic.drain.failed', 'traffic.restored', 'traffic.restore.failed',
  'region.down', 'region.up', 'replication.paused', 'replication.resumed', 'flag.enabled', 'flag.disabled',
  'release.watching', 'release.completed',
] as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** What `events: ["*"]` stands for. */
export const EVERY_EVENT = '*';

/** A `${NAME}` reference in a sink URL: letters, digits and _, not starting with a digit. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** A `${` that does not start a well-formed reference. */
const BAD_REFERENCE = /\$\{(?![A-Za-z_][A-Za-z0-9_]*\})/;
const SCHEME = /^https?:\/\//i;

/** The variables a sink URL refers to, in order of first use, each once. */
export function urlVariables(url: string): string[] {
  return [...new Set([...url.matchAll(REFERENCE)].map((m) => m[1]!))];
}

/**
 * A sink URL as it may be shown anywhere (API, dashboard, logs, errors): as written, references
 * unexpanded, with its user name and password, its query string and its fragment replaced by
 * `[redacted]`. A secret belongs in a `${NAME}` reference or in those parts.
 */
export function shownUrl(url: string): string {
  // Written without a scheme (refused by validate, still shown safely): the first part stands for the host.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)([^?#]*)([?#].*)?$/is.exec(url)!;
  const [, scheme = '', authority = '', path = '', rest] = m;
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? `[redacted]@${authority.slice(at + 1)}` : authority;
  const tail = rest === undefined ? '' : `${rest[0]}[redacted]`;
  return `${scheme}${host}${path}${tail}`;
}

/** Why a sink URL is refused, or null: it is an http(s) URL once each reference stands for a value. */
export function sinkUrlProblem(url: string): string | null {
  const shown = `"${shownUrl(url)}"`;
  if (BAD_REFERENCE.test(url)) return `${shown}: a reference to the environment is \${NAME} (letters, digits and _, not starting with a digit)`;
  if (!SCHEME.test(url)) {
    return url.startsWith('${')
      ? `${shown}: write the scheme and host out (e.g. https://hooks.slack.com/services/\${SLACK_HOOK_PATH}); only the rest may come from the environment`
      : `${shown} is not an http or https URL (write it in full, e.g. https://hooks.example.com/meridian)`;
  }
  try {
    const parsed = new URL(url.replace(REFERENCE, 'x'));
    if (parsed.hostname === '') return `${shown} names no host`;
  } catch {
    return `${shown} is not a URL`;
  }
  return null;
}

const SinkUrl = z
  .string({ error: 'required (the URL to send to, e.g. https://hooks.example.com/meridian)' })
  .superRefine((url, ctx) => {
    const problem = sinkUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'An http(s) URL; ${NAME} parts are read from the environment of meridian serve when a notification is sent (never shown expanded)' });

/** `"ring.faild" is not an event type (did you mean "ring.failed"?)`. */
export function unknownEvent(name: string): string {
  const guess = didYouMean(name, NOTIFICATION_EVENTS);
  return `"${name}" is not an event type${guess ? ` (did you mean "${guess}"?)` : ` (known: ${listSome(NOTIFICATION_EVENTS, { max: 6 })}; "*" for all)`}`;
}

const EventName = z.enum([EVERY_EVENT, ...NOTIFICATION_EVENTS], {
  error: (i) => (typeof i.input === 'string' ? unknownEvent(i.input) : `expected an event type such as ring.failed, got ${JSON.stringify(i.input) ?? 'nothing'}`),
});

export const NotificationSink = z
  .strictObject({
    webhook: z.strictObject({ url: SinkUrl }).optional().meta({ description: 'POST the notification as JSON to this URL' }),
    slack: z.strictObject({ url: SinkUrl }).optional().meta({ description: 'A Slack incoming webhook: a message with a header, the reason and a link to the release' }),
    command: z
      .array(z.string().min(1, { error: 'an argument is never empty' }))
      .min(1, { error: 'a command needs at least the program' })
      .optional()
      .meta({ description: 'Run this program (no shell) with the notification as JSON on stdin and MERIDIAN_* variables' }),
    events: z
      .array(EventName, { error: (i) => (i.input === undefined ? undefined : 'a list of event types, e.g. [ring.failed, release.halted], or ["*"] for every one') })
      .min(1, { error: 'name at least one event type (or "*" for every one)' })
      .meta({ description: 'The event types this sink is told about; "*" for every one' }),
  })
  .meta({ description: 'Where to send notifications of release events: exactly one of webhook, slack and command' });

export const Notifications = z
  .array(NotificationSink)
  .prefault([])
  .meta({ description: 'Who is told about release events; a Fleet\'s sinks apply to every service of the fleet, in addition to the policy\'s own' });

export type NotificationSink = z.output<typeof NotificationSink>;
export type SinkKind = 'webhook' | 'slack' | 'command';

/** Which kind of sink this is (a parsed sink has exactly one). */
export function sinkKind(sink: NotificationSink): SinkKind {
  return sink.webhook ? 'webhook' : sink.slack ? 'slack' : 'command';
}

/** A sink in words, safe to show: `slack https://hooks.slack.com/services/${SLACK_HOOK_PATH}`, `command page-oncall --team checkout`. */
export function sinkLabel(sink: NotificationSink): string {
  const kind = sinkKind(sink);
  if (kind === 'command') return `command ${(sink.command ?? []).join(' ')}`;
  return `${kind} ${shownUrl((sink.webhook ?? sink.slack)!.url)}`;
}

/** Whether `sink` is told about events of type `type`. */
export function sinkWants(sink: NotificationSink, type: string): boolean {
  return sink.events.some((e) => e === EVERY_EVENT || e === type);
}

/** Cross-field rules of `spec.notifications` (check.ts runs them): each sink has exactly one destination. */
export function checkNotifications(sinks: ReadonlyArray<Draft<NotificationSink> | undefined> | undefined, failures: Failures): Issue[] {
  const issues: Issue[] = [];
  (sinks ?? []).forEach((sink, i) => {
    if (!sink) return;
    const path = ['spec', 'notifications', i];
    const given = (k: SinkKind): boolean => sink[k] !== undefined || failures.has([...path, k]);
    const n = (['webhook', 'slack', 'command'] as const).filter(given).length;
    if (n !== 1) issues.push({ path, message: `a notification goes to exactly one of webhook: { url }, slack: { url } and command: [...]${n > 1 ? '; give one per list item' : ''}` });
  });
  return issues;
}
