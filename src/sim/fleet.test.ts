import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../errors.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { loadPolicy } from '../policy/load.ts';
import { SimulatedClock } from '../runtime/simulated-clock.ts';
import { createFleet, type Fleet } from './fleet.ts';
import { FleetModel } from './model.ts';
import { binomial3, noise3 } from './random.ts';
import { loadScenario, type Scenario } from './scenario.ts';
import { ringTarget } from './testing.ts';

const { policy } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
const START = Date.parse('2026-03-02T03:30:00Z');
const at = (iso: string): number => Date.parse(`2026-03-02T${iso}:00Z`);

function scenarioOf(extra = '', baseline = '  baseline: { noise: 0 }\n'): Scenario {
  const text = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: test }
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0 }
${baseline}${extra}`;
  return loadScenario(text, 'test.yaml', policy).scenario;
}

interface Setup {
  fleet: Fleet;
  clock: SimulatedClock;
  deploy(ring: string): Promise<string>;
  rollback(ring: string): Promise<string>;
  /** The metric over the whole minutes in [from, from + minutes). */
  read(metric: string, region: string, from: number, minutes?: number): Promise<number | null>;
  /**
   * The error rate of the minute starting at `t`: the failed requests the fleet drew over its
   * requests, within five binomial standard deviations of `p` (noise 0 leaves the error rate the
   * share of a minute's requests that failed; the seed fixes the draw).
   */
  expectRate(region: string, t: number, p: number): Promise<void>;
}

function setup(extra = '', opts: { seed?: number; baseline?: string } = {}): Setup {
  const scenario = scenarioOf(extra, opts.baseline);
  const clock = new SimulatedClock(START);
  const fleet = createFleet(policy, scenario, clock, opts.seed === undefined ? {} : { seed: opts.seed });
  const target = (ring: string) => ringTarget(policy, ring, { version: 'v2.1.0', previousVersion: 'v2.0.0' });
  return {
    fleet,
    clock,
    deploy: async (ring) => (await fleet.deploy(target(ring))).ref,
    rollback: async (ring) => (await fleet.rollback(target(ring))).ref,
    read: (metric, region, from, minutes = 1) => fleet.value({ metric, region, ring: 'any', version: 'v2.1.0' }, from, from + minutes * MINUTE),
    async expectRate(region, t, p) {
      const value = await fleet.value({ metric: 'error_rate', region, ring: 'any', version: 'v2.1.0' }, t, t + MINUTE);
      const counts = fleet.requestCounts(region, t)!;
      expect(Number.isInteger(counts.requests) && Number.isInteger(counts.errors)).toBe(true);
      expect(value).toBe(counts.errors / counts.requests);
      expect(Math.abs(value! - p), `${region} at ${new Date(t).toISOString()}: ${value} vs ${p}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / counts.requests));
    },
  };
}

async function adapterErrorOf(p: Promise<unknown>): Promise<{ message: string; retryable: boolean }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AdapterError) return { message: e.message, retryable: e.retryable };
    throw e;
  }
  throw new Error('expected an AdapterError');
}

