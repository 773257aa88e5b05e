/**
 * @module `meridian plan POLICY|DIR [--service NAME] [--start ISO] [--json]`: the planned timeline
 * of a release, as a table or as JSON (cli.md); for a configuration directory, one per service
 * (`{ services: [{ service, ...timeline }] }`). A policy with residency zones also gets the blast
 * radius per zone (`zones`, and each ring's `zones`; a table after the timeline). Reads the clock
 * only for the default start; the planning is in src/plan.
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
import { ringZoneBlast, zoneUsers } from '../../plan/zone-blast.ts';
import type { Policy } from '../../policy/schema.ts';
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

/**
 * The `plan --json` document: the timeline with every instant as an ISO string. With `policy` and
 * residency zones in it: `zones` (each zone's regions and share of global users) and each ring's
 * `zones` (share of the zone's users in the ring and on the new version once it is deployed).
 */
export function timelineJson(t: Timeline, policy?: Policy): Record<string, unknown> {
  const zones = policy ? zoneUsers(policy) : [];
  const perRing = zones.length > 0 && policy ? ringZoneBlast(policy) : null;
  return {
    start: iso(t.start),
    ...(perRing ? { zones } : {}),
    rings: t.rings.map((r, i) => ({
      name: r.name,
      regions: r.regions,
      userShare: r.userShare,
      cumulativeUserShare: r.cumulativeUserShare,
      deployAt: iso(r.deployAt),
      healthyAt: iso(r.healthyAt),
      bakeUntil: iso(r.bakeUntil),
      waits: r.waits.map((w) => ({ reason: w.reason, until: iso(w.until), detail: w.detail })),
      ...(perRing ? { zones: perRing[i] } : {}),
    })),
    completeAt: iso(t.completeAt),
    totalHours: t.totalHours,
  };
}

const percent = (share: number): string => `${round(share * 100, 2)}%`;

function waitCell(w: Wait): string {
  return w.reason === 'business-hours' || w.reason === 'evidence' ? `${w.detail} until ${tableMinute(w.until)}` : w.detail;
}

/**
 * The blast radius per residency zone, one row per ring: the share of each zone's users on the new
 * version once the ring is deployed (the ring reaching a zone first is its canary). Empty without zones.
 */
export function zoneTable(policy: Policy): string {
  const zones = zoneUsers(policy);
  if (zones.length === 0) return '';
  const rows = ringZoneBlast(policy).map((blast, i) => [policy.spec.rings[i]!.name, ...blast.map((b) => percent(b.cumulativeUserShare))]);
  const head = ['RING', ...zones.map((z) => `${z.residency} (${percent(z.userShare)})`)];
  return `blast radius per residency zone (the zone's share of users in brackets): share of the zone's users on the new version once the ring is deployed\n${table(head, rows)}`;
}

/** The timeline as a table, then the completion line; with `policy`, the blast radius per zone after it. */
export function timelineTable(t: Timeline, policy?: Policy): string {
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
  return `${table(head, rows)}complete at ${tableMinute(t.completeAt)}, ${t.totalHours} hours after the start (${tableMinute(t.start)})\n${policy ? zoneTable(policy) : ''}`;
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
        const { policy } = planned[0]!.svc.service;
        if (opts.json) json(io, timelineJson(timeline, policy));
        else io.out(timelineTable(timeline, policy));
      } else if (opts.json) {
        json(io, { services: planned.map(({ svc, timeline }) => ({ service: svc.service.service, ...timelineJson(timeline, svc.service.policy) })) });
      } else {
        io.out(planned.map(({ svc, timeline }) => {
          const { service, fleet, file } = svc.service;
          return `service "${service}" (${fleet === null ? 'its own regions' : `fleet "${fleet}"`}, ${file})\n${timelineTable(timeline, svc.service.policy)}`;
        }).join('\n'));
      }
      done(EXIT.ok);
    });
}
