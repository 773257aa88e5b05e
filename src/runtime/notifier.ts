/**
 * @module The notifier: tells the sinks of `spec.notifications` (webhook, Slack, command) about the
 * events of releases, as the controller publishes them. It never holds a release back: accept()
 * only queues, and everything else happens after. Each sink has one queue (a sink named by several
 * policies, as a fleet's is, is one queue) that it works through in order, one notification at a
 * time: a failed attempt is tried again after an exponential backoff on the injected clock before
 * the next notification goes to that sink, so a release's notifications arrive in the order its
 * events happened. After MAX_ATTEMPTS the notification is recorded as failed and the queue goes
 * on. A sink that is down only fills its own queue, which holds at most QUEUE_LIMIT notifications:
 * past that the oldest one not yet tried is dropped (recorded, and counted in the server's log). Every
 * attempt goes to the release's delivery log (notifier-log.ts). Nothing here is kept on disk: what
 * is queued when the server stops is not sent, and events replayed after a restart are not
 * published again, so they are not sent twice.
 */
import { randomUUID } from 'node:crypto';
import { backoffDelay, type Backoff } from '../adapters/gitops/backoff.ts';
import { count } from '../gates/format.ts';
import { sinkLabel, sinkWants, type NotificationSink } from '../policy/notifications.ts';
import type { Clock, Timers } from '../ports.ts';
import type { LiveEvent, Page } from './controller-types.ts';
import { NotificationLog } from './notifier-log.ts';
import type { DeliveryResult, NotificationBody, NotificationEntry, NotificationQuery, NotificationSender } from './notifier-types.ts';

/** Attempts to deliver one notification to one sink. */
export const MAX_ATTEMPTS = 8;
/**
 * The wait before attempt n+1 is between half and all of min(maxMs, baseMs × 2^(n−1)): 30 s, 1 min,
 * 2 min, ... up to 30 min, so 8 attempts take 31 to 62 minutes.
 */
export const RETRY_BACKOFF: Backoff = { baseMs: 30_000, maxMs: 30 * 60_000 };
/** Notifications waiting for one sink, at most. */
export const QUEUE_LIMIT = 1000;
/** Releases whose service and sinks are remembered (the others are looked up again). */
const RELEASES_KNOWN = 1000;

export interface NotifierOptions {
  /** When attempts are made and retries wait (a simulated clock in tests). */
  clock: Clock & Timers;
  sender: NotificationSender;
  /** The sinks of a service's policy in force, its fleet's included. */
  sinksOf: (service: string) => readonly NotificationSink[];
  /** Whether any service has a sink at all (when none has, events are not even looked at). */
  hasSinks: () => boolean;
  /** A release's service and version; rejects when there is no such release. */
  release: (id: string) => Promise<{ service: string; version: string }>;
  /** The server's log. */
  log: (line: string) => void;
  /** In [0, 1): where in its range each wait falls. Default Math.random. */
  random?: () => number;
  maxAttempts?: number;
  backoff?: Backoff;
  queueLimit?: number;
  deliveryLog?: NotificationLog;
}

interface ReleaseInfo {
  service: string;
  version: string;
  /** The sinks of the service's policy when the notifier first saw the release. */
  sinks: readonly NotificationSink[];
}

interface KnownRelease {
  info: ReleaseInfo | null;
  /** Events that came before the release was looked up, in order. */
  pending: Array<LiveEvent['event']>;
}

interface Item {
  deliveryId: string;
  releaseId: string;
  info: ReleaseInfo;
  event: LiveEvent['event'];
  attempts: number;
  /** While it waits for its next attempt: cancels that timer. */
  cancel: (() => void) | null;
}

interface SinkQueue {
  key: string;
  sink: NotificationSink;
  label: string;
  items: Item[];
  /** While the first item is being sent: stops it. */
  sending: AbortController | null;
  dropped: number;
}

/** Sinks that send to the same place are one sink, whatever events each names. */
function sinkKey(sink: NotificationSink): string {
  return JSON.stringify([sink.webhook?.url ?? null, sink.slack?.url ?? null, sink.command ?? null]);
}

const isPowerOfTen = (n: number): boolean => /^10*$/.test(String(n));

export class Notifier {
  readonly #clock: Clock & Timers;
  readonly #sender: NotificationSender;
  readonly #opts: NotifierOptions;
  readonly #random: () => number;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #queueLimit: number;
  readonly #log: NotificationLog;
  readonly #releases = new Map<string, KnownRelease>();
  readonly #queues = new Map<string, SinkQueue>();
  #publicUrl: string | null = null;
  #closed = false;
  #busy = 0;
  readonly #idlers: Array<() => void> = [];

