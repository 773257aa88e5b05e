/**
 * @module Gate calibration (`meridian gates calibrate`): a good release run over seeds 1..N, reduced
 * per gate and ring to how often the gate failed and how close it came to failing. `calibrate()` is
 * pure over the runs' results; `runCalibration()` runs the seeds. No formatting lives here.
 *
 * A false alarm is a ring the gate failed on a release that was good; its observed rate is the bakes
 * it failed over the seeds run. A comparison gate promises at most `1 − confidence` per bake
 * (policy.md "Gates"); a threshold gate promises nothing, so it has no bound.
 */
import type { EngineInput, ReleaseState } from '../engine/types.ts';
import type { Evaluation } from '../gates/types.ts';
import type { Policy } from '../policy/schema.ts';
import type { Scenario } from '../sim/scenario.ts';
import { outcomeOf, type Outcome } from './report.ts';
import { runSimulation } from './simulate.ts';

/** One gate round of a run: the evaluations a ring's gates made at one time. */
export interface GateRound {
  ring: string;
  evaluations: Evaluation[];
}

/** What calibration needs of one simulated run. */
export interface CalibrationRun {
  seed: number;
  state: ReleaseState;
  rounds: GateRound[];
}

export interface ClosestMargin {
  /** The smallest margin of a conclusive evaluation (1 far from tripping, 0 at the limit, negative beyond it). */
  margin: number;
  region: string;
  /** Epoch milliseconds of the evaluation. */
  at: number;
  value: number | null;
  /** The seed of the run it happened in (to replay it with `simulate --seed`). */
  seed: number;
}

export interface GateRingCalibration {
  gate: string;
  ring: string;
  kind: 'threshold' | 'comparison';
  evaluations: number;
  /** Evaluations that failed (on a good release every one is a false failure). */
  failures: number;
  /** Runs in which this gate failed this ring. */
  bakesFailed: number;
  /** bakesFailed ÷ seeds. */
  falseAlarmRate: number;
  /** 1 − confidence for a comparison gate; null for a threshold gate (it promises no rate). */
  bound: number | null;
  /** Null when no conclusive evaluation carried a margin. */
  closestMargin: ClosestMargin | null;
}

/** One verdict per gate: its worst ring against its bound. */
export interface GateVerdict {
  gate: string;
  kind: 'threshold' | 'comparison';
  bound: number | null;
  /** The ring with the highest observed false-alarm rate (the first such ring on ties). */
  worstRing: string;
  falseAlarmRate: number;
  /** Null for a threshold gate (no bound to be within). */
  withinBound: boolean | null;
  /** The closest margin over all its rings, with the ring it was in. */
  closest: (ClosestMargin & { ring: string }) | null;
  /** The setting that moves the limit away: `max`, `min`, `maxRatio` or `maxIncrease`. */
  limit: string;
}

export interface Calibration {
  seeds: number;
  gates: GateRingCalibration[];
  verdicts: GateVerdict[];
  /** How the runs ended, counted. */
  outcomes: Partial<Record<Outcome, number>>;
  /** True when some gate's observed false-alarm rate exceeds its bound. */
  exceeded: boolean;
}

/** Below this closest margin a gate is worth a hint: it nearly tripped on a good release. */
export const NEAR_MISS_MARGIN = 0.1;

function limitOf(policy: Policy, gate: string, closest: ClosestMargin | null): string {
  const g = policy.spec.gates[gate]!;
  if (g.compare) return g.compare.maxRatio !== undefined ? 'maxRatio' : 'maxIncrease';
  if (g.max !== undefined && g.min !== undefined) {
    // Whichever bound the closest value was nearer to.
    const v = closest?.value;
    return v === null || v === undefined || v >= (g.max + g.min) / 2 ? 'max' : 'min';
  }
  return g.min !== undefined ? 'min' : 'max';
}

/** The running totals of a calibration: runs are added one at a time and then let go. */
export interface Tally {
  policy: Policy;
  seeds: number;
  rows: Map<string, GateRingCalibration>;
  outcomes: Partial<Record<Outcome, number>>;
}

const rowKey = (gate: string, ring: string): string => `${gate}\u0000${ring}`;