describe('deploying to the simulated fleet', () => {
  it('switches a ring’s regions to the new version once the deploy time (5m, from the policy) has passed', async () => {
    const { fleet, clock, deploy } = setup();
    const ref = await deploy('ring-2');
    const target = ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' });
    expect(ref).toBe('sim:rel-1:ring-2:deploy:1');
    expect(fleet.versionOf('eu-west-1')).toBe('v2.0.0');
    expect(await fleet.status(target, ref)).toEqual({ healthy: false, failed: false, detail: 'eu-west-1 is switching to v2.1.0 (ready at 2026-03-02T03:35:00.000Z)' });
    clock.increment(5 * MINUTE - 1);
    expect(fleet.versionOf('eu-west-1')).toBe('v2.0.0');
    clock.increment(1);
    expect(fleet.versionOf('eu-west-1')).toBe('v2.1.0');
    expect(fleet.versionOf('us-east-1')).toBe('v2.0.0');
    expect(await fleet.status(target, ref)).toEqual({ healthy: true, failed: false, detail: 'eu-west-1 runs v2.1.0' });
  });

  it('takes the scenario’s deployTime over the policy’s', async () => {
    const { fleet, clock, deploy } = setup('  deployTime: 12m\n');
    await deploy('ring-1');
    clock.increment(11 * MINUTE);
    expect(fleet.versionOf('ap-south-1')).toBe('v2.0.0');
    clock.increment(MINUTE);
    expect(fleet.versionOf('ap-south-1')).toBe('v2.1.0');
  });

  it('applies the same step of the same release and ring only once', async () => {
    const { fleet, clock, deploy } = setup();
    const first = await deploy('ring-2');
    clock.increment(2 * MINUTE);
    expect(await deploy('ring-2')).toBe(first);
    expect(fleet.history()).toEqual([
      { type: 'deploy', at: START, releaseId: 'rel-1', ring: 'ring-2', version: 'v2.1.0', regions: ['eu-west-1'], ref: first, readyAt: START + 5 * MINUTE },
    ]);
  });

  it('rolls back to the previous version after the deploy time, superseding the deploy', async () => {
    const { fleet, clock, deploy, rollback } = setup();
    const target = ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' });
    const deployed = await deploy('ring-2');
    clock.set(at('04:00'));
    const rolledBack = await rollback('ring-2');
    expect(rolledBack).toBe('sim:rel-1:ring-2:rollback:2');
    clock.set(at('04:05'));
    expect(fleet.versionOf('eu-west-1')).toBe('v2.0.0');
    expect(await fleet.status(target, rolledBack)).toEqual({ healthy: true, failed: false, detail: 'eu-west-1 runs v2.0.0' });
    expect(await fleet.status(target, deployed)).toEqual({ healthy: false, failed: false, detail: 'eu-west-1 runs v2.0.0, not v2.1.0 (superseded)' });
    expect(fleet.history().map((e) => [e.type, e.at])).toEqual([['deploy', START], ['rollback', at('04:00')]]);
  });

  it('reports a ref it never applied as failed', async () => {
    const { fleet } = setup();
    const target = ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' });
    expect(await fleet.status(target, 'sim:nope')).toEqual({ healthy: false, failed: true, detail: 'nothing was applied as sim:nope' });
  });

  it('refuses a target whose cluster is in a region the fleet does not have', async () => {
    const { fleet } = setup();
    const target = { ...ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' }), clusters: [{ name: 'x', region: 'mars-1', labels: {} }] };
    expect(await adapterErrorOf(fleet.deploy(target))).toEqual({
      message: 'region "mars-1" is not in the simulated fleet (internal, ap-south-1, eu-west-1, us-east-1)',
      retryable: false,
    });
  });
});

describe('the fleet’s metrics', () => {
  it('report the baseline for the stable version (noise 0 makes the gauges exact, and leaves the error rate binomial)', async () => {
    const { read, expectRate } = setup();
    await expectRate('eu-west-1', START - HOUR, 0.002);
    expect(await read('p99_latency_ms', 'eu-west-1', START - HOUR)).toBe(120);
    expect(await read('cpu', 'ap-south-1', START - HOUR)).toBe(0.4);
    expect(await read('memory', 'us-east-1', START - HOUR)).toBe(0.65);
    expect(await read('cpu', 'ap-south-1', START - HOUR, 60)).toBeCloseTo(0.4, 12);
  });

  it('give qps as userShare × weight of the local hour × 100000, and internal regions a share of 0.01', async () => {
    const { clock, read } = setup();
    clock.set(at('14:01'));
    // Gauges read back as the decimals they are kept as (millionths of their unit).
    expect(await read('qps', 'eu-west-1', at('14:00'))).toBe(45_000);
    expect(await read('qps', 'internal', at('14:00'))).toBe(1_500);
    expect(await read('qps', 'ap-south-1', at('08:30'))).toBe(37_500);
  });

  it('read a gauge window the same from the running totals as minute by minute: its samples are whole millionths', async () => {
    const { clock, fleet } = setup('  faults: [{ kind: latency, regions: [eu-west-1], factor: 1.7, after: 20m }]\n', { baseline: '  baseline: { noise: 0.2 }\n' });
    await fleet.deploy(ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' }));
    clock.set(at('09:00'));
    const q = { metric: 'p99_latency_ms', region: 'eu-west-1', ring: 'ring-2', version: 'v2.1.0' };
    const minutes = new Float64Array(300);
    fleet.minutesNow!(q, at('04:00'), 300, minutes, 0);
    for (const v of minutes) expect(Number.isInteger(Math.round(v * 1e6)) && Math.abs(v * 1e6 - Math.round(v * 1e6)) < 1e-3).toBe(true);
    // Sliding hours read in order (from the totals), then again from a fresh fleet in reverse (minute by minute).
    const forward: Array<number | null> = [];
    for (let t = at('05:00'); t <= at('08:00'); t += 5 * MINUTE) forward.push(await fleet.value(q, t - HOUR, t));
    const other = setup('  faults: [{ kind: latency, regions: [eu-west-1], factor: 1.7, after: 20m }]\n', { baseline: '  baseline: { noise: 0.2 }\n' });
    await other.fleet.deploy(ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' }));
    other.clock.set(at('09:00'));
    const backward: Array<number | null> = [];
    for (let t = at('08:00'); t >= at('05:00'); t -= 5 * MINUTE) backward.unshift(await other.fleet.value(q, t - HOUR, t));
    expect(forward).toEqual(backward);
    expect(forward.every((v) => v !== null && v > 120)).toBe(true);
  });

  it('have no data for minutes that have not ended yet', async () => {
    const { read } = setup();
    expect(await read('p99_latency_ms', 'eu-west-1', START, 5)).toBeNull();
    expect(await read('p99_latency_ms', 'eu-west-1', START - 2 * MINUTE, 5)).toBeNull();
    expect(await read('p99_latency_ms', 'eu-west-1', START - 3 * MINUTE, 5)).toBe(120);
  });

  it('take an error-rate fault only in its regions, from `after` past the version’s start there, while the version runs', async () => {
    const { fleet, clock, deploy, rollback, expectRate } = setup('  faults: [{ kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }]\n');
    await deploy('ring-1');
    await deploy('ring-2');
    clock.set(at('04:30'));
    await expectRate('eu-west-1', at('04:04'), 0.002);
    await expectRate('eu-west-1', at('04:05'), 0.05);
    await expectRate('ap-south-1', at('04:05'), 0.002);
    await expectRate('us-east-1', at('04:05'), 0.002);
    await rollback('ring-2');
    clock.set(at('05:00'));
    await expectRate('eu-west-1', at('04:34'), 0.05);
    await expectRate('eu-west-1', at('04:35'), 0.002);
    // The same release's deploy again is a step already done: nothing happens. A new release of the version starts it anew.
    const steps = fleet.history().length;
    await deploy('ring-2');
    expect(fleet.history()).toHaveLength(steps);
    await fleet.deploy(ringTarget(policy, 'ring-2', { releaseId: 'rel-2', version: 'v2.1.0', previousVersion: 'v2.0.0' }));
    clock.set(at('06:00'));
    await expectRate('eu-west-1', at('05:34'), 0.002);
    await expectRate('eu-west-1', at('05:35'), 0.05);
  });

  it('take a latency fault as a factor on p99 latency', async () => {
    const { clock, deploy, read } = setup('  faults: [{ kind: latency, factor: 1.6 }]\n');
    await deploy('ring-2');
    clock.set(at('04:00'));
    expect(await read('p99_latency_ms', 'eu-west-1', at('03:34'))).toBe(120);
    expect(await read('p99_latency_ms', 'eu-west-1', at('03:35'))).toBe(120 * 1.6);
    expect(await read('p99_latency_ms', 'us-east-1', at('03:35'))).toBe(120);
  });

  it('take a daily spike every day at its local time, for its duration', async () => {
    const { clock, deploy, expectRate } = setup('  faults: [{ kind: daily-spike, at: "00:00", timezone: Asia/Kolkata, duration: 15m, errorRate: 0.15 }]\n');
    await deploy('ring-2');
    clock.set(Date.parse('2026-03-04T00:00:00Z'));
    await expectRate('eu-west-1', at('18:29'), 0.002);
    await expectRate('eu-west-1', at('18:30'), 0.15);
    await expectRate('eu-west-1', at('18:44'), 0.15);
    await expectRate('eu-west-1', at('18:45'), 0.002);
    await expectRate('eu-west-1', Date.parse('2026-03-03T18:30:00Z'), 0.15);
    await expectRate('ap-south-1', at('18:30'), 0.002);
  });

  it('take a leak as memory growing with uptime, then errors of 0.5 past 95% memory', async () => {
    const { clock, deploy, read, expectRate } = setup('  faults: [{ kind: leak, memoryPerHour: 0.1 }]\n');
    await deploy('ring-2');
    clock.set(at('09:00'));
    expect(await read('memory', 'eu-west-1', at('03:35'))).toBe(0.65);
    expect(await read('memory', 'eu-west-1', at('05:35'))).toBe(0.85);
    await expectRate('eu-west-1', at('05:35'), 0.002);
    expect(await read('memory', 'eu-west-1', at('07:35'))).toBe(1.05);
    await expectRate('eu-west-1', at('07:35'), 0.5);
    expect(await read('memory', 'ap-south-1', at('07:35'))).toBe(0.65);
  });

  it('take a scale-dependent fault only in regions with at least its user share', async () => {
    const { clock, deploy, expectRate } = setup('  faults: [{ kind: scale-dependent, minUserShare: 0.3, errorRate: 0.2 }]\n');
    for (const ring of ['ring-0', 'ring-1', 'ring-2', 'ring-3']) await deploy(ring);
    clock.set(at('04:00'));
    await expectRate('eu-west-1', at('03:40'), 0.2);
    await expectRate('us-east-1', at('03:40'), 0.2);
    await expectRate('ap-south-1', at('03:40'), 0.002);
    await expectRate('internal', at('03:40'), 0.002);
  });

  it('count the error rate of a window as its failed requests over its requests, and average the others plainly', async () => {
    const hours = Array.from({ length: 24 }, (_, h) => (h === 4 ? 3 : 1)).join(', ');
    const { clock, deploy, read, fleet } = setup(`  faults:
    - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 25m }
    - { kind: latency, regions: [eu-west-1], factor: 2, after: 25m }
  traffic: { eu-west-1: [${hours}] }
`);
    await deploy('ring-2');
    clock.set(at('05:00'));
    const before = fleet.requestCounts('eu-west-1', at('03:59'))!;
    const after = fleet.requestCounts('eu-west-1', at('04:00'))!;
    expect(before.requests).toBe(1_800_000); // 0.3 × 1 × 100,000 × 60
    expect(after.requests).toBe(5_400_000);
    const rate = await read('error_rate', 'eu-west-1', at('03:59'), 2);
    expect(rate).toBe((before.errors + after.errors) / (before.requests + after.requests));
    expect(rate).toBeCloseTo((0.002 * 1 + 0.05 * 3) / 4, 3);
    expect(await read('p99_latency_ms', 'eu-west-1', at('03:59'), 2)).toBe(180);
  });

  it('have no data in a metrics gap, and none for a window less than half covered', async () => {
    const { clock, read, fleet } = setup('  faults: [{ kind: metrics-gap, region: ap-south-1, at: +1h, duration: 30m }]\n');
    clock.set(at('06:00'));
    expect(await read('p99_latency_ms', 'ap-south-1', at('04:30'), 30)).toBeNull();
    expect(await read('p99_latency_ms', 'ap-south-1', at('04:25'), 10)).toBe(120);
    expect(await read('p99_latency_ms', 'ap-south-1', at('04:26'), 10)).toBeNull();
    expect(await read('p99_latency_ms', 'eu-west-1', at('04:30'), 30)).toBe(120);
    const q = { metric: 'p99_latency_ms', region: 'ap-south-1', ring: 'ring-1', version: 'v2.1.0' };
    expect(await fleet.series(q, at('04:00'), at('05:30'), 10 * MINUTE)).toEqual([120, 120, 120, 120, 120, 120]);
  });

  it('have no data, report unhealthy but not failed, and say the region is down during an outage', async () => {
    const { fleet, clock, deploy, read } = setup('  faults: [{ kind: outage, region: us-east-1, at: +1h, duration: 2h }]\n');
    const target = ringTarget(policy, 'ring-3', { version: 'v2.1.0', previousVersion: 'v2.0.0' });
    clock.set(at('04:00'));
    const ref = await deploy('ring-3');
    clock.set(at('05:00'));
    expect(await fleet.regionUp('us-east-1')).toBe(false);
    expect(await fleet.regionUp('eu-west-1')).toBe(true);
    expect(await fleet.status(target, ref)).toEqual({ healthy: false, failed: false, detail: 'us-east-1 is down (outage)' });
    expect(await read('p99_latency_ms', 'us-east-1', at('04:30'), 30)).toBeNull();
    expect(await read('qps', 'us-east-1', at('04:30'), 30)).toBeNull();
    clock.set(at('06:30'));
    expect(await fleet.regionUp('us-east-1')).toBe(true);
    expect(await fleet.status(target, ref)).toEqual({ healthy: true, failed: false, detail: 'us-east-1 runs v2.1.0' });
    expect(await read('p99_latency_ms', 'us-east-1', at('04:25'), 5)).toBe(120);
  });

  it('give series as step means, leaving out steps without data', async () => {
    const { clock, fleet } = setup('  faults: [{ kind: latency, regions: [eu-west-1], factor: 2, after: 10m }]\n');
    await fleet.deploy(ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' }));
    clock.set(at('04:00'));
    const q = { metric: 'p99_latency_ms', region: 'eu-west-1', ring: 'ring-2', version: 'v2.1.0' };
    expect(await fleet.series(q, at('03:25'), at('04:05'), 5 * MINUTE)).toEqual([120, 120, 120, 120, 240, 240, 240]);
  });

  it('give each minute at once (minutesNow) as a 1-minute series gives it, NaN where the series leaves a minute out', async () => {
    const faults = '  faults: [{ kind: outage, region: eu-west-1, at: "+40m", duration: 10m }, { kind: metrics-gap, region: us-east-1, at: "+20m", duration: 5m }, { kind: error-rate, value: 0.02, regions: [eu-west-1] }]\n';
    const { clock, fleet } = setup(faults, { baseline: '  baseline: { noise: 0.1 }\n' });
    await fleet.deploy(ringTarget(policy, 'ring-2', { version: 'v2.1.0', previousVersion: 'v2.0.0' }));
    clock.set(at('05:00'));
    await fleet.setWeights({ 'us-east-1': 0 });
    clock.set(at('05:30'));
    const from = at('03:00');
    const count = 160; // past the clock: minutes not ended yet have no data
    let compared = 0;
    for (const metric of ['error_rate', 'p99_latency_ms', 'cpu', 'memory', 'qps']) {
      for (const region of ['internal', 'eu-west-1', 'us-east-1']) {
        const q = { metric, region, ring: 'any', version: 'v2.1.0' };
        const out = new Float64Array(count + 2).fill(-1);
        fleet.minutesNow!(q, from, count, out, 2);
        expect([out[0], out[1]]).toEqual([-1, -1]);
        for (let i = 0; i < count; i++) {
          const t = from + i * MINUTE;
          const one = await fleet.series(q, t, t + MINUTE, MINUTE);
          expect(Number.isNaN(out[2 + i]!) ? [] : [out[2 + i]]).toEqual(one);
          if (one.length > 0) compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1500);
    const nowhere = { metric: 'cpu', region: 'nowhere', ring: 'any', version: 'v2.1.0' };
    expect(() => fleet.minutesNow!(nowhere, from, 1, new Float64Array(1), 0)).toThrow(/region "nowhere" is not in the simulated fleet/);
  });

  it('keep a minute’s values once it has ended, however often it is read and whatever is deployed, drained or rolled back after', async () => {
    const extra = '  faults: [{ kind: error-rate, value: 0.02, regions: [eu-west-1] }, { kind: latency, factor: 1.5 }]\n';
    const noisy = '  baseline: { noise: 0.1 }\n';
    const metrics = ['error_rate', 'p99_latency_ms', 'cpu', 'qps'];
    const regions = ['internal', 'eu-west-1', 'us-east-1'];
    const readAll = async (fleet: Fleet) => {
      const out: Array<number[]> = [];
      for (const metric of metrics) for (const region of regions) out.push(await fleet.series({ metric, region, ring: 'any', version: 'v2.1.0' }, at('03:00'), at('05:00'), MINUTE));
      return out;
    };
    const steps = async ({ fleet, clock, deploy, rollback }: Setup, readOften: boolean) => {
      await deploy('ring-2');
      for (let i = 0; i < 12; i++) {
        clock.increment(10 * MINUTE);
        if (readOften) await readAll(fleet);
        if (i === 4) await fleet.setWeights({ 'us-east-1': 0 });
        if (i === 8) await rollback('ring-2');
      }
      clock.set(at('07:00'));
      return readAll(fleet);
    };
    const often = await steps(setup(extra, { baseline: noisy }), true);
    const once = await steps(setup(extra, { baseline: noisy }), false);
    expect(often).toEqual(once);
    expect(often[metrics.indexOf('qps') * regions.length + 2]).toContain(0);
  });

  it('refuse an unknown metric or region, and a step under a minute', async () => {
    const { fleet, read } = setup();
    expect(await adapterErrorOf(read('latency', 'eu-west-1', START - HOUR))).toEqual({
      message: 'metric "latency" is not one the simulator supplies (error_rate, p99_latency_ms, cpu, memory, qps)',
      retryable: false,
    });
    expect((await adapterErrorOf(read('cpu', 'mars-1', START - HOUR))).message).toBe('region "mars-1" is not in the simulated fleet (internal, ap-south-1, eu-west-1, us-east-1)');
    const q = { metric: 'cpu', region: 'eu-west-1', ring: 'ring-2', version: 'v2.1.0' };
    expect((await adapterErrorOf(fleet.series(q, START - HOUR, START, 1000))).message).toBe('a series step must be at least 1m (got 1000 ms)');
  });
});

describe('the fleet’s noise', () => {
  const noisy = '  baseline: { noise: 0.1 }\n';
  const queries = ['error_rate', 'p99_latency_ms', 'cpu', 'memory', 'qps'].flatMap((metric) =>
    ['internal', 'ap-south-1', 'eu-west-1', 'us-east-1'].map((region) => ({ metric, region, ring: 'any', version: 'v2.1.0' })),
  );

  async function readAll(fleet: Fleet, order: typeof queries): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    for (const q of order) out.set(`${q.metric}/${q.region}`, await fleet.value(q, START - 20 * MINUTE, START - 15 * MINUTE));
    return out;
  }

  it('gives identical values for the same seed, whatever order they are asked in', async () => {
    const a = await readAll(setup('', { baseline: noisy }).fleet, queries);
    const b = await readAll(setup('', { baseline: noisy }).fleet, [...queries].reverse());
    expect(new Map([...b].sort())).toEqual(new Map([...a].sort()));
    expect(a.get('p99_latency_ms/eu-west-1')).not.toBe(120);
  });

  it('gives different values for a different seed, and --seed overrides the scenario’s', async () => {
    const seven = await readAll(setup('', { baseline: noisy }).fleet, queries);
    const eight = await readAll(setup('', { baseline: noisy, seed: 8 }).fleet, queries);
    expect([...seven.keys()].filter((k) => seven.get(k) === eight.get(k))).toEqual([]);
    const scenario = scenarioOf('', noisy);
    const viaScenario = createFleet(policy, { ...scenario, spec: { ...scenario.spec, seed: 8 } }, new SimulatedClock(START));
    expect(await readAll(viaScenario, queries)).toEqual(eight);
  });

  /** The mean and standard deviation of a region's 1-minute values over two days before START. */
  async function spread(fleet: Fleet, metric: string, region: string): Promise<{ n: number; mean: number; sd: number; values: number[] }> {
    const values = await fleet.series({ metric, region, ring: 'any', version: 'v2.1.0' }, START - 2 * 24 * HOUR, START, MINUTE);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { n: values.length, mean, sd, values };
  }
  const flat = `  traffic: { ${['internal', 'ap-south-1', 'eu-west-1', 'us-east-1'].map((r) => `${r}: [${Array(24).fill(1).join(', ')}]`).join(', ')} }\n`;

  it('gives the busiest region the configured relative standard deviation, and smaller ones √(reference qps ÷ qps) times more', async () => {
    const { fleet } = setup(flat, { baseline: noisy });
    // Flat traffic: qps is userShare × 100,000 all day; the reference is us-east-1's 45,000.
    for (const [region, factor] of [['us-east-1', 1], ['eu-west-1', Math.sqrt(0.45 / 0.3)], ['ap-south-1', Math.sqrt(0.45 / 0.25)]] as const) {
      const { n, mean, sd } = await spread(fleet, 'p99_latency_ms', region);
      expect(n).toBe(2880);
      expect(Math.abs(mean / 120 - 1), region).toBeLessThan(0.01);
      expect(Math.abs(sd / 120 / (0.1 * factor) - 1), region).toBeLessThan(0.05);
    }
    // internal serves 1% of the global rate: √45 ≈ 6.7 times the noise (small noise, so nothing clips at 0).
    const internal = await spread(setup(flat, { baseline: '  baseline: { noise: 0.02 }\n' }).fleet, 'cpu', 'internal');
    expect(Math.abs(internal.sd / 0.4 / (0.02 * Math.sqrt(45)) - 1)).toBeLessThan(0.05);
  });

  it('makes a region noisier in its night than at its peak, by its own traffic', async () => {
    const { fleet } = setup('', { baseline: noisy });
    // eu-west-1 (Europe/London, UTC in March): weight 1.5 at 14:00 and 0.5 at 03:00, so √3 apart.
    const q = { metric: 'p99_latency_ms', region: 'eu-west-1', ring: 'any', version: 'v2.1.0' };
    const around = async (hour: number) => {
      const values: number[] = [];
      for (let day = 1; day <= 14; day++) {
        const t = START - day * 24 * HOUR - 3.5 * HOUR + hour * HOUR;
        values.push(...(await fleet.series(q, t - 30 * MINUTE, t + 30 * MINUTE, MINUTE)));
      }
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    };
    const ratio = (await around(3)) / (await around(14));
    expect(Math.abs(ratio / Math.sqrt(3) - 1)).toBeLessThan(0.1);
  });

  it("draws each minute's failed requests binomially: the error rate spreads as √(p(1 − p) ÷ requests), whatever the noise", async () => {
    for (const baseline of [noisy, '  baseline: { noise: 0 }\n']) {
      const { fleet } = setup(flat, { baseline });
      for (const [region, requests] of [['internal', 60_000], ['ap-south-1', 1_500_000], ['us-east-1', 2_700_000]] as const) {
        const { n, mean, sd } = await spread(fleet, 'error_rate', region);
        expect(n).toBe(2880);
        const expected = Math.sqrt((0.002 * 0.998) / requests);
        expect(Math.abs(mean - 0.002), region).toBeLessThan((4 * expected) / Math.sqrt(n));
        expect(Math.abs(sd / expected - 1), region).toBeLessThan(0.05);
      }
    }
  });

  it('gives small expected counts their true probabilities, zeros included', async () => {
    // 60,000 requests a minute at 1e-5: 0.6 failures expected; P(0) = e^−0.6, P(1) = 0.6 e^−0.6.
    const { fleet } = setup(flat, { baseline: '  baseline: { errorRate: 0.00001, noise: 0 }\n' });
    const { values } = await spread(fleet, 'error_rate', 'internal');
    const counts = values.map((v) => Math.round(v * 60_000));
    expect(values.every((v, i) => v === counts[i]! / 60_000)).toBe(true);
    const share = (k: number) => counts.filter((c) => c === k).length / counts.length;
    expect(Math.abs(share(0) - Math.exp(-0.6))).toBeLessThan(0.03);
    expect(Math.abs(share(1) - 0.6 * Math.exp(-0.6))).toBeLessThan(0.03);
  });
});

describe('the fleet’s traffic, hooks and approvals', () => {
  it('starts every production region at weight 1 and records weight changes', async () => {
    const { fleet, clock } = setup();
    expect(await fleet.weights()).toEqual({ 'ap-south-1': 1, 'eu-west-1': 1, 'us-east-1': 1 });
    clock.increment(MINUTE);
    await fleet.setWeights({ 'eu-west-1': 0, 'us-east-1': 1.2 });
    expect(await fleet.weights()).toEqual({ 'ap-south-1': 1, 'eu-west-1': 0, 'us-east-1': 1.2 });
    expect(fleet.history()).toEqual([{ type: 'weights', at: START + MINUTE, weights: { 'eu-west-1': 0, 'us-east-1': 1.2 } }]);
  });

  it('gives a drained region no qps and no error rate', async () => {
    const { fleet, clock, read } = setup();
    await fleet.setWeights({ 'eu-west-1': 0 });
    clock.increment(HOUR);
    expect(await read('qps', 'eu-west-1', START, 60)).toBe(0);
    expect(await read('error_rate', 'eu-west-1', START, 60)).toBeNull(); // no requests, no error rate
    expect(fleet.requestCounts('eu-west-1', START)).toBeNull();
    expect(await read('p99_latency_ms', 'eu-west-1', START, 60)).toBe(120);
  });

  it('refuses weights for internal or unknown regions, and negative weights', async () => {
    const { fleet } = setup();
    expect((await adapterErrorOf(fleet.setWeights({ internal: 1 }))).message).toBe('region "internal" is internal and takes no user traffic');
    expect((await adapterErrorOf(fleet.setWeights({ 'eu-west-1': -1 }))).message).toBe('the weight of eu-west-1 must be a number ≥ 0 (got -1)');
    expect(await fleet.weights()).toEqual({ 'ap-south-1': 1, 'eu-west-1': 1, 'us-east-1': 1 });
  });

  it('runs hooks successfully and records them, unless the scenario makes a step fail', async () => {
    const { fleet } = setup('  failHooks: [replication.pause]\n');
    const context = { releaseId: 'rel-1', service: 'webapp', version: 'v2.1.0' };
    await fleet.run({ command: ['true'] }, { ...context, step: 'flag.enable' });
    expect(await adapterErrorOf(fleet.run({ command: ['true'] }, { ...context, step: 'replication.pause' }))).toEqual({
      message: 'hook replication.pause failed (the scenario makes it fail)',
      retryable: false,
    });
    expect(fleet.history()).toEqual([
      { type: 'hook', at: START, step: 'flag.enable', ok: true },
      { type: 'hook', at: START, step: 'replication.pause', ok: false },
    ]);
  });

  it('lists the scenario’s approvals for a ring', () => {
    const { fleet } = setup('  approvals:\n    - { ring: ring-3, by: mallory }\n    - { ring: ring-3, by: release-lead, groups: [release-team], after: 10m }\n');
    expect(fleet.approvalsFor('ring-3')).toEqual([
      { by: 'mallory', groups: [], after: 0 },
      { by: 'release-lead', groups: ['release-team'], after: 10 * MINUTE },
    ]);
    expect(fleet.approvalsFor('ring-1')).toEqual([]);
  });
});

describe('the fleet after a controller restart', () => {
  it('applies a step it never saw when asked about it, as a GitOps controller re-syncs, and learns assumed versions', async () => {
    const { loadPolicy } = await import('../policy/load.ts');
    const { loadScenario } = await import('./scenario.ts');
    const { createFleet } = await import('./fleet.ts');
    const { readFileSync } = await import('node:fs');
    const policy = loadPolicy(readFileSync('examples/webapp.yaml', 'utf8'), 'webapp.yaml').policy;
    const scenario = loadScenario(readFileSync('examples/scenarios/good-release.yaml', 'utf8'), 's.yaml', policy).scenario;
    let now = scenario.spec.start;
    const fleet = createFleet(policy, scenario, { now: () => now });
    const target = {
      releaseId: 'r1', service: 'webapp', ring: 'ring-1', ringIndex: 1, version: 'v2.1.0', previousVersion: 'v2.0.0',
      clusters: [{ name: 'ap-south-1', region: 'ap-south-1', labels: {} }],
    };
    const first = await fleet.status(target, 'sim:r1:ring-1:deploy:7');
    expect(first).toMatchObject({ healthy: false, failed: false });
    now += 5 * 60_000;
    expect(await fleet.status(target, 'sim:r1:ring-1:deploy:7')).toMatchObject({ healthy: true, detail: 'ap-south-1 runs v2.1.0' });
    expect((await fleet.status(target, 'sim:other:ring-1:deploy:1')).failed).toBe(true);
    fleet.assume('eu-west-1', 'v2.1.0');
    expect(fleet.versionOf('eu-west-1')).toBe('v2.1.0');
  });
});

describe('the fleet model’s draws', () => {
  it('are binomial3 on (region key, 0, minute) and noise3 on (region key, metric, minute), for any seed', () => {
    const scenario = scenarioOf('', '  baseline: { noise: 0.1 }\n');
    for (const seed of [7, 0, -3, 2 ** 32 + 1, 2 ** 40 + 3, -(2 ** 45)]) {
      const model = new FleetModel(policy, scenario, seed);
      for (const r of model.regions) {
        for (let minute = 29_000_000; minute < 29_000_040; minute++) {
          expect(model.errors(r.index, minute, 2000, 0.002)).toBe(binomial3(2000, 0.002, seed, r.key, 0, minute));
          expect(model.errors(r.index, minute, 600_000, 0.01)).toBe(binomial3(600_000, 0.01, seed, r.key, 0, minute));
          for (let metric = 0; metric < 5; metric++) {
            expect(model.sample(metric, r.index, minute, 120, 2)).toBe(Math.max(0, 120 * (1 + 0.1 * 2 * noise3(seed, r.key, metric, minute))));
          }
        }
      }
    }
  });

  it('refuse a seed that is not an integer when drawing, as before', () => {
    const model = new FleetModel(policy, scenarioOf(), 0.5);
    const message = 'random keys and seeds are integers; got 0.5';
    expect(() => model.errors(0, 1, 2000, 0.002)).toThrow(new RangeError(message));
    expect(() => model.sample(1, 0, 1, 120, 1)).toThrow(new RangeError(message));
  });
});
