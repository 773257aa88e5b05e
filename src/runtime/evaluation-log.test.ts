import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../gates/types.ts';
import { EvaluationLog, SERIES_RETENTION } from './evaluation-log.ts';

const ev = (at: number, region: string, result: Evaluation['result'] = 'pass', value: number | null = 0.001): Evaluation => ({
  gate: 'error-rate', region, at, kind: 'interval', result, value, ...(result === 'pass' ? {} : { detail: `${result} at ${at}` }), ...(value === null ? {} : { margin: 0.5 }),
});

describe('the evaluation log', () => {
  it('reads back what it was given, oldest first, filtered, with the words of what did not pass only', () => {
    const log = new EvaluationLog();
    log.push('ring-1', [ev(1, 'a'), ev(1, 'b', 'fail', 0.2)], 4);
    log.push('ring-1', [ev(2, 'a', 'inconclusive', null)], 7);
    const round = 2 ** 20;
    expect(log.read(0, 10, () => true).items).toEqual([
      { seq: 4 * round, ring: 'ring-1', gate: 'error-rate', region: 'a', kind: 'interval', at: 1, result: 'pass', value: 0.001, margin: 0.5 },
      { seq: 4 * round + 1, ring: 'ring-1', gate: 'error-rate', region: 'b', kind: 'interval', at: 1, result: 'fail', value: 0.2, margin: 0.5, detail: 'fail at 1' },
      { seq: 7 * round, ring: 'ring-1', gate: 'error-rate', region: 'a', kind: 'interval', at: 2, result: 'inconclusive', value: null, detail: 'inconclusive at 2' },
    ]);
    expect(log.read(4 * round, 1, (s) => s.region === 'a')).toEqual({ items: [expect.objectContaining({ seq: 7 * round })], more: false });
    expect(log.read(0, 1, (s) => s.region === 'a').more).toBe(true);
  });

  it('keeps the newest SERIES_RETENTION of each series, and sequence numbers never change', () => {
    const log = new EvaluationLog();
    for (let t = 0; t < 3 * SERIES_RETENTION; t++) log.push('ring-1', [ev(t, 'busy'), ...(t % 10 === 0 ? [ev(t, 'quiet')] : [])], t + 2);
    const busy = log.read(0, 10_000, (s) => s.region === 'busy').items;
    expect(busy.length).toBeLessThanOrEqual(SERIES_RETENTION * 1.25);
    expect(busy.at(-1)?.at).toBe(3 * SERIES_RETENTION - 1);
    expect(busy.length).toBeGreaterThanOrEqual(SERIES_RETENTION);
    // What was dropped is still counted.
    expect(log.counts()).toEqual({ pass: 3 * SERIES_RETENTION + (3 * SERIES_RETENTION) / 10, fail: 0, inconclusive: 0 });
    // The quiet series lost nothing, and a cursor (a sequence number) still reads on from where it was.
    expect(log.read(0, 10_000, (s) => s.region === 'quiet').items).toHaveLength(3 * SERIES_RETENTION / 10);
    const last = busy.at(-2)!;
    expect(log.read(last.seq, 10, (s) => s.region === 'busy').items.map((e) => e.at)).toEqual([3 * SERIES_RETENTION - 1]);
  });

  it('numbers evaluations by their round, so a log rebuilt from fewer rounds numbers them as before, and says which rounds it still holds', () => {
    const whole = new EvaluationLog();
    for (let t = 0; t < 2 * SERIES_RETENTION; t++) whole.push('ring-1', [ev(t, t % 100 === 0 ? 'quiet' : 'busy')], t + 2);
    // Rounds whose every evaluation retention dropped are no longer held: they may go from the store.
    expect(whole.holdsRound(2)).toBe(true); // the first quiet evaluation
    expect(whole.holdsRound(3)).toBe(false);
    expect(whole.holdsRound(2 * SERIES_RETENTION + 1)).toBe(true);
    expect(whole.holdsRound(2 * SERIES_RETENTION + 2)).toBe(false);
    const rebuilt = new EvaluationLog();
    for (let t = 0; t < 2 * SERIES_RETENTION; t++) if (whole.holdsRound(t + 2)) rebuilt.push('ring-1', [ev(t, t % 100 === 0 ? 'quiet' : 'busy')], t + 2);
    rebuilt.setCounts(whole.counts());
    expect(rebuilt.read(0, 10_000, () => true).items).toEqual(whole.read(0, 10_000, () => true).items);
    expect(rebuilt.counts()).toEqual({ pass: 2 * SERIES_RETENTION, fail: 0, inconclusive: 0 });
  });
});
