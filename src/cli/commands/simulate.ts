/**
 * @module `meridian simulate POLICY --scenario FILE [--seed N] [--strategy S] [--json]`: one
 * release against the simulated fleet in virtual time. Exit 0 whatever the outcome: the outcome is
 * in the output.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PolicyError, UsageError } from '../../errors.ts';
import { refuseRelease } from '../../engine/release-rules.ts';
import { locate } from '../../policy/source.ts';
import { loadPolicy } from '../../policy/load.ts';
import type { Policy } from '../../policy/schema.ts';
import { STRATEGIES, strategyPolicy, type Strategy } from '../../policy/strategies.ts';
import { simulationReport } from '../../runtime/report.ts';
import { runSimulation } from '../../runtime/simulate.ts';
import { exportOpenMetrics } from '../../sim/openmetrics.ts';
import { loadScenario, type Scenario } from '../../sim/scenario.ts';
import { EXIT } from '../exit-codes.ts';
import { eventLines, releaseStateTable } from '../format/release.ts';
import { json, readInput, type Io } from '../io.ts';
import { tableMinute } from '../../plan/iso.ts';

export function parseSeed(value: string | undefined, flag = '--seed'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${flag} "${value}" is not a whole number`);
  return Number(value);
}

export function parseStrategy(value: string | undefined): Strategy {
  const v = value ?? 'ring';
  if (!(STRATEGIES as readonly string[]).includes(v)) throw new UsageError(`--strategy "${v}" is not one of ${STRATEGIES.join(', ')}`);
  return v as Strategy;
}

export function loadPolicyAndScenario(policyFile: string, scenarioFile: string | undefined): { policy: Policy; scenario: Scenario } {
  if (!scenarioFile) throw new UsageError('--scenario FILE is required (see examples/scenarios/)');
  const { policy } = loadPolicy(readInput(policyFile), policyFile);
  const { scenario, source } = loadScenario(readInput(scenarioFile), scenarioFile, policy);
  const refusal = refuseRelease(policy, scenario.spec.release, {});
  if (refusal) throw new PolicyError([locate(source, { path: ['spec', 'release', 'changes'], message: refusal.message })]);
  return { policy, scenario };
}

export function registerSimulate(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('simulate')
    .description('run a release of the policy against the simulated fleet in virtual time')
    .argument('<policy>', 'the policy YAML file')
    .option('--scenario <file>', 'the scenario YAML file (fleet behaviour and faults)')
    .option('--seed <n>', 'override the scenario seed')
    .option('--strategy <s>', `replace the rings: ${STRATEGIES.join(' | ')}`, 'ring')
    .option('--json', 'print the result as JSON')
    .option('--export-openmetrics <file>', "write the fleet's metrics over the run to FILE as OpenMetrics text (for promtool tsdb create-blocks-from openmetrics)")
    .action(async (policyFile: string, opts: { scenario?: string; seed?: string; strategy?: string; json?: boolean; exportOpenmetrics?: string }) => {
      const seed = parseSeed(opts.seed);
      const strategy = parseStrategy(opts.strategy);
      const loaded = loadPolicyAndScenario(policyFile, opts.scenario);
      const { policy, note } = strategyPolicy(loaded.policy, strategy);
      if (note) io.err(`note: ${note}\n`);
      const run = await runSimulation(policy, loaded.scenario, seed === undefined ? {} : { seed });
      const report = simulationReport(run);
      if (opts.exportOpenmetrics !== undefined) {
        const text = await exportOpenMetrics(policy, loaded.scenario, run, loaded.scenario.spec.start, run.endedAt);
        try {
          writeFileSync(opts.exportOpenmetrics, text);
        } catch (e) {
          throw new UsageError(`--export-openmetrics ${opts.exportOpenmetrics}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        }
        io.err(`wrote the fleet's metrics from ${tableMinute(loaded.scenario.spec.start)} to ${tableMinute(run.endedAt)} to ${opts.exportOpenmetrics} (OpenMetrics)\n`);
      }
      if (opts.json) {
        json(io, report);
        return done(EXIT.ok);
      }
      io.out(`${loaded.scenario.metadata.name}: ${report.outcome}${strategy === 'ring' ? '' : ` (strategy ${strategy})`}\n\n`);
      io.out(releaseStateTable(policy, run.state, run.finalVersions));
      io.out(`\n${eventLines(run.state)}\n`);
      const d = report.detection;
      io.out(`fault onset: ${run.faultOnset === null ? 'none' : tableMinute(run.faultOnset)}\n`);
      io.out(`detection:   ${d ? `${d.ring} by ${d.gate} at ${tableMinute(run.state.detection!.at)}${d.latencyMinutes === null ? '' : ` (${d.latencyMinutes} min after onset)`}` : 'none'}\n`);
      io.out(`exposure:    ${report.exposure.userMinutes} user-minutes\n`);
      done(EXIT.ok);
    });
}
