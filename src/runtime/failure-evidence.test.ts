import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../adapters/sqlite/index.ts';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import type { MetricQuery, Store } from '../ports.ts';
import type { Actor, ReleaseView } from './controller-types.ts';
import { Controller } from './controller.ts';
import { SERIES_RETENTION } from './evaluation-log.ts';
import { EVIDENCE_POINTS } from './evidence-chart.ts';
import { evidenceKey } from './failure-evidence.ts';
import { MemoryStore } from './memory-store.ts';
import { formatMetricValue } from './region-table.ts';
import { SimulatedClock } from './simulated-clock.ts';

const alice: Actor = { user: 'alice', groups: [], role: 'operator' };

/** A repeatable draw in [-0.5, 0.5) for a region's minute. */
const jitter = (region: string, at: number): number => {
  const x = Math.sin((at / MINUTE) * 12.9898 + region.length * 78.233) * 43758.5453;
  return x - Math.floor(x) - 0.5;
};

/**
 * Metrics per region, flat (or with ±20% noise a minute, which a comparison gate needs to learn);
 * v2's error rate in a region is `fault.value` from `fault.from` on.
 */
function metricsOf(faults: Array<{ region: string; from: number; value: number }>, noisy = false) {
  const normal: Record<string, (region: string) => number> = {
    error_rate: () => 0.002, p99_latency_ms: () => 120, cpu: () => 0.4, memory: () => 0.6,
    qps: (region) => ({ 'ap-south-1': 640, 'eu-west-1': 910, 'us-east-1': 1380 })[region] ?? 40,
  };
  return (region: string, at: number, q: MetricQuery): number | null => {
    const fault = faults.find((f) => f.region === region && at >= f.from && q.metric === 'error_rate');
    const value = fault && q.version === 'v2' ? fault.value : normal[q.metric]?.(region) ?? null;
    return value === null || !noisy ? value : value * (1 + 0.4 * jitter(region, at));
  };
}

interface Setup {
  controller: Controller;
  clock: SimulatedClock;
  reads: { count: number };
  advance: (ms: number) => Promise<void>;
}

interface SetupOptions {
  text?: string;
  faults?: Parameters<typeof metricsOf>[0];
  noisy?: boolean;
  healthy?: (ring: string) => boolean;
  /** While true, every metric read fails as an unreachable provider's would. */
  down?: () => boolean;
}

async function setup(store: Store, clock: SimulatedClock, opts: SetupOptions = {}): Promise<Setup> {
  const text = opts.text ?? BASE;
  const policy = policyOf(text);
  const reads = { count: 0 };
  const rate = metricsOf(opts.faults ?? [], opts.noisy);
  for (const r of policy.spec.regions) if (!(await store.regionVersions('shop'))[r.name]) await store.setRegionVersion('shop', r.name, 'v1', T0 - DAY);
  const world = fakeWorld(policy, clock, {
    errorRate: (region, at, q) => {
      if (opts.down?.()) throw new Error('connect ECONNREFUSED 127.0.0.1:9090');
      reads.count++;
      return rate(region, at, q);
    },
    ...(opts.healthy ? { healthy: (t: { ring: string }) => opts.healthy!(t.ring) } : {}),
  });
  const controller = new Controller({ policy, policyText: text, ports: world, store, clock, onError: (e) => { throw e; } });
  return { controller, clock, reads, advance: (ms) => clock.advance(ms, () => controller.idle()) };
}

/** BASE: ring-0 bakes 1 h, ring-1 2 h; ring-2 (eu-west-1) deploys at about T0 + 3 h 4 min. */
const RING_2_DEPLOYED = T0 + 3 * HOUR;
const ERRORS_IN_EU = [{ region: 'eu-west-1', from: RING_2_DEPLOYED + 30 * MINUTE, value: 0.05 }];

