/**
 * @module One small server-rendered SVG time chart, drawn from a plain description: shaded
 * windows, the time axis in UTC, horizontal lines (a gate's limit) and bars (an hour's mean),
 * series as lines broken where there is no data, dots, vertical marks with labels (deploy, pass,
 * fail, rollback) and the now line. Colours come from the stylesheet's classes only, so the dark
 * theme and print restyle every chart; the words a screen reader reads are the caller's `title`.
 */
import { html, type SafeHtml } from './html.ts';
import { utcClock } from './format.ts';

export const W = 320;
export const H = 156;
export const PAD = { left: 52, right: 10, top: 20, bottom: 22 };
const STEPS = [15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60_000);

export type MarkKind = 'deploy' | 'pass' | 'fail' | 'rollback';

/** A moment drawn as a vertical line with a label at the top. */
export interface Mark {
  at: number;
  kind: MarkKind;
  label: string;
}

export interface Point {
  at: number;
  value: number | null;
}

export interface Plot {
  id: string;
  /** What the chart shows, in words (the SVG's title: what a screen reader says, and a tooltip). */
  title: string;
  from: number;
  to: number;
  /** The top of the y axis (the bottom is 0). */
  top: number;
  /** A value as the y axis writes it. */
  format: (v: number) => string;
  /** Windows a gate judged: shaded, red when the verdict there failed. */
  bands?: ReadonlyArray<{ from: number; to: number; fail: boolean }>;
  /** Lines across a span (an hour's mean; the baseline over the last hour), `fail` in red. */
  bars?: ReadonlyArray<{ cls: string; from: number; to: number; value: number }>;
  /** Lines across the whole chart (a gate's limit), labelled at the left. */
  limits?: ReadonlyArray<{ cls: string; value: number; label: string }>;
  /** Series, each a line broken where a point has no data. */
  lines?: ReadonlyArray<{ cls: string; points: readonly Point[] }>;
  /** Single checks: a dot each, larger and red when it failed; a short tick at the bottom when it had no data. */
  dots?: ReadonlyArray<{ at: number; value: number | null; fail: boolean }>;
  marks?: readonly Mark[];
  now?: number;
}

export const f = (n: number): string => String(Math.round(n * 10) / 10);

/** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 or 10 × a power of ten that is at least `x`: a readable top for an axis. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(x));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * mag >= x * (1 - 1e-12))!;
  return Number((step * mag).toPrecision(12));
}

function ticks(from: number, to: number): number[] {
  const step = STEPS.find((s) => (to - from) / s <= 5) ?? STEPS[STEPS.length - 1]!;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/** Marks closer than this many pixels share one line and one label (`fail · rollback`). */
const MERGE_PX = 9;
/** About how wide a character of a mark's label is, in the chart's units (9.5px bold). */
const LABEL_PX = 5.6;

/** A ring's deploy, pass, failure and rollback among `events`, within [from, to]. */
export function marksOf(events: ReadonlyArray<{ at: string; type: string; ring?: string }>, ring: string, from: number, to: number): Mark[] {
  const kinds: Record<string, MarkKind> = { 'ring.deploy.started': 'deploy', 'ring.passed': 'pass', 'ring.failed': 'fail', 'ring.rollback.started': 'rollback' };
  const out: Mark[] = [];
  for (const e of events) {
    const kind = e.ring === ring ? kinds[e.type] : undefined;
    const at = Date.parse(e.at);
    if (kind && at >= from && at <= to) out.push({ at, kind, label: kind });
  }
  return out.sort((a, b) => a.at - b.at);
}

