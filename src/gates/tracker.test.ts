/** @module Tests of the consecutive-result logic: when failures fail a ring, when missing data halts, what promotes. */
import { describe, expect, it } from 'vitest';
import type { Evaluation, GateResult } from './types.ts';
import { initialTracker, readyToPromote, track, type TrackerState } from './tracker.ts';

const gate = { failures: 2, inconclusiveLimit: 3, mustHaveData: true };
let clock = 0;
const ev = (result: GateResult, kind: Evaluation['kind'] = 'interval'): Evaluation => ({
  gate: 'error-rate',
  region: 'eu-west-1',
  at: (clock += 300_000),
  kind,
  result,
  value: result === 'inconclusive' ? null : 0,
  detail: '',
});

/** Feeds the evaluations in order; returns every verdict and the final state. */
function run(evs: Evaluation[], g = gate): { verdicts: string[]; state: TrackerState } {
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
    expect(state).toEqual({ consecutiveFailures: 2, consecutiveInconclusive: 0, last: 'fail' });
  });

  it('count the same for comparisons', () => {
    expect(run([ev('fail', 'compare'), ev('fail', 'compare')]).verdicts).toEqual(['ok', 'failed']);
  });

  it('fail at once on a failed hour bucket, whatever the failures setting', () => {
    expect(run([ev('pass'), ev('fail', 'hour')], { ...gate, failures: 5 }).verdicts).toEqual(['ok', 'failed']);
  });

  it('are not forgiven by a passing hour bucket in between', () => {
    expect(run([ev('fail'), ev('pass', 'hour'), ev('fail')]).verdicts).toEqual(['ok', 'ok', 'failed']);
  });

  it('leave the state passed in untouched', () => {
    const before = initialTracker();
    track(before, ev('fail'), gate);
    expect(before).toEqual({ consecutiveFailures: 0, consecutiveInconclusive: 0, last: null });
  });
});

describe('inconclusive evaluations', () => {
  it('halt the release at the third in a row', () => {
    expect(run([ev('inconclusive'), ev('inconclusive'), ev('inconclusive')]).verdicts).toEqual(['ok', 'ok', 'halt']);
  });

  it('start counting again after any conclusive result, an hour bucket included', () => {
    const twoThenPass = [ev('inconclusive'), ev('inconclusive'), ev('pass')];
    expect(run([...twoThenPass, ev('inconclusive'), ev('inconclusive')]).verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const hour = run([ev('inconclusive'), ev('inconclusive'), ev('pass', 'hour'), ev('inconclusive')]);
    expect(hour.verdicts).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(hour.state.consecutiveInconclusive).toBe(1);
  });

  it('never halt a gate with mustHaveData: false, though they are still counted', () => {
    const { verdicts, state } = run(Array.from({ length: 10 }, () => ev('inconclusive')), { ...gate, mustHaveData: false });
    expect(verdicts).toEqual(Array(10).fill('ok'));
    expect(state).toEqual({ consecutiveFailures: 0, consecutiveInconclusive: 10, last: 'inconclusive' });
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

  it('is not talked into it by a passing hour bucket after a failing interval', () => {
    expect(readyToPromote([run([ev('pass'), ev('fail'), ev('pass', 'hour')]).state])).toBe(false);
  });

  it('has nothing to wait for in a ring without gates', () => {
    expect(readyToPromote([])).toBe(true);
  });
});

describe('a whole-bake gate', () => {
  it('is ready to promote once its single average passes (it has no interval checks to pass)', async () => {
    const { initialTracker, track, readyToPromote } = await import('./tracker.ts');
    const gate = { failures: 2, inconclusiveLimit: 3, mustHaveData: true, evaluate: 'whole-bake' as const };
    const { state } = track(initialTracker(), { gate: 'avg', region: 'a', at: 0, kind: 'hour', result: 'pass', value: 0.003, detail: '' }, gate);
    expect(readyToPromote([state])).toBe(true);
  });
});
