/**
 * @module The consecutive-result logic of one gate in one region: when failures fail the ring, when
 * missing data halts the release, and when a gate lets the ring promote. Pure: state in, state out.
 *
 * - An `interval` or `compare` fail adds to the streak of failures; `gate.failures` in a row fail
 *   the ring. A pass of the same kinds ends the streak; an inconclusive neither ends nor extends it.
 * - An `interval` reading beyond `criticalMax` / `criticalMin` fails the ring at once.
 * - An `hour` fail (the sliding hour's mean beyond a bound) fails the ring at once: the mean is
 *   itself the verdict. Otherwise an hour check changes nothing: its pass says nothing about the
 *   latest interval (no failure streak ends, `last` stays), and whether it had data says nothing
 *   about whether the latest interval had (no inconclusive streak ends or grows).
 * - Every inconclusive interval or comparison adds to the streak of inconclusives, which only a
 *   conclusive interval or comparison ends; `gate.inconclusiveLimit` in a row halt the release
 *   unless `gate.mustHaveData` is false.
 * - `conclusive` counts the conclusive interval and comparison evaluations. A gate promotes in a
 *   region only when it had one (mustHaveData: false included) and its last conclusive one passed;
 *   its last result must be that pass, except that a gate with mustHaveData: false may end on
 *   inconclusives (it rides over gaps). `evaluate: whole-bake` is tracked like `interval`.
 */
import type { Gate } from '../policy/schema.ts';
import { criticalBound } from './threshold.ts';
import { foldCompare } from './compare-fold.ts';
import type { Evaluation, TrackerState, Verdict } from './types.ts';

export type { TrackerState, Verdict } from './types.ts';

export type TrackedGate = Pick<Gate, 'failures' | 'inconclusiveLimit' | 'mustHaveData'> & Partial<Pick<Gate, 'criticalMax' | 'criticalMin' | 'evaluate'>>;

export function initialTracker(): TrackerState {
  return { consecutiveFailures: 0, consecutiveInconclusive: 0, conclusive: 0, last: null };
}

export function track(state: TrackerState, ev: Evaluation, gate: TrackedGate): { state: TrackerState; verdict: Verdict } {
  if (ev.kind === 'compare' && ev.samples) return foldCompare(state, ev, (s, e) => track(s, e, { ...gate, failures: 1 }));
  const conclusive = state.conclusive ?? 0; // absent from a state built before it was kept
  if (ev.kind === 'hour') {
    if (ev.result === 'fail') return { state: { ...state, conclusive, last: 'fail' }, verdict: 'failed' };
    // Nothing changes: the same state (states are never changed in place).
    return { state: state.conclusive === undefined ? { ...state, conclusive } : state, verdict: 'ok' };
  }
  if (ev.result === 'inconclusive') {
    const next = { ...state, conclusive, consecutiveInconclusive: state.consecutiveInconclusive + 1, last: 'inconclusive' as const };
    const halt = gate.mustHaveData && next.consecutiveInconclusive >= gate.inconclusiveLimit;
    return { state: next, verdict: halt ? 'halt' : 'ok' };
  }
  if (ev.result === 'fail') {
    const next = { consecutiveFailures: state.consecutiveFailures + 1, consecutiveInconclusive: 0, conclusive: conclusive + 1, last: 'fail' as const };
    const critical = ev.kind === 'interval' && ev.value !== null && criticalBound(gate, ev.value) !== null;
    return { state: next, verdict: critical || next.consecutiveFailures >= gate.failures ? 'failed' : 'ok' };
  }
  return { state: { consecutiveFailures: 0, consecutiveInconclusive: 0, conclusive: conclusive + 1, last: 'pass' }, verdict: 'ok' };
}

/** Whether one tracker lets its gate promote in its region (see the module comment). */
export function passes(state: TrackerState, mustHaveData = true): boolean {
  if (!((state.conclusive ?? 0) > 0) || state.consecutiveFailures > 0) return false;
  return state.last === 'pass' || (!mustHaveData && state.last === 'inconclusive');
}

/**
 * True only when every tracker lets its gate promote: trackers keyed `gate@region` with the gates of
 * the policy (the gate's name is what comes before the last `@`; a gate missing from `gates` is
 * judged as one that must have data), or a plain list, every one judged as mustHaveData: true.
 * True for no trackers.
 */
export function readyToPromote(
  states: Readonly<Record<string, TrackerState>> | readonly TrackerState[],
  gates: Readonly<Record<string, Pick<Gate, 'mustHaveData'> | undefined>> = {},
): boolean {
  if (isList(states)) return states.every((s) => passes(s));
  return Object.entries(states).every(([key, s]) => {
    const at = key.lastIndexOf('@');
    const name = at < 0 ? key : key.slice(0, at);
    return passes(s, Object.hasOwn(gates, name) ? (gates[name]?.mustHaveData ?? true) : true);
  });
}

function isList(states: Readonly<Record<string, TrackerState>> | readonly TrackerState[]): states is readonly TrackerState[] {
  return Array.isArray(states);
}