export function plot(p: Plot): SafeHtml {
  const { from, to, top } = p;
  const span = Math.max(1, to - from);
  const x = (t: number): number => PAD.left + ((Math.min(Math.max(t, from), to) - from) / span) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - (Math.min(Math.max(v, 0), top) / top) * (H - PAD.top - PAD.bottom);
  const bottom = H - PAD.bottom;

  const bands = (p.bands ?? []).filter((b) => b.to > from && b.from < to).map((b) =>
    html`<rect class="band${b.fail ? ' fail' : ''}" x="${f(x(b.from))}" y="${PAD.top}" width="${f(Math.max(1, x(b.to) - x(b.from)))}" height="${bottom - PAD.top}"/>`);
  // A time at either end of the axis is written inside it, not cut by the edge.
  const tickAnchor = (px: number): string => (px > W - PAD.right - 14 ? 'end' : px < PAD.left + 14 ? 'start' : 'middle');
  const grid = ticks(from, to).map((t) => html`<line class="grid" x1="${f(x(t))}" x2="${f(x(t))}" y1="${PAD.top}" y2="${bottom}"/><text class="tick" x="${f(x(t))}" y="${H - 6}" text-anchor="${tickAnchor(x(t))}">${utcClock(t)}</text>`);
  const limits = p.limits ?? [];
  const clear = (v: number): boolean => limits.every((l) => Math.abs(y(l.value) - y(v)) >= 12);
  const axis = html`${clear(0) ? html`<text class="tick" x="${PAD.left - 4}" y="${f(y(0))}" text-anchor="end" dominant-baseline="middle">${p.format(0)}</text>` : ''}${clear(top) ? html`<text class="tick" x="${PAD.left - 4}" y="${PAD.top}" text-anchor="end" dominant-baseline="middle">${p.format(top)}</text>` : ''}`;
  const bars = (p.bars ?? []).map((b) => html`<line class="${b.cls}" x1="${f(x(b.from))}" x2="${f(x(b.to))}" y1="${f(y(b.value))}" y2="${f(y(b.value))}"/>`);
  const limitLines = limits.map((l) => html`<line class="${l.cls}" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(l.value))}" y2="${f(y(l.value))}"/>
<text class="limit-label" x="${PAD.left - 4}" y="${f(y(l.value))}" text-anchor="end" dominant-baseline="middle">${l.label}</text>`);

  // Lines join consecutive points with data; a point without data breaks the line.
  const lines = (p.lines ?? []).flatMap((line) => {
    const runs: string[] = [];
    let run: string[] = [];
    for (const pt of line.points) {
      if (pt.value === null) {
        if (run.length > 1) runs.push(run.join(' '));
        run = [];
      } else run.push(`${f(x(pt.at))},${f(y(pt.value))}`);
    }
    if (run.length > 1) runs.push(run.join(' '));
    return runs.map((r) => html`<polyline class="${line.cls}" points="${r}"/>`);
  });
  const dots = (p.dots ?? []).map((d) => (d.value === null
    ? html`<line class="nodata" x1="${f(x(d.at))}" x2="${f(x(d.at))}" y1="${bottom - 5}" y2="${bottom}"/>`
    : html`<circle class="${d.fail ? 'dot fail' : 'dot'}" cx="${f(x(d.at))}" cy="${f(y(d.value))}" r="${d.fail ? 3 : 1.6}"/>`));

  // Marks that fall on (nearly) the same pixel share one line: `fail · rollback`.
  const groups: Array<{ px: number; kinds: MarkKind[]; labels: string[] }> = [];
  for (const m of p.marks ?? []) {
    const px = x(m.at);
    const last = groups.at(-1);
    if (last && px - last.px < MERGE_PX) {
      if (!last.labels.includes(m.label)) last.labels.push(m.label);
      last.kinds.push(m.kind);
    } else groups.push({ px, kinds: [m.kind], labels: [m.label] });
  }
  // A label that would run into the one before it goes a row lower, inside the plot.
  let taken = -Infinity;
  const marks = groups.map((g) => {
    const kind = g.kinds.includes('fail') ? 'fail' : g.kinds.includes('rollback') ? 'rollback' : g.kinds[0]!;
    const label = g.labels.join(' · ');
    const width = label.length * LABEL_PX;
    const anchor = g.px + 2 + width > W - PAD.right ? 'end' : 'start';
    const [left, right] = anchor === 'end' ? [g.px - 2 - width, g.px - 2] : [g.px + 2, g.px + 2 + width];
    const low = left < taken + 4;
    if (!low) taken = right;
    return html`<line class="mark mark-${kind}" x1="${f(g.px)}" x2="${f(g.px)}" y1="${PAD.top - 4}" y2="${bottom}"/><text class="mark-label mark-${kind}" x="${f(anchor === 'end' ? g.px - 2 : g.px + 2)}" y="${low ? PAD.top + 9 : PAD.top - 7}" text-anchor="${anchor}">${label}</text>`;
  });
  const now = p.now !== undefined && p.now > from && p.now < to ? html`<line class="now" x1="${f(x(p.now))}" x2="${f(x(p.now))}" y1="${PAD.top}" y2="${bottom}"/>` : '';

  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${p.id}"><title id="${p.id}">${p.title}</title>
<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${bottom - PAD.top}"/>
${bands}
${grid}
${axis}
${bars}
${limitLines}
${lines}
${dots}
${marks}
${now}
</svg>`;
}
