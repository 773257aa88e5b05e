/**
 * @module `meridian simulate POLICY --scenario FILE [--seed N] [--strategy S] [--json]`: one
 * release against the simulated fleet in virtual time; and `meridian simulate --config DIR
 * --scenario FLEET-SCENARIO [--seed N] [--json]`: every release a FleetScenario lists, at once, on
 * the fleet of a configuration directory (fleet.md "Simulating the fleet"). Exit 0 whatever the
 * outcome: the outcome is in the output.
 */
import { statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PolicyError, UsageError } from '../../errors.ts';
import { refuseRelease } from '../../engine/release-rules.ts';
import { locate } from '../../policy/source.ts';
import { loadPolicy } from '../../policy/load.ts';
import type { Policy } from '../../policy/schema.ts';
import { STRATEGIES, strategyPolicy, type Strategy } from '../../policy/strategies.ts';
import { readConfig } from '../../runtime/config-dir.ts';
import { runFleetSimulation, type FleetReleaseReport, type FleetSimulation } from '../../runtime/fleet-simulation.ts';
import { simulationReport } from '../../runtime/report.ts';
import { runSimulation } from '../../runtime/simulate.ts';
import type { FleetConfig } from '../../policy/fleet-config.ts';
import { loadFleetScenario } from '../../sim/fleet-scenario.ts';
import { exportOpenMetrics } from '../../sim/openmetrics.ts';
import { loadScenario, type Scenario } from '../../sim/scenario.ts';
import { EXIT } from '../exit-codes.ts';
import { eventLines, releaseStateTable } from '../format/release.ts';
import { table } from '../format/table.ts';
import { json, readInput, type Io } from '../io.ts';
import { tableMinute } from '../../plan/iso.ts';
import { formatDuration } from '../../policy/duration.ts';

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

