/** @module Tests of the Notifications section of a release's page. */
import { describe, expect, it } from 'vitest';
import type { NotificationEntry } from '../../runtime/notifier-types.ts';
import { SHOWN_NOTIFICATIONS, notificationsTable } from './notifications-view.ts';

const entry = (over: Partial<NotificationEntry>): NotificationEntry => ({
  at: '2026-03-02T10:05:00.000Z', sink: 'slack https://hooks.slack.com/services/${SLACK_HOOK_PATH}', event: 'ring.failed', ring: 'canary', region: 'eu-west-1',
  attempt: 1, outcome: 'delivered', status: 200, error: null, nextAttemptAt: null, ...over,
});

describe('the Notifications section', () => {
  it('says when the service sends none, and when none was sent yet', () => {
    expect(notificationsTable([], 0, 'r1').text).toBe('<p class="empty">This service\'s policy sends no notifications (<code>spec.notifications</code>).</p>');
    expect(notificationsTable([], 2, 'r1').text).toBe('<p class="empty">No notification has been sent about this release since the server started.</p>');
  });

  it('lists the attempts newest first: the sink as shown, the outcome, the status or why, and when the next attempt is', () => {
    const text = notificationsTable([
      entry({ outcome: 'retrying', status: 500, error: 'answered 500: <b>busy</b>', nextAttemptAt: '2026-03-02T10:06:00.000Z' }),
      entry({ attempt: 2, at: '2026-03-02T10:06:00.000Z' }),
      entry({ sink: 'command page-oncall --team checkout', status: 0 }),
    ], 2, 'r1').text;
    const rows = text.split('<tr').slice(2);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('<td><code>command page-oncall --team checkout</code></td>');
    expect(rows[0]).toContain('<td>exit status 0</td>');
    expect(rows[1]).toContain('class="ev-ok"');
    expect(rows[1]).toContain('<td>HTTP 200</td>');
    expect(rows[2]).toContain('<td>answered 500: &lt;b&gt;busy&lt;/b&gt;; next attempt 2026-03-02 10:06 UTC</td>');
    expect(rows[2]).toContain('<td><code>slack https://hooks.slack.com/services/${SLACK_HOOK_PATH}</code></td>');
  });

  it(`shows the newest ${SHOWN_NOTIFICATIONS} and says where the rest are`, () => {
    const many = Array.from({ length: 40 }, (_, i) => entry({ event: `e${i}` }));
    const text = notificationsTable(many, 1, 'checkout-1').text;
    expect(text.split('<tr').length - 2).toBe(SHOWN_NOTIFICATIONS);
    expect(text).toContain('<code>e39</code>');
    expect(text).not.toContain('<code>e14</code>');
    expect(text).toContain('The newest 25 of 40 entries kept; every one: <code>GET /api/v1/releases/checkout-1/notifications</code>.');
  });
});
