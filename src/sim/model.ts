/**
 * @module The simulated fleet's behaviour, minute by minute: each region's expected metrics given
 * the version it runs (the stable baseline, or the new version with its faults), its traffic, its
 * outages and metrics gaps, and the seeded noise on every sample. Shared by the ports (fleet.ts)
 * and the accounting (accounting.ts). Pure; no allocation in the per-minute paths.
 *
 * A fault is **active** in a region at a minute when it changes one of that region's metrics then:
 * error-rate and latency from `after` past the version's start in the region (and only when the
 * value differs from the baseline); daily-spike during its spike; scale-dependent in regions with
 * enough users; leak from the first minute of uptime (memory grows at once; errors rise to 0.5
 * later, once memory passes 0.95). Fault onset and exposure both use this one definition.
 *
 * Samples are as noisy as the traffic behind them. A region's error rate in a minute is the share of
 * that minute's requests that failed: requests = round(qps × 60), errors ~ Binomial(requests, the
 * expected error rate), drawn from the seed (random.ts, binomial3); the scenario's `noise` plays no
 * part in it. Latency, cpu and memory are the expected value × (1 + noise × √(referenceQps ÷ qps) ×
 * N(0, 1)), clipped at 0, where qps is the region's traffic at that minute and referenceQps the
 * busiest production region's mean daily traffic: a region at the busiest region's mean has exactly
 * `noise`, a 5% canary about 3× more, and every region is noisier in its night than at its peak. The
 * reference is a daily mean, not the busiest region of the minute, so that a region's noise depends
 * on its own traffic only, as measurement noise does: it does not jump when another region peaks,
 * goes down or is drained. The qps metric keeps the plain relative `noise`.
 */
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { SIMULATED_METRICS, type Policy } from '../policy/schema.ts';
import { LocalTime } from './local-time.ts';
import { binomial3, binomialFrom, hashPrefix, hashString, noise3, noiseFrom } from './random.ts';
import type { Scenario } from './scenario-schema.ts';
import { TrafficCurve } from './traffic-curve.ts';

/** Requests per second of the whole service at weight 1 (a nominal global rate). */
export const GLOBAL_QPS = 100_000;
/** The share of the global rate an internal region serves (staff and synthetic traffic). */
export const INTERNAL_QPS_SHARE = 0.01;
/** Error rate of the new version once a leak has filled memory past LEAK_MEMORY_LIMIT. */
export const LEAK_ERROR_RATE = 0.5;
export const LEAK_MEMORY_LIMIT = 0.95;

const MINUTES_PER_DAY = 1440;

export type MetricName = (typeof SIMULATED_METRICS)[number];
/** The position of each simulated metric: its noise key, and its case in `expected`. */
export const METRIC_INDEX: Readonly<Record<MetricName, number>> = { error_rate: 0, p99_latency_ms: 1, cpu: 2, memory: 3, qps: 4 };

export interface SimRegion {
  index: number;
  name: string;
  internal: boolean;
  /** Share of global users (0 for internal regions). */
  userShare: number;
  /** Share of the global request rate, for qps: userShare, or INTERNAL_QPS_SHARE. */
  qpsShare: number;
  /** A stable key for the noise generator. */
  key: number;
}

interface Spike {
  clock: LocalTime;
  /** Local ms of day the spike starts. */
  startMs: number;
  duration: number;
  errorRate: number;
}

interface RegionFaults {
  /** error-rate faults, and scale-dependent ones where they apply (after = 0). */
  errors: Array<{ value: number; after: number }>;
  latencies: Array<{ factor: number; after: number }>;
  spikes: Spike[];
  /** Sum of the leaks' memory per hour of uptime. */
  leakPerHour: number;
}

/** Expected (noise-free) behaviour of a region at one minute. Filled in place. */
export interface Behaviour {
  errorRate: number;
  p99LatencyMs: number;
  cpu: number;
  memory: number;
  /** A fault of the new version changes a metric now. */
  faulty: boolean;
}

export function emptyBehaviour(): Behaviour {
  return { errorRate: 0, p99LatencyMs: 0, cpu: 0, memory: 0, faulty: false };
}

type Window = { from: number; to: number };

