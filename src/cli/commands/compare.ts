/**
 * @module `meridian compare POLICY --scenario FILE [--seeds N] [--json]`: every strategy side by
 * side on the same scenario, as means over N seeds.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { compareStrategies } from '../../runtime/strategy-comparison.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, type Io } from '../io.ts';
import { loadPolicyAndScenario, parseSeed } from './simulate.ts';

export function registerCompare(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('compare')
    .description('run the scenario under every strategy (ring, simultaneous, sequential, canary-then-all) and compare')
    .argument('<policy>', 'the policy YAML file')
    .option('--scenario <file>', 'the scenario YAML file')
    .option('--seeds <n>', 'how many seeds to average over', '5')
    .option('--json', 'print the comparison as JSON')
    .action(async (policyFile: string, opts: { scenario?: string; seeds: string; json?: boolean }) => {
      const seeds = parseSeed(opts.seeds, '--seeds')!;
      if (seeds < 1 || seeds > 1000) throw new UsageError(`--seeds ${seeds} is out of range (1 to 1000)`);
      const { policy, scenario } = loadPolicyAndScenario(policyFile, opts.scenario);
      const results = await compareStrategies(policy, scenario, seeds);
      if (opts.json) {
        json(io, { strategies: results });
        return done(EXIT.ok);
      }
      const fmt = (x: number | null, unit = ''): string => (x === null ? '-' : `${x}${unit}`);
      io.out(`${scenario.metadata.name}: means over ${seeds} seed${seeds === 1 ? '' : 's'}\n\n`);
      io.out(table(
        ['STRATEGY', 'OUTCOME', 'USER-MINUTES EXPOSED', 'DETECTED AFTER', 'HOURS TO COMPLETE'],
        results.map((r) => [r.strategy, r.outcome, fmt(r.userMinutes), fmt(r.detectionMinutes, ' min'), fmt(r.hoursToComplete, ' h')]),
      ));
      for (const r of results) if (r.note) io.out(`note: ${r.note}\n`);
      done(EXIT.ok);
    });
}
