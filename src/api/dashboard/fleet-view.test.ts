import { describe, expect, it } from 'vitest';
import type { RingStatus } from '../../engine/types.ts';
import type { Actor, FreezeView, ReleaseSummary, ReleaseView, RingView, ServiceRow } from '../../runtime/controller-types.ts';
import { timeLeft } from './format.ts';
import { fleetFilters, fleetFragment, filterQuery, regionCell, ringState, visibleRows, type FleetInput, type FleetService } from './fleet-view.ts';
import { freezeBanner, freezeScope, heldBy } from './freeze-view.ts';
import { releaseList } from './list-fragment.ts';

const T = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const rita: Actor = { user: 'rita', groups: [], role: 'operator' };
const vic: Actor = { user: 'vic', groups: [], role: 'viewer' };

const ring = (name: string, regions: string[], status: RingStatus, extra: Partial<RingView> = {}): RingView => ({
  name, regions, userShare: 0.3, status, verdict: 'not-started', deployedAt: null, healthyAt: null, bakeUntil: null,
  rolledBack: false, approvers: [], bakeMinutes: 240, evidence: null, ...extra,
});

function view(id: string, rings: RingView[], more: Partial<ReleaseView> = {}): ReleaseView {
  return {
    id, service: id.split('-')[0]!, version: 'v2', previousVersion: 'v1', phase: 'running', haltReason: null, startedAt: iso(T - 60 * MIN),
    completedAt: null, rings, versions: {}, events: [], freezes: [], evaluationCounts: { pass: 0, fail: 0, inconclusive: 0 }, blastRadius: { userShare: 0.3 },
    actions: { approve: [], resume: false, abort: true, rollback: [] }, leftBehind: null, ...more,
  };
}

const summary = (id: string, phase: ReleaseSummary['phase'] = 'running'): ReleaseSummary => ({
  id, service: id.split('-')[0]!, version: 'v2', previousVersion: 'v1', phase, currentRing: 'ring-1', startedAt: iso(T - 60 * MIN), endedAt: null,
});

const REGIONS = ['internal', 'ap-south-1', 'eu-west-1', 'us-east-1'];
const SERVICES: FleetService[] = [
  { service: 'checkout', regions: REGIONS },
  { service: 'search', regions: REGIONS },
  { service: 'profile', regions: ['internal', 'eu-west-1'] },
];

const versions = (v: Record<string, string>, regions = REGIONS): Record<string, string> => Object.fromEntries(regions.map((r) => [r, v[r] ?? 'v1']));

const freeze = (more: Partial<FreezeView> = {}): FreezeView => ({
  id: 'frz-1', reason: 'incident 4711', regions: [], services: [], startedAt: iso(T - 5 * MIN), startedBy: 'rita', ...more,
});