/** Overlapping or touching windows joined, in time order. */
function merge(windows: Window[]): Window[] {
  const out: Window[] = [];
  for (const w of [...windows].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else out.push({ ...w });
  }
  return out;
}

/** Request and noise-scale tables by what they depend on, shared (read only) by every fleet model; at most SHARED_TABLES kinds. */
const sharedTables = new Map<string, { requests: Uint32Array; scale: Float64Array }>();
const SHARED_TABLES = 4096;

export class FleetModel {
  readonly regions: SimRegion[];
  readonly curve: TrafficCurve;
  readonly newVersion: string;
  private readonly byName = new Map<string, SimRegion>();
  private readonly faults: RegionFaults[];
  /** Per region, disjoint and in time order. */
  private outages: Window[][];
  private gaps: Window[][];
  private readonly base: Scenario['spec']['baseline'];
  /**
   * The busiest production region's mean daily qps (qpsShare × daily mean weight × GLOBAL_QPS): the
   * traffic at which latency, cpu and memory have exactly the scenario's relative noise.
   */
  readonly referenceQps: number;
  /** Per region and local minute of the day: the requests of a served minute, and noiseScale. */
  private readonly requestTables: Uint32Array[];
  private readonly scaleTables: Float64Array[];
  /**
   * Per region and metric index: hashPrefix(seed, region key, metric), the part of every draw's
   * hash that is the same at each minute, so a draw folds in only its minute. Empty when the seed
   * is not a safe integer: the draws then go through binomial3 and noise3, which say why.
   */
  private readonly drawPrefixes: Int32Array[];

  constructor(policy: Policy, scenario: Scenario, readonly seed: number) {
    const spec = scenario.spec;
    this.base = spec.baseline;
    this.newVersion = spec.release.version;
    this.regions = policy.spec.regions.map((r, index) => ({
      index,
      name: r.name,
      internal: r.internal,
      userShare: r.internal ? 0 : (r.userShare ?? 0),
      qpsShare: r.internal ? INTERNAL_QPS_SHARE : (r.userShare ?? 0),
      key: hashString(r.name),
    }));
    for (const r of this.regions) this.byName.set(r.name, r);
    this.curve = new TrafficCurve(policy.spec.regions, spec.traffic ?? {});
    this.faults = this.regions.map(() => ({ errors: [], latencies: [], spikes: [], leakPerHour: 0 }));
    this.outages = this.regions.map(() => []);
    this.gaps = this.regions.map(() => []);
    const clocks = new Map<string, LocalTime>();
    const clockOf = (tz: string): LocalTime => {
      let c = clocks.get(tz);
      if (!c) clocks.set(tz, (c = new LocalTime(tz)));
      return c;
    };
    const applies = (r: SimRegion, regions: readonly string[] | undefined): boolean => regions === undefined || regions.includes(r.name);
    for (const f of spec.faults) {
      for (const r of this.regions) {
        const rf = this.faults[r.index]!;
        switch (f.kind) {
          case 'error-rate':
            if (applies(r, f.regions)) rf.errors.push({ value: f.value, after: f.after });
            break;
          case 'latency':
            if (applies(r, f.regions)) rf.latencies.push({ factor: f.factor, after: f.after });
            break;
          case 'daily-spike':
            rf.spikes.push({ clock: clockOf(f.timezone), startMs: f.at * MINUTE, duration: f.duration, errorRate: f.errorRate });
            break;
          case 'leak':
            rf.leakPerHour += f.memoryPerHour;
            break;
          case 'scale-dependent':
            if (!r.internal && r.userShare >= f.minUserShare) rf.errors.push({ value: f.errorRate, after: 0 });
            break;
          case 'outage':
            if (f.region === r.name) this.outages[r.index]!.push({ from: f.at, to: f.at + f.duration });
            break;
          case 'metrics-gap':
            if (f.region === r.name) this.gaps[r.index]!.push({ from: f.at, to: f.at + f.duration });
            break;
        }
      }
    }
    this.outages = this.outages.map(merge);
    this.gaps = this.gaps.map(merge);
    const meanQps = (r: SimRegion): number => r.qpsShare * this.curve.dailyMean(r.name) * GLOBAL_QPS;
    const busiest = (regions: SimRegion[]): number => regions.reduce((m, r) => Math.max(m, meanQps(r)), 0);
    // A fleet without production traffic takes its busiest internal region; one without any traffic
    // has no data at all, and any positive reference will do.
    this.referenceQps = busiest(this.regions.filter((r) => !r.internal)) || busiest(this.regions) || 1;
    const traffic = spec.traffic ?? {};
    this.requestTables = [];
    this.scaleTables = [];
    for (const r of this.regions) {
      // Regions with the same share, curve and reference have the same tables, in any fleet: built once.
      const key = `${r.qpsShare}|${this.referenceQps}|${traffic[r.name] ? JSON.stringify(traffic[r.name]) : 'default'}`;
      let tables = sharedTables.get(key);
      if (!tables) {
        const requests = new Uint32Array(MINUTES_PER_DAY);
        const scale = new Float64Array(MINUTES_PER_DAY);
        for (let m = 0; m < MINUTES_PER_DAY; m++) {
          const qps = r.qpsShare * this.curve.weightOfMinute(r.index, m) * GLOBAL_QPS;
          requests[m] = Math.round(qps * 60);
          scale[m] = qps > 0 ? Math.sqrt(this.referenceQps / qps) : Infinity;
        }
        tables = { requests, scale };
        if (sharedTables.size >= SHARED_TABLES) sharedTables.delete(sharedTables.keys().next().value!);
        sharedTables.set(key, tables);
      }
      this.requestTables.push(tables.requests);
      this.scaleTables.push(tables.scale);
    }
    this.drawPrefixes = Number.isSafeInteger(seed)
      ? this.regions.map((r) => Int32Array.from(SIMULATED_METRICS, (_, metric) => hashPrefix(seed, r.key, metric)))
      : [];
  }

