/** @module Tests of comparison gates: one round's verdict and what it says, and the fold that keeps the statistic in the tracker. */
import { describe, expect, it } from 'vitest';
import type { Gate } from '../policy/schema.ts';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { foldCompare, lastMinuteOf, sequentialOf } from './compare-fold.ts';
import { compareSettings, judgeComparison, type ComparisonRound } from './comparison.ts';
import { boundary, initialSequential, updateSequential } from './sequential.ts';
import { syntheticBake } from './synthetic.test-helper.ts';
import { initialTracker, passes, track, type TrackerState } from './tracker.ts';
import type { Evaluation, MinuteSample } from './types.ts';

const common = { evaluate: 'interval', interval: 5 * MINUTE, warmup: 10 * MINUTE, failures: 2, inconclusiveLimit: 3, mustHaveData: true } as const;
const compare = { metric: 'error_rate', baseline: 'stable-regions', confidence: 0.98, lookback: HOUR, history: 7 * DAY };
const banded: Gate = { ...common, compare: { ...compare, maxRatio: 0.5 } };
const AT = Date.parse('2026-03-02T12:00:00Z');
const settings = compareSettings('vs-baseline', banded, 24 * HOUR);

/** A good canary for 2 hours (error rate 0.002 with 15% noise a minute), minute 0 at AT − 2 h. */
const good = syntheticBake({ minutes: 120, pool: 6, level: 0.002, cv: 0.15, rho: 0.5 }, 5, AT - 2 * HOUR);

function round(minutes: readonly MinuteSample[], prior = initialSequential(), gate = banded): ComparisonRound {
  return { gateName: 'vs-baseline', gate, region: 'eu-west-1', at: AT, prior, minutes, settings: compareSettings('vs-baseline', gate, 24 * HOUR), baseline: 'stable regions (6)' };
}

describe('the test a comparison gate runs', () => {
  it('takes its band and confidence from the gate, and its horizon from the bake after the warmup', () => {
    expect(settings).toEqual({ maxRatio: 0.5, alpha: 0.02, horizon: 24 * 60 - 10 });
    const both: Gate = { ...common, compare: { ...compare, maxIncrease: 0.005, maxRatio: 0.5, confidence: 0.999 } };
    expect(compareSettings('g', both, 12 * HOUR)).toEqual({ maxIncrease: 0.005, maxRatio: 0.5, alpha: 0.001, horizon: 710 });
    expect(compareSettings('g', banded, 0).horizon).toBe(1);
  });

  it('is no comparison gate without a compare block', () => {
    const threshold: Gate = { ...common, metric: 'error_rate', max: 0.01 };
    expect(() => compareSettings('error-rate', threshold, HOUR)).toThrow('gate "error-rate" has no compare block, so it is not a comparison gate');
  });
});

