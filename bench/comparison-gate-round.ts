/**
 * @module Benchmark fixtures for comparison gates (cases in bench/run.ts): one evaluation round of a
 * comparison gate through the gate runner, for a ring of canary regions against the stable regions
 * of a fleet, at a given minute of the bake, with the trackers the release would hold by then.
 * Metrics come from an in-memory table (a hash of region and minute), so the round's own work is
 * what is timed: the reads it asks for, the baseline per minute, the sequential statistic.
 */
import { loadPolicy } from '../src/policy/load.ts';
import type { GateCheck } from '../src/engine/types.ts';
import { baselineCenter } from '../src/gates/baseline.ts';
import { compareSettings } from '../src/gates/comparison.ts';
import { initialSequential, updateSequential } from '../src/gates/sequential.ts';
import { initialTracker, type TrackerState } from '../src/gates/tracker.ts';
import type { MinuteSample } from '../src/gates/types.ts';
import type { Metrics } from '../src/ports.ts';
import { runGateChecks } from '../src/runtime/gate-runner.ts';

const MIN = 60_000;
const HEALTHY = Date.parse('2026-03-02T00:00:00Z');
const WARMUP = 10 * MIN;

/** A deterministic error rate near 0.002 for (region, minute). */
function rate(region: number, minute: number): number {
  let h = Math.imul(region + 1, 0x9e3779b1) ^ Math.imul(minute + 7, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  return 0.002 * (1 + 0.2 * ((h >>> 0) / 4294967296 - 0.5));
}

export interface RoundCase {
  /** How many calls to Metrics.series the last run made. */
  reads: () => number;
  run: () => Promise<unknown>;
}

/** One round at `minute` of the bake (minutes after the warmup) for `canaries` canary regions against `stable` stable ones. */
export function comparisonRound(canaries: number, stable: number, minute: number): RoundCase {
  const names = Array.from({ length: canaries + stable }, (_, i) => `region-${i}`);
  const canaryNames = names.slice(0, canaries);
  const stableNames = names.slice(canaries);
  const yaml = [
    'apiVersion: meridian.dev/v1alpha1',
    'kind: ReleasePolicy',
    'metadata: { name: bench }',
    'spec:',
    '  service: { name: bench }',
    '  regions:',
    ...names.map((n) => `    - { name: ${n}, timezone: UTC, userShare: ${(1 / names.length).toFixed(8)}, clusters: [{ name: ${n} }] }`),
    '  rings:',
    `    - { name: canary, regions: [${canaryNames.join(', ')}], bake: 24h, gates: [vs-baseline] }`,
    `    - { name: rest, regions: [${stableNames.join(', ')}], bake: 24h, gates: [] }`,
    '  gates:',
    '    vs-baseline: { compare: { metric: error_rate, maxRatio: 0.5 } }',
  ].join('\n');
  const { policy } = loadPolicy(yaml, 'bench.yaml');
  const index = new Map(names.map((n, i) => [n, i]));
  let reads = 0;
  const metrics: Metrics = {
    value: async () => 0.002,
    series: async (q, from, to, step) => {
      reads++;
      const r = index.get(q.region)!;
      const out: number[] = [];
      for (let t = from; t + step <= to; t += step) out.push(rate(r, Math.round(t / MIN)));
      return out;
    },
  };
  const start = HEALTHY + WARMUP;
  const at = start + minute * MIN;
  // What the trackers hold after the rounds before this one: every minute up to the last 5 folded.
  const settings = compareSettings('vs-baseline', policy.spec.gates['vs-baseline']!, 24 * 60 * MIN);
  const before: MinuteSample[][] = canaryNames.map(() => []);
  const pool = new Float64Array(stable);
  for (let t = start; t < at - 5 * MIN; t += MIN) {
    const m = Math.round(t / MIN);
    for (let s = 0; s < stable; s++) pool[s] = rate(canaries + s, m);
    const baseline = baselineCenter(pool);
    canaryNames.forEach((_, c) => before[c]!.push({ at: t, canary: rate(c, m), baseline }));
  }
  const trackers: Record<string, TrackerState> = {};
  canaryNames.forEach((n, c) => {
    trackers[`vs-baseline@${n}`] = { ...initialTracker(), sequential: updateSequential(initialSequential(), before[c]!, settings) } as TrackerState;
  });
  const checks: GateCheck[] = canaryNames.map((region) => ({
    gate: 'vs-baseline', region, kind: 'compare', from: Math.max(start, at - 60 * MIN), to: at, baselineRegions: stableNames,
  }));
  const ctx = { policy, metrics, ring: 'canary', version: 'v2', previousVersion: 'v1', trackers };
  let last = 0;
  return {
    reads: () => last,
    run: async () => {
      reads = 0;
      const evs = await runGateChecks(ctx, checks);
      last = reads;
      return evs;
    },
  };
}
