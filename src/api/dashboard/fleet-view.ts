/**
 * @module The dashboard's home: every service × every region. A cell says which version runs
 * there and, while the service's release touches the region, what its ring is doing in words
 * (deploying, baking with the time left, waiting and why, passed, failed, rolled back). A row
 * header names the service, its tier and its release (marked `✗ failed` when its version is
 * recorded failed for the service). Filters by service, phase and region are a
 * plain GET form. Built from the service rows and one view per release in progress: nothing here
 * asks for more, so 200 services × 25 regions cost 200 rows and their running releases.
 */
import { isFinished } from '../../engine/actions.ts';
import type { Actor, FreezeView, ReleaseView, RingView, ServiceRow } from '../../runtime/controller-types.ts';
import { PHASES } from '../../runtime/release-page.ts';
import { timeLeft } from './format.ts';
import { freezeBanner } from './freeze-view.ts';
import { html, type SafeHtml } from './html.ts';
import { phaseBadge, phaseLabel } from './release-fragment.ts';
import { latest } from './timeline-view.ts';
import { versionFailedMark } from './list-fragment.ts';

/** What `/` and `/fragment` filter by (query parameters `service`, `phase`, `region`). */
export interface FleetFilters {
  service?: string;
  /** A phase, `active` (any release in progress) or `none` (no release yet). */
  phase?: string;
  region?: string;
}

export const FILTER_NAMES = ['service', 'phase', 'region'] as const;

/** The filters a query gives (blank values are no filter). */
export function fleetFilters(query: (name: string) => string | undefined): FleetFilters {
  const out: FleetFilters = {};
  for (const name of FILTER_NAMES) {
    const v = query(name)?.trim();
    if (v) out[name] = v.slice(0, 200);
  }
  return out;
}

