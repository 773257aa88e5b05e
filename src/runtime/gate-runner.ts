/**
 * @module Carries out an evaluate-gates effect: reads the metrics each check needs through the
 * Metrics port and judges them with the pure evaluators of src/gates. A provider failure becomes an
 * inconclusive evaluation, never a pass.
 *
 * Comparison checks of one round are read together. Each reads only the minutes after the last
 * one its gate's statistic folded (the ring's trackers, when the caller passes them; at most its
 * lookback), so a round costs what its new minutes cost, however long the bake. The baseline pool
 * of a round (the same metric over the same baseline regions) is fetched once, over the union of
 * the windows its canaries need, and its per-minute centre (baseline.ts) is shared by every canary
 * region of the round: a ring of 25 regions against 475 stable ones reads 500 series a round, not
 * 25 × 475. A `self` baseline reads the canary region's own history with the previous version:
 * the same local minutes on each of `history / 1d` earlier days before its bake (selfWindows).
 */
import { baselineCenter, selfWindows } from '../gates/baseline.ts';
import { sequentialOf } from '../gates/compare-fold.ts';
import { compareSettings, inconclusiveComparison, judgeComparison } from '../gates/comparison.ts';
import { checkThreshold } from '../gates/threshold.ts';
import type { TrackerState } from '../gates/tracker.ts';
import type { Evaluation, MinuteSample } from '../gates/types.ts';
import type { GateCheck } from '../engine/types.ts';
import type { Gate, Policy } from '../policy/schema.ts';
import type { Metrics, MetricQuery } from '../ports.ts';

const SAMPLE_STEP_MS = 60_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface GateRunContext {
  policy: Policy;
  metrics: Metrics;
  ring: string;
  version: string;
  previousVersion: string;
  /**
   * The ring's trackers by `gate@region`, as the release state holds them (RingState.trackers). A
   * comparison then reads only the minutes after those its statistic already folded and judges
   * from that statistic. Without them each round starts afresh over its whole lookback; the ring's
   * verdict, which the tracker's own fold makes, is the same either way.
   */
  trackers?: Readonly<Record<string, TrackerState>>;
  /** Say in words what a passing comparison read (default true); the controller keeps no words of a pass. */
  describePasses?: boolean;
}

async function runThreshold(ctx: GateRunContext, check: GateCheck, gate: Gate): Promise<Evaluation> {
  let value: number | null | { error: string };
  try {
    value = await ctx.metrics.value(thresholdQuery(ctx, check, gate), check.from, check.to);
  } catch (e) {
    value = { error: message(e) };
  }
  return checkThreshold(check.gate, gate, check.region, check.to, check.kind === 'hour' ? 'hour' : 'interval', value);
}

/** runThreshold for metrics that answer at once (Metrics.valueNow). */
function thresholdNow(ctx: GateRunContext, check: GateCheck, gate: Gate, valueNow: NonNullable<Metrics['valueNow']>): Evaluation {
  let value: number | null | { error: string };
  try {
    value = valueNow.call(ctx.metrics, thresholdQuery(ctx, check, gate), check.from, check.to);
  } catch (e) {
    value = { error: message(e) };
  }
  return checkThreshold(check.gate, gate, check.region, check.to, check.kind === 'hour' ? 'hour' : 'interval', value);
}

function thresholdQuery(ctx: GateRunContext, check: GateCheck, gate: Gate): MetricQuery {
  return { metric: gate.metric ?? '', region: check.region, ring: ctx.ring, version: ctx.version };
}

/**
 * Evidence: the requests a region served on the new version over [from, to), from its mean request
 * rate (the `qps` metric, requests per second) over that window. Unreadable is inconclusive: the
 * ring waits, it never passes on a count it could not make.
 */
async function countRequests(ctx: GateRunContext, check: GateCheck): Promise<Evaluation> {
  const base = { gate: check.gate, region: check.region, at: check.to, kind: 'requests' as const };
  let rate: number | null;
  try {
    rate = await ctx.metrics.value({ metric: 'qps', region: check.region, ring: ctx.ring, version: ctx.version }, check.from, check.to);
  } catch (e) {
    return { ...base, result: 'inconclusive', value: null, detail: `requests in ${check.region} could not be read: ${message(e)}` };
  }
  if (rate === null || !Number.isFinite(rate)) return { ...base, result: 'inconclusive', value: null, detail: `no qps data in ${check.region}` };
  const requests = Math.round(Math.max(0, rate) * ((check.to - check.from) / 1000));
  return { ...base, result: 'pass', value: requests, detail: `${requests} requests in ${check.region} on ${ctx.version}` };
}

