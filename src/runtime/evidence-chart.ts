/**
 * @module The failing gate's chart that a failed ring keeps (failure-evidence.ts captures it): the
 * failed regions' series of the gate's metric and their baseline on one grid of at most
 * EVIDENCE_POINTS points, from a while before the ring deployed to its rollback (or to the
 * failure, until the rollback is done), the windows the failing verdict judged, and for a
 * comparison gate its statistic per point. Read through the Metrics port once, when the ring fails
 * and again once its rollback completes; nothing here is read again when the page is.
 *
 * The baseline is the gate's: for a comparison gate its `compare.baseline`; for a threshold gate
 * the baseline of a comparison gate of the ring on the same metric, or else the stable regions.
 * Stable regions are the production regions outside the ring that ran the previous version when
 * the ring failed; their centre at each point is the one the comparison gates use (a mean with
 * far-out values fenced, gates/baseline.ts). With no stable region left (the last ring), and for
 * `self`, it is the region's own previous version at the same local hours on earlier days.
 */
import { baselineCenter, selfWindows } from '../gates/baseline.ts';
import type { EvaluationKind } from '../gates/types.ts';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { findRegion } from '../policy/model.ts';
import type { Gate, Policy } from '../policy/schema.ts';
import { listSome } from '../policy/source.ts';
import type { MetricQuery, Metrics } from '../ports.ts';

/** The most points a kept chart has per series. */
export const EVIDENCE_POINTS = 120;
/** The most failed regions a kept chart draws (the first to fail first). */
export const EVIDENCE_REGIONS = 3;
/** The most judged windows a kept chart shades. */
export const EVIDENCE_WINDOWS = 24;
/** How long before the deploy the chart starts: as long as the ring ran on the new version, within these bounds. */
export const LEAD_MIN = HOUR;
export const LEAD_MAX = 3 * HOUR;

export interface EvidenceChart {
  gate: string;
  metric: string;
  kind: 'threshold' | 'compare';
  /** The grid: point i covers [from + i·step, from + (i + 1)·step); `to` = from + points·step. */
  from: string;
  to: string;
  step: number;
  /** Each failed region's values, one per point (null: no data). */
  canary: Array<{ region: string; values: Array<number | null> }>;
  /** What the canary is compared with, in words, and its value per point. */
  baseline: { label: string; values: Array<number | null> } | null;
  /** A threshold gate's bounds; a comparison gate's band over its baseline. */
  limit: { max?: number; min?: number; maxIncrease?: number; maxRatio?: number };
  /** The windows the failing verdict judged (its failing checks), per region. */
  judged: Array<{ region: string; kind: EvaluationKind; from: string; to: string }>;
  /** A comparison gate's statistic as a share of its boundary (1: the gate fails), the highest per point, per region. */
  statistic: Array<{ region: string; values: Array<number | null> }> | null;
  /** How far it reaches: to the failure, or (once it completed) to the failed ring's rollback. */
  until: 'detection' | 'rollback';
}

/** Everything the chart is drawn from, as the caller found it when the ring failed. */
export interface ChartSources {
  policy: Policy;
  metrics: Metrics;
  ring: string;
  gate: string;
  version: string;
  previousVersion: string;
  /** The failed regions, the first to fail first. */
  regions: string[];
  deployedAt: number;
  healthyAt: number | null;
  /** When the failed ring's rollback completed (its regions are on the previous version from then). */
  rolledBackAt: number | null;
  /** The end of the chart: the failure, or the rollback. */
  end: number;
  until: EvidenceChart['until'];
  /** Production regions outside the ring on the previous version when it failed. */
  stable: string[];
  judged: EvidenceChart['judged'];
  /** Comparison rounds of the failed regions: when, and how far along to its boundary the statistic was (1 − margin). */
  rounds: Array<{ region: string; at: number; share: number }>;
}

interface Grid {
  from: number;
  step: number;
  points: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Four significant digits: what a chart can show, and a small record. */
function keep(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toPrecision(4));
}

/** At most EVIDENCE_POINTS whole-minute steps that end at `end` and start at or before `start`. */
export function gridOf(start: number, end: number): Grid {
  const to = Math.floor(end / MINUTE) * MINUTE;
  const span = Math.max(MINUTE, to - start);
  const step = Math.max(MINUTE, Math.ceil(span / EVIDENCE_POINTS / MINUTE) * MINUTE);
  const points = Math.min(EVIDENCE_POINTS, Math.ceil(span / step));
  return { from: to - points * step, step, points };
}

/**
 * One value per point of the grid, moved by `shift` ms (a `self` baseline reads earlier days). The
 * points asking the same query are read as one series; a series with points missing (the port
 * leaves them out) is read again point by point, so every value sits where it belongs. A series
 * the port refuses leaves its points without data: it is not asked again point by point.
 */
async function readGrid(metrics: Metrics, grid: Grid, queryAt: (t: number) => MetricQuery, shift = 0): Promise<Array<number | null>> {
  const out: Array<number | null> = new Array<number | null>(grid.points).fill(null);
  const at = (i: number): number => grid.from + i * grid.step;
  for (let i = 0; i < grid.points;) {
    const q = queryAt(at(i));
    let j = i + 1;
    while (j < grid.points && queryAt(at(j)).version === q.version) j++;
    let values: number[] | null;
    try {
      values = await metrics.series(q, at(i) + shift, at(j) + shift, grid.step);
    } catch {
      values = null;
    }
    if (values !== null && values.length === j - i) values.forEach((v, k) => { out[i + k] = keep(v); });
    else if (values !== null && values.length > 0) {
      for (let k = i; k < j; k++) {
        try {
          out[k] = keep(await metrics.value(q, at(k) + shift, at(k + 1) + shift));
        } catch {
          out[k] = null;
        }
      }
    }
    i = j;
  }
  return out;
}

