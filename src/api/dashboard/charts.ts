/**
 * @module Small inline SVG charts, drawn on the server, of each threshold gate's metric per region
 * over its ring's bake: every interval check as a line with dots, each hour bucket's mean as a
 * horizontal bar across its hour, and the gate's limit as a dashed line, values over it in red, so
 * a short spike shows at a glance. Compare gates (Mann–Whitney) are not drawn.
 */
import type { Gate, Policy } from '../../policy/schema.ts';
import type { EvaluationView, ReleaseView } from '../../runtime/controller-types.ts';
import { html, type SafeHtml } from './html.ts';
import { metricLabel, metricValue, utcClock, utcMinute } from './format.ts';

const W = 320;
const H = 150;
const PAD = { left: 52, right: 10, top: 12, bottom: 22 };
const HOUR = 3_600_000;
const STEPS = [15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60_000);

export interface ChartInput {
  gateName: string;
  gate: Gate;
  ring: string;
  region: string;
  /** The x axis: from the ring's healthy time to the bake's end (or the last check). */
  from: number;
  to: number;
  healthyAt: number;
  evaluations: readonly EvaluationView[];
  now: number;
}

const f = (n: number): string => String(Math.round(n * 10) / 10);

/** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 or 10 × a power of ten that is at least `x`: a readable top for an axis. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(x));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * mag >= x * (1 - 1e-12))!;
  return Number((step * mag).toPrecision(12));
}

/** Every threshold gate of a deployed ring × region that has evaluations, in policy order. */
export function chartInputs(policy: Policy, view: ReleaseView, all: readonly EvaluationView[], now: number): ChartInput[] {
  const out: ChartInput[] = [];
  for (const ring of view.rings) {
    if (ring.healthyAt === null) continue;
    const spec = policy.spec.rings.find((r) => r.name === ring.name);
    for (const gateName of spec?.gates ?? []) {
      const gate = policy.spec.gates[gateName];
      if (!gate?.metric || gate.compare || (gate.max === undefined && gate.min === undefined)) continue;
      for (const region of ring.regions) {
        const evaluations = all.filter((e) => e.ring === ring.name && e.gate === gateName && e.region === region && e.kind !== 'compare');
        if (evaluations.length === 0) continue;
        const healthyAt = Date.parse(ring.healthyAt);
        const last = Math.max(...evaluations.map((e) => Date.parse(e.at)));
        const to = ring.status === 'baking' && ring.bakeUntil ? Math.max(Date.parse(ring.bakeUntil), last) : last;
        out.push({ gateName, gate, ring: ring.name, region, from: healthyAt, to: Math.max(to, healthyAt + 60_000), healthyAt, evaluations, now });
      }
    }
  }
  return out;
}

