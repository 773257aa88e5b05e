/**
 * @module The simulated fleet: one object that implements the ports Delivery, Health, Metrics,
 * Traffic and Hooks over virtual time, for `simulate`, `demo` and tests (src/ports-contract holds
 * what they share with the real adapters). Deploys and rollbacks switch a ring's regions after the
 * deploy time, each step (release, ring, deploy or rollback) once; metrics are the running
 * version's behaviour with seeded noise as large as the region's traffic makes it (failed requests
 * drawn binomially from each minute's requests; see model.ts); outages, metrics gaps and failing
 * hooks come from the scenario.
 * Also answers what the run needs to report: approvals, versions, history, onset and exposure. Pure:
 * time comes from the injected Clock, randomness from the seed.
 *
 * A minute's values never change once it has ended (deploys, rollbacks and weights take effect
 * from now on, and the draws are a function of the seed), so each region's recent minutes are kept
 * (minute-cache.ts): the sliding hour a threshold gate reads every interval, and a stable region
 * that several rings compare with, are drawn once per minute, not once per read.
 */
import { AdapterError } from '../errors.ts';
import { MINUTE } from '../policy/duration.ts';
import { SIMULATED_METRICS, type Policy } from '../policy/schema.ts';
import type { Clock, Delivery, DeliveryResult, Health, HealthReport, HookContext, Hooks, MetricQuery, Metrics, RingTarget, Traffic } from '../ports.ts';
import { account, type Accounting } from './accounting.ts';
import { MINUTE_SLOT_MASK, MinuteCache } from './minute-cache.ts';
import { FleetModel, METRIC_INDEX, emptyBehaviour, type MetricName, type SimRegion } from './model.ts';
import { deployTimeOf } from './scenario.ts';
import type { Scenario } from './scenario-schema.ts';
import { StepTimeline, VersionTimeline } from './region-history.ts';

export type { Accounting } from './accounting.ts';

export interface FleetApproval {
  by: string;
  groups: string[];
  after: number;
}

/** What happened to the fleet, in call order. */
export type FleetEvent =
  | { type: 'deploy' | 'rollback'; at: number; releaseId: string; ring: string; version: string; regions: string[]; ref: string; readyAt: number }
  | { type: 'weights'; at: number; weights: Record<string, number> }
  | { type: 'hook'; at: number; step: string; ok: boolean };

export interface Fleet extends Delivery, Health, Metrics, Traffic, Hooks {
  regionUp(region: string): Promise<boolean>;
  /** The scenario's approvals for a ring, in the order written. */
  approvalsFor(ring: string): FleetApproval[];
  /** The version a region runs now. */
  versionOf(region: string): string;
  /**
   * After a controller restart: the fleet (kept in memory) learns what the recorded releases
   * already put where. Each region runs `version` from now on.
   */
  assume(region: string, version: string): void;
  history(): FleetEvent[];
  /** Onset and exposure over the whole minutes from the scenario's start that end by `until`. */
  accounting(until: number): Accounting;
  /**
   * The requests a region served in the whole minute starting at `minute` (epoch ms) and how many
   * failed: the counts behind its error rate. Null when that minute has no error-rate data (not
   * ended yet, an outage, a metrics gap, no requests).
   */
  requestCounts(region: string, minute: number): RequestCounts | null;
}

/** One region's requests in one minute, and how many of them failed. */
export interface RequestCounts {
  requests: number;
  errors: number;
}

interface Applied {
  version: string;
  regions: SimRegion[];
  readyAt: number;
}

const iso = (t: number): string => new Date(t).toISOString();

/**
 * Gauge samples (latency, cpu, memory, qps) are kept as whole numbers of millionths of their unit
 * (a nanosecond of latency: far below any noise or bound), so their sums are exact and a window's
 * mean, the sum over (minutes × MICRO), is the same number whichever way its minutes were added
 * up (minute-cache.ts). A minute reads back as the decimal it was rounded to (0.65 as 0.65).
 */
const MICRO = 1e6;

function fail(message: string): never {
  throw new AdapterError(message, { retryable: false });
}

