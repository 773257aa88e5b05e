/**
 * @module Benchmarks (npm run bench): medians of repeated runs of the main jobs, in-process.
 * Never part of npm test. The machine is small and noisy: read medians, not single runs.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { lint } from '../src/policy/lint/lint.ts';
import { loadPolicy } from '../src/policy/load.ts';
import { planRelease } from '../src/plan/timeline.ts';
import { compareStrategies } from '../src/runtime/compare.ts';
import { runSimulation } from '../src/runtime/simulate.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { simulationReport } from '../src/runtime/report.ts';

const policyText = readFileSync('examples/webapp.yaml', 'utf8');
const { policy } = loadPolicy(policyText, 'webapp.yaml');
const scenario = (name: string) => loadScenario(readFileSync(`examples/scenarios/${name}.yaml`, 'utf8'), name, policy).scenario;
const start = Date.parse('2026-03-02T03:30:00Z');

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
const cases: Array<[string, number, () => unknown]> = [
  ['validate examples/webapp.yaml', 200, () => loadPolicy(policyText, 'webapp.yaml')],
  ['lint examples/webapp.yaml', 200, () => lint({ policy })],
  ['plan examples/webapp.yaml', 200, () => planRelease(policy, { start })],
  ['simulate ring-2-fails (1.3 virtual days)', 20, async () => simulationReport(await runSimulation(policy, scenario('ring-2-fails')))],
  ['simulate good-release (to completion)', 20, async () => simulationReport(await runSimulation(policy, scenario('good-release')))],
  ['simulate midnight-spike', 20, async () => runSimulation(policy, scenario('midnight-spike'))],
  ['compare ring-2-fails, 5 seeds x 4 strategies', 5, () => compareStrategies(policy, scenario('ring-2-fails'), 5)],
];
for (const [name, runs, fn] of cases) if (!only || name.includes(only)) await bench(name, runs, fn);