const ring = (v: ReleaseView, name: string) => v.rings.find((r) => r.name === name)!;

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('a failed ring keeps its evidence', () => {
  it('keeps the comparison table of the moment it failed, with the versions of then, after its regions are back on the old version', async () => {
    const s = await setup(new MemoryStore(), new SimulatedClock(T0), { faults: ERRORS_IN_EU });
    const { id } = await s.controller.start({ version: 'v2' }, alice);
    await s.advance(5 * HOUR);
    const view = await s.controller.get(id);
    expect(view.phase).toBe('rolled-back');
    const failure = ring(view, 'ring-2').failure!;
    expect(failure).toMatchObject({ ring: 'ring-2', gate: 'error-rate', regions: ['eu-west-1'] });
    expect(failure.detail).toMatch(/^error-rate: error_rate 0\.05 > max 0\.01/);
    // The verdict read two failing 5-minute checks: the table covers those 10 minutes.
    expect(Date.parse(failure.window.to) - Date.parse(failure.window.from)).toBe(10 * MINUTE);
    expect(failure.window.to).toBe(failure.detectedAt);
    // The first failing check read the fault's first 4 minutes and a good one: 4.52% over the 10 minutes.
    expect(failure.comparison.map((r) => `${r.region} ${r.version} ${r.status} ${formatMetricValue('error_rate', r.values.error_rate)}${r.breaches.length ? ' ▲' : ''}`)).toEqual([
      'internal v2 Watch 0.20%', 'ap-south-1 v2 Watch 0.20%', 'eu-west-1 v2 Watch 4.52% ▲', 'us-east-1 v1 Baseline 0.20%',
    ]);
    // Today's "last hour" says eu-west-1 is healthy on v1: the evidence is what it was.
    const now = await s.controller.comparison(id);
    expect(now.find((r) => r.region === 'eu-west-1')).toMatchObject({ version: 'v1', status: 'Baseline', breaches: [] });
    expect(ring(view, 'ring-1').failure).toBeNull();
  });

  it('keeps the failing gate\'s chart from before the deploy to the rollback: the canary, its baseline, the limit and the windows judged', async () => {
    const s = await setup(new MemoryStore(), new SimulatedClock(T0), { faults: ERRORS_IN_EU });
    const { id } = await s.controller.start({ version: 'v2' }, alice);
    await s.advance(5 * HOUR);
    const view = await s.controller.get(id);
    const chart = ring(view, 'ring-2').failure!.chart!;
    const deployedAt = Date.parse(ring(view, 'ring-2').deployedAt!);
    const rolledBack = view.events.find((e) => e.type === 'ring.rollback.completed' && e.ring === 'ring-2')!;
    expect(chart).toMatchObject({ gate: 'error-rate', metric: 'error_rate', kind: 'threshold', until: 'rollback', limit: { max: 0.01 }, statistic: null });
    expect(Date.parse(chart.from)).toBeLessThanOrEqual(deployedAt - HOUR);
    expect(Date.parse(chart.to)).toBe(Math.floor(Date.parse(rolledBack.at) / MINUTE) * MINUTE);
    expect(chart.baseline!.label).toBe('stable regions (us-east-1)');
    const [canary] = chart.canary;
    expect(canary!.region).toBe('eu-west-1');
    expect(canary!.values.length).toBeLessThanOrEqual(EVIDENCE_POINTS);
    expect(canary!.values.length).toBe(chart.baseline!.values.length);
    // Before the fault the canary sits on its baseline; at the failure it is 25 times it.
    expect(canary!.values[0]).toBe(0.002);
    expect(Math.max(...canary!.values.map((v) => v ?? 0))).toBe(0.05);
    expect(new Set(chart.baseline!.values)).toEqual(new Set([0.002]));
    expect(chart.judged.map((j) => `${j.region} ${j.kind} ${(Date.parse(j.to) - Date.parse(j.from)) / MINUTE}m`)).toEqual(['eu-west-1 interval 5m', 'eu-west-1 interval 5m']);
  });

  it('survives a restart: a controller rebuilt from the SQLite file shows the same evidence and reads no metric for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-evidence-'));
    dirs.push(dir);
    const file = join(dir, 'meridian.db');
    const clock = new SimulatedClock(T0);
    const first = await setup(SqliteStore.open(file), clock, { faults: ERRORS_IN_EU });
    const { id } = await first.controller.start({ version: 'v2' }, alice);
    await first.advance(5 * HOUR);
    const before = ring(await first.controller.get(id), 'ring-2').failure;
    expect(before?.chart?.until).toBe('rollback');
    await first.controller.close();

    const second = await setup(SqliteStore.open(file), clock, { faults: ERRORS_IN_EU });
    await second.controller.recover();
    const after = await second.controller.get(id);
    expect(ring(after, 'ring-2').failure).toEqual(before);
    await second.advance(MINUTE);
    expect(second.reads.count).toBe(0);
    await second.controller.close();
  });

  it('is captured by the next leader when the one in charge stopped before recording it; a replica that does not lead never captures', async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock(T0);
    // The first leader cannot record evidence (it "dies" each time it tries): everything else it records.
    const lossy = new Proxy(store, {
      get(target, name) {
        if (name === 'recordEffect') return async (key: string, result: unknown) => { if (!key.includes('/evidence')) await target.recordEffect(key, result); };
        const v = Reflect.get(target, name, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const first = await setup(lossy, clock, { faults: ERRORS_IN_EU });
    const { id } = await first.controller.start({ version: 'v2' }, alice);
    await first.advance(5 * HOUR);
    expect(ring(await first.controller.get(id), 'ring-2').failure).toBeNull();
    await first.controller.close();

    const follower = await setup(store, clock, { faults: ERRORS_IN_EU });
    expect(ring(await follower.controller.get(id), 'ring-2').failure).toBeNull();
    await follower.advance(0);
    expect(await store.effectResult(evidenceKey(id, 'ring-2', 'detection'))).toBeNull();

    const next = await setup(store, clock, { faults: ERRORS_IN_EU });
    await next.controller.recover();
    await next.controller.get(id);
    await next.advance(0);
    const failure = ring(await next.controller.get(id), 'ring-2').failure!;
    // Captured an hour after both rollbacks, it still says what ran where when ring-2 failed.
    expect(failure.comparison.filter((r) => r.status === 'Watch').map((r) => `${r.region} ${r.version}`)).toEqual(['internal v2', 'ap-south-1 v2', 'eu-west-1 v2']);
    expect(failure.chart).toMatchObject({ until: 'rollback', baseline: { label: 'stable regions (us-east-1)' } });
  });

  it('reaches back before the deploy of a ring watched for days, whose first evaluations the log has dropped, in a bounded record', async () => {
    // ring-3 waits for an approval that never comes: ring-1 stays watched until ap-south-1 breaks 3 days on.
    const s = await setup(new MemoryStore(), new SimulatedClock(T0), { faults: [{ region: 'ap-south-1', from: T0 + 3 * DAY, value: 0.05 }] });
    const { id } = await s.controller.start({ version: 'v2' }, alice);
    await s.advance(3 * DAY + 2 * HOUR);
    const page = await s.controller.evaluations(id, { ring: 'ring-1', gate: 'error-rate', region: 'ap-south-1', limit: '1' });
    const oldest = Date.parse(page.items[0]!.at);
    const view = await s.controller.get(id);
    const ring1 = ring(view, 'ring-1');
    expect(ring1.verdict).toBe('failed');
    // The log kept the newest SERIES_RETENTION checks of the series: the first days are gone from it.
    expect(oldest).toBeGreaterThan(Date.parse(ring1.healthyAt!) + 10 * HOUR);
    expect(SERIES_RETENTION).toBe(600);
    const chart = ring1.failure!.chart!;
    expect(Date.parse(chart.from)).toBeLessThan(Date.parse(ring1.deployedAt!));
    expect(chart.canary[0]!.values.length).toBeLessThanOrEqual(EVIDENCE_POINTS);
    expect(chart.canary[0]!.values[0]).toBe(0.002);
    expect(JSON.stringify(ring1.failure).length).toBeLessThan(12_000);
  });

  it('keeps a comparison gate\'s statistic against its limit, and marks the compared metric outside its gate', async () => {
    const text = BASE
      .replace('{ name: ring-2, regions: [eu-west-1], bake: 1h, gates: [error-rate]', '{ name: ring-2, regions: [eu-west-1], bake: 2h, gates: [loose-errors, errors-vs-baseline]')
      .replace('error-rate: { metric: error_rate, max: 0.01 }', 'error-rate: { metric: error_rate, max: 0.01 }\n    loose-errors: { metric: error_rate, max: 0.2 }\n    errors-vs-baseline: { compare: { metric: error_rate, maxIncrease: 0.005 } }');
    const s = await setup(new MemoryStore(), new SimulatedClock(T0), { text, noisy: true, faults: [{ region: 'eu-west-1', from: RING_2_DEPLOYED + 40 * MINUTE, value: 0.03 }] });
    const { id } = await s.controller.start({ version: 'v2' }, alice);
    await s.advance(6 * HOUR);
    const failure = ring(await s.controller.get(id), 'ring-2').failure!;
    expect(failure.gate).toBe('errors-vs-baseline');
    expect(failure.comparison.find((r) => r.region === 'eu-west-1')!.breaches).toEqual(['error_rate']);
    const chart = failure.chart!;
    expect(chart).toMatchObject({ kind: 'compare', limit: { maxIncrease: 0.005 }, baseline: { label: 'stable regions (us-east-1)' } });
    const shares = chart.statistic![0]!.values.filter((v): v is number => v !== null);
    expect(Math.max(...shares)).toBeGreaterThanOrEqual(1);
    expect(shares[0]).toBeLessThan(1);
    expect(chart.judged.map((j) => j.kind)).toEqual(['compare']);
  });

  it('keeps the comparison of the hour before when a ring fails to deploy, and no chart: no gate judged it', async () => {
    const s = await setup(new MemoryStore(), new SimulatedClock(T0), { healthy: (r) => r !== 'ring-2' });
    const { id } = await s.controller.start({ version: 'v2' }, alice);
    await s.advance(6 * HOUR);
    const failure = ring(await s.controller.get(id), 'ring-2').failure!;
    expect(failure).toMatchObject({ gate: 'deploy', regions: [], chart: null });
    expect(failure.detail).toMatch(/^not synced and healthy /);
    expect(Date.parse(failure.window.to) - Date.parse(failure.window.from)).toBe(HOUR);
    expect(failure.comparison.find((r) => r.region === 'eu-west-1')).toMatchObject({ version: 'v1', status: 'Baseline' });
  });

  it('records nothing while the metrics provider cannot be read, and captures the evidence once it answers again', async () => {
    const memory = new MemoryStore();
    let down = false;
    // The provider goes down the moment ring-2 fails (its failing round is recorded as the release starts rolling back).
    const store = new Proxy(memory, {
      get(target, name) {
        if (name === 'appendInput') return async (...a: Parameters<Store['appendInput']>) => { await target.appendInput(...a); if (a[3] === 'rolling-back') down = true; };
        const v = Reflect.get(target, name, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const s = await setup(store, new SimulatedClock(T0), { faults: ERRORS_IN_EU, down: () => down });
    await s.controller.recover();
    const { id } = await s.controller.start({ version: 'v2' }, alice);
    await s.advance(5 * HOUR);
    expect(down).toBe(true);
    expect(await memory.effectResult(evidenceKey(id, 'ring-2', 'detection'))).toBeNull();
    expect(await memory.effectResult(evidenceKey(id, 'ring-2', 'rollback'))).toBeNull();

    down = false;
    await s.controller.get(id);
    await s.advance(0);
    const failure = ring(await s.controller.get(id), 'ring-2').failure!;
    expect(failure.comparison.find((r) => r.region === 'eu-west-1')).toMatchObject({ version: 'v2', status: 'Watch', breaches: ['error_rate'] });
    expect(failure.chart?.until).toBe('rollback');
  });
});