/** `?service=…&phase=…` for the filters given, or '' for none. */
export function filterQuery(f: FleetFilters): string {
  const q = new URLSearchParams();
  for (const name of FILTER_NAMES) if (f[name]) q.set(name, f[name]!);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A service with its regions in fleet order. */
export interface FleetService {
  service: string;
  regions: readonly string[];
}

export function phaseMatches(row: ServiceRow, phase: string | undefined): boolean {
  if (phase === undefined) return true;
  if (phase === 'none') return row.release === null;
  if (phase === 'active') return row.release !== null && !isFinished(row.release.phase);
  return row.release?.phase === phase;
}

/** The rows the filters keep, in configuration order. */
export function visibleRows(rows: readonly ServiceRow[], services: readonly FleetService[], f: FleetFilters): ServiceRow[] {
  const regionsOf = new Map(services.map((s) => [s.service, s.regions]));
  return rows.filter((row) => (f.service === undefined || row.service === f.service)
    && phaseMatches(row, f.phase)
    && (f.region === undefined || (regionsOf.get(row.service) ?? Object.keys(row.versions)).includes(f.region)));
}

/** The release to look at for a row: one in progress (the cells show its rings); null otherwise. */
export function activeRelease(row: ServiceRow): string | null {
  return row.release && !isFinished(row.release.phase) ? row.release.id : null;
}

type Tone = 'ok' | 'bad' | 'active' | 'wait' | 'idle';

/** A ring's state as a cell says it. */
export interface CellState {
  /** The ring's status, or `halted` when its release halted it in flight. */
  state: string;
  words: string;
  tone: Tone;
}

const IN_FLIGHT = new Set(['deploying', 'baking', 'rolling-back']);

/** What a ring of a release in progress is doing, in words; null for a ring not reached yet. */
export function ringState(view: ReleaseView, ring: RingView, now: number): CellState | null {
  if (view.phase === 'halted' && IN_FLIGHT.has(ring.status)) return { state: 'halted', words: `halted while ${ring.status.replace(/-/g, ' ')}`, tone: 'bad' };
  switch (ring.status) {
    case 'pending':
      return null;
    case 'deploying':
      return { state: ring.status, words: 'deploying', tone: 'active' };
    case 'baking':
      if (ring.evidence) return { state: ring.status, words: `baking, ${ring.evidence}`, tone: 'wait' };
      return { state: ring.status, words: `baking, ${ring.bakeUntil ? `${timeLeft(Date.parse(ring.bakeUntil) - now)} left` : 'bake time not known yet'}`, tone: 'active' };
    case 'awaiting-approval':
      return { state: ring.status, words: 'waiting: awaiting approval', tone: 'wait' };
    case 'waiting-window': {
      const why = latest(view, ring.name, ['ring.waiting'])?.detail;
      return { state: ring.status, words: `waiting: ${why ?? 'for its deploy window'}`, tone: 'wait' };
    }
    case 'passed':
      return { state: ring.status, words: 'passed', tone: 'ok' };
    case 'failed':
      return { state: ring.status, words: 'failed', tone: 'bad' };
    case 'rolling-back':
      return { state: ring.status, words: 'rolling back', tone: 'bad' };
    case 'rolled-back':
      return ring.verdict === 'failed'
        ? { state: ring.status, words: 'failed, rolled back', tone: 'bad' }
        : { state: ring.status, words: 'rolled back', tone: 'idle' };
  }
}

/** One cell: the version running in the region and, while the release touches it, its ring's state. */
export function regionCell(region: string, version: string | undefined, view: ReleaseView | undefined, ring: RingView | undefined, now: number): SafeHtml {
  const s = view && ring ? ringState(view, ring, now) : null;
  const isNew = view !== undefined && version === view.version;
  const classes = ['cell', s ? `tone-${s.tone}` : '', isNew ? 'on-new' : ''].filter(Boolean).join(' ');
  return html`<td class="${classes}" data-region="${region}"${s ? html` data-state="${s.state}"` : ''}><code>${version ?? '—'}</code>${s ? html`<span class="state">${s.words}</span>` : ''}</td>`;
}

function rowHeader(row: ServiceRow): SafeHtml {
  const r = row.release;
  const release = r
    ? html`<a class="rel" href="/releases/${encodeURIComponent(r.id)}"><code>${r.version}</code> ${phaseBadge(r.phase)}</a>${versionFailedMark(r)}`
    : html`<span class="muted rel">no release yet</span>`;
  return html`<th scope="row"><span class="svc">${row.service}</span> <span class="tier">tier ${row.tier}</span><br>${release}</th>`;
}

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

/** The filter form: a GET form to `/` (the client script applies it in place). Its markup changes only with the filters. */
export function filterForm(services: readonly FleetService[], regions: readonly string[], f: FleetFilters): SafeHtml {
  const phases = [['active', 'In progress'], ...PHASES.map((p) => [p, phaseLabel(p)]), ['none', 'No release yet']] as const;
  return html`<form class="filters" id="filters" method="get" action="/" role="search" aria-label="Filter the services" data-keep>
  <label for="f-service">Service</label>
  <select id="f-service" name="service">${option('', 'Every service', f.service)}${services.map((s) => option(s.service, s.service, f.service))}</select>
  <label for="f-phase">Release</label>
  <select id="f-phase" name="phase">${option('', 'Any phase', f.phase)}${phases.map(([v, l]) => option(v, l, f.phase))}</select>
  <label for="f-region">Region</label>
  <select id="f-region" name="region">${option('', 'Every region', f.region)}${regions.map((r) => option(r, r, f.region))}</select>
  <button type="submit">Filter</button>
  ${f.service || f.phase || f.region ? html`<a href="/" class="clear">Show all</a>` : ''}
</form>`;
}

/** Every region of the services, in the order their fleet lists them. */
export function regionUnion(services: readonly FleetService[]): string[] {
  const seen = new Set<string>();
  for (const s of services) for (const r of s.regions) seen.add(r);
  return [...seen];
}

export interface FleetInput {
  /** Every service, in configuration order, with its regions in fleet order. */
  services: readonly FleetService[];
  /** The rows that pass the filters (visibleRows). */
  rows: readonly ServiceRow[];
  /** The release in progress of a row, by id (one `get` each; none for settled releases). */
  views: ReadonlyMap<string, ReleaseView>;
  freezes: readonly FreezeView[];
  filters: FleetFilters;
  actor: Actor;
  now: number;
}

function table(input: FleetInput, regions: readonly string[]): SafeHtml {
  const regionsOf = new Map(input.services.map((s) => [s.service, new Set(s.regions)]));
  const body = input.rows.map((row) => {
    const view = input.views.get(row.release?.id ?? '');
    const ringOf = new Map<string, RingView>();
    for (const ring of view?.rings ?? []) for (const r of ring.regions) ringOf.set(r, ring);
    const mine = regionsOf.get(row.service);
    const cells = regions.map((region) => (mine && !mine.has(region) && row.versions[region] === undefined
      ? html`<td class="cell na" data-region="${region}"><span aria-hidden="true">·</span><span class="vh">not a region of ${row.service}</span></td>`
      : regionCell(region, row.versions[region], view, ringOf.get(region), input.now)));
    return html`<tr data-service="${row.service}"${row.release ? html` data-phase="${row.release.phase}"` : ''}>${rowHeader(row)}${cells}</tr>`;
  });
  return html`<div class="scroll fleet-scroll"><table class="fleet">
<caption class="vh">Which version runs where, one row per service, one column per region</caption>
<thead><tr><th scope="col">Service</th>${regions.map((r) => html`<th scope="col">${r}</th>`)}</tr></thead>
<tbody>${body}</tbody>
</table></div>`;
}

export function fleetFragment(input: FleetInput): SafeHtml {
  const { actor, filters: f } = input;
  const all = regionUnion(input.services);
  const shown = f.region ? all.filter((r) => r === f.region) : regionUnion(input.services.filter((s) => input.rows.some((r) => r.service === s.service)));
  const active = input.rows.filter((r) => activeRelease(r) !== null).length;
  const total = `${input.services.length} ${input.services.length === 1 ? 'service' : 'services'}`;
  const counts = html`<p class="muted counts">${input.rows.length === input.services.length ? total : `${input.rows.length} of ${total}`} · ${active === 1 ? '1 release' : `${active} releases`} in progress · <a href="/releases">every release</a></p>`;
  const content = input.rows.length === 0
    ? html`<p class="empty">No service matches these filters. <a href="/" class="clear">Show all</a></p>`
    : table(input, shown);
  return html`<div class="fleet-page" data-title="Services" data-user="${actor.user}" data-role="${actor.role}" data-now="${input.now}">
${freezeBanner(input.freezes, actor)}
${filterForm(input.services, all, f)}
${counts}
${content}
</div>`;
}
