/** @module Tests of the notification delivery log: what it keeps per release and for how many releases, and its pages. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { LOG_ENTRIES, LOG_RELEASES, NotificationLog } from './notifier-log.ts';
import type { NotificationEntry } from './notifier-types.ts';

function entry(n: number): NotificationEntry {
  return {
    at: new Date(Date.UTC(2026, 2, 2, 9, 0, n)).toISOString(), sink: 'webhook https://hooks.example.com/m', event: `e${n}`,
    ring: null, region: null, attempt: 1, outcome: 'delivered', status: 200, error: null, nextAttemptAt: null,
  };
}

describe('the notification delivery log', () => {
  it(`keeps the newest ${LOG_ENTRIES} entries of a release`, () => {
    const log = new NotificationLog();
    for (let n = 1; n <= LOG_ENTRIES + 20; n++) log.add('r1', entry(n));
    const kept = log.entries('r1');
    expect(kept).toHaveLength(LOG_ENTRIES);
    expect(kept[0]!.event).toBe('e21');
    expect(kept[kept.length - 1]!.event).toBe(`e${LOG_ENTRIES + 20}`);
  });

  it(`keeps the logs of the ${LOG_RELEASES} releases written to last`, () => {
    const log = new NotificationLog();
    for (let r = 0; r <= LOG_RELEASES; r++) log.add(`r${r}`, entry(r));
    log.add('r1', entry(9999));
    log.add(`r${LOG_RELEASES + 1}`, entry(1));
    expect(log.entries('r0')).toEqual([]);
    expect(log.entries('r2')).toEqual([]);
    expect(log.entries('r1').map((e) => e.event)).toEqual(['e1', 'e9999']);
  });

  it('pages oldest first, its cursor staying good while old entries go', () => {
    const log = new NotificationLog({ perRelease: 5 });
    for (let n = 1; n <= 5; n++) log.add('r1', entry(n));
    const first = log.page('r1', { limit: '2' });
    expect(first.items.map((e) => e.event)).toEqual(['e1', 'e2']);
    log.add('r1', entry(6));
    const second = log.page('r1', { limit: '2', cursor: first.next! });
    expect(second.items.map((e) => e.event)).toEqual(['e3', 'e4']);
    const last = log.page('r1', { limit: '2', cursor: second.next! });
    expect(last).toEqual({ items: [entry(5), entry(6)], next: null });
    expect(log.page('nothing', {})).toEqual({ items: [], next: null });
  });

  it('refuses a bad limit or a cursor it did not issue, naming the parameter', () => {
    const log = new NotificationLog();
    expect(() => log.page('r1', { limit: '0' })).toThrow(new UsageError('limit "0" must be a whole number from 1 to 500'));
    expect(() => log.page('r1', { cursor: 'abc' })).toThrow(new UsageError('cursor "abc" was not issued for this list (start again without a cursor)'));
  });
});