/** Empty totals: one row per gate of each ring that lists it, in the order of `spec.gates`, then of the rings. */
export function newTally(policy: Policy): Tally {
  const rows = new Map<string, GateRingCalibration>();
  for (const [gate, g] of Object.entries(policy.spec.gates)) {
    for (const ring of policy.spec.rings) {
      if (!ring.gates.includes(gate)) continue;
      rows.set(rowKey(gate, ring.name), {
        gate, ring: ring.name, kind: g.compare ? 'comparison' : 'threshold',
        evaluations: 0, failures: 0, bakesFailed: 0, falseAlarmRate: 0,
        bound: g.compare ? Math.round((1 - g.compare.confidence) * 1e9) / 1e9 : null,
        closestMargin: null,
      });
    }
  }
  return { policy, seeds: 0, rows, outcomes: {} };
}

/** Add one run to the totals (in place). */
export function addRun(tally: Tally, run: CalibrationRun): void {
  tally.seeds++;
  const o = outcomeOf(run.state);
  tally.outcomes[o] = (tally.outcomes[o] ?? 0) + 1;
  for (const round of run.rounds) {
    for (const ev of round.evaluations) {
      if (ev.kind === 'requests') continue; // evidence, not a gate
      const row = tally.rows.get(rowKey(ev.gate, round.ring));
      if (!row) continue;
      row.evaluations++;
      if (ev.result === 'fail') row.failures++;
      const m = ev.margin;
      if (ev.result === 'inconclusive' || m === undefined || !Number.isFinite(m)) continue;
      if (row.closestMargin === null || m < row.closestMargin.margin) {
        row.closestMargin = { margin: m, region: ev.region, at: ev.at, value: ev.value, seed: run.seed };
      }
    }
  }
  for (const ring of run.state.rings) {
    if (ring.verdict !== 'failed' || ring.failedGate === null) continue;
    const row = tally.rows.get(rowKey(ring.failedGate, ring.name));
    if (row) row.bakesFailed++;
  }
}

/** The calibration the totals add up to. */
export function finishTally(tally: Tally): Calibration {
  const { policy, seeds } = tally;
  const gates = [...tally.rows.values()].map((r) => ({ ...r, falseAlarmRate: seeds === 0 ? 0 : r.bakesFailed / seeds }));
  const verdicts: GateVerdict[] = [];
  for (const gate of Object.keys(policy.spec.gates)) {
    const mine = gates.filter((r) => r.gate === gate);
    if (mine.length === 0) continue;
    const worst = mine.reduce((a, b) => (b.falseAlarmRate > a.falseAlarmRate ? b : a));
    let closest: GateVerdict['closest'] = null;
    for (const r of mine) {
      if (r.closestMargin && (closest === null || r.closestMargin.margin < closest.margin)) closest = { ...r.closestMargin, ring: r.ring };
    }
    verdicts.push({
      gate, kind: worst.kind, bound: worst.bound, worstRing: worst.ring, falseAlarmRate: worst.falseAlarmRate,
      withinBound: worst.bound === null ? null : worst.falseAlarmRate <= worst.bound,
      closest, limit: limitOf(policy, gate, closest),
    });
  }
  return { seeds, gates, verdicts, outcomes: { ...tally.outcomes }, exceeded: verdicts.some((v) => v.withinBound === false) };
}

/** Reduce runs of a good release to per-gate, per-ring false alarms and closest margins. Pure. */
export function calibrate(policy: Policy, runs: Iterable<CalibrationRun>): Calibration {
  const tally = newTally(policy);
  for (const run of runs) addRun(tally, run);
  return finishTally(tally);
}

/** One simulated run that keeps its gate rounds (the engine's recorded `gates` inputs). */
export async function simulateWithRounds(policy: Policy, scenario: Scenario, seed: number): Promise<CalibrationRun> {
  const record: EngineInput[] = [];
  const { state } = await runSimulation(policy, scenario, { seed, record });
  const rounds: GateRound[] = [];
  for (const input of record) if (input.type === 'gates') rounds.push({ ring: input.ring, evaluations: input.evaluations });
  return { seed, state, rounds };
}

/** Run the scenario over seeds 1..`seeds` and calibrate. Deterministic. */
export async function runCalibration(policy: Policy, scenario: Scenario, seeds: number, onSeed?: (done: number) => void): Promise<Calibration> {
  // Folded run by run: a run's evaluations are let go once counted, so memory does not grow with N.
  const tally = newTally(policy);
  for (let seed = 1; seed <= seeds; seed++) {
    addRun(tally, await simulateWithRounds(policy, scenario, seed));
    onSeed?.(seed);
  }
  return finishTally(tally);
}