  region(name: string): SimRegion | undefined {
    return this.byName.get(name);
  }

  inOutage(region: number, t: number): boolean {
    const list = this.outages[region]!;
    for (let i = 0; i < list.length; i++) if (t >= list[i]!.from && t < list[i]!.to) return true;
    return false;
  }

  inGap(region: number, t: number): boolean {
    const list = this.gaps[region]!;
    for (let i = 0; i < list.length; i++) if (t >= list[i]!.from && t < list[i]!.to) return true;
    return false;
  }

  /** Whether an outage or a metrics gap of the region overlaps [from, to): when not, every minute of it reports. */
  interrupted(region: number, from: number, to: number): boolean {
    for (const list of [this.outages[region]!, this.gaps[region]!]) {
      for (let i = 0; i < list.length; i++) if (list[i]!.from < to && list[i]!.to > from) return true;
    }
    return false;
  }

  /** The traffic weight of the region's local time of day at `t`. */
  weight(region: number, t: number): number {
    return this.curve.weightAtIndex(region, t);
  }

  /**
   * Expected behaviour of `region` at `t`. `newSince` is when the new version started running
   * there, or null when the region runs anything else (then it behaves as the baseline).
   */
  behave(region: number, t: number, newSince: number | null, out: Behaviour): Behaviour {
    const b = this.base;
    out.errorRate = b.errorRate;
    out.p99LatencyMs = b.p99LatencyMs;
    out.cpu = b.cpu;
    out.memory = b.memory;
    out.faulty = false;
    if (newSince === null) return out;
    const rf = this.faults[region]!;
    const uptime = t - newSince;
    let error = -1;
    const errors = rf.errors;
    for (let i = 0; i < errors.length; i++) {
      const e = errors[i]!;
      if (uptime >= e.after && e.value > error) error = e.value;
    }
    const spikes = rf.spikes;
    for (let i = 0; i < spikes.length; i++) {
      const s = spikes[i]!;
      const into = (((s.clock.msOfDay(t) - s.startMs) % DAY) + DAY) % DAY;
      if ((into < s.duration || s.duration >= DAY) && s.errorRate > error) error = s.errorRate;
    }
    if (rf.leakPerHour > 0) {
      out.memory = b.memory + (rf.leakPerHour * uptime) / HOUR;
      if (out.memory > LEAK_MEMORY_LIMIT && LEAK_ERROR_RATE > error) error = LEAK_ERROR_RATE;
    }
    if (error >= 0) out.errorRate = error;
    const latencies = rf.latencies;
    for (let i = 0; i < latencies.length; i++) {
      const l = latencies[i]!;
      if (uptime >= l.after) out.p99LatencyMs *= l.factor;
    }
    out.faulty = out.errorRate !== b.errorRate || out.p99LatencyMs !== b.p99LatencyMs || out.memory !== b.memory;
    return out;
  }

