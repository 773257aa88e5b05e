/**
 * @module The consecutive-result logic of one gate in one region: when failures fail the ring, when
 * missing data halts the release, and when a gate lets the ring promote. Pure: state in, state out.
 *
 * - An `interval` or `compare` fail adds to the streak of failures; `gate.failures` in a row fail
 *   the ring. A pass of the same kinds ends the streak; an inconclusive neither ends nor extends it.
 * - An `hour` fail fails the ring at once: the hour mean is itself the verdict. An hour pass says
 *   nothing about the latest interval, so it neither ends a failure streak nor changes `last`.
 * - Every inconclusive adds to the streak of inconclusives, which any conclusive result (hour ones
 *   included: there is data) ends; `gate.inconclusiveLimit` in a row halt the release unless
 *   `gate.mustHaveData` is false. Such a gate is still counted, and still does not promote on an
 *   inconclusive last result.
 */
import type { Gate } from '../policy/schema.ts';
import type { Evaluation, GateResult } from './types.ts';

export interface TrackerState {
  consecutiveFailures: number;
  consecutiveInconclusive: number;
  last: GateResult | null;
}

export type Verdict = 'ok' | 'failed' | 'halt';

export function initialTracker(): TrackerState {
  return { consecutiveFailures: 0, consecutiveInconclusive: 0, last: null };
}

export function track(
  state: TrackerState,
  ev: Evaluation,
  gate: Pick<Gate, 'failures' | 'inconclusiveLimit' | 'mustHaveData'> & { evaluate?: Gate['evaluate'] },
): { state: TrackerState; verdict: Verdict } {
  if (ev.result === 'inconclusive') {
    const next = { ...state, consecutiveInconclusive: state.consecutiveInconclusive + 1, last: 'inconclusive' as const };
    const halt = gate.mustHaveData && next.consecutiveInconclusive >= gate.inconclusiveLimit;
    return { state: next, verdict: halt ? 'halt' : 'ok' };
  }
  if (ev.kind === 'hour') {
    if (ev.result === 'fail') return { state: { ...state, consecutiveInconclusive: 0, last: 'fail' }, verdict: 'failed' };
    // A whole-bake gate has no interval checks: its one average is its last word.
    if (gate.evaluate === 'whole-bake') return { state: { ...state, consecutiveInconclusive: 0, last: 'pass' }, verdict: 'ok' };
    return { state: { ...state, consecutiveInconclusive: 0 }, verdict: 'ok' };
  }
  if (ev.result === 'fail') {
    const next = { consecutiveFailures: state.consecutiveFailures + 1, consecutiveInconclusive: 0, last: 'fail' as const };
    return { state: next, verdict: next.consecutiveFailures >= gate.failures ? 'failed' : 'ok' };
  }
  return { state: { consecutiveFailures: 0, consecutiveInconclusive: 0, last: 'pass' }, verdict: 'ok' };
}

/** True only when every tracker's last result is a pass (none yet, a fail or an inconclusive never promote). True for no trackers. */
export function readyToPromote(states: readonly TrackerState[]): boolean {
  return states.every((s) => s.last === 'pass');
}