function ticks(from: number, to: number): number[] {
  const step = STEPS.find((s) => (to - from) / s <= 5) ?? STEPS[STEPS.length - 1]!;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

export function chart(input: ChartInput, id: string): SafeHtml {
  const { gate, from, to } = input;
  const metric = gate.metric!;
  const limit = (gate.max ?? gate.min)!;
  const limitWord = gate.max !== undefined ? 'max' : 'min';
  const points = input.evaluations.filter((e) => e.kind === 'interval').map((e) => ({ at: Date.parse(e.at), value: e.value, result: e.result })).sort((a, b) => a.at - b.at);
  const hours = input.evaluations.filter((e) => e.kind === 'hour' && e.value !== null).map((e) => {
    const end = Date.parse(e.at);
    return { from: Math.max(end - HOUR, input.healthyAt + gate.warmup, from), to: end, value: e.value!, result: e.result };
  });
  const values = [...points.map((p) => p.value), ...hours.map((h) => h.value)].filter((v): v is number => v !== null);
  const top = niceCeil(Math.max(limit * 1.25, ...values.map((v) => v * 1.05)));
  const x = (t: number): number => PAD.left + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - (Math.min(Math.max(v, 0), top) / top) * (H - PAD.top - PAD.bottom);

  // Lines join consecutive checks with data; a check without data breaks the line.
  const runs: string[] = [];
  let run: string[] = [];
  for (const p of points) {
    if (p.value === null) {
      if (run.length > 1) runs.push(run.join(' '));
      run = [];
    } else run.push(`${f(x(p.at))},${f(y(p.value))}`);
  }
  if (run.length > 1) runs.push(run.join(' '));

  const over = points.filter((p) => p.result === 'fail').length;
  const peak = values.length ? Math.max(...values) : null;
  const summary = `${metricLabel(metric)} (${input.gateName}) in ${input.region}, ${utcMinute(from)} to ${utcMinute(to)}: ${points.length} checks, `
    + `highest ${metricValue(metric, peak)} against ${limitWord} ${metricValue(metric, limit)}; ${over === 0 ? 'none' : over} outside the gate.`;
  const bottom = H - PAD.bottom;
  const tickMarks = ticks(from, to).map((t) => html`<line class="grid" x1="${f(x(t))}" x2="${f(x(t))}" y1="${PAD.top}" y2="${bottom}"/><text class="tick" x="${f(x(t))}" y="${H - 6}" text-anchor="middle">${utcClock(t)}</text>`);
  const showNow = input.now > from && input.now < to;

  return html`<figure class="chart">
<figcaption><strong>${input.region}</strong> · ${input.gateName} · ${limitWord} ${metricValue(metric, limit)}${over > 0 ? html` · <span class="over">${over} over</span>` : ''}</figcaption>
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}"><title id="${id}">${summary}</title>
<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${bottom - PAD.top}"/>
${tickMarks}
${Math.abs(y(limit) - y(0)) >= 12 ? html`<text class="tick" x="${PAD.left - 4}" y="${f(y(0))}" text-anchor="end" dominant-baseline="middle">${metricValue(metric, 0)}</text>` : ''}
${Math.abs(y(limit) - y(top)) >= 12 ? html`<text class="tick" x="${PAD.left - 4}" y="${PAD.top}" text-anchor="end" dominant-baseline="middle">${metricValue(metric, top)}</text>` : ''}
${hours.map((h) => html`<line class="hour${h.result === 'fail' ? ' fail' : ''}" x1="${f(x(h.from))}" x2="${f(x(h.to))}" y1="${f(y(h.value))}" y2="${f(y(h.value))}"/>`)}
<line class="limit" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(limit))}" y2="${f(y(limit))}"/>
<text class="limit-label" x="${PAD.left - 4}" y="${f(y(limit))}" text-anchor="end" dominant-baseline="middle">${metricValue(metric, limit)}</text>
${runs.map((r) => html`<polyline class="series" points="${r}"/>`)}
${points.map((p) => (p.value === null
    ? html`<line class="nodata" x1="${f(x(p.at))}" x2="${f(x(p.at))}" y1="${bottom - 5}" y2="${bottom}"/>`
    : html`<circle class="${p.result === 'fail' ? 'dot fail' : 'dot'}" cx="${f(x(p.at))}" cy="${f(y(p.value))}" r="${p.result === 'fail' ? 3 : 1.6}"/>`))}
${showNow ? html`<line class="now" x1="${f(x(input.now))}" x2="${f(x(input.now))}" y1="${PAD.top}" y2="${bottom}"/>` : ''}
</svg>
</figure>`;
}

export function charts(policy: Policy, view: ReleaseView, evaluations: readonly EvaluationView[], now: number): SafeHtml {
  const inputs = chartInputs(policy, view, evaluations, now);
  if (inputs.length === 0) return html`<p class="empty">No gate has been evaluated yet.</p>`;
  return html`<p class="legend"><span><span class="key key-series"></span>each check</span> <span><span class="key key-hour"></span>hour mean</span> <span><span class="key key-limit"></span>the gate's limit</span> <span><span class="key key-fail"></span>outside it</span> <span>times in UTC</span></p>
<div class="charts">${inputs.map((c, i) => chart(c, `chart-${i}`))}</div>`;
}