/** The centre of several series at each point (null where none has a value). */
function centres(series: ReadonlyArray<ReadonlyArray<number | null>>, points: number): Array<number | null> {
  const column = new Float64Array(series.length);
  const out: Array<number | null> = [];
  for (let i = 0; i < points; i++) {
    series.forEach((s, k) => { column[k] = s[i] ?? Number.NaN; });
    out.push(series.length === 0 ? null : keep(baselineCenter(column)));
  }
  return out;
}

/** The baseline the chart draws: the gate's own, or the ring's comparison on the same metric, or the stable regions. */
function baselineSpec(policy: Policy, ring: string, gate: Gate, metric: string): { spec: string; history: number } {
  if (gate.compare) return { spec: gate.compare.baseline, history: gate.compare.history };
  const names = policy.spec.rings.find((r) => r.name === ring)?.gates ?? [];
  const twin = names.map((n) => policy.spec.gates[n]).find((g) => g?.compare?.metric === metric);
  return { spec: twin?.compare?.baseline ?? 'stable-regions', history: twin?.compare?.history ?? 7 * DAY };
}

function ringOf(policy: Policy, region: string): string {
  return policy.spec.rings.find((r) => r.regions.includes(region))?.name ?? '';
}

async function readBaseline(src: ChartSources, grid: Grid, gate: Gate, metric: string): Promise<EvidenceChart['baseline']> {
  const { policy, metrics, previousVersion } = src;
  const { spec, history } = baselineSpec(policy, src.ring, gate, metric);
  const pool = spec === 'stable-regions' ? src.stable : spec === 'self' ? [] : [spec];
  if (pool.length > 0) {
    const series = [];
    for (const region of pool) series.push(await readGrid(metrics, grid, () => ({ metric, region, ring: ringOf(policy, region), version: previousVersion })));
    return { label: spec === 'stable-regions' ? `stable regions (${listSome(pool, { max: 5 })})` : spec, values: centres(series, grid.points) };
  }
  // Its own history: the same local minutes on earlier days, before the ring was deployed.
  const region = src.regions[0];
  if (region === undefined) return null;
  const zone = findRegion(policy, region)?.timezone ?? 'UTC';
  const windows = selfWindows(grid.from, grid.from + grid.points * grid.step, zone, src.healthyAt ?? src.deployedAt, history);
  const days = [];
  for (const w of windows) days.push(await readGrid(metrics, grid, () => ({ metric, region, ring: src.ring, version: previousVersion }), w.from - grid.from));
  return { label: `its own ${previousVersion} at these hours over ${windows.length} day${windows.length === 1 ? '' : 's'}`, values: centres(days, grid.points) };
}

/** The chart of the failing gate, or null when the ring failed for another reason (its deploy) or the gate has no metric. */
export async function captureChart(src: ChartSources): Promise<EvidenceChart | null> {
  const gate = src.policy.spec.gates[src.gate];
  const metric = gate?.compare?.metric ?? gate?.metric;
  if (!gate || !metric || src.regions.length === 0) return null;
  const lead = Math.min(LEAD_MAX, Math.max(LEAD_MIN, src.end - src.deployedAt));
  const grid = gridOf(src.deployedAt - lead, src.end);
  const regions = src.regions.slice(0, EVIDENCE_REGIONS);
  // A region runs the new version from its deploy until its rollback completed.
  const versionAt = (t: number): string => (t >= src.deployedAt && (src.rolledBackAt === null || t < src.rolledBackAt) ? src.version : src.previousVersion);
  const canary = [];
  for (const region of regions) canary.push({ region, values: await readGrid(src.metrics, grid, (t) => ({ metric, region, ring: src.ring, version: versionAt(t) })) });
  const limit = gate.compare
    ? { ...(gate.compare.maxIncrease !== undefined ? { maxIncrease: gate.compare.maxIncrease } : {}), ...(gate.compare.maxRatio !== undefined ? { maxRatio: gate.compare.maxRatio } : {}) }
    : { ...(gate.max !== undefined ? { max: gate.max } : {}), ...(gate.min !== undefined ? { min: gate.min } : {}) };
  let statistic: EvidenceChart['statistic'] = null;
  if (gate.compare) {
    statistic = regions.map((region) => {
      const values: Array<number | null> = new Array<number | null>(grid.points).fill(null);
      for (const r of src.rounds) {
        if (r.region !== region) continue;
        const i = Math.ceil((r.at - grid.from) / grid.step) - 1;
        const share = keep(r.share);
        if (i < 0 || i >= grid.points || share === null) continue;
        values[i] = Math.max(values[i] ?? -Infinity, share);
      }
      return { region, values };
    });
  }
  return {
    gate: src.gate,
    metric,
    kind: gate.compare ? 'compare' : 'threshold',
    from: iso(grid.from),
    to: iso(grid.from + grid.points * grid.step),
    step: grid.step,
    canary,
    baseline: await readBaseline(src, grid, gate, metric),
    limit,
    judged: src.judged.filter((j) => regions.includes(j.region)).slice(-EVIDENCE_WINDOWS),
    statistic,
    until: src.until,
  };
}
