/** @module Tests of the notifier on virtual time: which sinks hear of which events, the order of a release's notifications, retries with backoff, the bounded queue of a sink that is down, and that accepting an event never waits on a sink. */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.ts';
import type { NotificationSink } from '../policy/notifications.ts';
import type { LiveEvent } from './controller-types.ts';
import { MAX_ATTEMPTS, Notifier, type NotifierOptions } from './notifier.ts';
import type { DeliveryResult, NotificationBody, NotificationSender } from './notifier-types.ts';
import { SimulatedClock } from './simulated-clock.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const hook = (url: string, events: string[]): NotificationSink => ({ webhook: { url }, events: events as NotificationSink['events'] });
const page: NotificationSink = { command: ['page-oncall', '--team', 'checkout'], events: ['ring.failed'] };

/** A sender that records what it is asked to send and answers as told, per sink URL or command. */
class RecordingSender implements NotificationSender {
  readonly sent: Array<{ to: string; body: NotificationBody; at: number; deliveryId: string }> = [];
  /** Answers still to give, per destination; then `otherwise`. */
  readonly answers = new Map<string, DeliveryResult[]>();
  /** Destinations that never answer. */
  readonly silent = new Set<string>();
  otherwise: DeliveryResult = { ok: true, status: 200 };
  constructor(private readonly clock: SimulatedClock) {}

  send(sink: NotificationSink, body: NotificationBody, opts: { signal: AbortSignal; deliveryId: string }): Promise<DeliveryResult> {
    const to = sink.webhook?.url ?? sink.slack?.url ?? sink.command!.join(' ');
    this.sent.push({ to, body, at: this.clock.now(), deliveryId: opts.deliveryId });
    if (this.silent.has(to)) return new Promise(() => {});
    return Promise.resolve(this.answers.get(to)?.shift() ?? this.otherwise);
  }

  to(dest: string): Array<{ body: NotificationBody; at: number; deliveryId: string }> {
    return this.sent.filter((s) => s.to === dest);
  }
}

const down: DeliveryResult = { ok: false, status: 503, error: 'answered 503: maintenance', retryable: true };

function setup(sinks: NotificationSink[], more: Partial<NotifierOptions> = {}) {
  const clock = new SimulatedClock(T0);
  const sender = new RecordingSender(clock);
  const logs: string[] = [];
  const notifier = new Notifier({
    clock, sender, log: (l) => logs.push(l), random: () => 0,
    sinksOf: (service) => (service === 'checkout' ? sinks : []),
    hasSinks: () => sinks.length > 0,
    release: async (id) => {
      if (id.startsWith('gone')) throw new NotFoundError(`release "${id}" not found`);
      return { service: 'checkout', version: '2.4.1' };
    },
    ...more,
  });
  notifier.start('https://meridian.example.com/');
  /** Let every attempt under way finish, then move time on by `ms`, letting each retry's attempt finish too. */
  const advance = (ms: number) => clock.advance(ms, () => notifier.settled());
  return { clock, sender, logs, notifier, advance };
}

let at = T0;
function event(type: string, fields: Partial<LiveEvent['event']> = {}, releaseId = 'checkout-2.4.1-1a2b3c4d'): LiveEvent {
  at += MINUTE;
  return { releaseId, event: { at: new Date(at).toISOString(), type, ...fields } };
}

