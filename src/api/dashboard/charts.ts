/**
 * @module Small inline SVG charts, drawn on the server (svg-plot.ts), of each gate of each deployed
 * ring per region over its bake. A threshold gate: every interval check as a line with dots, each
 * sliding hour's mean as a bar, the gate's limit as a dashed line with values over it in red, the
 * stable regions' value over the last hour (the comparison table's baseline) as a grey dashed bar
 * beside it, the latest hour judged shaded (red where an hour failed). A comparison gate: a chart
 * of its own, its sequential statistic as a share of its boundary against the dashed limit (100%:
 * the gate fails), the latest round's lookback shaded. Every chart marks the ring's deploy, pass,
 * failure and rollback, and says what it shows in words (its SVG title).
 */
import { baselineCenter } from '../../gates/baseline.ts';
import type { Gate, Policy } from '../../policy/schema.ts';
import type { EvaluationView, ReleaseView } from '../../runtime/controller-types.ts';
import type { ComparisonMetric, ComparisonRow } from '../../runtime/region-table.ts';
import { html, type SafeHtml } from './html.ts';
import { metricLabel, metricValue, utcClock, utcMinute } from './format.ts';
import { marksOf, niceCeil, plot, type Mark } from './svg-plot.ts';

export { niceCeil } from './svg-plot.ts';

const HOUR = 3_600_000;

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
  /** The ring's deploy, pass, failure and rollback within the axis. */
  marks?: Mark[];
  /** The stable regions' value of the metric over the last hour (the comparison table's baselines), when there are any. */
  baseline?: { value: number; label: string } | null;
}

/** The centre of the stable regions' values of `metric` in the comparison table (the comparison gates' centre), or null. */
export function baselineNow(policy: Policy, rows: readonly ComparisonRow[], metric: string): { value: number; label: string } | null {
  const internal = new Set(policy.spec.regions.filter((r) => r.internal).map((r) => r.name));
  const stable = rows.filter((r) => r.status === 'Baseline' && !internal.has(r.region) && r.values[metric as ComparisonMetric] !== null);
  if (stable.length === 0) return null;
  const value = baselineCenter(stable.map((r) => r.values[metric as ComparisonMetric]!));
  return Number.isFinite(value) ? { value, label: `stable regions (${stable.map((r) => r.region).join(', ')})` } : null;
}

/** The axis of a deployed ring's charts: from healthy to the bake's end while baking, else to the last evaluation. */
function axisOf(ring: ReleaseView['rings'][number], evaluations: readonly EvaluationView[]): { from: number; to: number; healthyAt: number } {
  const healthyAt = Date.parse(ring.healthyAt!);
  const last = Math.max(...evaluations.map((e) => Date.parse(e.at)));
  const to = ring.status === 'baking' && ring.bakeUntil ? Math.max(Date.parse(ring.bakeUntil), last) : last;
  return { from: healthyAt, to: Math.max(to, healthyAt + 60_000), healthyAt };
}

/** Every threshold gate of a deployed ring × region that has evaluations, in policy order. */
export function chartInputs(policy: Policy, view: ReleaseView, all: readonly EvaluationView[], now: number, comparison: readonly ComparisonRow[] = []): ChartInput[] {
  const out: ChartInput[] = [];
  for (const ring of view.rings) {
    if (ring.healthyAt === null) continue;
    const spec = policy.spec.rings.find((r) => r.name === ring.name);
    for (const gateName of spec?.gates ?? []) {
      const gate = policy.spec.gates[gateName];
      if (!gate?.metric || gate.compare || (gate.max === undefined && gate.min === undefined)) continue;
      const baseline = baselineNow(policy, comparison, gate.metric);
      for (const region of ring.regions) {
        const evaluations = all.filter((e) => e.ring === ring.name && e.gate === gateName && e.region === region && e.kind !== 'compare');
        if (evaluations.length === 0) continue;
        const axis = axisOf(ring, evaluations);
        out.push({ gateName, gate, ring: ring.name, region, ...axis, evaluations, now, marks: marksOf(view.events, ring.name, axis.from - 10 * 60_000, axis.to), baseline });
      }
    }
  }
  return out;
}

