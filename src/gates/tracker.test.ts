/** @module Tests of the consecutive-result logic: when failures fail a ring, when missing data halts, what promotes. */
import { describe, expect, it } from 'vitest';
import type { Evaluation, GateResult } from './types.ts';
import { initialTracker, readyToPromote, track, type TrackerState } from './tracker.ts';

const gate = { failures: 2, inconclusiveLimit: 3, mustHaveData: true };
let clock = 0;
const ev = (result: GateResult, kind: Evaluation['kind'] = 'interval', value: number | null = result === 'inconclusive' ? null : 0): Evaluation => ({
  gate: 'error-rate',
  region: 'eu-west-1',
  at: (clock += 300_000),
  kind,
  result,
  value,
  detail: '',
});

/** Feeds the evaluations in order; returns every verdict and the final state. */
function run(evs: Evaluation[], g: Parameters<typeof track>[2] = gate): { verdicts: string[]; state: TrackerState } {
  let state = initialTracker();
  const verdicts: string[] = [];
  for (const e of evs) {
    const r = track(state, e, g);
    state = r.state;
    verdicts.push(r.verdict);
  }
  return { verdicts, state };
}

describe('failing evaluations', () => {
  it('fail the gate after two in a row', () => {
    expect(run([ev('pass'), ev('fail'), ev('fail')]).verdicts).toEqual(['ok', 'ok', 'failed']);
  });

  it('do not fail the gate on one alone', () => {
    expect(run([ev('fail'), ev('pass'), ev('fail'), ev('pass')]).verdicts).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('still count as consecutive across an inconclusive one', () => {
    const { verdicts, state } = run([ev('fail'), ev('inconclusive'), ev('fail')]);
    expect(verdicts).toEqual(['ok', 'ok', 'failed']);
    expect(state).toEqual({ consecutiveFailures: 2, consecutiveInconclusive: 0, conclusive: 2, last: 'fail' });
  });

  it('count the same for comparisons', () => {
    expect(run([ev('fail', 'compare'), ev('fail', 'compare')]).verdicts).toEqual(['ok', 'failed']);
  });

  it('fail at once on a failed sliding-hour check, whatever the failures setting', () => {
    expect(run([ev('pass'), ev('fail', 'hour')], { ...gate, failures: 5 }).verdicts).toEqual(['ok', 'failed']);
  });

  it('are not forgiven by a passing sliding-hour check in between', () => {
    expect(run([ev('fail'), ev('pass', 'hour'), ev('fail')]).verdicts).toEqual(['ok', 'ok', 'failed']);
  });

  it('leave the state passed in untouched', () => {
    const before = initialTracker();
    track(before, ev('fail'), gate);
    expect(before).toEqual({ consecutiveFailures: 0, consecutiveInconclusive: 0, conclusive: 0, last: null });
  });
});

describe('an evaluation beyond a critical bound', () => {
  const critical = { ...gate, failures: 3, criticalMax: 0.03, criticalMin: 0.0001 };

  it('fails the gate at once, on that one interval evaluation', () => {
    expect(run([ev('pass', 'interval', 0.002), ev('fail', 'interval', 0.0512)], critical).verdicts).toEqual(['ok', 'failed']);
    expect(run([ev('fail', 'interval', 0.00005)], critical).verdicts).toEqual(['failed']);
  });

  it('is counted like any failure when it is beyond max but within the critical bound', () => {
    expect(run([ev('fail', 'interval', 0.02), ev('fail', 'interval', 0.03)], critical).verdicts).toEqual(['ok', 'ok']);
  });

  it('means nothing for a comparison, whose value is a shift and not a reading', () => {
    expect(run([ev('fail', 'compare', 0.5)], critical).verdicts).toEqual(['ok']);
  });
});

describe('inconclusive evaluations', () => {
  it('halt the release at the third in a row', () => {
    expect(run([ev('inconclusive'), ev('inconclusive'), ev('inconclusive')]).verdicts).toEqual(['ok', 'ok', 'halt']);
  });

  it('start counting again after a conclusive interval or comparison', () => {
    const twoThenPass = [ev('inconclusive'), ev('inconclusive'), ev('pass')];
    expect(run([...twoThenPass, ev('inconclusive'), ev('inconclusive')]).verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(run([ev('inconclusive'), ev('inconclusive'), ev('pass', 'compare'), ev('inconclusive')]).state.consecutiveInconclusive).toBe(1);
  });

  it('are not forgiven by a conclusive sliding-hour check: three intervals without data halt though each hour passed', () => {
    const gap = [ev('inconclusive'), ev('pass', 'hour'), ev('inconclusive'), ev('pass', 'hour'), ev('inconclusive'), ev('pass', 'hour')];
    expect(run(gap).verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'halt', 'ok']);
  });

  it('of a sliding-hour check neither add to the streak nor end it', () => {
    const { verdicts, state } = run([ev('inconclusive'), ev('inconclusive', 'hour'), ev('inconclusive', 'hour'), ev('inconclusive')]);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(state.consecutiveInconclusive).toBe(2);
  });

  it('never halt a gate with mustHaveData: false, though they are still counted', () => {
    const { verdicts, state } = run(Array.from({ length: 10 }, () => ev('inconclusive')), { ...gate, mustHaveData: false });
    expect(verdicts).toEqual(Array(10).fill('ok'));
    expect(state).toEqual({ consecutiveFailures: 0, consecutiveInconclusive: 10, conclusive: 0, last: 'inconclusive' });
    expect(readyToPromote([state])).toBe(false);
  });

  it('never promote', () => {
    expect(readyToPromote([run([ev('pass'), ev('inconclusive')]).state])).toBe(false);
  });
});

describe('promotion', () => {
  const passing = run([ev('fail'), ev('pass')]).state;

  it('is ready when every gate in every region last passed', () => {
    expect(readyToPromote([passing, passing])).toBe(true);
  });

  it('waits while any gate has not been evaluated yet, last failed or last was inconclusive', () => {
    expect(readyToPromote([passing, initialTracker()])).toBe(false);
    expect(readyToPromote([passing, run([ev('pass'), ev('fail')]).state])).toBe(false);
    expect(readyToPromote([passing, run([ev('inconclusive')]).state])).toBe(false);
  });

  it('is not talked into it by a passing sliding-hour check after a failing interval', () => {
    expect(readyToPromote([run([ev('pass'), ev('fail'), ev('pass', 'hour')]).state])).toBe(false);
  });

  it('is not talked into it by sliding-hour passes alone', () => {
    expect(readyToPromote([run([ev('pass', 'hour'), ev('pass', 'hour')]).state])).toBe(false);
  });

  it('has nothing to wait for in a ring without gates', () => {
    expect(readyToPromote([])).toBe(true);
    expect(readyToPromote({}, {})).toBe(true);
  });
});

describe('promotion judged per gate@region with the gates of the policy', () => {
  const gates = { 'error-rate': { mustHaveData: true }, 'p99': { mustHaveData: false } };
  const passing = run([ev('pass')]).state;
  const gappy = (evs: Evaluation[]): TrackerState => run(evs, { ...gate, mustHaveData: false }).state;

  it('lets a gate with mustHaveData: false ride over a gap at the end, once it passed before', () => {
    const trackers = { 'error-rate@eu-west-1': passing, 'p99@eu-west-1': gappy([ev('pass'), ev('inconclusive'), ev('inconclusive')]) };
    expect(readyToPromote(trackers, gates)).toBe(true);
  });

  it('never passes a gate that had no conclusive evaluation in the region, mustHaveData: false included', () => {
    const trackers = { 'error-rate@eu-west-1': passing, 'p99@eu-west-1': gappy([ev('inconclusive'), ev('inconclusive'), ev('inconclusive')]) };
    expect(readyToPromote(trackers, gates)).toBe(false);
    expect(readyToPromote({ ...trackers, 'p99@eu-west-1': initialTracker() }, gates)).toBe(false);
    expect(readyToPromote({ ...trackers, 'p99@eu-west-1': gappy([ev('pass', 'hour'), ev('inconclusive')]) }, gates)).toBe(false);
  });

  it('does not let a gap hide a failure: the last conclusive result must be a pass', () => {
    const trackers = { 'error-rate@eu-west-1': passing, 'p99@eu-west-1': gappy([ev('pass'), ev('fail'), ev('inconclusive')]) };
    expect(readyToPromote(trackers, gates)).toBe(false);
  });

  it('still waits on an inconclusive last result of a gate that must have data', () => {
    const trackers = { 'error-rate@eu-west-1': run([ev('pass'), ev('inconclusive')]).state, 'p99@eu-west-1': passing };
    expect(readyToPromote(trackers, gates)).toBe(false);
  });

  it('reads the gate name before the last @, and treats a gate missing from the policy as one that must have data', () => {
    const trackers = { 'lat@p99@eu-west-1': gappy([ev('pass'), ev('inconclusive')]) };
    expect(readyToPromote(trackers, { 'lat@p99': { mustHaveData: false } })).toBe(true);
    expect(readyToPromote({ 'gone@eu-west-1': gappy([ev('pass'), ev('inconclusive')]) }, gates)).toBe(false);
  });
});

describe('a whole-bake gate', () => {
  it('is tracked like an interval gate: a sliding-hour pass alone does not promote it', () => {
    const wholeBake = { ...gate, evaluate: 'whole-bake' as const };
    expect(readyToPromote([run([ev('pass', 'hour')], wholeBake).state])).toBe(false);
    expect(readyToPromote([run([ev('pass', 'hour'), ev('pass')], wholeBake).state])).toBe(true);
    expect(run([ev('fail'), ev('fail')], wholeBake).verdicts).toEqual(['ok', 'failed']);
  });
});
