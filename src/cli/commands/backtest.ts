/** @module `meridian backtest POLICY --from ISO --to ISO --deployed-at ISO --ring RING [--json]
 * [--verbose]`: judge a ring's gates over recorded Prometheus history as if the ring had been
 * deployed then (src/runtime/backtest.ts). Exit 0 whatever the verdict: the verdict is in the
 * output. Parses, calls, formats; nothing else.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { sig } from '../../gates/format.ts';
import { tableMinute } from '../../plan/iso.ts';
import { loadPolicy } from '../../policy/load.ts';
import { Instant, type Policy } from '../../policy/schema.ts';
import { backtest, type BacktestResult } from '../../runtime/backtest.ts';
import { historyMetrics } from '../../runtime/wiring.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, readInput, type Io } from '../io.ts';

export interface BacktestFlags {
  from?: string;
  to?: string;
  deployedAt?: string;
  ring?: string;
  version?: string;
  previousVersion?: string;
  json?: boolean;
  verbose?: boolean;
}

function parseTime(flag: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`${flag} ISO is required (e.g. ${flag} 2026-03-02T09:00:00Z)`);
  const parsed = Instant.safeParse(value);
  if (!parsed.success) throw new UsageError(`${flag} "${value}" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)`);
  return parsed.data;
}

/** The flags as numbers, or a UsageError naming the first bad one. */
export function parseBacktestFlags(policy: Policy, flags: BacktestFlags): { ring: string; from: number; to: number; deployedAt: number } {
  const from = parseTime('--from', flags.from);
  const to = parseTime('--to', flags.to);
  const deployedAt = parseTime('--deployed-at', flags.deployedAt);
  if (!(to > from)) throw new UsageError(`--to (${flags.to}) must be after --from (${flags.from})`);
  const known = policy.spec.rings.map((r) => r.name);
  if (flags.ring === undefined) throw new UsageError(`--ring RING is required (one of ${known.join(', ')})`);
  if (!known.includes(flags.ring)) throw new UsageError(`--ring "${flags.ring}" is not a ring of policy ${policy.metadata.name} (known: ${known.join(', ')})`);
  return { ring: flags.ring, from, to, deployedAt };
}

const isoJson = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The `backtest --json` document (cli.md), with instants as ISO strings. */
export function backtestJson(r: BacktestResult): unknown {
  return {
    ring: r.ring,
    regions: r.regions,
    healthyAt: isoJson(r.healthyAt),
    bakeUntil: isoJson(r.bakeUntil),
    verdict: r.verdict,
    reason: r.reason,
    firstFailure: r.firstFailure && { ...r.firstFailure, at: isoJson(r.firstFailure.at) },
    halted: r.halted && { ...r.halted, at: isoJson(r.halted.at) },
    endedAt: isoJson(r.endedAt),
    evaluations: r.evaluations.map((e) => ({ ...e, at: isoJson(e.at) })),
  };
}

/** The evaluations as a table (failures and inconclusives only unless `verbose`), a count line and the verdict. */
export function backtestText(r: BacktestResult, verbose: boolean): string {
  const shown = verbose ? r.evaluations : r.evaluations.filter((e) => e.result !== 'pass');
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const e of r.evaluations) counts[e.result]++;
  let out = `${r.ring} (${r.regions.join(', ')}): healthy ${tableMinute(r.healthyAt)}, bake until ${tableMinute(r.bakeUntil)}\n\n`;
  if (shown.length > 0) {
    out += table(
      ['AT', 'GATE', 'REGION', 'KIND', 'RESULT', 'VALUE', 'DETAIL'],
      shown.map((e) => [tableMinute(e.at), e.gate, e.region, e.kind, e.result, e.value === null ? '-' : sig(e.value), e.detail]),
    );
    out += '\n';
  }
  const scope = verbose || r.evaluations.length === 0 ? '' : ' (failures and inconclusives shown; --verbose shows all)';
  out += `${r.evaluations.length} evaluation${r.evaluations.length === 1 ? '' : 's'}: ${counts.pass} pass, ${counts.fail} fail, ${counts.inconclusive} inconclusive${scope}\n`;
  out += `verdict: ${r.verdict}: ${r.reason}\n`;
  return out;
}

export function registerBacktest(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('backtest')
    .description("judge a ring's gates over recorded metrics history as if it had been deployed at --deployed-at")
    .argument('<policy>', 'the policy YAML file (spec.metrics.provider: prometheus)')
    .option('--from <iso>', 'start of the history to evaluate (ISO 8601 with an offset)')
    .option('--to <iso>', 'end of the history to evaluate')
    .option('--deployed-at <iso>', 'when the ring would have started deploying')
    .option('--ring <ring>', 'the ring whose gates to evaluate')
    .option('--version <v>', 'the version under test, for {{version}} in queries')
    .option('--previous-version <v>', 'the version it replaces')
    .option('--verbose', 'list every evaluation, passes included')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: BacktestFlags) => {
      const { policy } = loadPolicy(readInput(file), file);
      const parsed = parseBacktestFlags(policy, flags);
      const metrics = historyMetrics(policy, file, io.env);
      const result = await backtest(
        policy,
        parsed.ring,
        {
          deployedAt: parsed.deployedAt,
          from: parsed.from,
          to: parsed.to,
          ...(flags.version !== undefined ? { version: flags.version } : {}),
          ...(flags.previousVersion !== undefined ? { previousVersion: flags.previousVersion } : {}),
        },
        metrics,
      );
      if (flags.json) json(io, backtestJson(result));
      else io.out(backtestText(result, flags.verbose === true));
      done(EXIT.ok);
    });
}