export function chart(input: ChartInput, id: string): SafeHtml {
  const { gate, from, to } = input;
  const metric = gate.metric!;
  const limit = (gate.max ?? gate.min)!;
  const limitWord = gate.max !== undefined ? 'max' : 'min';
  const points = input.evaluations.filter((e) => e.kind === 'interval').map((e) => ({ at: Date.parse(e.at), value: e.value, result: e.result })).sort((a, b) => a.at - b.at);
  const hourChecks = input.evaluations.filter((e) => e.kind === 'hour' && e.value !== null).map((e) => {
    const end = Date.parse(e.at);
    return { from: Math.max(end - HOUR, input.healthyAt + gate.warmup, from), to: end, value: e.value!, result: e.result };
  });
  const baseline = input.baseline ?? null;
  // The baseline is the comparison table's: the last hour, where it meets the axis.
  const baseFrom = Math.max(from, input.now - HOUR);
  const baseTo = Math.min(to, input.now);
  const baseShown = baseline !== null && baseTo - baseFrom >= 5 * 60_000;
  const values = [...points.map((p) => p.value), ...hourChecks.map((h) => h.value), ...(baseShown ? [baseline.value] : [])].filter((v): v is number => v !== null);
  const top = niceCeil(Math.max(limit * 1.25, ...values.map((v) => v * 1.05)));

  const over = points.filter((p) => p.result === 'fail').length;
  const judged = [...points.flatMap((p) => (p.value === null ? [] : [p.value])), ...hourChecks.map((h) => h.value)];
  const peak = judged.length > 0 ? Math.max(...judged) : null;
  const latest = [...points].reverse().find((p) => p.value !== null)?.value ?? null;
  const limitText = `${limitWord === 'max' ? 'limit' : 'lower limit'} ${metricValue(metric, limit)}`;
  const words = `${input.gateName} in ${input.region}: ${metricValue(metric, latest)}${baseShown ? ` against baseline ${metricValue(metric, baseline.value)} (${baseline.label}, last hour)` : ''}, ${limitText}. `
    + `${metricLabel(metric)} (${input.gateName}) in ${input.region}, ${utcMinute(from)} to ${utcMinute(to)}: ${points.length} checks, `
    + `highest ${metricValue(metric, peak)} against ${limitWord} ${metricValue(metric, limit)}; ${over === 0 ? 'none' : over} outside the gate.`;
  // The hours judged: the latest one, and every one that failed.
  const lastHour = hourChecks.at(-1);
  const bands = [
    ...(lastHour && lastHour.result !== 'fail' ? [{ from: lastHour.from, to: lastHour.to, fail: false }] : []),
    ...hourChecks.filter((h) => h.result === 'fail').map((h) => ({ from: h.from, to: h.to, fail: true })),
  ];

  return html`<figure class="chart">
<figcaption><strong>${input.region}</strong> · ${input.gateName} · ${limitWord} ${metricValue(metric, limit)}${over > 0 ? html` · <span class="over">${over} over</span>` : ''}</figcaption>
${plot({
    id, title: words, from, to, top, format: (v) => metricValue(metric, v), bands,
    bars: [
      ...hourChecks.map((h) => ({ cls: h.result === 'fail' ? 'hour fail' : 'hour', from: h.from, to: h.to, value: h.value })),
      ...(baseShown ? [{ cls: 'baseline', from: baseFrom, to: baseTo, value: baseline.value }] : []),
    ],
    limits: [{ cls: 'limit', value: limit, label: metricValue(metric, limit) }],
    lines: [{ cls: 'series', points }],
    dots: points.map((p) => ({ at: p.at, value: p.value, fail: p.result === 'fail' })),
    marks: input.marks ?? [],
    now: input.now,
  })}
</figure>`;
}

export interface StatisticInput {
  gateName: string;
  gate: Gate;
  ring: string;
  region: string;
  from: number;
  to: number;
  healthyAt: number;
  /** The gate's rounds in the region, oldest first. */
  rounds: readonly EvaluationView[];
  now: number;
  marks: Mark[];
}

/** Every comparison gate of a deployed ring × region that has rounds, in policy order. */
export function statisticInputs(policy: Policy, view: ReleaseView, all: readonly EvaluationView[], now: number): StatisticInput[] {
  const out: StatisticInput[] = [];
  for (const ring of view.rings) {
    if (ring.healthyAt === null) continue;
    for (const gateName of policy.spec.rings.find((r) => r.name === ring.name)?.gates ?? []) {
      const gate = policy.spec.gates[gateName];
      if (!gate?.compare) continue;
      for (const region of ring.regions) {
        const rounds = all.filter((e) => e.ring === ring.name && e.gate === gateName && e.region === region && e.kind === 'compare');
        if (rounds.length === 0) continue;
        const axis = axisOf(ring, rounds);
        out.push({ gateName, gate, ring: ring.name, region, ...axis, rounds, now, marks: marksOf(view.events, ring.name, axis.from - 10 * 60_000, axis.to) });
      }
    }
  }
  return out;
}

