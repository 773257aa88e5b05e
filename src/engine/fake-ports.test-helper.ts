/**
 * @module Working fakes of the ports for engine tests: delivery that records commits, health that
 * turns healthy one poll after a deploy, metrics from a function, traffic and hooks that record.
 */
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/schema.ts';
import type { Clock, MetricQuery, RingTarget } from '../ports.ts';
import { SimulatedClock } from '../runtime/simulated-clock.ts';
import { runInVirtualTime, type VirtualRunPorts } from '../runtime/virtual-run.ts';
import type { EngineInput, ReleaseState } from './types.ts';

export const T0 = Date.parse('2026-03-02T10:00:00Z'); // a Monday

export const BASE = `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.25, capacity: 1.5, clusters: [{ name: ap1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.30, capacity: 1.5, clusters: [{ name: eu1 }] }
    - { name: us-east-1, timezone: America/New_York, userShare: 0.45, capacity: 1.5, clusters: [{ name: us1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h, gates: [error-rate] }
    # Evidence (the local peak hour, on by default for the first production ring) has its own tests.
    - { name: ring-1, regions: [ap-south-1], bake: 2h, gates: [error-rate], evidence: { coverPeak: false } }
    - { name: ring-2, regions: [eu-west-1], bake: 1h, gates: [error-rate], onFailure: { rollback: [ring-1, ring-2] } }
    - { name: ring-3, regions: [us-east-1], bake: 1h, gates: [error-rate], approval: { approvers: [alice, group:release-team] } }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  windows: { deploy: always }
`;

export function policyOf(text: string = BASE): Policy {
  return loadPolicy(text, 'test.yaml').policy;
}

export interface FakeWorld extends VirtualRunPorts {
  log: string[];
  weights: Record<string, number>;
}

export interface FakeOptions {
  /** Error rate of a region at a time (null = no data). Default 0.001. */
  errorRate?: (region: string, at: number, q: MetricQuery) => number | null;
  approvals?: Record<string, Array<{ by: string; groups: string[]; after: number }>>;
  healthy?: (target: RingTarget) => boolean;
  /** Regional liveness for failover (default: always up). */
  regionUp?: (region: string, at: number) => boolean;
  failHooks?: string[];
}

export function fakeWorld(policy: Policy, clock: Clock, opts: FakeOptions = {}): FakeWorld {
  const log: string[] = [];
  const weights: Record<string, number> = {};
  for (const r of policy.spec.regions) if (!r.internal) weights[r.name] = r.userShare ?? 0;
  const rate = opts.errorRate ?? (() => 0.001);
  return {
    log,
    weights,
    delivery: {
      deploy: async (t) => { log.push(`deploy ${t.ring} ${t.version}`); return { ref: `${t.ring}/deploy` }; },
      rollback: async (t) => { log.push(`rollback ${t.ring} to ${t.previousVersion}`); return { ref: `${t.ring}/rollback` }; },
    },
    health: {
      status: async (t) => (opts.healthy?.(t) ?? true)
        ? { healthy: true, failed: false, detail: 'Synced, Healthy' }
        : { healthy: false, failed: false, detail: 'Progressing' },
      regionUp: async (region) => opts.regionUp?.(region, clock.now()) ?? true,
    },
    metrics: {
      value: async (q, from, to) => {
        // The mean of the per-minute values over the window; null when any minute has no data.
        let sum = 0;
        let n = 0;
        for (let t = from + 60_000; t <= to; t += 60_000) {
          const v = rate(q.region, t, q);
          if (v === null) return null;
          sum += v;
          n++;
        }
        return n === 0 ? null : sum / n;
      },
      series: async (q, from, to, step) => {
        const out: number[] = [];
        for (let t = from + step; t <= to; t += step) {
          const v = rate(q.region, t, q);
          if (v !== null) out.push(v);
        }
        return out;
      },
    },
    traffic: {
      weights: async () => ({ ...weights }),
      setWeights: async (w) => { Object.assign(weights, w); log.push(`weights ${JSON.stringify(w)}`); },
    },
    hooks: {
      run: async (_hook, ctx) => {
        if (opts.failHooks?.includes(ctx.step)) throw new Error(`${ctx.step} exited with status 1`);
        log.push(`hook ${ctx.step}`);
      },
    },
    approvalsFor: (ring) => opts.approvals?.[ring] ?? [],
  };
}

export async function run(
  policy: Policy,
  opts: FakeOptions & { start?: number; horizon?: number; inject?: EngineInput[]; record?: EngineInput[] } = {},
): Promise<{ state: ReleaseState; world: FakeWorld; types: string[] }> {
  const start = opts.start ?? T0;
  const clock = new SimulatedClock(start);
  const world = fakeWorld(policy, clock, opts);
  const { state } = await runInVirtualTime(
    policy,
    {
      type: 'start', at: start, versions: {},
      release: { id: 'rel-1', service: 'shop', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' },
    },
    world, clock, start + (opts.horizon ?? 14 * 86_400_000),
    { ...(opts.inject ? { inject: opts.inject } : {}), ...(opts.record ? { record: opts.record } : {}) },
  );
  return { state, world, types: state.events.map((e) => `${e.type}${e.ring ? ` ${e.ring}` : ''}`) };
}