/**
 * One value per whole minute of [from, to) (NaN where there is none). The port leaves missing
 * points out, so a short series is read again minute by minute to know which ones are missing:
 * only where there are gaps does a round cost more than one query.
 */
async function readMinutes(metrics: Metrics, q: MetricQuery, from: number, to: number): Promise<Float64Array> {
  const n = Math.max(0, Math.round((to - from) / SAMPLE_STEP_MS));
  if (metrics.minutesNow) return minutesNow(metrics, q, from, n, new Float64Array(n), 0);
  const out = new Float64Array(n).fill(NaN);
  if (n === 0) return out;
  const all = await metrics.series(q, from, to, SAMPLE_STEP_MS);
  if (all.length === n) {
    out.set(all);
    return out;
  }
  if (all.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const t = from + i * SAMPLE_STEP_MS;
    const one = await metrics.series(q, t, t + SAMPLE_STEP_MS, SAMPLE_STEP_MS);
    if (one.length > 0) out[i] = one[0]!;
  }
  return out;
}

/** readMinutes for metrics that answer at once (Metrics.minutesNow), into `out`. */
function minutesNow(metrics: Metrics, q: MetricQuery, from: number, count: number, out: Float64Array, offset: number): Float64Array {
  if (count > 0) metrics.minutesNow!(q, from, count, out, offset);
  return out;
}

let scratchBuffer = new Float64Array(1024);
/** A buffer of `size` NaNs, the same memory each time: a pool's per-region minutes are read into it and summed up at once. */
function scratch(size: number): Float64Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float64Array(Math.max(size, scratchBuffer.length * 2));
  return scratchBuffer.subarray(0, size).fill(NaN);
}

/** A baseline pool read once for the round: the centre of its regions' values at each minute of [from, to). */
interface Pool {
  from: number;
  centers: Float64Array;
  regions: number;
  /** The first error a region's read gave, if any (a region that cannot be read is left out). */
  error: string | null;
}

interface Planned {
  index: number;
  check: GateCheck;
  gate: Gate & { compare: NonNullable<Gate['compare']> };
  from: number;
  to: number;
  poolKey: string | null;
}

async function readPool(ctx: GateRunContext, metric: string, regions: readonly string[], from: number, to: number): Promise<Pool> {
  const n = Math.max(0, Math.round((to - from) / SAMPLE_STEP_MS));
  // Region r's minutes are values[r·n … r·n + n), NaN where unread. Metrics that answer at once
  // are read into one buffer that every pool reuses: nothing else runs until this pool is summed up.
  const now = ctx.metrics.minutesNow !== undefined;
  const values = now ? scratch(regions.length * n) : new Float64Array(regions.length * n).fill(NaN);
  let error: string | null = null;
  for (let r = 0; r < regions.length; r++) {
    const q = { metric, region: regions[r]!, ring: ctx.ring, version: ctx.previousVersion };
    try {
      if (now) minutesNow(ctx.metrics, q, from, n, values, r * n);
      else values.set(await readMinutes(ctx.metrics, q, from, to), r * n);
    } catch (e) {
      values.fill(NaN, r * n, r * n + n);
      error ??= `${regions[r]}: ${message(e)}`;
    }
  }
  const column = new Float64Array(regions.length);
  const centers = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < regions.length; r++) column[r] = values[r * n + i]!;
    centers[i] = baselineCenter(column);
  }
  return { from, centers, regions: regions.length, error };
}

function pair(from: number, canary: Float64Array, baseline: (i: number) => number): MinuteSample[] {
  const out: MinuteSample[] = [];
  for (let i = 0; i < canary.length; i++) {
    const c = canary[i]!;
    const b = baseline(i);
    if (Number.isFinite(c) && Number.isFinite(b)) out.push({ at: from + i * SAMPLE_STEP_MS, canary: c, baseline: b });
  }
  return out;
}

