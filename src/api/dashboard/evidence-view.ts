/**
 * @module Why a failed ring failed, as its page keeps showing it after the rollback: what failed,
 * the cross-region comparison table as it was over the window the verdict read (the `▲` values are
 * those outside their gate then), and the failing gate's chart around the failure — the failed
 * regions' series against their baseline and the gate's limit (or band over the baseline), from
 * before the deploy to the rollback, with the deploy, pass, fail and rollback marked and the
 * windows the verdict judged shaded; for a comparison gate also its statistic against its limit.
 * Drawn from the ring's recorded evidence (runtime/failure-evidence.ts), never from metrics now.
 */
import type { ReleaseView, RingView } from '../../runtime/controller-types.ts';
import type { EvidenceChart, FailureEvidence } from '../../runtime/failure-evidence.ts';
import { bandAt } from '../../gates/sequential.ts';
import { minutes, metricLabel, metricValue, utcClock, utcMinute } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { comparisonTable } from './region-table-view.ts';
import { shareOfLimit } from './charts.ts';
import { marksOf, niceCeil, plot, type Point } from './svg-plot.ts';

type Evidence = FailureEvidence & { chart: EvidenceChart };

/** Point i's time: the end of the step it covers. */
const pointsOf = (c: EvidenceChart, values: ReadonlyArray<number | null>): Point[] => {
  const from = Date.parse(c.from);
  return values.map((value, i) => ({ at: from + (i + 1) * c.step, value }));
};

/** The value of a series at `at` (the point covering it), or the last one before it with data. */
function valueAt(c: EvidenceChart, values: ReadonlyArray<number | null>, at: number): number | null {
  const i = Math.min(values.length - 1, Math.ceil((at - Date.parse(c.from)) / c.step) - 1);
  for (let k = i; k >= 0; k--) if (values[k] !== null && values[k] !== undefined) return values[k]!;
  return null;
}

/** The gate's limit in words: `max 1.00%`, `band +0.50% over the baseline`, `band +20%`. */
function limitWords(c: EvidenceChart): string {
  const { max, min, maxIncrease, maxRatio } = c.limit;
  if (c.kind === 'threshold') return [max !== undefined ? `max ${metricValue(c.metric, max)}` : '', min !== undefined ? `min ${metricValue(c.metric, min)}` : ''].filter(Boolean).join(', ');
  const parts = [maxIncrease !== undefined ? `+${metricValue(c.metric, maxIncrease)}` : '', maxRatio !== undefined ? `+${Math.round(maxRatio * 100)}%` : ''].filter(Boolean);
  return parts.length > 0 ? `band ${parts.join(' or ')} over the baseline` : 'any significant increase';
}

function seriesChart(view: ReleaseView, e: Evidence, id: string): SafeHtml {
  const c = e.chart;
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const failedAt = Date.parse(e.detectedAt);
  const base = c.baseline;
  // A comparison gate's band rides on its baseline: the line the canary must stay under.
  const band = c.kind === 'compare' && base && (c.limit.maxIncrease !== undefined || c.limit.maxRatio !== undefined)
    ? base.values.map((b) => (b === null ? null : b + bandAt(c.limit, b)))
    : null;
  const all = [...c.canary.flatMap((s) => s.values), ...(base?.values ?? []), ...(band ?? [])].filter((v): v is number => v !== null);
  const bounds = [c.limit.max, c.limit.min].filter((v): v is number => v !== undefined);
  const top = niceCeil(Math.max(...bounds.map((b) => b * 1.25), ...all.map((v) => v * 1.05), 0));
  const first = c.canary[0]!;
  const deployedAt = marksOf(view.events, e.ring, from, to).find((m) => m.kind === 'deploy')?.at ?? null;
  const words = `${c.gate} in ${c.canary.map((s) => s.region).join(', ')} around the failure of ${e.ring}: `
    + `${metricValue(c.metric, valueAt(c, first.values, failedAt))} when it failed at ${utcClock(failedAt)}`
    + `${base ? ` against baseline ${metricValue(c.metric, valueAt(c, base.values, failedAt))} (${base.label})` : ''}, ${limitWords(c)}; `
    + `from ${utcMinute(from)}${deployedAt !== null ? ` (${minutes(deployedAt - from)} before the deploy)` : ''} to ${c.until === 'rollback' ? 'the rollback' : 'the failure'} at ${utcMinute(to)}.`;
  return html`<figure class="chart chart-evidence">
<figcaption><strong>${c.canary.map((s) => s.region).join(', ')}</strong> · ${c.gate} · ${metricLabel(c.metric)} · ${limitWords(c)}${base ? html` · <span class="muted">baseline: ${base.label}</span>` : ''}</figcaption>
${plot({
    id, title: words, from, to, top, format: (v) => metricValue(c.metric, v),
    bands: c.judged.map((j) => ({ from: Date.parse(j.from), to: Date.parse(j.to), fail: true })),
    limits: bounds.map((b) => ({ cls: 'limit', value: b, label: metricValue(c.metric, b) })),
    lines: [
      ...(base ? [{ cls: 'baseline', points: pointsOf(c, base.values) }] : []),
      ...(band ? [{ cls: 'band-line', points: pointsOf(c, band) }] : []),
      ...c.canary.map((s, i) => ({ cls: i === 0 ? 'series' : `series series-${i + 1}`, points: pointsOf(c, s.values) })),
    ],
    marks: marksOf(view.events, e.ring, from, to),
  })}
</figure>`;
}