  /**
   * Every instant in (from, to) at which the region's fault state (behave's `faulty`) or outage
   * may change, for a run of the new version that started at `since`: `after` thresholds, the
   * first moment of uptime and the crossing of the leak limit, spike edges (in every offset the
   * spike's zone has then, and its offset changes), outage edges. A superset: extra instants are
   * harmless, a missing one would not be.
   */
  changePoints(region: number, since: number, from: number, to: number): number[] {
    const rf = this.faults[region]!;
    const points: number[] = [];
    for (const e of rf.errors) points.push(since + e.after);
    for (const l of rf.latencies) points.push(since + l.after);
    if (rf.leakPerHour > 0) {
      points.push(since + 1);
      const limit = since + ((LEAK_MEMORY_LIMIT - this.base.memory) / rf.leakPerHour) * HOUR;
      if (Number.isFinite(limit)) points.push(limit - MINUTE, limit, limit + MINUTE);
    }
    for (const s of rf.spikes) {
      if (s.duration >= DAY) continue;
      const changes = s.clock.changesIn(from, to);
      points.push(...changes);
      const offsets = new Set([s.clock.offsetMs(from), ...changes.map((c) => s.clock.offsetMs(c))]);
      for (const offset of offsets) {
        const first = Math.floor((from + offset - s.startMs - s.duration) / DAY) - 1;
        const last = Math.ceil((to + offset - s.startMs) / DAY) + 1;
        for (let k = first; k <= last; k++) {
          const edge = k * DAY + s.startMs - offset;
          points.push(edge, edge + s.duration);
        }
      }
    }
    for (const w of this.outages[region]!) points.push(w.from, w.to);
    return points.filter((p) => p > from && p < to);
  }

  /** The region's traffic at `t` when it serves (qpsShare × weight of its local time × GLOBAL_QPS). */
  qps(region: number, t: number): number {
    return this.regions[region]!.qpsShare * this.weight(region, t) * GLOBAL_QPS;
  }

  /** Requests the region serves in the minute starting at `t`: round(qps × 60), or 0 when drained (`served` 0). */
  requests(region: number, t: number, served: number): number {
    return served > 0 ? this.requestTables[region]![this.curve.minuteOfDayAtIndex(region, t)]! : 0;
  }

  /** How many of `requests` failed in minute number `minute`, at expected error rate `p`: Binomial(requests, p). */
  errors(region: number, minute: number, requests: number, p: number): number {
    const prefix = this.drawPrefixes[region]?.[0];
    return prefix === undefined ? binomial3(requests, p, this.seed, this.regions[region]!.key, 0, minute) : binomialFrom(requests, p, prefix, minute);
  }

  /**
   * √(referenceQps ÷ qps): how much noisier than the busiest region latency, cpu and memory are in
   * this region at `t` (Infinity without traffic: no requests, no latency to measure). qps is the
   * traffic the region takes when it serves: a drained region keeps its gauges, as noisy as usual.
   */
  noiseScale(region: number, t: number): number {
    return this.scaleTables[region]![this.curve.minuteOfDayAtIndex(region, t)]!;
  }

  /** The expected value of one metric, from a filled-in behaviour; `served` is 0 when drained. */
  expected(metric: number, region: number, t: number, b: Behaviour, served: number): number {
    switch (metric) {
      case 0: return b.errorRate;
      case 1: return b.p99LatencyMs;
      case 2: return b.cpu;
      case 3: return b.memory;
      default: return this.qps(region, t) * served;
    }
  }

  /**
   * One noisy sample of a gauge (latency, cpu, memory; `scale` from noiseScale) or of qps (`scale`
   * 1): the expected value × (1 + noise × scale × N(0,1)), clipped at 0.
   */
  sample(metric: number, region: number, minute: number, expected: number, scale: number): number {
    const prefix = this.drawPrefixes[region]?.[metric];
    const z = prefix === undefined ? noise3(this.seed, this.regions[region]!.key, metric, minute) : noiseFrom(prefix, minute);
    return Math.max(0, expected * (1 + this.base.noise * scale * z));
  }
}