/** The cell of `service` in `region`, as text with the tags taken out. */
function cellText(markup: string, service: string, region: string): string {
  const row = new RegExp(`<tr data-service="${service}"[\\s\\S]*?</tr>`).exec(markup)?.[0] ?? '';
  const cell = new RegExp(`<td [^>]*data-region="${region}"[^>]*>([\\s\\S]*?)</td>`).exec(row)?.[1] ?? '';
  return cell.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

function input(more: Partial<FleetInput> = {}): FleetInput {
  const checkout = view('checkout-v2-1', [
    ring('ring-0', ['internal'], 'passed', { verdict: 'passed' }),
    ring('ring-1', ['ap-south-1'], 'baking', { deployedAt: iso(T - 40 * MIN), healthyAt: iso(T - 35 * MIN), bakeUntil: iso(T + 125 * MIN) }),
    ring('ring-2', ['eu-west-1'], 'pending'),
    ring('ring-3', ['us-east-1'], 'pending'),
  ], { versions: versions({ internal: 'v2', 'ap-south-1': 'v2' }) });
  const search = view('search-v8-1', [
    ring('ring-0', ['internal'], 'passed', { verdict: 'passed' }),
    ring('ring-1', ['ap-south-1', 'eu-west-1', 'us-east-1'], 'waiting-window'),
  ], {
    phase: 'waiting',
    events: [
      { at: iso(T - 3 * MIN), type: 'ring.waiting', ring: 'ring-1', detail: 'frozen: incident 4711' },
      { at: iso(T - MIN), type: 'ring.waiting', ring: 'ring-1', detail: 'region busy: eu-west-1 has 2 releases deploying or baking' },
    ],
  });
  const rows: ServiceRow[] = [
    { service: 'checkout', tier: 1, fleet: 'prod', versions: versions({ internal: 'v2', 'ap-south-1': 'v2' }), release: summary('checkout-v2-1') },
    { service: 'search', tier: 2, fleet: 'prod', versions: versions({ internal: 'v2' }), release: summary('search-v8-1', 'waiting') },
    { service: 'profile', tier: 3, fleet: 'prod', versions: versions({}, ['internal', 'eu-west-1']), release: null },
  ];
  return {
    services: SERVICES, rows, views: new Map([[checkout.id, checkout], [search.id, search]]),
    freezes: [], filters: {}, actor: vic, now: T, ...more,
  };
}

describe('a cell of the services × regions table', () => {
  it('says which version runs there and how long its ring still bakes, from the server\'s clock', () => {
    const text = fleetFragment(input()).text;
    expect(cellText(text, 'checkout', 'ap-south-1')).toBe('v2 baking, 2 h 5 min left');
    expect(cellText(text, 'checkout', 'internal')).toBe('v2 passed');
    expect(cellText(text, 'checkout', 'eu-west-1')).toBe('v1');
    expect(text).toMatch(/<td class="cell tone-active on-new" data-region="ap-south-1" data-state="baking">/);
  });

  it('says why a ring waits, from its latest waiting event: a busy region, a freeze, an approval', () => {
    const text = fleetFragment(input()).text;
    for (const region of ['ap-south-1', 'eu-west-1', 'us-east-1']) {
      expect(cellText(text, 'search', region)).toBe('v1 waiting: region busy: eu-west-1 has 2 releases deploying or baking');
    }
    const frozen = view('search-v8-1', [ring('ring-1', ['eu-west-1'], 'waiting-window')], { events: [{ at: iso(T), type: 'ring.waiting', ring: 'ring-1', detail: 'frozen: incident 4711' }] });
    expect(ringState(frozen, frozen.rings[0]!, T)).toEqual({ state: 'waiting-window', words: 'waiting: frozen: incident 4711', tone: 'wait' });
    const approval = ring('ring-3', ['us-east-1'], 'awaiting-approval');
    expect(ringState(view('x', [approval]), approval, T)?.words).toBe('waiting: awaiting approval');
  });

  it('tells passed, failed, rolled back, rolling back and halted apart, and says nothing for a ring not reached yet', () => {
    const words = (r: RingView, phase: ReleaseView['phase'] = 'running') => ringState(view('x', [r], { phase }), r, T)?.words ?? null;
    expect(words(ring('r', ['a'], 'deploying'))).toBe('deploying');
    expect(words(ring('r', ['a'], 'failed', { verdict: 'failed' }))).toBe('failed');
    expect(words(ring('r', ['a'], 'rolling-back'))).toBe('rolling back');
    expect(words(ring('r', ['a'], 'rolled-back', { verdict: 'failed', rolledBack: true }))).toBe('failed, rolled back');
    expect(words(ring('r', ['a'], 'rolled-back', { verdict: 'passed', rolledBack: true }))).toBe('rolled back');
    expect(words(ring('r', ['a'], 'baking', { bakeUntil: iso(T + 200 * MIN) }), 'halted')).toBe('halted while baking');
    expect(words(ring('r', ['a'], 'baking', { bakeUntil: iso(T), evidence: 'evidence: 3,200 of 10,000 requests in ap-south-1' }))).toBe('baking, evidence: 3,200 of 10,000 requests in ap-south-1');
    expect(words(ring('r', ['a'], 'pending'))).toBeNull();
  });

  it('writes time left in hours and minutes, rounded up', () => {
    expect([125 * MIN, 200 * MIN, 45 * MIN + 1, 30_000, 0, 120 * MIN, 50 * 60 * MIN].map(timeLeft)).toEqual(['2 h 5 min', '3 h 20 min', '46 min', '<1 min', '0 min', '2 h', '2 d 2 h']);
  });

  it('marks a region the service does not run in, and shows a settled release\'s service by its versions only', () => {
    const text = fleetFragment(input()).text;
    expect(cellText(text, 'profile', 'ap-south-1')).toBe('· not a region of profile');
    expect(cellText(text, 'profile', 'eu-west-1')).toBe('v1');
    expect(text).toMatch(/<tr data-service="profile"><th scope="row"><span class="svc">profile<\/span> <span class="tier">tier 3<\/span><br><span class="muted rel">no release yet<\/span><\/th>/);
  });

  it('heads each row with the service, its tier and its release linking to the release page', () => {
    const text = fleetFragment(input()).text;
    expect(text).toContain('<span class="svc">checkout</span> <span class="tier">tier 1</span><br><a class="rel" href="/releases/checkout-v2-1"><code>v2</code> <span class="badge tone-active" data-phase="running">Running</span></a>');
    expect(text).toContain('<thead><tr><th scope="col">Service</th><th scope="col">internal</th><th scope="col">ap-south-1</th><th scope="col">eu-west-1</th><th scope="col">us-east-1</th></tr></thead>');
    expect(text).toContain('3 services · 2 releases in progress');
  });

  it('escapes what it shows: a waiting reason with markup is text', () => {
    const r = ring('ring-1', ['eu-west-1'], 'waiting-window');
    const v = view('x', [r], { events: [{ at: iso(T), type: 'ring.waiting', ring: 'ring-1', detail: 'frozen: <img src=x onerror=alert(1)>' }] });
    const cell = regionCell('eu-west-1', 'v1', v, r, T).text;
    expect(cell).not.toContain('<img');
    expect(cell).toContain('waiting: frozen: &lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('the filters of the home page', () => {
  it('read service, phase and region from the query, ignoring blanks, and write them back', () => {
    const q: Record<string, string> = { service: 'checkout', phase: ' ', region: 'eu-west-1', other: 'x' };
    const f = fleetFilters((n) => q[n]);
    expect(f).toEqual({ service: 'checkout', region: 'eu-west-1' });
    expect(filterQuery(f)).toBe('?service=checkout&region=eu-west-1');
    expect(filterQuery({})).toBe('');
  });

  it('keep the rows of one service, of a phase (or any release in progress, or none), of a region', () => {
    const rows = input().rows;
    const names = (f: Parameters<typeof visibleRows>[2]) => visibleRows(rows, SERVICES, f).map((r) => r.service);
    expect(names({})).toEqual(['checkout', 'search', 'profile']);
    expect(names({ service: 'search' })).toEqual(['search']);
    expect(names({ phase: 'waiting' })).toEqual(['search']);
    expect(names({ phase: 'active' })).toEqual(['checkout', 'search']);
    expect(names({ phase: 'none' })).toEqual(['profile']);
    expect(names({ region: 'us-east-1' })).toEqual(['checkout', 'search']);
  });

  it('show only the region asked for, with the form saying what is chosen, and say so when nothing matches', () => {
    const base = input();
    const f = { region: 'eu-west-1', phase: 'active' };
    const text = fleetFragment({ ...base, filters: f, rows: visibleRows(base.rows, SERVICES, f) }).text;
    expect(text).toContain('<thead><tr><th scope="col">Service</th><th scope="col">eu-west-1</th></tr></thead>');
    expect(text).toContain('<form class="filters" id="filters" method="get" action="/"');
    expect(text).toContain('<option value="eu-west-1" selected>eu-west-1</option>');
    expect(text).toContain('<option value="active" selected>In progress</option>');
    expect(text).toContain('2 of 3 services');
    const none = fleetFragment({ ...base, filters: { service: 'nope' }, rows: [] }).text;
    expect(none).toContain('No service matches these filters.');
    expect(none).not.toContain('<table');
  });

  it('stay readable at 200 services × 25 regions: one cell each, and a page of bounded size', () => {
    const regions = Array.from({ length: 25 }, (_, i) => `region-${String(i).padStart(2, '0')}`);
    const services = Array.from({ length: 200 }, (_, i) => ({ service: `svc-${i}`, regions }));
    const rows: ServiceRow[] = services.map((s, i) => ({
      service: s.service, tier: 2, fleet: 'prod', versions: Object.fromEntries(regions.map((r) => [r, 'v1.2.3'])),
      release: i % 10 === 0 ? summary(`${s.service}-v2-1`) : null,
    }));
    const views = new Map(rows.filter((r) => r.release).map((r) => {
      const v = view(r.release!.id, [ring('ring-1', regions.slice(0, 5), 'baking', { bakeUntil: iso(T + 90 * MIN) }), ring('ring-2', regions.slice(5), 'pending')]);
      return [v.id, { ...v, service: r.service }] as const;
    }));
    const text = fleetFragment({ services, rows, views, freezes: [], filters: {}, actor: vic, now: T }).text;
    expect(text.match(/<td class="cell/g)).toHaveLength(5000);
    expect(text.match(/baking, 1 h 30 min left/g)).toHaveLength(20 * 5);
    expect(text.length).toBeLessThan(600_000);
  });
});

describe('the freezes at the top of every page', () => {
  it('say what is frozen, why, by whom and since when, with an End button and the stop-the-line form for operators', () => {
    const f = [freeze(), freeze({ id: 'frz-2', reason: 'db migration', regions: ['eu-west-1'], services: ['checkout', 'search'] })];
    const text = freezeBanner(f, rita).text;
    expect(text).toContain('<h2 id="freezes-h">The line is stopped</h2>');
    const plain = text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(plain).toContain('incident 4711 everything started by rita at 2026-03-02 09:55 UTC End');
    expect(plain).toContain('db migration checkout, search in eu-west-1 started by rita at 2026-03-02 09:55 UTC End');
    expect(text).toContain('data-action="freeze-end" data-freeze="frz-2"');
    expect(text).toContain('<form id="freeze-form"');
    expect(text).toContain('<input id="freeze-reason" name="reason" required');
  });

  it('show a viewer the freezes but no End button and no form, and nothing at all when there are none', () => {
    const text = freezeBanner([freeze()], vic).text;
    expect(text).toContain('incident 4711');
    expect(text).not.toContain('data-action');
    expect(text).not.toContain('<form');
    expect(freezeBanner([], vic).text).toBe('');
    expect(freezeBanner([], rita).text).toContain('Stop the line…');
  });

  it('name the scope in words', () => {
    expect(freezeScope({ regions: [], services: [] })).toBe('everything');
    expect(freezeScope({ regions: ['eu-west-1', 'us-east-1'], services: [] })).toBe('eu-west-1, us-east-1');
    expect(freezeScope({ regions: [], services: ['checkout'] })).toBe('checkout');
    expect(freezeScope({ regions: ['eu-west-1'], services: ['checkout'] })).toBe('checkout in eu-west-1');
  });

  it('escape a reason with markup, and tell an operator with a token for some services to name them', () => {
    const text = freezeBanner([freeze({ reason: '<script>alert(1)</script>' })], { ...rita, services: ['checkout'] }).text;
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).toContain('Your token covers checkout: name them under Services.');
  });

  it('say on a release page which freezes hold it', () => {
    expect(heldBy([]).text).toBe('');
    expect(heldBy([freeze()]).text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim())
      .toBe('Held by a freeze: no ring of this release starts deploying until it ends. incident 4711 (everything; started by rita at 2026-03-02 09:55 UTC)');
  });

  it('sit on top of the home page and the list of releases', () => {
    expect(fleetFragment(input({ freezes: [freeze()] })).text).toMatch(/^<div class="fleet-page"[^>]*>\n<section class="freezes"/);
    const list = releaseList({ page: { items: [summary('checkout-v2-1')], next: 'abc' }, query: { service: 'checkout' }, freezes: [freeze()], actor: vic }).text;
    expect(list).toMatch(/^<div class="releases"[^>]*>\n<section class="freezes"/);
    expect(list).toContain('<a href="/releases?service=checkout&amp;cursor=abc" rel="next" class="next">Next page</a>');
  });
});
