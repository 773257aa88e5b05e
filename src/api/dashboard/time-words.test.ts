/** @module Tests of times as the dashboard shows them: words relative to the server's clock with
 * the UTC time on hover, the same words from the client script as it keeps them current, the times
 * of each ring and of GA, and the banner of a server in simulated time.
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { ReleaseView, RingView } from '../../runtime/controller-types.ts';
import { relativeTime, timeLeft, timeTag } from './format.ts';
import { shell, simulatedTimeBanner } from './layout.ts';
import { auditTable, eventsTable } from './log-view.ts';
import { ringTimes } from './timeline-view.ts';

const T = Date.parse('2027-03-04T10:12:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
/** The text a person reads (tags dropped, entities of the html tag decoded). */
const plain = (markup: string) => markup.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
/** The same, with a space for every tag: the cells and items of a table or list one after another. */
const cells = (markup: string) => plain(markup.replace(/<[^>]+>/g, ' '));

describe('a time relative to the server\'s clock', () => {
  it('says how long until, rounded up, or how long ago, rounded down, in two units at most', () => {
    expect(relativeTime(T + 3 * HOUR + 20 * MIN, T)).toBe('in 3 h 20 min');
    expect(relativeTime(T + 3 * HOUR + 19 * MIN + 1000, T)).toBe('in 3 h 20 min');
    expect(relativeTime(T - 12 * MIN - 50_000, T)).toBe('12 min ago');
    expect(relativeTime(T - 50 * HOUR, T)).toBe('2 d 2 h ago');
    expect(relativeTime(T + 24 * HOUR, T)).toBe('in 1 d');
    expect(relativeTime(T - 45_000, T)).toBe('1 min ago');
    expect(relativeTime(T + 45_000, T)).toBe('in 1 min');
  });

  it('is `now` within half a minute either way', () => {
    expect(relativeTime(T, T)).toBe('now');
    expect(relativeTime(T + 29_000, T)).toBe('now');
    expect(relativeTime(T - 29_000, T)).toBe('now');
  });

  it('is a <time> with the instant and its UTC minute on hover', () => {
    expect(timeTag(T - 12 * MIN, T).text).toBe('<time datetime="2027-03-04T10:00:00.000Z" title="2027-03-04 10:00 UTC" data-rel="at">12 min ago</time>');
    expect(timeTag(iso(T + 90 * MIN), T, { rel: 'left', suffix: ' (expected)' }).text)
      .toBe('<time datetime="2027-03-04T11:42:00.000Z" title="2027-03-04 11:42 UTC (expected)" data-rel="left">1 h 30 min left</time>');
  });
});

describe('the client script', () => {
  // The words the page shows are rewritten in the browser as the server's clock moves: by the same rules.
  const source = readFileSync(new URL('./assets/dashboard.js', import.meta.url), 'utf8');
  const from = source.indexOf('// ---- time words');
  const to = source.indexOf('// ---- end of time words ----');
  const words = runInNewContext(`${source.slice(from, to)}; ({ relativeWords, timeLeftWords, utcMinuteWords })`) as {
    relativeWords: (at: number, now: number) => string; timeLeftWords: (ms: number) => string; utcMinuteWords: (ms: number) => string;
  };

  it('writes every relative time and every time left as the server does', () => {
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(from);
    for (let d = -3 * 86_400_000; d <= 3 * 86_400_000; d += 61_007) {
      expect(words.relativeWords(T + d, T)).toBe(relativeTime(T + d, T));
      expect(words.timeLeftWords(d)).toBe(timeLeft(d));
    }
    expect(words.utcMinuteWords(T)).toBe('2027-03-04 10:12 UTC');
  });

  it('keeps the server\'s clock from the page and each fragment, run at its scale', () => {
    expect(source).toContain('serverClock.at + (Date.now() - serverClock.seen) * serverClock.scale');
    expect(source).toContain("document.querySelectorAll('[data-rel]')");
  });
});

const ring = (status: RingView['status'], eta: RingView['eta']): RingView => ({
  name: 'ring-2', regions: ['eu-west-1'], userShare: 0.3, status, verdict: 'not-started', deployedAt: null, healthyAt: null, bakeUntil: null,
  rolledBack: false, approvers: [], bakeMinutes: 1440, evidence: null, ...(eta ? { eta } : {}),
});

