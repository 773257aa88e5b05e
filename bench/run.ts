/**
 * @module Benchmarks (npm run bench): medians of repeated runs of the main jobs, in-process.
 * Never part of npm test. The machine is small and noisy: read medians, not single runs.
 * `npm run bench -- 'lint,'` runs the cases whose name contains the text; BENCH_RUNS=N caps the
 * runs of each case. Large fleets (800 and 2,000 regions) come from src/policy/testing.ts.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { lint } from '../src/policy/lint/lint.ts';
import { loadPolicy, type LoadedPolicy } from '../src/policy/load.ts';
import { lineOf } from '../src/policy/source.ts';
import { planRelease } from '../src/plan/timeline.ts';
import { compareStrategies } from '../src/runtime/compare.ts';
import { runSimulation } from '../src/runtime/simulate.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { fleetPolicy } from '../src/policy/testing.ts';
import { simulationReport } from '../src/runtime/report.ts';
import { comparisonRound, type RoundCase } from './comparison.ts';

const policyText = readFileSync('examples/webapp.yaml', 'utf8');
const { policy } = loadPolicy(policyText, 'webapp.yaml');
const scenario = (name: string) => loadScenario(readFileSync(`examples/scenarios/${name}.yaml`, 'utf8'), name, policy).scenario;
const start = Date.parse('2026-03-02T03:30:00Z');

/** Large fleets: rings of 10 regions; capacities cycle 1.0, 1.2, 1.5, 2 (half the regions under minHeadroom). */
const fleetText = (regions: number, capacity?: (i: number) => number | undefined) => fleetPolicy(capacity ? { regions, capacity } : { regions });
const fleet800 = fleetText(800);
const fleet2000 = fleetText(2000);
/** Every region at the default capacity 1.0: no spare anywhere, so losing any region is refused. */
const fleet2000Full = fleetText(2000, () => undefined);
const loaded800 = loadPolicy(fleet800, 'fleet-800.yaml');
const loaded2000 = loadPolicy(fleet2000, 'fleet-2000.yaml');
const loaded2000Full = loadPolicy(fleet2000Full, 'fleet-2000-full.yaml');
/** A comparison gate's evaluation round (bench/comparison.ts), built on its first (untimed) run. */
const round = (canaries: number, stable: number, minute: number) => {
  let c: RoundCase | undefined;
  return () => (c ??= comparisonRound(canaries, stable, minute)).run();
};
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
  ['validate, 800 regions', 10, () => loadPolicy(fleet800, 'fleet-800.yaml')],
  ['validate, 2,000 regions', 10, () => loadPolicy(fleet2000, 'fleet-2000.yaml')],
  ['lint, 800 regions', 10, () => lintFile(loaded800)],
  ['lint, 2,000 regions', 10, () => lintFile(loaded2000)],
  ['lint, 2,000 regions at capacity 1 (no spare)', 10, () => lintFile(loaded2000Full)],
  ['simulate ring-2-fails (1.3 virtual days)', 20, async () => simulationReport(await runSimulation(policy, scenario('ring-2-fails')))],
  ['simulate good-release (to completion)', 20, async () => simulationReport(await runSimulation(policy, scenario('good-release')))],
  ['simulate midnight-spike', 20, async () => runSimulation(policy, scenario('midnight-spike'))],
  ['compare ring-2-fails, 5 seeds x 4 strategies', 5, () => compareStrategies(policy, scenario('ring-2-fails'), 5)],
  ['comparison round, 1 vs 499 regions', 50, round(1, 499, 60)],
  ['comparison round, ring of 25 vs 475', 20, round(25, 475, 60)],
  ['comparison check at minute 60 of a bake', 500, round(1, 20, 60)],
  ['comparison check at minute 1,440 of a bake', 500, round(1, 20, 1440)],
];
for (const [name, runs, fn] of cases) if (!only || name.includes(only)) await bench(name, Math.min(runs, maxRuns), fn);
