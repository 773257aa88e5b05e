/**
 * @module What the notifier (notifier.ts) and the notification sinks (adapters/notify) share, and
 * what the API and the dashboard show of deliveries: the notification every sink is told, the
 * outcome of one attempt to deliver it, and an entry of a release's delivery log. Types only.
 */
import type { NotificationSink } from '../policy/notifications.ts';

/** One notification: the JSON body of a webhook, the standard input of a command. */
export interface NotificationBody {
  service: string;
  version: string;
  releaseId: string;
  ring: string | null;
  region: string | null;
  /** The event type (`ring.failed`). */
  event: string;
  /** What the event says about why (its detail), or null. */
  reason: string | null;
  /** When the event happened, ISO 8601. */
  at: string;
  /** The release's page on the dashboard (serve --public-url). */
  url: string;
}

/** One attempt to deliver, done. `status` is the HTTP status or the exit status, when there was one. */
export type DeliveryResult =
  | { ok: true; status: number | null }
  | { ok: false; status: number | null; error: string; retryable: boolean };

/** Sends one notification to one sink, once. Never rejects: a failure is a result whose error is redacted. */
export interface NotificationSender {
  send(sink: NotificationSink, body: NotificationBody, opts: { signal: AbortSignal; deliveryId: string }): Promise<DeliveryResult>;
}

/** What became of an attempt: delivered, failed and to be tried again, or failed for good. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

/** One line of a release's delivery log (`GET /api/v1/releases/{id}/notifications`). */
export interface NotificationEntry {
  /** When the attempt ended (or the notification was dropped), ISO 8601. */
  at: string;
  /** The sink as it may be shown: `slack https://hooks.slack.com/services/${SLACK_HOOK_PATH}`. */
  sink: string;
  event: string;
  ring: string | null;
  region: string | null;
  /** Which attempt this was (1 to 8); 0 for a notification dropped before its first. */
  attempt: number;
  outcome: DeliveryOutcome;
  /** The HTTP status or the exit status, when there was one. */
  status: number | null;
  /** Why it failed, redacted; null when delivered. */
  error: string | null;
  /** When it is tried again (outcome retrying), ISO 8601; null otherwise. */
  nextAttemptAt: string | null;
}

/** What `GET /api/v1/releases/{id}/notifications` takes, as the query gives it. */
export interface NotificationQuery {
  limit?: string;
  cursor?: string;
}