  constructor(opts: NotifierOptions) {
    this.#opts = opts;
    this.#clock = opts.clock;
    this.#sender = opts.sender;
    this.#random = opts.random ?? Math.random;
    this.#maxAttempts = opts.maxAttempts ?? MAX_ATTEMPTS;
    this.#backoff = opts.backoff ?? RETRY_BACKOFF;
    this.#queueLimit = opts.queueLimit ?? QUEUE_LIMIT;
    this.#log = opts.deliveryLog ?? new NotificationLog();
  }

  /** Take one event (a controller subscriber): queued for every sink that wants it, sent later. */
  readonly accept = (e: LiveEvent): void => {
    if (this.#closed || e.releaseId === '' || !this.#opts.hasSinks()) return;
    const known = this.#releases.get(e.releaseId);
    if (known) {
      this.#releases.delete(e.releaseId);
      this.#releases.set(e.releaseId, known);
      if (known.info) this.#dispatch(e.releaseId, known.info, e.event);
      else known.pending.push(e.event);
      return;
    }
    const fresh: KnownRelease = { info: null, pending: [e.event] };
    this.#releases.set(e.releaseId, fresh);
    this.#forgetOld();
    this.#lookUp(e.releaseId, fresh);
  };

  /**
   * Start delivering, with release pages under `publicUrl` (serve --public-url). Events accepted
   * before wait for this.
   */
  start(publicUrl: string): void {
    this.#publicUrl = publicUrl.replace(/\/+$/, '');
    for (const q of this.#queues.values()) this.#pump(q);
  }

  /** One page of a release's delivery log, oldest first. */
  page(releaseId: string, query: NotificationQuery = {}): Page<NotificationEntry> {
    return this.#log.page(releaseId, query);
  }

  /** Every entry kept of a release's delivery log, oldest first. */
  entries(releaseId: string): NotificationEntry[] {
    return this.#log.entries(releaseId);
  }

  /** Resolves once no attempt is under way and no release is being looked up (tests). */
  async settled(): Promise<void> {
    while (this.#busy > 0) await new Promise<void>((resolve) => this.#idlers.push(resolve));
  }

  /** Stop: attempts under way are stopped, waiting ones are not made. */
  close(): void {
    this.#closed = true;
    for (const q of this.#queues.values()) {
      q.sending?.abort();
      for (const item of q.items) item.cancel?.();
    }
    this.#queues.clear();
    this.#releases.clear();
  }

  #lookUp(id: string, known: KnownRelease): void {
    this.#busy++;
    this.#opts.release(id).then(
      ({ service, version }) => {
        if (this.#closed) return;
        known.info = { service, version, sinks: [...this.#opts.sinksOf(service)] };
        for (const event of known.pending.splice(0)) this.#dispatch(id, known.info, event);
      },
      (e: unknown) => {
        if (this.#releases.get(id) === known) this.#releases.delete(id);
        if (!this.#closed) this.#opts.log(`notifications: release ${id}: ${e instanceof Error ? e.message : String(e)}; ${count(known.pending.length)} event(s) not sent`);
      },
    ).finally(() => this.#done());
  }

  /** Keep at most RELEASES_KNOWN releases, letting go of the longest unseen that is not being looked up. */
  #forgetOld(): void {
    if (this.#releases.size <= RELEASES_KNOWN) return;
    for (const [id, known] of this.#releases) {
      if (known.info) {
        this.#releases.delete(id);
        return;
      }
    }
  }

  #dispatch(releaseId: string, info: ReleaseInfo, event: LiveEvent['event']): void {
    const seen = new Set<string>();
    for (const sink of info.sinks) {
      if (!sinkWants(sink, event.type)) continue;
      const key = sinkKey(sink);
      if (seen.has(key)) continue;
      seen.add(key);
      let q = this.#queues.get(key);
      if (!q) {
        q = { key, sink, label: sinkLabel(sink), items: [], sending: null, dropped: 0 };
        this.#queues.set(key, q);
      }
      q.items.push({ deliveryId: randomUUID(), releaseId, info, event, attempts: 0, cancel: null });
      this.#bound(q);
      this.#pump(q);
    }
  }

  /**
   * Past the queue's limit, the oldest notification not yet tried goes, recorded as failed (the
   * first, being sent or waiting for its next attempt, keeps its place and its backoff).
   */
  #bound(q: SinkQueue): void {
    while (q.items.length > this.#queueLimit) {
      const [gone] = q.items.splice(q.items.length > 1 && (q.sending || q.items[0]!.attempts > 0) ? 1 : 0, 1);
      if (!gone) return;
      gone.cancel?.();
      q.dropped += 1;
      this.#record(q, gone, 'failed', { status: null, error: `dropped: the queue of this sink was full (${count(this.#queueLimit)} notifications; ${count(q.dropped)} dropped so far)` });
      if (isPowerOfTen(q.dropped)) this.#opts.log(`notifications: ${q.label} is behind: ${count(q.dropped)} notification(s) dropped so far (it keeps the newest ${count(this.#queueLimit)})`);
    }
  }

  /** Send the first notification of the queue, unless one is being sent or waits for its next attempt. */
  #pump(q: SinkQueue): void {
    if (this.#closed || this.#publicUrl === null || q.sending) return;
    const item = q.items[0];
    if (!item) {
      if (this.#queues.get(q.key) === q) this.#queues.delete(q.key);
      return;
    }
    if (item.cancel) return;
    const abort = new AbortController();
    q.sending = abort;
    item.attempts += 1;
    this.#busy++;
    void this.#sender.send(q.sink, this.#body(item), { signal: abort.signal, deliveryId: item.deliveryId })
      .catch((e: unknown): DeliveryResult => ({ ok: false, status: null, error: `internal error: ${e instanceof Error ? e.message : String(e)}`, retryable: false }))
      .then((result) => {
        q.sending = null;
        if (!this.#closed) this.#settle(q, item, result);
      })
      .finally(() => this.#done());
  }

  #settle(q: SinkQueue, item: Item, result: DeliveryResult): void {
    if (result.ok) {
      this.#record(q, item, 'delivered', { status: result.status, error: null });
      if (item.attempts > 1) this.#opts.log(`notifications: ${q.label}: ${item.event.type} of ${item.releaseId} delivered at attempt ${item.attempts}`);
    } else if (!result.retryable || item.attempts >= this.#maxAttempts) {
      this.#record(q, item, 'failed', { status: result.status, error: result.error });
      this.#opts.log(`notifications: ${q.label}: ${item.event.type} of ${item.releaseId} not delivered after ${item.attempts} attempt(s): ${result.error}`);
    } else {
      const wait = this.#wait(item.attempts);
      const at = this.#clock.now() + wait;
      this.#record(q, item, 'retrying', { status: result.status, error: result.error, nextAttemptAt: at });
      if (item.attempts === 1) this.#opts.log(`notifications: ${q.label}: ${item.event.type} of ${item.releaseId} failed (${result.error}); trying again in ${Math.round(wait / 1000)}s, ${this.#maxAttempts} attempts in all`);
      item.cancel = this.#clock.at(at, () => {
        item.cancel = null;
        this.#pump(q);
      });
      return;
    }
    if (q.items[0] === item) q.items.shift();
    this.#pump(q);
  }

  /** Half the backoff's ceiling for this attempt, plus up to as much again. */
  #wait(attempt: number): number {
    const half = { baseMs: this.#backoff.baseMs / 2, maxMs: this.#backoff.maxMs / 2 };
    return Math.round(Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** Math.min(attempt - 1, 30)) / 2 + backoffDelay(attempt, half, this.#random));
  }

  #body(item: Item): NotificationBody {
    const { event, info, releaseId } = item;
    return {
      service: info.service,
      version: info.version,
      releaseId,
      ring: event.ring ?? null,
      region: event.region ?? null,
      event: event.type,
      reason: event.detail ?? null,
      at: event.at,
      url: `${this.#publicUrl}/releases/${encodeURIComponent(releaseId)}`,
    };
  }

  #record(q: SinkQueue, item: Item, outcome: NotificationEntry['outcome'], what: { status: number | null; error: string | null; nextAttemptAt?: number }): void {
    this.#log.add(item.releaseId, {
      at: new Date(this.#clock.now()).toISOString(),
      sink: q.label,
      event: item.event.type,
      ring: item.event.ring ?? null,
      region: item.event.region ?? null,
      attempt: item.attempts,
      outcome,
      status: what.status,
      error: what.error,
      nextAttemptAt: what.nextAttemptAt === undefined ? null : new Date(what.nextAttemptAt).toISOString(),
    });
  }

  #done(): void {
    if (--this.#busy === 0) for (const wake of this.#idlers.splice(0)) wake();
  }
}
