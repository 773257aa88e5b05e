/**
 * @module `meridian demo`: the classic ring exercise on the embedded default, in seconds, with
 * nothing installed. v2.1.0 bakes in ring 1, is promoted to ring 2, fails there, ring 2 is rolled
 * back, ring 3 is never touched. Prints a live progress line (on a terminal), the global release
 * state, the cross-region comparison table at detection, and what happened when. `--serve` runs
 * the story live instead (demo-serve.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runsNewVersion } from '../../engine/actions.ts';
import type { ReleaseState } from '../../engine/types.ts';
import { slidingWindow } from '../../gates/schedule.ts';
import { formatDuration } from '../../policy/duration.ts';
import { loadPolicy } from '../../policy/load.ts';
import { comparisonRows } from '../../runtime/region-table.ts';
import { DEMO_POLICY, DEMO_POLICY_FILE, DEMO_SCENARIO, DEMO_SCENARIO_FILE } from '../../runtime/demo-default.ts';
import { createDemoRepository, demoDelivery } from '../../runtime/demo-gitops.ts';
import { simulationReport } from '../../runtime/report.ts';
import { runSimulation } from '../../runtime/simulate.ts';
import { loadScenario } from '../../sim/scenario.ts';
import { EXIT } from '../exit-codes.ts';
import { comparisonTable } from '../format/comparison.ts';
import { eventLines, releaseStateTable, ringStatusWords } from '../format/release.ts';
import { json, type Io } from '../io.ts';
import { LIVE_DEMO_SCALE, serveDemo } from './demo-serve.ts';
import { tableMinute } from '../../plan/iso.ts';

const HOUR = 3_600_000;

function progressLine(state: ReleaseState, now: number, start: number): string {
  const i = Math.min(state.current, state.rings.length - 1);
  const ring = state.rings[i]!;
  const day = ((now - start) / (24 * HOUR)).toFixed(1);
  return `virtual ${tableMinute(now)} (day ${day})  ${state.phase.padEnd(12)} ${ring.name}: ${ringStatusWords(state.rings, i)}`;
}

export function registerDemo(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('demo')
    .description('run the ring exercise on the embedded default: three regions, ring 2 fails and is rolled back')
    .option('--dir <dir>', 'where to create the GitOps repository (default: a new temporary directory)')
    .option('--json', 'print the simulation result as JSON instead of the report')
    .option('--serve', 'run the same story live under `meridian serve` and watch it on the dashboard')
    .option('--port <n>', 'the port for --serve', '8080')
    .option('--time-scale <n>', 'how much faster than real time the story runs with --serve (default: a virtual day a minute)', String(LIVE_DEMO_SCALE))
    .action(async (opts: { json?: boolean; dir?: string; serve?: boolean; port: string; timeScale: string }) => {
      if (opts.serve) return done(await serveDemo(io, opts));
      const { policy: base } = loadPolicy(DEMO_POLICY, DEMO_POLICY_FILE);
      const { scenario } = loadScenario(DEMO_SCENARIO, DEMO_SCENARIO_FILE, base);
      const dir = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), 'meridian-demo-'));
      const { remote, withRepository } = await createDemoRepository(dir, base, scenario.spec.release.previous);
      const policy = withRepository(base);
      const gitops = demoDelivery(policy, join(dir, 'work'));
      const started = performance.now();
      let lastDrawnHour = -1;
      let atDetection: { versions: Record<string, string>; at: number } | null = null;
      const run = await runSimulation(policy, scenario, {
        ports: gitops.ports,
        onProgress: (state, now) => {
          if (state.detection && !atDetection) atDetection = { versions: { ...state.versions }, at: state.detection.at };
          const hour = Math.floor(now / HOUR);
          if (io.interactive && !opts.json && hour !== lastDrawnHour) {
            lastDrawnHour = hour;
            io.err(`\r\x1b[K${progressLine(state, now, scenario.spec.start)}`);
          }
        },
      });
      const seconds = (performance.now() - started) / 1000;
      if (io.interactive && !opts.json) io.err('\r\x1b[K');
      const report = simulationReport(run);
      if (opts.json) {
        json(io, report);
        return done(EXIT.ok);
      }
      const s = run.state;
      const days = ((run.endedAt - scenario.spec.start) / (24 * HOUR)).toFixed(1);
      io.out(`Meridian demo: ${policy.spec.service.name} ${scenario.spec.release.previous} -> ${scenario.spec.release.version} across ${policy.spec.regions.length} regions in ${policy.spec.rings.length} rings\n`);
      io.out(`(simulated fleet, virtual time: ${days} days ran in ${seconds.toFixed(2)} s; fault injected: error rate 5% in eu-west-1 on the new version)\n\n`);

      io.out('Global release state\n');
      io.out(releaseStateTable(policy, s, run.finalVersions));

      const snap = atDetection as { versions: Record<string, string>; at: number } | null;
      if (snap) {
        // The window the failing gate's sliding hour judged: shorter than an hour early in a bake.
        const healthyAt = s.rings.find((r) => r.name === s.detection?.ring)?.healthyAt ?? null;
        const warmup = policy.spec.gates[s.detection?.gate ?? '']?.warmup ?? 0;
        const window = (healthyAt === null ? null : slidingWindow(snap.at, healthyAt, warmup)) ?? { from: snap.at - HOUR, to: snap.at };
        const span = window.to - window.from === HOUR ? 'the hour' : `the ${formatDuration(window.to - window.from)}`;
        const rows = await comparisonRows(policy, run.metrics, snap.versions, s.release.version, window.from, window.to);
        io.out(`\nCross-region comparison at detection (${span} to ${tableMinute(snap.at)}; ! = outside its gate)\n`);
        io.out(comparisonTable(rows));
      }

      io.out('\nWhat happened when\n');
      io.out(eventLines(s));

      io.out(`\nThe GitOps repository (${remote}): one commit per ring deploy or rollback\n`);
      for (const c of (await gitops.history()).reverse()) {
        io.out(`${c.id.slice(0, 7)}  ${c.subject}${c.step ? `  [Meridian-Step: ${c.step}]` : ''}\n`);
      }

      const d = report.detection;
      io.out('\n');
      io.out(`outcome:   ${report.outcome}\n`);
      if (d) io.out(`detection: ${d.ring} by gate ${d.gate} at ${tableMinute(s.detection!.at)}${d.latencyMinutes === null ? '' : `, ${d.latencyMinutes} min after the fault began`}\n`);
      io.out(`exposure:  ${report.exposure.userMinutes} user-minutes of users on the faulty version\n`);
      const untouched = s.rings.filter((r) => r.deployedAt === null).map((r) => r.name);
      if (untouched.length > 0) io.out(`untouched: ${untouched.join(', ')} never saw ${s.release.version}\n`);
      const still = policy.spec.rings.filter((_, i) => runsNewVersion(s, i));
      if (report.outcome !== 'completed' && still.length > 0) {
        const where = still.map((r) => `${r.regions.join(', ')} (${r.name})`).join(', ');
        io.out(`left on ${s.release.version}: ${where}, as the policy's onFailure says; under meridian serve, \`meridian release rollback ID --ring ${still.at(-1)!.name}\` finishes the job\n`);
      }
      io.out(`\nsee for yourself: git -C ${join(dir, 'work')} log --stat\n`);
      done(EXIT.ok);
    });
}