/** `stable regions`, `eu-west-1`, `its own previous version`: what a comparison gate compares with. */
export function baselineWords(gate: Gate): string {
  const b = gate.compare?.baseline ?? 'stable-regions';
  return b === 'stable-regions' ? 'the stable regions' : b === 'self' ? 'its own previous version' : b;
}

/** A share of a boundary: `87%`. */
export const shareOfLimit = (v: number): string => `${Math.round(v * 100)}%`;

/** A comparison gate's statistic, as a share of the boundary it fails at, round by round. */
export function statisticChart(input: StatisticInput, id: string): SafeHtml {
  const { gate, from, to } = input;
  const metric = gate.compare!.metric;
  const points = input.rounds.map((e) => ({ at: Date.parse(e.at), value: e.margin === undefined ? null : 1 - e.margin, result: e.result, shift: e.value }));
  const shares = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  const top = niceCeil(Math.max(1.25, ...shares.map((v) => v * 1.05)));
  const crossed = points.filter((p) => p.result === 'fail').length;
  const last = [...points].reverse().find((p) => p.value !== null);
  const lookback = gate.compare!.lookback;
  const lastRound = points.at(-1);
  const bands = lastRound ? [{ from: Math.max(lastRound.at - lookback, input.healthyAt + gate.warmup), to: lastRound.at, fail: lastRound.result === 'fail' }] : [];
  const words = last
    ? `${input.gateName} in ${input.region}: its statistic is ${shareOfLimit(last.value!)} of its limit at ${utcClock(last.at)} (the gate fails at 100%), highest ${shareOfLimit(Math.max(...shares))}; `
      + `${metricLabel(metric)} ${last.shift !== null && last.shift >= 0 ? '+' : ''}${metricValue(metric, last.shift)} against ${baselineWords(gate)}. ${points.length} rounds, ${crossed === 0 ? 'none' : crossed} over the limit.`
    : `${input.gateName} in ${input.region}: no round had data to compare yet (${points.length} rounds).`;
  return html`<figure class="chart chart-statistic">
<figcaption><strong>${input.region}</strong> · ${input.gateName} · statistic against its limit${crossed > 0 ? html` · <span class="over">crossed it</span>` : ''}</figcaption>
${plot({
    id, title: words, from, to, top, format: shareOfLimit, bands,
    limits: [{ cls: 'limit', value: 1, label: 'limit' }],
    lines: [{ cls: 'series statistic', points }],
    dots: points.map((p) => ({ at: p.at, value: p.value, fail: p.result === 'fail' })),
    marks: input.marks,
    now: input.now,
  })}
</figure>`;
}

/** The legend the gate charts share. */
export function chartLegend(extra: SafeHtml | '' = ''): SafeHtml {
  return html`<p class="legend"><span><span class="key key-series"></span>each check</span> <span><span class="key key-hour"></span>hour mean</span> <span><span class="key key-baseline"></span>baseline</span> <span><span class="key key-limit"></span>the gate's limit</span> <span><span class="key key-fail"></span>outside it</span> <span><span class="key key-band"></span>window judged (red: it failed)</span> <span><span class="key key-mark"></span>deploy, pass, fail, rollback</span>${extra} <span>times in UTC</span></p>`;
}

export function charts(policy: Policy, view: ReleaseView, evaluations: readonly EvaluationView[], now: number, comparison: readonly ComparisonRow[] = []): SafeHtml {
  const inputs = chartInputs(policy, view, evaluations, now, comparison);
  const stats = statisticInputs(policy, view, evaluations, now);
  if (inputs.length === 0 && stats.length === 0) return html`<p class="empty">No gate has been evaluated yet.</p>`;
  // In the policy's order: ring by ring, each gate of the ring, each region.
  const order = (ring: string, gate: string, region: string): number[] => {
    const r = policy.spec.rings.findIndex((x) => x.name === ring);
    const spec = policy.spec.rings[r];
    return [r, spec?.gates.indexOf(gate) ?? 0, spec?.regions.indexOf(region) ?? 0];
  };
  const figures = [
    ...inputs.map((c, i) => ({ key: order(c.ring, c.gateName, c.region), figure: chart(c, `chart-${i}`) })),
    ...stats.map((c, i) => ({ key: order(c.ring, c.gateName, c.region), figure: statisticChart(c, `stat-${i}`) })),
  ].sort((a, b) => a.key[0]! - b.key[0]! || a.key[1]! - b.key[1]! || a.key[2]! - b.key[2]!);
  return html`${chartLegend(stats.length > 0 ? html` <span><span class="key key-statistic"></span>a comparison's statistic (100%: it fails)</span>` : '')}
<div class="charts">${figures.map((x) => x.figure)}</div>`;
}
