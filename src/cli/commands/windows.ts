/**
 * @module `meridian windows POLICY [--traffic FILE] [--start ISO] [--json]`: the week's deployment
 * windows of each production ring (business hours of all its regions, outside freezes) and the
 * quietest hour in them to start, from each region's hourly traffic.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import { Instant } from '../../policy/schema.ts';
import { loadDocument } from '../../policy/source.ts';
import { TrafficWeights, trafficRegionIssues } from '../../policy/traffic-weights.ts';
import { deployWindows, type RingWindows } from '../../plan/deploy-windows.ts';
import { EXIT } from '../exit-codes.ts';
import { json, readInput, type Io } from '../io.ts';

const DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const hhmm = (t: number): string => new Date(t).toISOString().slice(11, 16);
const day = (t: number): string => `${DAY[new Date(t).getUTCDay()]} ${new Date(t).toISOString().slice(0, 10)}`;

export function windowsText(rings: RingWindows[]): string {
  const lines: string[] = [];
  for (const r of rings) {
    const head = `${r.ring} (${r.regions.join(', ')}): ${r.hoursPerWeek} h this week inside every region's business hours`;
    if (!r.best) {
      lines.push(`${head}; no window: its regions are never inside business hours together`, '');
      continue;
    }
    lines.push(`${head}; quietest start ${day(r.best.at)} ${hhmm(r.best.at)}Z (traffic ${r.best.load} x the global mean)`);
    for (const w of r.windows) lines.push(`  ${day(w.from)}  ${hhmm(w.from)}Z-${hhmm(w.to)}Z  quietest ${hhmm(w.quietestAt)}Z (${w.quietestLoad})`);
    lines.push('');
  }
  return `${lines.join('\n')}times in UTC; traffic is the ring's userShare x the hour's weight (a region's daily mean is 1)\n`;
}

export function registerWindows(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('windows')
    .description("each production ring's deployment windows this week and the quietest hour in them to start")
    .argument('<policy>', 'the policy YAML file')
    .option('--traffic <file>', 'YAML: region -> 24 hourly traffic weights in local time (default: the daily curve of the simulator)')
    .option('--start <iso>', 'the week to plan (default: now)')
    .option('--json', 'print the windows as JSON')
    .action((file: string, opts: { traffic?: string; start?: string; json?: boolean }) => {
      const { policy } = loadPolicy(readInput(file), file);
      let start = Date.now();
      if (opts.start !== undefined) {
        const parsed = Instant.safeParse(opts.start);
        if (!parsed.success) throw new UsageError(`--start "${opts.start}" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T00:00:00Z)`);
        start = parsed.data;
      }
      const traffic = opts.traffic ? loadDocument(readInput(opts.traffic), opts.traffic, TrafficWeights, (t) => trafficRegionIssues(t, policy)).value : {};
      const rings = deployWindows(policy, start, traffic);
      if (opts.json) {
        const iso = (t: number): string => new Date(t).toISOString();
        json(io, {
          weekOf: iso(start - (start % 3_600_000)),
          rings: rings.map((r) => ({
            ring: r.ring, regions: r.regions, hoursPerWeek: r.hoursPerWeek,
            best: r.best ? { at: iso(r.best.at), load: r.best.load } : null,
            windows: r.windows.map((w) => ({ from: iso(w.from), to: iso(w.to), quietestAt: iso(w.quietestAt), quietestLoad: w.quietestLoad })),
          })),
        });
      } else {
        io.out(windowsText(rings));
      }
      done(EXIT.ok);
    });
}