export function createFleet(policy: Policy, scenario: Scenario, clock: Clock, opts: { seed?: number } = {}): Fleet {
  const spec = scenario.spec;
  const model = new FleetModel(policy, scenario, opts.seed ?? spec.seed);
  const deployTime = deployTimeOf(policy, scenario);
  const versions = new VersionTimeline(model.regions.length, spec.release.previous);
  const production = model.regions.filter((r) => !r.internal);
  const lb = new StepTimeline(model.regions.map((r) => (r.internal ? 0 : 1)));
  const events: FleetEvent[] = [];
  const applied = new Map<string, Applied>();
  /** The ref of each step done, by release, ring and step: a step asked for again is not done again. */
  const done = new Map<string, string>();
  let seq = 0;

  const regionNamed = (name: string): SimRegion => model.region(name) ?? fail(`region "${name}" is not in the simulated fleet (${model.regions.map((r) => r.name).join(', ')})`);

  function targetRegions(target: RingTarget): SimRegion[] {
    const names = target.clusters.length > 0 ? target.clusters.map((c) => c.region) : (policy.spec.rings.find((r) => r.name === target.ring)?.regions ?? []);
    if (names.length === 0) fail(`ring "${target.ring}" has no clusters to deploy to`);
    return [...new Set(names)].map(regionNamed);
  }

  function apply(step: 'deploy' | 'rollback', target: RingTarget): DeliveryResult {
    const key = `${target.releaseId}\u0000${target.ring}\u0000${step}`;
    const already = done.get(key);
    if (already !== undefined) return { ref: already };
    const regions = targetRegions(target);
    const version = step === 'deploy' ? target.version : target.previousVersion;
    const at = clock.now();
    const readyAt = at + deployTime;
    const ref = `sim:${target.releaseId}:${target.ring}:${step}:${++seq}`;
    for (const r of regions) versions.switchTo(r.index, version, readyAt);
    applied.set(ref, { version, regions, readyAt });
    done.set(key, ref);
    events.push({ type: step, at, releaseId: target.releaseId, ring: target.ring, version, regions: regions.map((r) => r.name), ref, readyAt });
    return { ref };
  }

  function status(ref: string): HealthReport {
    const a = applied.get(ref);
    if (!a) return { healthy: false, failed: true, detail: `nothing was applied as ${ref}` };
    const now = clock.now();
    const problems: string[] = [];
    for (const r of a.regions) {
      if (model.inOutage(r.index, now)) problems.push(`${r.name} is down (outage)`);
      else if (now < a.readyAt) problems.push(`${r.name} is switching to ${a.version} (ready at ${iso(a.readyAt)})`);
      else {
        const running = versions.runAt(r.index, now).version;
        if (running !== a.version) problems.push(`${r.name} runs ${running}, not ${a.version} (superseded)`);
      }
    }
    if (problems.length > 0) return { healthy: false, failed: false, detail: problems.join('; ') };
    return { healthy: true, failed: false, detail: `${a.regions.map((r) => r.name).join(', ')} ${a.regions.length === 1 ? 'runs' : 'run'} ${a.version}` };
  }

  const behaviour = emptyBehaviour();
  const ERROR_RATE = METRIC_INDEX.error_rate;
  const QPS = METRIC_INDEX.qps;

  /** Whether minute `m` of the region has ended by `now` and is neither in an outage nor in a metrics gap. */
  function reports(r: SimRegion, m: number, now: number): boolean {
    const t = m * MINUTE;
    return t + MINUTE <= now && !model.inOutage(r.index, t) && !model.inGap(r.index, t);
  }

  /** The region's requests in minute `m` (0 when it serves none: drained, or no traffic then). */
  function requestsIn(r: SimRegion, m: number): number {
    const t = m * MINUTE;
    return model.requests(r.index, t, lb.valueAt(r.index, t) > 0 || r.internal ? 1 : 0);
  }

  /** How many of the `requests` of minute `m` failed, for the version the region ran then. */
  function errorsIn(r: SimRegion, m: number, requests: number): number {
    const t = m * MINUTE;
    const run = versions.runAt(r.index, t);
    model.behave(r.index, t, run.version === model.newVersion ? run.from : null, behaviour);
    return model.errors(r.index, m, requests, behaviour.errorRate);
  }

  const metrics = Object.keys(METRIC_INDEX).length;
  // Every metric keeps running totals, of whole numbers: requests and errors, millionths of a gauge.
  const held = new MinuteCache(model.regions.length, metrics, { paired: [ERROR_RATE], totals: Array.from({ length: metrics }, (_, m) => m) });

  /**
   * Minute `m` of the region's metric, a minute that has ended and reports, into held.first and
   * held.second: for the error rate its requests and failed requests; for the others its sample,
   * or NaN when there is none (no traffic, no latency to measure).
   */
  function minuteOf(metric: number, r: SimRegion, m: number): void {
    if (held.find(r.index, metric, m)) return;
    if (metric === ERROR_RATE) {
      const count = requestsIn(r, m);
      held.store(r.index, metric, m, count, count === 0 ? 0 : errorsIn(r, m, count), count !== 0);
      return;
    }
    const t = m * MINUTE;
    const scale = metric === QPS ? 1 : model.noiseScale(r.index, t);
    if (scale === Infinity) {
      held.store(r.index, metric, m, NaN, 0, false);
      return;
    }
    const run = versions.runAt(r.index, t);
    model.behave(r.index, t, run.version === model.newVersion ? run.from : null, behaviour);
    const served = lb.valueAt(r.index, t) > 0 || r.internal ? 1 : 0;
    const sample = Math.round(model.sample(metric, r.index, m, model.expected(metric, r.index, t, behaviour, served), scale) * MICRO);
    held.store(r.index, metric, m, sample, 0, !Number.isNaN(sample));
  }

  /**
   * The metric over the whole minutes in [from, to) that have data, or null when fewer than half do.
   * The error rate is the window's failed requests over its requests (a minute without requests has
   * no error rate); the others are the mean of the minutes' samples, as a gauge averaged over time.
   */
  function windowValue(metric: number, r: SimRegion, from: number, to: number, now: number): number | null {
    const first = Math.ceil(from / MINUTE);
    const end = Math.floor(to / MINUTE);
    const total = end - first;
    if (total <= 0) return null;
    // Most windows have ended and see no outage or gap: then every minute reports, and the window
    // is summed from the running totals once the minutes up to its end are stored in order. Their
    // sums are exact (whole numbers of requests and errors, millionths of a gauge), so a window's
    // value is the same number whether it is read from the totals or minute by minute below.
    const clean = end * MINUTE <= now && !model.interrupted(r.index, first * MINUTE, end * MINUTE);
    const errorRate = metric === ERROR_RATE;
    if (clean) {
      const next = held.runEnd(r.index, metric);
      if (next !== null && next >= first) for (let m = next; m < end; m++) minuteOf(metric, r, m);
      if (held.sum(r.index, metric, first, end)) {
        const n = held.counted;
        if (n === 0 || n * 2 < total) return null;
        return errorRate ? held.sumSecond / held.sumFirst : held.sumFirst / (n * MICRO);
      }
    }
    let row = held.rowOf(r.index, metric);
    let n = 0;
    let sum = 0;
    let requests = 0;
    let errors = 0;
    for (let m = first; m < end; m++) {
      if (!clean && !reports(r, m, now)) continue;
      const slot = m & MINUTE_SLOT_MASK;
      let a: number;
      let b: number;
      if (row !== undefined && row.minutes[slot] === m) {
        a = row.first[slot]!;
        b = row.second ? row.second[slot]! : 0;
      } else {
        minuteOf(metric, r, m);
        a = held.first;
        b = held.second;
        row ??= held.rowOf(r.index, metric);
      }
      if (errorRate) {
        if (a === 0) continue;
        requests += a;
        errors += b;
      } else {
        if (Number.isNaN(a)) continue;
        sum += a;
      }
      n++;
    }
    if (n === 0 || n * 2 < total) return null;
    return errorRate ? errors / requests : sum / (n * MICRO);
  }

  function query(q: MetricQuery): { metric: number; region: SimRegion } {
    if (!(SIMULATED_METRICS as readonly string[]).includes(q.metric)) fail(`metric "${q.metric}" is not one the simulator supplies (${SIMULATED_METRICS.join(', ')})`);
    return { metric: METRIC_INDEX[q.metric as MetricName], region: regionNamed(q.region) };
  }

  return {
    async deploy(target) {
      return apply('deploy', target);
    },
    async rollback(target) {
      return apply('rollback', target);
    },
    async status(target, ref) {
      // A step this fleet never saw (it was applied before a restart): apply it again now, as a
      // GitOps controller re-syncs what git says.
      const seen = /^sim:(.+):([^:]+):(deploy|rollback):\d+$/.exec(ref);
      if (!applied.has(ref) && seen && seen[1] === target.releaseId && seen[2] === target.ring) {
        const again = apply(seen[3] as 'deploy' | 'rollback', target);
        applied.set(ref, applied.get(again.ref)!);
      }
      return status(ref);
    },
    async regionUp(region) {
      return !model.inOutage(regionNamed(region).index, clock.now());
    },
    async value(q, from, to) {
      const { metric, region } = query(q);
      return windowValue(metric, region, from, to, clock.now());
    },
    valueNow(q, from, to) {
      const { metric, region } = query(q);
      return windowValue(metric, region, from, to, clock.now());
    },
    minutesNow(q, from, count, out, offset) {
      const { metric, region } = query(q);
      const now = clock.now();
      const first = from / MINUTE;
      // A minute that does not start on a whole minute holds no whole minute of data, as in series.
      const whole = Number.isInteger(first);
      const errorRate = metric === ERROR_RATE;
      for (let i = 0; i < count; i++) {
        const m = first + i;
        if (!whole || !reports(region, m, now)) {
          out[offset + i] = NaN;
          continue;
        }
        minuteOf(metric, region, m);
        // As a one-minute window reads it: no requests, no error rate.
        out[offset + i] = errorRate ? (held.first === 0 ? NaN : held.second / held.first) : held.first / MICRO;
      }
    },
    async series(q, from, to, step) {
      const { metric, region } = query(q);
      if (!(step >= MINUTE)) fail(`a series step must be at least 1m (got ${step} ms)`);
      const now = clock.now();
      const out: number[] = [];
      for (let t = from; t + step <= to; t += step) {
        const v = windowValue(metric, region, t, t + step, now);
        if (v !== null) out.push(v);
      }
      return out;
    },
    async weights() {
      return Object.fromEntries(production.map((r) => [r.name, lb.current(r.index)]));
    },
    async setWeights(weights) {
      const changes: Array<[SimRegion, number]> = Object.entries(weights).map(([name, w]) => {
        const r = regionNamed(name);
        if (r.internal) fail(`region "${name}" is internal and takes no user traffic`);
        if (!Number.isFinite(w) || w < 0) fail(`the weight of ${name} must be a number ≥ 0 (got ${w})`);
        return [r, w];
      });
      const after = new Map(changes.map(([r, w]) => [r.index, w]));
      if (changes.length > 0 && production.every((r) => (after.get(r.index) ?? lb.current(r.index)) === 0)) {
        fail('refusing to give every production region of the simulated fleet weight 0: nothing would serve users');
      }
      const at = clock.now();
      for (const [r, w] of changes) lb.set(r.index, at, w);
      events.push({ type: 'weights', at, weights: { ...weights } });
    },
    async run(_hook, context: HookContext) {
      const ok = !spec.failHooks.includes(context.step);
      events.push({ type: 'hook', at: clock.now(), step: context.step, ok });
      if (!ok) fail(`hook ${context.step} failed (the scenario makes it fail)`);
    },
    approvalsFor(ring) {
      return spec.approvals.filter((a) => a.ring === ring).map((a) => ({ by: a.by, groups: [...a.groups], after: a.after }));
    },
    versionOf(region) {
      return versions.runAt(regionNamed(region).index, clock.now()).version;
    },
    assume(region, version) {
      const r = regionNamed(region);
      if (versions.runAt(r.index, clock.now()).version !== version) versions.switchTo(r.index, version, clock.now());
    },
    history() {
      return structuredClone(events);
    },
    accounting(until) {
      return account(model, versions, lb, spec.start, until);
    },
    requestCounts(region, minute) {
      const r = regionNamed(region);
      const m = Math.floor(minute / MINUTE);
      if (m * MINUTE !== minute || !reports(r, m, clock.now())) return null;
      minuteOf(ERROR_RATE, r, m);
      return held.first === 0 ? null : { requests: held.first, errors: held.second };
    },
  };
}