function statisticChart(view: ReleaseView, e: Evidence, id: string): SafeHtml | '' {
  const c = e.chart;
  if (!c.statistic) return '';
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const shares = c.statistic.flatMap((s) => s.values).filter((v): v is number => v !== null);
  if (shares.length === 0) return '';
  const top = niceCeil(Math.max(1.25, ...shares.map((v) => v * 1.05)));
  const peak = Math.max(...shares);
  const words = `${c.gate} statistic in ${c.statistic.map((s) => s.region).join(', ')} around the failure of ${e.ring}: `
    + `it reached ${shareOfLimit(peak)} of its limit (the gate fails at 100%) and failed the ring at ${utcClock(Date.parse(e.detectedAt))}.`;
  return html`<figure class="chart chart-statistic chart-evidence">
<figcaption><strong>${c.statistic.map((s) => s.region).join(', ')}</strong> · ${c.gate} · statistic against its limit · <span class="over">${shareOfLimit(peak)} at most</span></figcaption>
${plot({
    id, title: words, from, to, top, format: shareOfLimit,
    bands: c.judged.map((j) => ({ from: Date.parse(j.from), to: Date.parse(j.to), fail: true })),
    limits: [{ cls: 'limit', value: 1, label: 'limit' }],
    // One value a round, not one a point: the rounds are joined.
    lines: c.statistic.map((s, i) => ({ cls: i === 0 ? 'series statistic' : `series statistic series-${i + 1}`, points: pointsOf(c, s.values).filter((p) => p.value !== null) })),
    marks: marksOf(view.events, e.ring, from, to),
  })}
</figure>`;
}

/** The failed ring and its evidence, or null when no ring failed. */
function failedRing(view: ReleaseView): RingView | null {
  return view.rings.find((r) => r.verdict === 'failed') ?? null;
}

/** The section's title, or null when the release has no failed ring. */
export function failureTitle(view: ReleaseView): string | null {
  const ring = failedRing(view);
  return ring ? `Why ${ring.name} failed` : null;
}

export function failureEvidence(view: ReleaseView): SafeHtml {
  const ring = failedRing(view);
  const e = ring?.failure ?? null;
  if (!ring || !e) return html`<p class="empty">The evidence of this failure is being recorded: the comparison at the failure and the gate's chart around it.</p>`;
  const from = Date.parse(e.window.from);
  const to = Date.parse(e.window.to);
  const where = e.regions.length > 0 ? ` in ${e.regions.join(', ')}` : '';
  const charts = e.chart ? [seriesChart(view, e as Evidence, 'evidence-0'), statisticChart(view, e as Evidence, 'evidence-1')] : [];
  return html`<div class="failure" data-ring="${e.ring}">
<p class="failure-what"><strong>${e.ring} failed at ${utcMinute(e.detectedAt)}</strong>${where}: ${e.detail}.</p>
<h3 id="failure-table-h">Comparison when it failed: the ${minutes(to - from)} ${e.gate === 'deploy' ? 'before its deploy failed' : `to ${utcClock(to)} UTC the verdict read`}</h3>
${comparisonTable(e.comparison, `Metrics per region over the ${minutes(to - from)} to ${utcMinute(to)}, as they were when ${e.ring} failed`)}
${charts.length > 0 ? html`<h3 id="failure-chart-h">${e.gate} around the failure${e.chart?.until === 'rollback' ? ', to the rollback' : ''}</h3>
<div class="charts">${charts}</div>` : ''}
</div>`;
}
