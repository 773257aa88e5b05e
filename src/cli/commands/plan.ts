/**
 * @module `meridian plan POLICY|DIR [--service NAME] [--start ISO] [--json]`: the planned timeline
 * of a release, as a table or as JSON (cli.md); for a configuration directory, one per service
 * (`{ services: [{ service, ...timeline }] }`). Reads the clock only for the default start; the
 * planning is in src/plan.
 */
import type { Command } from 'commander';
import type { Located } from '../../errors.ts';
import { PolicyError, UsageError } from '../../errors.ts';
import { writtenAt, type LoadedService } from '../../policy/fleet.ts';
import { round } from '../../policy/model.ts';
import { Instant } from '../../policy/schema.ts';
import { listSome, locate } from '../../policy/source.ts';
import { readConfigSources } from '../../runtime/config-dir.ts';
import { tableMinute } from '../../plan/iso.ts';
import { planRelease, type Timeline } from '../../plan/release-plan.ts';
import type { Wait } from '../../plan/deploy-moment.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, type Io } from '../io.ts';

function parseStart(value: string): number {
  const parsed = Instant.safeParse(value);
  if (!parsed.success) throw new UsageError(`--start "${value}" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)`);
  return parsed.data;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The `plan --json` document: the timeline with every instant as an ISO string. */
export function timelineJson(t: Timeline): Record<string, unknown> {
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
    .description('the planned timeline of a release: when each ring deploys, is healthy and ends its bake (for a directory, of every service)')
    .argument('<policy>', 'the policy YAML file, or a directory of *.yaml files (Fleets and one ReleasePolicy per service)')
    .option('--service <name>', 'plan only this service')
    .option('--start <iso>', 'when the release starts (ISO 8601 with an offset; default: now)')
    .option('--json', 'print the timeline as JSON ({ services: [{ service, ...timeline }] } for a directory)')
    .action((path: string, opts: { service?: string; start?: string; json?: boolean }) => {
      const start = opts.start === undefined ? Date.now() : parseStart(opts.start);
      const loaded = readConfigSources(path);
      let services: LoadedService[] = loaded.services;
      if (opts.service !== undefined) {
        services = services.filter((s) => s.service.service === opts.service);
        if (services.length === 0) {
          throw new UsageError(`--service "${opts.service}": no such service in ${path} (known: ${listSome(loaded.services.map((s) => s.service.service))})`);
        }
      }
      const problems: Located[] = [];
      const planned: Array<{ svc: LoadedService; timeline: Timeline }> = [];
      for (const svc of services) {
        const result = planRelease(svc.service.policy, { start });
        if (result.ok) planned.push({ svc, timeline: result.timeline });
        else {
          for (const p of result.problems) {
            const where = writtenAt(svc, p.path);
            problems.push(locate(where.source, { ...p, path: where.path }));
          }
        }
      }
      if (problems.length > 0) throw new PolicyError(problems);
      if (!loaded.directory) {
        const { timeline } = planned[0]!;
        if (opts.json) json(io, timelineJson(timeline));
        else io.out(timelineTable(timeline));
      } else if (opts.json) {
        json(io, { services: planned.map(({ svc, timeline }) => ({ service: svc.service.service, ...timelineJson(timeline) })) });
      } else {
        io.out(planned.map(({ svc, timeline }) => {
          const { service, fleet, file } = svc.service;
          return `service "${service}" (${fleet === null ? 'its own regions' : `fleet "${fleet}"`}, ${file})\n${timelineTable(timeline)}`;
        }).join('\n'));
      }
      done(EXIT.ok);
    });
}