describe('the times of a ring', () => {
  it('say when it deployed, and when its bake is expected to end, relative to now', () => {
    const baking = ring('baking', { deployAt: iso(T - 2 * HOUR), approvalAt: null, bakeEndsAt: iso(T + 22 * HOUR - 5 * MIN) });
    const text = ringTimes(baking, T).text;
    expect(cells(text)).toBe('Deploy 2 h ago Bake end in 21 h 55 min');
    expect(text).toContain('title="2027-03-05 08:07 UTC (expected)"');
    expect(text).toContain('title="2027-03-04 08:12 UTC"');
  });

  it('put the approval first, assumed given when it is asked for, and leave out what cannot be said', () => {
    const later = ring('pending', { deployAt: iso(T + 26 * HOUR), approvalAt: iso(T + 26 * HOUR), bakeEndsAt: iso(T + 38 * HOUR + 5 * MIN) });
    expect(cells(ringTimes(later, T).text)).toBe('Approval in 1 d 2 h Deploy in 1 d 2 h Bake end in 1 d 14 h');
    const never = ring('pending', { deployAt: null, approvalAt: null, bakeEndsAt: null });
    expect(ringTimes(never, T).text).toBe('');
    expect(ringTimes(ring('pending', undefined), T).text).toBe('');
  });
});

function view(more: Partial<ReleaseView> = {}): ReleaseView {
  return {
    id: 'r', service: 'webapp', version: 'v2.1.0', previousVersion: 'v2.0.0', phase: 'running', haltReason: null, startedAt: iso(T - 3 * HOUR),
    completedAt: null, rings: [], versions: {}, freezes: [], evaluationCounts: { pass: 0, fail: 0, inconclusive: 0 }, blastRadius: { userShare: 0.25 },
    actions: { approve: [], resume: false, abort: true, rollback: [] }, leftBehind: null,
    events: [{ at: iso(T - 12 * MIN), type: 'ring.deploy.started', ring: 'ring-2', detail: 'v2.1.0 to eu-west-1' }],
    ...more,
  };
}

describe('the events and the audit log', () => {
  it('say how long ago, then the UTC time of day; the date on hover', () => {
    const row = cells(eventsTable(view(), T).text.split('<tbody>')[1]!);
    expect(row).toBe('12 min ago · 10:00 UTC ring.deploy.started ring-2 v2.1.0 to eu-west-1');
    const audit = auditTable([{ seq: 1, at: T - 2 * HOUR, actor: 'olga', action: 'release.start', target: 'r', outcome: 'ok', detail: 'v2.1.0', prevHash: '', hash: '' }], 'r', T);
    expect(cells(audit.text.split('<tbody>')[1]!)).toBe('2 h ago · 08:12 UTC olga release.start ok v2.1.0');
    expect(audit.text).toContain('title="2027-03-04 08:12 UTC"');
  });
});

describe('the banner of a server in simulated time', () => {
  it('says how much faster than real time and what time it is there, on every page', () => {
    const banner = simulatedTimeBanner({ now: T, timeScale: 600 }).text;
    expect(plain(banner)).toBe('Simulated time: 600× faster than real time. Times shown are virtual (now 2027-03-04 10:12 UTC).');
    expect(banner).toContain('<time id="server-now" datetime="2027-03-04T10:12:00.000Z">');
    for (const page of ['fleet', 'list', 'release'] as const) {
      const text = shell({ title: 'Services', service: 'webapp', page, fragment: '/fragment', clock: { now: T, timeScale: 600 } }).text;
      expect(text).toContain('<p class="sim-time" id="sim-time" role="note">Simulated time: 600× faster than real time.');
      expect(text).toContain(`data-now="${T}" data-time-scale="600"`);
    }
  });

  it('is not there at real time', () => {
    expect(simulatedTimeBanner({ now: T, timeScale: 1 }).text).toBe('');
    expect(shell({ title: 'Services', service: 'webapp', page: 'fleet', fragment: '/fragment', clock: { now: T, timeScale: 1 } }).text).not.toContain('sim-time');
  });

  it('says so of a clock slower than real time', () => {
    expect(plain(simulatedTimeBanner({ now: T, timeScale: 0.5 }).text)).toBe('Simulated time: 0.5× real time (slower than real time). Times shown are virtual (now 2027-03-04 10:12 UTC).');
  });
});