interface SimulateOptions {
  scenario?: string;
  config?: string;
  seed?: string;
  strategy?: string;
  json?: boolean;
  exportOpenmetrics?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Which of the two forms the flags ask for: one policy, or a configuration directory; a usage error for both or neither. */
function simulateForm(policyFile: string | undefined, opts: SimulateOptions): { policy: string } | { config: string } {
  if (policyFile !== undefined && opts.config !== undefined) {
    throw new UsageError(`give a POLICY file or --config DIR, not both (got ${policyFile} and --config ${opts.config}): with --config, --scenario is a FleetScenario of that configuration's services`);
  }
  if (opts.config !== undefined) {
    if (opts.strategy !== undefined && opts.strategy !== 'ring') throw new UsageError('--strategy replaces the rings of one policy; with --config every service releases by its own rings (leave --strategy out)');
    if (opts.exportOpenmetrics !== undefined) throw new UsageError('--export-openmetrics writes the fleet of one policy; it does not go with --config');
    return { config: opts.config };
  }
  if (policyFile === undefined) {
    throw new UsageError('give a POLICY file (simulate POLICY --scenario SCENARIO) or a configuration directory (simulate --config DIR --scenario FLEET-SCENARIO)');
  }
  if (isDirectory(policyFile)) throw new UsageError(`${policyFile}: is a directory, not a policy file; to run a FleetScenario on a configuration directory, give it as --config ${policyFile}`);
  return { policy: policyFile };
}

const VERDICT_WORDS: Record<FleetReleaseReport['rings'][number]['verdict'], string> = { 'passed': 'passed', 'failed': 'FAILED', 'not-started': 'not started', 'in-progress': 'in progress' };

const minute = (iso: string | null): string => (iso === null ? '-' : tableMinute(Date.parse(iso)));

/** One release of a fleet run as people read it: outcome, rings with their times, why it waited, detection. */
function releaseBlock(config: FleetConfig, r: FleetReleaseReport): string {
  const policy = config.services.find((s) => s.service === r.service)?.policy;
  const outcome = r.outcome === 'completed' ? `completed at ${minute(r.completedAt)}` : r.outcome === 'waiting' ? 'waiting (at the end of the run)' : r.outcome;
  const lines = [`${r.service} ${r.version} (from ${r.previousVersion}): ${outcome}`];
  const rows = r.rings.map((ring) => {
    const regions = policy?.spec.rings.find((x) => x.name === ring.name)?.regions ?? [];
    const verdict = `${VERDICT_WORDS[ring.verdict]}${ring.rolledBack ? ', rolled back' : ''}`;
    return [ring.name, regions.join(', '), verdict, minute(ring.deployedAt), minute(ring.bakeUntil)];
  });
  lines.push(...table(['RING', 'REGIONS', 'VERDICT', 'DEPLOYED', 'BAKE UNTIL'], rows).trimEnd().split('\n').map((l) => `  ${l}`));
  const waits = r.events.filter((e) => e.type === 'ring.waiting' || e.type.startsWith('approval.'));
  if (waits.length > 0) {
    lines.push('  waited:');
    for (const e of waits) lines.push(`    ${minute(e.at)}  ${e.ring ?? ''}  ${e.type === 'ring.waiting' ? '' : `${e.type}: `}${e.detail ?? ''}`.trimEnd());
  }
  const failed = r.events.find((e) => e.type === 'ring.failed');
  const halted = r.events.find((e) => e.type === 'release.halted');
  if (failed) lines.push(`  failed:    ${minute(failed.at)}  ${failed.ring ?? ''}  ${failed.detail ?? ''}`.trimEnd());
  if (halted) lines.push(`  halted:    ${minute(halted.at)}  ${halted.detail ?? ''}`.trimEnd());
  const d = r.detection;
  lines.push(`  detection: ${d ? `${d.ring} by ${d.gate} at ${minute(d.at)}${d.latencyMinutes === null ? '' : ` (${d.latencyMinutes} min after onset)`}` : 'none'}`);
  lines.push(`  exposure:  ${r.exposure.userMinutes} user-minutes`);
  return `${lines.join('\n')}\n`;
}

/** The totals line: how many releases ended how, and when the run stopped. */
function totalsLine(run: FleetSimulation, start: number): string {
  const counts = new Map<string, number>();
  for (const r of run.releases) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = (['completed', 'rolled-back', 'halted', 'waiting'] as const).filter((o) => counts.has(o)).map((o) => `${counts.get(o)} ${o}`);
  const n = run.releases.length;
  const end = run.releases.every((r) => r.outcome !== 'waiting')
    ? `every release settled by ${tableMinute(run.endedAt)} (${formatDuration(run.endedAt - start)} after the start)`
    : `the run stopped at ${tableMinute(run.endedAt)} (${formatDuration(run.endedAt - start)} after the start, horizon ${tableMinute(run.horizonAt)})`;
  return `${n} release${n === 1 ? '' : 's'}: ${parts.join(', ')}; ${end}\n`;
}

async function simulateFleet(io: Io, dir: string, opts: SimulateOptions): Promise<void> {
  const seed = parseSeed(opts.seed);
  if (!opts.scenario) throw new UsageError('--scenario FLEET-SCENARIO is required with --config (see examples/fleet/scenarios/)');
  const config = readConfig(dir);
  const { scenario } = loadFleetScenario(readInput(opts.scenario), opts.scenario, config);
  const run = await runFleetSimulation(config, scenario, seed === undefined ? {} : { seed });
  if (opts.json) {
    json(io, { releases: run.releases });
    return;
  }
  io.out(`${scenario.name}: ${run.releases.length} release${run.releases.length === 1 ? '' : 's'} on ${dir}\n\n`);
  for (const r of run.releases) io.out(`${releaseBlock(config, r)}\n`);
  io.out(totalsLine(run, scenario.spec.start));
}

export function registerSimulate(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('simulate')
    .description('run a release of the policy (or every release of a fleet scenario, with --config) against the simulated fleet in virtual time')
    .argument('[policy]', 'the policy YAML file (leave out with --config)')
    .option('--scenario <file>', 'the scenario YAML file (fleet behaviour and faults); with --config, a FleetScenario')
    .option('--config <dir>', 'a configuration directory (Fleets and ReleasePolicies): run every release of the FleetScenario at once on its fleet')
    .option('--seed <n>', 'override the scenario seed')
    .option('--strategy <s>', `replace the rings: ${STRATEGIES.join(' | ')}`, 'ring')
    .option('--json', 'print the result as JSON')
    .option('--export-openmetrics <file>', "write the fleet's metrics over the run to FILE as OpenMetrics text (for promtool tsdb create-blocks-from openmetrics)")
    .action(async (policyFile: string | undefined, opts: SimulateOptions) => {
      const form = simulateForm(policyFile, opts);
      if ('config' in form) {
        await simulateFleet(io, form.config, opts);
        return done(EXIT.ok);
      }
      const seed = parseSeed(opts.seed);
      const strategy = parseStrategy(opts.strategy);
      const loaded = loadPolicyAndScenario(form.policy, opts.scenario);
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