describe('the notifier', () => {
  it('tells each sink of the events it names, with the release, the event and a link to its page', async () => {
    const { sender, notifier } = setup([hook('https://hooks.example.com/meridian', ['release.started', 'ring.failed']), page]);
    sender.answers.set('page-oncall --team checkout', [{ ok: true, status: 0 }]);
    notifier.accept(event('release.started'));
    notifier.accept(event('gate.failed', { ring: 'canary', region: 'eu-west-1', detail: 'error-rate 0.031 > 0.01' }));
    notifier.accept(event('ring.failed', { ring: 'canary', region: 'eu-west-1', detail: 'gate error-rate failed twice in eu-west-1' }));
    await notifier.settled();
    expect(sender.to('https://hooks.example.com/meridian').map((s) => s.body.event)).toEqual(['release.started', 'ring.failed']);
    expect(sender.to('page-oncall --team checkout').map((s) => s.body.event)).toEqual(['ring.failed']);
    expect(sender.to('page-oncall --team checkout')[0]!.body).toEqual({
      service: 'checkout', version: '2.4.1', releaseId: 'checkout-2.4.1-1a2b3c4d', ring: 'canary', region: 'eu-west-1', event: 'ring.failed',
      reason: 'gate error-rate failed twice in eu-west-1', at: expect.stringMatching(/^2026-03-02T\d\d:\d\d:00\.000Z$/),
      url: 'https://meridian.example.com/releases/checkout-2.4.1-1a2b3c4d',
    });
    expect(notifier.entries('checkout-2.4.1-1a2b3c4d').map((e) => [e.sink, e.event, e.attempt, e.outcome, e.status]).sort()).toEqual([
      ['command page-oncall --team checkout', 'ring.failed', 1, 'delivered', 0],
      ['webhook https://hooks.example.com/meridian', 'release.started', 1, 'delivered', 200],
      ['webhook https://hooks.example.com/meridian', 'ring.failed', 1, 'delivered', 200],
    ]);
  });

  it('tells a sink with events ["*"] of every event', async () => {
    const { sender, notifier } = setup([hook('https://hooks.example.com/all', ['*'])]);
    for (const type of ['release.started', 'ring.waiting', 'ring.deploy.started', 'release.aborted']) notifier.accept(event(type));
    await notifier.settled();
    expect(sender.sent.map((s) => s.body.event)).toEqual(['release.started', 'ring.waiting', 'ring.deploy.started', 'release.aborted']);
  });

  it('sends nothing before it starts, then everything it was given, in order', async () => {
    const clock = new SimulatedClock(T0);
    const sender = new RecordingSender(clock);
    const notifier = new Notifier({ clock, sender, log: () => {}, sinksOf: () => [hook('https://h.example.com/x', ['*'])], hasSinks: () => true, release: async () => ({ service: 's', version: 'v1' }) });
    notifier.accept(event('release.started'));
    notifier.accept(event('ring.deploy.started', { ring: 'ring-0' }));
    await notifier.settled();
    expect(sender.sent).toEqual([]);
    notifier.start('http://127.0.0.1:8080');
    await notifier.settled();
    expect(sender.sent.map((s) => [s.body.event, s.body.url])).toEqual([
      ['release.started', 'http://127.0.0.1:8080/releases/checkout-2.4.1-1a2b3c4d'],
      ['ring.deploy.started', 'http://127.0.0.1:8080/releases/checkout-2.4.1-1a2b3c4d'],
    ]);
  });

  it('never waits on a sink: a receiver that never answers holds back only its own queue', async () => {
    const { sender, notifier } = setup([hook('https://stuck.example.com/', ['*']), hook('https://fine.example.com/', ['*'])]);
    sender.silent.add('https://stuck.example.com/');
    notifier.accept(event('release.started'));
    notifier.accept(event('ring.failed', { ring: 'canary' }));
    // accept() returned at once; the other sink hears of both events while the first is still stuck on the first.
    await new Promise((r) => setTimeout(r, 0));
    expect(sender.to('https://fine.example.com/').map((s) => s.body.event)).toEqual(['release.started', 'ring.failed']);
    expect(sender.to('https://stuck.example.com/').map((s) => s.body.event)).toEqual(['release.started']);
    notifier.close();
  });

  it('tries a failed delivery again after a backoff on its clock, and sends the release\'s next notification to that sink only after it', async () => {
    const { sender, notifier, advance } = setup([hook('https://hooks.example.com/meridian', ['*'])]);
    sender.answers.set('https://hooks.example.com/meridian', [down, down, { ok: false, status: null, error: 'connection refused', retryable: true }]);
    notifier.accept(event('ring.failed', { ring: 'canary' }));
    notifier.accept(event('release.halted', { detail: 'ring canary failed' }));
    await advance(10 * MINUTE);
    const sent = sender.to('https://hooks.example.com/meridian');
    // random() = 0: each wait is half its ceiling, 30 s × 2^(n−1) / 2.
    expect(sent.map((s) => [s.body.event, (s.at - T0) / SECOND])).toEqual([
      ['ring.failed', 0], ['ring.failed', 15], ['ring.failed', 45], ['ring.failed', 105], ['release.halted', 105],
    ]);
    expect(new Set(sent.slice(0, 4).map((s) => s.deliveryId)).size).toBe(1);
    const log = notifier.entries('checkout-2.4.1-1a2b3c4d');
    expect(log.map((e) => [e.event, e.attempt, e.outcome, e.status, e.error])).toEqual([
      ['ring.failed', 1, 'retrying', 503, 'answered 503: maintenance'],
      ['ring.failed', 2, 'retrying', 503, 'answered 503: maintenance'],
      ['ring.failed', 3, 'retrying', null, 'connection refused'],
      ['ring.failed', 4, 'delivered', 200, null],
      ['release.halted', 1, 'delivered', 200, null],
    ]);
    expect(log[0]!.nextAttemptAt).toBe(new Date(T0 + 15 * SECOND).toISOString());
    expect(log[3]!.nextAttemptAt).toBeNull();
  });

  it(`records a notification as failed after ${MAX_ATTEMPTS} attempts over about an hour, says so in the server's log, and goes on`, async () => {
    const { sender, notifier, logs, advance } = setup([hook('https://hooks.example.com/meridian', ['*'])], { random: () => 0.999999 });
    sender.otherwise = down;
    notifier.accept(event('ring.failed', { ring: 'canary' }));
    notifier.accept(event('release.halted'));
    await advance(3 * 60 * MINUTE);
    const first = sender.sent.filter((s) => s.body.event === 'ring.failed');
    expect(first).toHaveLength(MAX_ATTEMPTS);
    const span = (first[first.length - 1]!.at - first[0]!.at) / MINUTE;
    expect(span).toBeGreaterThan(60);
    expect(span).toBeLessThan(62);
    const log = notifier.entries('checkout-2.4.1-1a2b3c4d').filter((e) => e.event === 'ring.failed');
    expect(log.map((e) => e.outcome)).toEqual([...Array(MAX_ATTEMPTS - 1).fill('retrying'), 'failed']);
    expect(logs).toContain('notifications: webhook https://hooks.example.com/meridian: ring.failed of checkout-2.4.1-1a2b3c4d not delivered after 8 attempt(s): answered 503: maintenance');
    expect(sender.sent.filter((s) => s.body.event === 'release.halted').length).toBe(MAX_ATTEMPTS);
  });

  it('does not try again what the receiver refuses for good', async () => {
    const { sender, notifier, advance } = setup([hook('https://hooks.slack.com/services/x', ['*'])]);
    sender.otherwise = { ok: false, status: 404, error: 'answered 404: no_service', retryable: false };
    notifier.accept(event('ring.failed'));
    await advance(2 * 60 * MINUTE);
    expect(sender.sent).toHaveLength(1);
    expect(notifier.entries('checkout-2.4.1-1a2b3c4d').map((e) => [e.attempt, e.outcome, e.status])).toEqual([[1, 'failed', 404]]);
  });

  it('holds at most queueLimit notifications for a sink that is down: the oldest waiting one goes, recorded and counted', async () => {
    const { sender, notifier, logs, advance } = setup([hook('https://down.example.com/', ['*']), hook('https://up.example.com/', ['*'])], { queueLimit: 3 });
    sender.answers.set('https://down.example.com/', Array(50).fill(down));
    for (const type of ['e1', 'e2', 'e3', 'e4', 'e5']) {
      notifier.accept(event(type));
      await notifier.settled();
    }
    const log = notifier.entries('checkout-2.4.1-1a2b3c4d').filter((e) => e.sink === 'webhook https://down.example.com/');
    // e1 failed and waits for its next attempt when e4 and e5 come: e2 and e3, the oldest not yet tried, make room for them.
    expect(log.map((e) => [e.event, e.attempt, e.outcome])).toEqual([['e1', 1, 'retrying'], ['e2', 0, 'failed'], ['e3', 0, 'failed']]);
    expect(log[2]!.error).toBe('dropped: the queue of this sink was full (3 notifications; 2 dropped so far)');
    expect(logs).toContain('notifications: webhook https://down.example.com/ is behind: 1 notification(s) dropped so far (it keeps the newest 3)');
    expect(sender.to('https://up.example.com/')).toHaveLength(5);
    sender.answers.set('https://down.example.com/', []);
    await advance(MINUTE);
    expect(sender.to('https://down.example.com/').map((s) => s.body.event)).toEqual(['e1', 'e1', 'e4', 'e5']);
  });

  it('sends to a sink named twice (a policy\'s own and its fleet\'s) once per event', async () => {
    const { sender, notifier } = setup([hook('https://hooks.example.com/m', ['ring.failed']), hook('https://hooks.example.com/m', ['*'])]);
    notifier.accept(event('ring.failed'));
    notifier.accept(event('release.started'));
    await notifier.settled();
    expect(sender.sent.map((s) => s.body.event)).toEqual(['ring.failed', 'release.started']);
  });

  it('does nothing with events of services without sinks, of no release, or of a release it cannot find (said in the log)', async () => {
    const { sender, notifier, logs } = setup([hook('https://hooks.example.com/m', ['*'])]);
    notifier.accept({ releaseId: '', event: { at: new Date(T0).toISOString(), type: 'freeze.started' } });
    notifier.accept(event('release.started', {}, 'gone-1'));
    await notifier.settled();
    expect(sender.sent).toEqual([]);
    expect(logs).toEqual(['notifications: release gone-1: release "gone-1" not found; 1 event(s) not sent']);
    const idle = setup([]);
    let asked = 0;
    const quiet = new Notifier({ clock: idle.clock, sender: idle.sender, log: () => {}, sinksOf: () => [], hasSinks: () => false, release: async () => { asked++; return { service: 's', version: 'v' }; } });
    quiet.accept(event('release.started'));
    await quiet.settled();
    expect(asked).toBe(0);
  });

  it('stops waiting retries when closed', async () => {
    const { sender, notifier, clock } = setup([hook('https://down.example.com/', ['*'])]);
    sender.otherwise = down;
    notifier.accept(event('ring.failed'));
    await notifier.settled();
    notifier.close();
    clock.increment(2 * 60 * MINUTE);
    await notifier.settled();
    expect(sender.sent).toHaveLength(1);
  });
});