async function runComparison(ctx: GateRunContext, p: Planned, pools: ReadonlyMap<string, Pool>): Promise<Evaluation> {
  const { check, gate } = p;
  const c = gate.compare;
  const prior = sequentialOf(ctx.trackers?.[`${check.gate}@${check.region}`]);
  const inconclusive = (detail: string): Evaluation => inconclusiveComparison(check.gate, check.region, check.to, detail);
  if (!(p.to > p.from)) return inconclusive(`no new minute of ${c.metric} in ${check.region} to compare since the last round`);
  const bake = ctx.policy.spec.rings.find((r) => r.name === ctx.ring)?.bake ?? 0;
  const settings = compareSettings(check.gate, gate, bake);
  const pool = p.poolKey === null ? null : pools.get(p.poolKey)!;
  if (pool?.regions === 0) return inconclusive(`no baseline: no other production region still runs ${ctx.previousVersion}`);
  try {
    const canary = await readMinutes(ctx.metrics, { metric: c.metric, region: check.region, ring: ctx.ring, version: ctx.version }, p.from, p.to);
    let minutes: MinuteSample[];
    let label: string;
    if (pool === null) {
      const zone = ctx.policy.spec.regions.find((r) => r.name === check.region)?.timezone ?? 'UTC';
      // When the ring became healthy: its first compared minute (this one, at the first round) less the warmup.
      const bakeStart = (prior?.first ?? p.from) - gate.warmup;
      const windows = selfWindows(p.from, p.to, zone, bakeStart, c.history);
      const days: Float64Array[] = [];
      for (const w of windows) days.push(await readMinutes(ctx.metrics, { metric: c.metric, region: check.region, ring: ctx.ring, version: ctx.previousVersion }, w.from, w.to));
      const column = new Float64Array(days.length);
      minutes = pair(p.from, canary, (i) => {
        for (let d = 0; d < days.length; d++) column[d] = days[d]![i]!;
        return baselineCenter(column);
      });
      label = `its own ${ctx.previousVersion || 'previous version'} at these hours over ${windows.length} day${windows.length === 1 ? '' : 's'}`;
    } else {
      const offset = Math.round((p.from - pool.from) / SAMPLE_STEP_MS);
      minutes = pair(p.from, canary, (i) => pool.centers[offset + i] ?? NaN);
      if (minutes.length === 0 && pool.error !== null) return inconclusive(`could not read the baseline of ${c.metric}: ${pool.error}`);
      label = c.baseline === 'stable-regions' ? `stable regions (${pool.regions})` : c.baseline;
    }
    return judgeComparison({ gateName: check.gate, gate, region: check.region, at: check.to, prior, minutes, settings, baseline: label, describePass: ctx.describePasses ?? true });
  } catch (e) {
    return inconclusive(message(e));
  }
}

/** The regions of a pool as one key; the regions of a ring share one list, which is joined once. */
const joined = new WeakMap<readonly string[], string>();
function regionsKey(regions: readonly string[]): string {
  let key = joined.get(regions);
  if (key === undefined) joined.set(regions, (key = regions.join('\u0000')));
  return key;
}

export async function runGateChecks(ctx: GateRunContext, checks: GateCheck[]): Promise<Evaluation[]> {
  const out = new Array<Evaluation>(checks.length);
  const planned: Planned[] = [];
  const windows = new Map<string, { metric: string; regions: string[]; from: number; to: number }>();
  const valueNow = ctx.metrics.valueNow;
  for (let index = 0; index < checks.length; index++) {
    const check = checks[index]!;
    if (check.kind === 'requests') {
      out[index] = await countRequests(ctx, check);
      continue;
    }
    const gate = ctx.policy.spec.gates[check.gate];
    if (!gate) throw new Error(`gate ${check.gate} is not in the policy`);
    if (check.kind !== 'compare' || !gate.compare) {
      out[index] = valueNow ? thresholdNow(ctx, check, gate, valueNow) : await runThreshold(ctx, check, gate);
      continue;
    }
    // Samples are whole steps: in real time a check rarely falls on a minute boundary.
    const last = sequentialOf(ctx.trackers?.[`${check.gate}@${check.region}`])?.last ?? null;
    const from = Math.max(Math.ceil(check.from / SAMPLE_STEP_MS) * SAMPLE_STEP_MS, last === null ? -Infinity : last + SAMPLE_STEP_MS);
    const to = Math.floor(check.to / SAMPLE_STEP_MS) * SAMPLE_STEP_MS;
    let poolKey: string | null = null;
    if (gate.compare.baseline !== 'self') {
      const regions = check.baselineRegions ?? [];
      poolKey = `${gate.compare.metric}\u0000${regionsKey(regions)}`;
      const w = windows.get(poolKey);
      if (to > from) {
        if (!w) windows.set(poolKey, { metric: gate.compare.metric, regions, from, to });
        else {
          w.from = Math.min(w.from, from);
          w.to = Math.max(w.to, to);
        }
      } else if (!w) windows.set(poolKey, { metric: gate.compare.metric, regions, from: to, to });
    }
    planned.push({ index, check, gate: gate as Planned['gate'], from, to, poolKey });
  }
  // One read per pool, one after the other: a provider is asked one thing at a time, in a fixed order.
  const pools = new Map<string, Pool>();
  for (const [key, w] of windows) pools.set(key, await readPool(ctx, w.metric, w.regions, w.from, w.to));
  for (const p of planned) out[p.index] = await runComparison(ctx, p, pools);
  return out;
}