describe('one round of a comparison gate', () => {
  const prior = updateSequential(initialSequential(), good.slice(0, 115), settings);

  it('passes a canary like its baseline, records its new minutes and says how far it is from failing', () => {
    const ev = judgeComparison(round(good.slice(115), prior));
    expect(ev).toMatchObject({ gate: 'vs-baseline', region: 'eu-west-1', at: AT, kind: 'compare', result: 'pass' });
    expect(ev.samples).toEqual({ ...settings, minutes: good.slice(115) });
    expect(ev.margin).toBeGreaterThan(0.9);
    expect(ev.value).toBeCloseTo(updateSequential(prior, good.slice(115), settings).shift, 15);
    expect(ev.detail).toMatch(
      /^error_rate in eu-west-1 vs stable regions \(6\): [\d.]+ vs [\d.]+ over the last 5 min, shift [-+][\d.e-]+ \([-+][\d.]+%\); no sustained increase beyond maxRatio 0\.5 \(evidence [\d.e-]+ of 11\.3 after 120 min\)$/,
    );
  });

  it('fails when the statistic crosses its boundary, with a negative margin and the evidence in its sentence', () => {
    let state = prior;
    let ev: Evaluation | undefined;
    for (let k = 0; k < 24 && ev?.result !== 'fail'; k++) {
      const minutes = good.slice(110, 115).map((m) => ({ ...m, at: m.at + (k + 1) * 5 * MINUTE, canary: m.baseline * 2.5 }));
      ev = judgeComparison(round(minutes, state));
      state = updateSequential(state, minutes, settings);
    }
    expect(ev!.result).toBe('fail');
    expect(ev!.margin).toBeLessThanOrEqual(0);
    expect(ev!.detail).toMatch(
      /^error_rate in eu-west-1 is higher than stable regions \(6\) beyond maxRatio 0\.5: [\d.]+ vs [\d.]+ over the last 5 min, shift \+[\d.e-]+ \(\+[\d.]+%\); evidence [\d.]+ of 11\.3 after \d+ min \(false alarms ≤ 0\.02 per bake\)$/,
    );
  });

  it('says it is still learning the noise during its first 20 minutes', () => {
    const ev = judgeComparison(round(good.slice(0, 10)));
    expect([ev.result, ev.margin]).toEqual(['pass', 1]);
    expect(ev.detail).toContain('; learning its noise (10 of 20 min)');
  });

  it('names both bands when both are set, and significance alone when neither is', () => {
    const both: Gate = { ...common, compare: { ...compare, maxIncrease: 0.005, maxRatio: 0.5 } };
    expect(judgeComparison(round(good.slice(115), prior, both)).detail).toContain('beyond maxIncrease 0.005 or maxRatio 0.5');
    const none: Gate = { ...common, compare };
    expect(judgeComparison(round(good.slice(115), prior, none)).detail).toContain('beyond no band (significance alone)');
  });

  it('is inconclusive without a minute that has both values, and then records no samples', () => {
    const gap = good.slice(115).map((m) => ({ ...m, canary: NaN }));
    const ev = judgeComparison(round(gap, prior));
    expect(ev).toEqual({
      gate: 'vs-baseline', region: 'eu-west-1', at: AT, kind: 'compare', result: 'inconclusive', value: null,
      detail: 'no minute to compare error_rate in eu-west-1 with stable regions (6): the canary or the baseline has no samples',
    });
  });

  it('counts only minutes after those already folded', () => {
    const ev = judgeComparison(round(good.slice(100), prior));
    expect(ev.samples!.minutes).toEqual(good.slice(115));
    expect(judgeComparison(round(good.slice(100, 115), prior)).result).toBe('inconclusive');
  });
});

