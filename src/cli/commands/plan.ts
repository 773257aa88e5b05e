/**
 * @module `meridian plan POLICY [--start ISO] [--json]`: the planned timeline of a release, as a
 * table or as JSON (cli.md). Reads the clock only for the default start; the planning is in src/plan.
 */
import type { Command } from 'commander';
import { PolicyError, UsageError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import { round } from '../../policy/model.ts';
import { Instant } from '../../policy/schema.ts';
import { locate } from '../../policy/source.ts';
import { tableMinute } from '../../plan/iso.ts';
import { planRelease, type Timeline } from '../../plan/release-plan.ts';
import type { Wait } from '../../plan/deploy-moment.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, readInput, type Io } from '../io.ts';

function parseStart(value: string): number {
  const parsed = Instant.safeParse(value);
  if (!parsed.success) throw new UsageError(`--start "${value}" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)`);
  return parsed.data;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The `plan --json` document: the timeline with every instant as an ISO string. */
export function timelineJson(t: Timeline): unknown {
  return {
    start: iso(t.start),
    rings: t.rings.map((r) => ({
      name: r.name,
      regions: r.regions,
      userShare: r.userShare,
      cumulativeUserShare: r.cumulativeUserShare,
      deployAt: iso(r.deployAt),
      healthyAt: iso(r.healthyAt),
      bakeUntil: iso(r.bakeUntil),
      waits: r.waits.map((w) => ({ reason: w.reason, until: iso(w.until), detail: w.detail })),
    })),
    completeAt: iso(t.completeAt),
    totalHours: t.totalHours,
  };
}

const percent = (share: number): string => `${round(share * 100, 2)}%`;

function waitCell(w: Wait): string {
  return w.reason === 'business-hours' || w.reason === 'evidence' ? `${w.detail} until ${tableMinute(w.until)}` : w.detail;
}

/** The timeline as a table, then the completion line. */
export function timelineTable(t: Timeline): string {
  const rows = t.rings.map((r) => [
    r.name,
    r.regions.join(', '),
    percent(r.userShare),
    percent(r.cumulativeUserShare),
    tableMinute(r.deployAt),
    tableMinute(r.healthyAt),
    tableMinute(r.bakeUntil),
    r.waits.length > 0 ? r.waits.map(waitCell).join('; ') : '-',
  ]);
  const head = ['RING', 'REGIONS', 'USERS', 'CUMULATIVE', 'DEPLOY AT', 'HEALTHY AT', 'BAKE UNTIL', 'WAITS'];
  return `${table(head, rows)}complete at ${tableMinute(t.completeAt)}, ${t.totalHours} hours after the start (${tableMinute(t.start)})\n`;
}

export function registerPlan(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('plan')
    .description('the planned timeline of a release: when each ring deploys, is healthy and ends its bake')
    .argument('<policy>', 'the policy YAML file')
    .option('--start <iso>', 'when the release starts (ISO 8601 with an offset; default: now)')
    .option('--json', 'print the timeline as JSON')
    .action((file: string, opts: { start?: string; json?: boolean }) => {
      const start = opts.start === undefined ? Date.now() : parseStart(opts.start);
      const { policy, source } = loadPolicy(readInput(file), file);
      const result = planRelease(policy, { start });
      if (!result.ok) throw new PolicyError(result.problems.map((p) => locate(source, p)));
      if (opts.json) json(io, timelineJson(result.timeline));
      else io.out(timelineTable(result.timeline));
      done(EXIT.ok);
    });
}
