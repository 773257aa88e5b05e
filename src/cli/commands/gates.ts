/**
 * @module `meridian gates calibrate POLICY --scenario FILE --seeds N [--json]`: runs a good release
 * over seeds 1..N and shows, per gate and ring, how often the gate failed and how close it came to
 * failing. Exit 0, or 1 when a gate's observed false-alarm rate exceeds its bound. The computation is
 * src/runtime/calibrate.ts; this file parses and formats.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { findRegion } from '../../policy/model.ts';
import type { Policy } from '../../policy/schema.ts';
import { NEAR_MISS_MARGIN, runCalibration, type Calibration, type ClosestMargin, type GateVerdict } from '../../runtime/calibrate.ts';
import { sig } from '../../gates/format.ts';
import { LocalTime } from '../../sim/local-time.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, type Io } from '../io.ts';
import { loadPolicyAndScenario } from './simulate.ts';

export const MAX_SEEDS = 10_000;

/** `--seeds`: a whole number from 1 to 10,000. */
export function parseSeeds(value: string | undefined): number {
  const range = `a whole number from 1 to ${MAX_SEEDS.toLocaleString('en-US')}`;
  if (value === undefined) throw new UsageError(`--seeds N is required (${range})`);
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_SEEDS)) throw new UsageError(`--seeds "${value}" is not ${range}`);
  return n;
}

/** The `gates calibrate --json` document. */
export function calibrationJson(c: Calibration): unknown {
  return {
    seeds: c.seeds,
    gates: c.gates.map((g) => ({
      gate: g.gate,
      ring: g.ring,
      kind: g.kind,
      evaluations: g.evaluations,
      failures: g.failures,
      bakesFailed: g.bakesFailed,
      falseAlarmRate: g.falseAlarmRate,
      bound: g.bound,
      closestMargin: g.closestMargin && {
        margin: g.closestMargin.margin,
        region: g.closestMargin.region,
        at: new Date(g.closestMargin.at).toISOString(),
        value: g.closestMargin.value,
        seed: g.closestMargin.seed,
      },
    })),
    outcomes: c.outcomes,
    exceeded: c.exceeded,
  };
}

/** `HH:MM` in the region's own time zone (UTC for a region the policy does not know). */
function localClock(policy: Policy, region: string, at: number): string {
  const tz = findRegion(policy, region)?.timezone ?? 'UTC';
  const local = new Date(at + new LocalTime(tz).offsetMs(at));
  return `${local.toISOString().slice(11, 16)} local`;
}

const rate = (x: number): string => sig(x, 3);
const pct = (x: number): string => `${sig(Math.abs(x) * 100, 2)}%`;

function whereText(policy: Policy, m: ClosestMargin): string {
  return `${m.region} ${localClock(policy, m.region, m.at)} (seed ${m.seed})`;
}

function verdictLine(v: GateVerdict, seeds: number): string {
  const bakes = Math.round(v.falseAlarmRate * seeds);
  const observed = `observed false-alarm rate ${rate(v.falseAlarmRate)} (${bakes} of ${seeds} bakes${bakes > 0 ? ` in ${v.worstRing}` : ''})`;
  if (v.bound === null) return `${v.gate}: ${observed}; no bound: threshold`;
  return `${v.gate}: ${observed} ${v.withinBound ? 'is within' : 'EXCEEDS'} its bound ${rate(v.bound)} (1 − confidence)`;
}

function hintLine(policy: Policy, v: GateVerdict): string | null {
  const c = v.closest;
  if (c === null || c.margin >= NEAR_MISS_MARGIN) return null;
  const how = c.margin >= 0 ? `came within ${pct(c.margin)} of its limit` : `went ${pct(c.margin)} past its limit`;
  const knob = v.limit === 'min' ? 'lower min' : `raise ${v.limit}`;
  return `${v.gate} ${how} in ${c.region} at ${localClock(policy, c.region, c.at)} (${c.ring}, seed ${c.seed}): ${knob} or add evidence`;
}

/** The calibration as a person reads it: the table, a verdict per gate, and hints for near misses. */
export function calibrationText(policy: Policy, scenarioName: string, c: Calibration): string {
  const outcomes = Object.entries(c.outcomes).map(([o, n]) => `${n} ${o}`).join(', ');
  const rows = c.gates.map((g) => [
    g.gate,
    g.ring,
    g.kind,
    String(g.evaluations),
    String(g.failures),
    String(g.bakesFailed),
    rate(g.falseAlarmRate),
    g.bound === null ? '-' : rate(g.bound),
    g.closestMargin ? sig(g.closestMargin.margin, 3) : '-',
    g.closestMargin ? whereText(policy, g.closestMargin) : '-',
    g.closestMargin?.value == null ? '-' : sig(g.closestMargin.value),
  ]);
  const lines = [
    `${scenarioName}: ${policy.metadata.name} over seeds 1..${c.seeds} (${outcomes})`,
    '',
    table(['GATE', 'RING', 'KIND', 'EVALUATIONS', 'FALSE FAILURES', 'BAKES FAILED', 'FALSE-ALARM RATE', 'BOUND', 'CLOSEST MARGIN', 'WHERE', 'VALUE'], rows).trimEnd(),
    '',
    ...c.verdicts.map((v) => verdictLine(v, c.seeds)),
  ];
  const hints = c.verdicts.map((v) => hintLine(policy, v)).filter((h): h is string => h !== null);
  if (hints.length > 0) lines.push('', ...hints);
  return `${lines.join('\n')}\n`;
}

export function registerGates(program: Command, io: Io, done: (code: number) => void): void {
  const gates = program.command('gates').description('calibrate gates against good releases');
  gates
    .command('calibrate')
    .description('run a good release over seeds 1..N and report, per gate and ring, false failures, false alarms per bake and the closest margin')
    .argument('<policy>', 'the policy YAML file')
    .option('--scenario <file>', 'the scenario YAML file (a good release: no faults of the new version)')
    .option('--seeds <n>', `how many seeds to run (1 to ${MAX_SEEDS.toLocaleString('en-US')})`)
    .option('--json', 'print the calibration as JSON')
    .action(async (policyFile: string, opts: { scenario?: string; seeds?: string; json?: boolean }) => {
      const seeds = parseSeeds(opts.seeds);
      const { policy, scenario } = loadPolicyAndScenario(policyFile, opts.scenario);
      const faults = scenario.spec.faults.map((f) => f.kind);
      if (faults.length > 0) io.err(`note: ${scenario.metadata.name} has faults (${faults.join(', ')}); failures on it are not all false alarms\n`);
      const progress = io.interactive ? (done: number): void => io.err(`\rseed ${done} of ${seeds}${done === seeds ? '\n' : ''}`) : undefined;
      const c = await runCalibration(policy, scenario, seeds, progress);
      if (opts.json) json(io, calibrationJson(c));
      else io.out(calibrationText(policy, scenario.metadata.name, c));
      done(c.exceeded ? EXIT.invalid : EXIT.ok);
    });
}
