/**
 * @module Benchmarks (npm run bench): medians of repeated runs of the main jobs, in-process.
 * Never part of npm test. The machine is small and noisy: read medians, not single runs.
 * `npm run bench -- 'lint,'` runs the cases whose name contains the text; BENCH_RUNS=N caps the
 * runs of each case. Large fleets (500, 800 and 2,000 regions) come from src/policy/testing.ts.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { lint } from '../src/policy/lint/lint.ts';
import { loadPolicy, type LoadedPolicy } from '../src/policy/load.ts';
import { lineOf } from '../src/policy/source.ts';
import { planRelease } from '../src/plan/release-plan.ts';
import { decide } from '../src/engine/decide.ts';
import { releaseEta } from '../src/runtime/release-eta.ts';
import { compareStrategies } from '../src/runtime/strategy-comparison.ts';
import { runSimulation } from '../src/runtime/simulate.ts';
import { loadScenario, type Scenario } from '../src/sim/scenario.ts';
import { fleetPolicy } from '../src/policy/testing.ts';
import { simulationReport, type Outcome } from '../src/runtime/report.ts';
import type { Policy } from '../src/policy/schema.ts';
import { comparisonRound, type RoundCase } from './comparison-gate-round.ts';

const policyText = readFileSync('examples/webapp.yaml', 'utf8');
const { policy } = loadPolicy(policyText, 'webapp.yaml');
const scenario = (name: string) => loadScenario(readFileSync(`examples/scenarios/${name}.yaml`, 'utf8'), name, policy).scenario;
const start = Date.parse('2026-03-02T03:30:00Z');
/** A release of webapp.yaml as it starts on a Friday noon (the weekend in Kolkata, a London night): every later ring waits for business hours. */
const friday = Date.parse('2026-03-06T12:00:00Z');
const fridayStart = decide(null, { type: 'start', at: friday, versions: {}, release: { id: 'r', service: 'webapp', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' } }, policy).state;

/** Large fleets: rings of 10 regions; capacities cycle 1.0, 1.2, 1.5, 2 (half the regions under minHeadroom). */
const fleetText = (regions: number, capacity?: (i: number) => number | undefined) => fleetPolicy(capacity ? { regions, capacity } : { regions });
const fleet800 = fleetText(800);
const fleet2000 = fleetText(2000);
/** Every region at the default capacity 1.0: no spare anywhere, so losing any region is refused. */
const fleet2000Full = fleetText(2000, () => undefined);
const loaded800 = loadPolicy(fleet800, 'fleet-800.yaml');
const loaded2000 = loadPolicy(fleet2000, 'fleet-2000.yaml');
const loaded2000Full = loadPolicy(fleet2000Full, 'fleet-2000-full.yaml');
/** A comparison gate's evaluation round (bench/comparison-gate-round.ts), built on its first (untimed) run. */
const round = (canaries: number, stable: number, minute: number) => {
  let c: RoundCase | undefined;
  return () => (c ??= comparisonRound(canaries, stable, minute)).run();
};
/**
 * Whole releases over 500 regions with a comparison gate: ring-0 internal, then production rings of
 * 1 (the canary), 25, 100 and the other 373; every production ring but the last also compares its
 * metric with the stable regions (the last leaves none to compare with). Deploys may start at any
 * hour: rings that span eight time zones share no business hours. Policy and scenario are built on
 * the first (untimed) run; each run checks the outcome it exists to time.
 */
const fleet500 = (metric: 'error_rate' | 'p99_latency_ms', maxRatio: number) =>
  loadPolicy(fleetPolicy({ regions: 500, rings: [1, 25, 100], compare: { metric, maxRatio }, deployWindow: 'always' }), 'fleet-500.yaml').policy;
/** good-release.yaml's start, seed and versions (its approval is for webapp's ring-3), with `faults` if given. */
const fleetScenario = (policy: Policy, faults: string[] = []) =>
  loadScenario(
    [
      'apiVersion: meridian.dev/v1alpha1',
      'kind: Scenario',
      'metadata: { name: fleet-500 }',
      'spec:',
      '  start: "2026-03-02T03:30:00Z"',
      '  seed: 1',
      '  release: { version: v2.1.0, previous: v2.0.0 }',
      ...(faults.length > 0 ? ['  faults:', ...faults.map((f) => `    - ${f}`)] : []),
    ].join('\n'),
    'fleet-500.yaml',
    policy,
  ).scenario;
const wholeRelease = (build: () => { policy: Policy; scenario: Scenario }, outcome: Outcome, failedRing?: string) => {
  let c: { policy: Policy; scenario: Scenario } | undefined;
  return async () => {
    c ??= build();
    const report = simulationReport(await runSimulation(c.policy, c.scenario));
    const failed = report.rings.filter((r) => r.verdict === 'failed').map((r) => r.name).join(', ');
    if (report.outcome !== outcome || failed !== (failedRing ?? '')) {
      const said = (o: string, f: string | undefined) => `${o}${f ? ` (${f} failed)` : ''}`;
      throw new Error(`expected ${said(outcome, failedRing)}, got ${said(report.outcome, failed)}`);
    }
    return report;
  };
};
const goodRelease500 = (metric: 'error_rate' | 'p99_latency_ms', maxRatio: number) =>
  wholeRelease(() => {
    const policy = fleet500(metric, maxRatio);
    return { policy, scenario: fleetScenario(policy) };
  }, 'completed');
/** Error rate 0.005 everywhere (2.5 × the baseline's 0.002, under the threshold gate's max 0.01): only the comparison sees it. */
const canaryCatches500 = wholeRelease(() => {
  const policy = fleet500('error_rate', 0.5);
  return { policy, scenario: fleetScenario(policy, ['{ kind: error-rate, value: 0.005 }']) };
}, 'rolled-back', 'ring-1');
/** What `meridian lint` computes: the findings and the line of each. */
const lintFile = ({ policy, source }: LoadedPolicy) => lint({ policy }).map((f) => lineOf(source, f.path));

async function bench(name: string, runs: number, fn: () => unknown | Promise<unknown>): Promise<void> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const p90 = times[Math.floor(times.length * 0.9)]!;
  console.log(`${name.padEnd(48)} median ${median.toFixed(2).padStart(9)} ms   p90 ${p90.toFixed(2).padStart(9)} ms   (${runs} runs)`);
}

const only = process.argv[2];
/** BENCH_RUNS caps the runs of every case (to time a slow build once). */
const maxRuns = Number(process.env.BENCH_RUNS ?? Infinity);
const cases: Array<[string, number, () => unknown]> = [
  ['validate examples/webapp.yaml', 200, () => loadPolicy(policyText, 'webapp.yaml')],
  ['lint examples/webapp.yaml', 200, () => lint({ policy })],
  ['plan examples/webapp.yaml', 200, () => planRelease(policy, { start })],
  ['expected times of a release (webapp.yaml started on a Friday noon)', 500, () => releaseEta(policy, fridayStart, friday)],
  ['validate, 800 regions', 10, () => loadPolicy(fleet800, 'fleet-800.yaml')],
  ['validate, 2,000 regions', 10, () => loadPolicy(fleet2000, 'fleet-2000.yaml')],
  ['lint, 800 regions', 10, () => lintFile(loaded800)],
  ['lint, 2,000 regions', 10, () => lintFile(loaded2000)],
  ['lint, 2,000 regions at capacity 1 (no spare)', 10, () => lintFile(loaded2000Full)],
  ['simulate ring-2-fails (1.3 virtual days)', 20, async () => simulationReport(await runSimulation(policy, scenario('ring-2-fails')))],
  ['simulate good-release (to completion)', 20, async () => simulationReport(await runSimulation(policy, scenario('good-release')))],
  ['simulate midnight-spike', 20, async () => runSimulation(policy, scenario('midnight-spike'))],
  ['compare ring-2-fails, 5 seeds x 4 strategies', 5, () => compareStrategies(policy, scenario('ring-2-fails'), 5)],
  ['simulate 500 regions, error_rate vs stable', 5, goodRelease500('error_rate', 0.5)],
  ['simulate 500 regions, p99_latency_ms vs stable', 5, goodRelease500('p99_latency_ms', 0.2)],
  ['simulate 500 regions, fault caught in canary', 10, canaryCatches500],
  ['comparison round, 1 vs 499 regions', 50, round(1, 499, 60)],
  ['comparison round, ring of 25 vs 475', 20, round(25, 475, 60)],
  ['comparison check at minute 60 of a bake', 500, round(1, 20, 60)],
  ['comparison check at minute 1,440 of a bake', 500, round(1, 20, 1440)],
];
for (const [name, runs, fn] of cases) if (!only || name.includes(only)) await bench(name, Math.min(runs, maxRuns), fn);