describe('the statistic kept in the tracker', () => {
  const gate = { ...banded, failures: 2 };

  /** The engine's fold: every evaluation through track(), as onGateResults does. */
  function replay(evs: Evaluation[]): { state: TrackerState; verdicts: string[] } {
    let state = initialTracker();
    const verdicts: string[] = [];
    for (const ev of evs) {
      const step = track(state, ev, gate);
      state = step.state;
      verdicts.push(step.verdict);
    }
    return { state, verdicts };
  }

  /** What the runtime records, round after round, judging each from the tracker state so far. */
  function recorded(minutes: readonly MinuteSample[]): Evaluation[] {
    const evs: Evaluation[] = [];
    let tracker = initialTracker();
    for (let i = 0; i < minutes.length; i += 5) {
      const ev = judgeComparison(round(minutes.slice(i, i + 5), sequentialOf(tracker) ?? initialSequential()));
      evs.push(ev);
      tracker = track(tracker, ev, gate).state;
    }
    return evs;
  }

  it('is rebuilt exactly by replaying the recorded evaluations, so it survives a restart', () => {
    const evs = recorded(good);
    const { state } = replay(evs);
    expect(sequentialOf(state)).toEqual(updateSequential(initialSequential(), good, settings));
    expect(lastMinuteOf(state)).toBe(good[good.length - 1]!.at);
    expect(replay(JSON.parse(JSON.stringify(evs))).state).toEqual(state);
    expect(passes(state)).toBe(true);
  });

  it('fails the ring at its first crossing, whatever `failures` says', () => {
    const bad = good.map((m, i) => (i >= 60 ? { ...m, canary: m.baseline * 3 } : m));
    const evs = recorded(bad);
    const { verdicts } = replay(evs);
    const first = evs.findIndex((e) => e.result === 'fail');
    expect(first).toBeGreaterThan(11);
    expect(verdicts.indexOf('failed')).toBe(first);
  });

  it('is what the tracker decides by, whatever result the evaluation claims', () => {
    const evs = recorded(good).map((e) => ({ ...e, result: 'fail' as const }));
    expect(replay(evs).verdicts.every((v) => v === 'ok')).toBe(true);
  });

  it('leaves inconclusive rounds, and comparisons recorded before samples were, to the ordinary tracking', () => {
    const evs = recorded(good.slice(0, 30));
    const gap: Evaluation = { gate: 'vs-baseline', region: 'eu-west-1', at: AT, kind: 'compare', result: 'inconclusive', value: null, detail: 'no data' };
    const { state } = replay([...evs, gap]);
    expect(state.consecutiveInconclusive).toBe(1);
    expect(sequentialOf(state)).toEqual(sequentialOf(replay(evs).state));
    const old: Evaluation = { ...gap, result: 'fail', value: 0.004, detail: 'Mann–Whitney' };
    expect(replay([old, old]).verdicts).toEqual(['ok', 'failed']);
  });

  it('never changes the tracker it is given', () => {
    const evs = recorded(good.slice(0, 40));
    const before = replay(evs.slice(0, -1)).state;
    const copy = structuredClone(before);
    foldCompare(before, evs[evs.length - 1]!, (s, e) => track(s, e, { ...gate, failures: 1 }));
    expect(before).toEqual(copy);
  });

  it('reports the boundary it was judged against in every conclusive evaluation', () => {
    const ev = recorded(good.slice(0, 60)).at(-1)!;
    expect(ev.detail).toContain(`of ${Number(boundary(60, settings).toPrecision(3))} after 60 min`);
  });
});

describe('the tracker’s fold of a round the judge already folded', () => {
  const tracked = { failures: 2, inconclusiveLimit: 3, mustHaveData: true };
  const plainFold = (tracker: TrackerState, ev: Evaluation) => foldCompare(tracker, { ...ev, samples: structuredClone(ev.samples) }, (s, e) => track(s, e, { ...tracked, failures: 1 }));

  it('gives the state a fold of the recorded samples gives, reusing the judge’s fold into the same prior state', () => {
    const first = judgeComparison({ ...round(good.slice(0, 60)), prior: null });
    const start = foldCompare(initialTracker(), first, (s, e) => track(s, e, { ...tracked, failures: 1 }));
    expect(start).toEqual(plainFold(initialTracker(), first));
    const prior = sequentialOf(start.state)!;
    const second = judgeComparison(round(good.slice(60), prior));
    const fold = () => foldCompare(start.state, second, (s, e) => track(s, e, { ...tracked, failures: 1 }));
    const reused = fold();
    // The judge's own state each time (a fresh fold would be a new object), equal to a fold of a copy of the samples.
    expect(sequentialOf(fold().state)).toBe(sequentialOf(reused.state));
    expect(reused).toEqual(plainFold(start.state, second));
  });

  it('folds again when the tracker’s state is not the one the judge folded into', () => {
    const prior = updateSequential(initialSequential(), good.slice(0, 60), settings);
    const ev = judgeComparison(round(good.slice(60), prior));
    // Another tracker, equal in value but not the judge's own state, and one that differs.
    const twin = { ...initialTracker(), conclusive: 1, last: 'pass' as const, sequential: structuredClone(prior) };
    expect(foldCompare(twin, ev, (s, e) => track(s, e, { ...tracked, failures: 1 }))).toEqual(plainFold(twin, ev));
    const other = { ...twin, sequential: updateSequential(initialSequential(), good.slice(0, 30), settings) };
    const folded = foldCompare(other, ev, (s, e) => track(s, e, { ...tracked, failures: 1 }));
    expect(folded).toEqual(plainFold(other, ev));
    expect(sequentialOf(folded.state)!.n).toBe(30 + 60);
  });
});
