/**
 * @module Comparison gates: the canary's samples of a metric over the lookback against the baseline's
 * over the same period, by a one-sided Mann–Whitney U test with a pass band around the estimated
 * shift (in the manner of Kayenta's tolerance). Pure: samples come in as arrays.
 *
 * The gate fails when the canary is significantly higher (pGreater < 1 − confidence) AND the increase
 * lies outside the band: the Hodges–Lehmann shift exceeds `maxIncrease`, or the ratio of medians
 * minus one exceeds `maxRatio`; either one suffices when both are set. With neither set,
 * significance alone fails. A baseline median of 0 makes any positive canary median an unbounded
 * relative increase, and 0 against 0 no increase. NaN and ±Infinity samples count as missing.
 */
import type { Gate } from '../policy/schema.ts';
import type { Evaluation } from './types.ts';
import { digitsApart, sig } from './format.ts';
import { mannWhitney, median } from './mann-whitney.ts';

/** Fewest samples on each side for a comparison to say anything. */
export const MIN_SAMPLES = 5;

export type CompareGate = Gate & { compare: NonNullable<Gate['compare']> };

function samples(n: number): string {
  return `${n} sample${n === 1 ? '' : 's'}`;
}

export function compareSamples(
  gateName: string,
  gate: Gate,
  region: string,
  at: number,
  canary: readonly number[],
  baseline: readonly number[],
): Evaluation {
  const c = gate.compare;
  if (c === undefined) throw new TypeError(`gate "${gateName}" has no compare block, so it is not a comparison gate`);
  const metric = c.metric;
  const base = { gate: gateName, region, at, kind: 'compare' as const };

  const cs = canary.filter(Number.isFinite);
  const bs = baseline.filter(Number.isFinite);
  if (cs.length < MIN_SAMPLES || bs.length < MIN_SAMPLES) {
    const short =
      cs.length < MIN_SAMPLES && bs.length < MIN_SAMPLES
        ? `canary has ${samples(cs.length)} and baseline ${samples(bs.length)} (need at least ${MIN_SAMPLES} each)`
        : cs.length < MIN_SAMPLES
          ? `canary has ${samples(cs.length)} (need at least ${MIN_SAMPLES})`
          : `baseline has ${samples(bs.length)} (need at least ${MIN_SAMPLES})`;
    return { ...base, result: 'inconclusive', value: null, detail: `too few samples to compare ${metric} in ${region}: ${short}` };
  }

  const test = mannWhitney(cs, bs);
  const shift = test.shift;
  const cMed = median(cs);
  const bMed = median(bs);
  const alpha = 1 - c.confidence;
  const pd = Math.max(2, digitsApart(test.pGreater, alpha, 2));
  const p = `p=${sig(test.pGreater, pd)}`;
  const medians = `median ${sig(cMed)} vs ${sig(bMed)}`;

  if (!(test.pGreater < alpha)) {
    return {
      ...base,
      result: 'pass',
      value: shift,
      detail: `${metric} in ${region} shows no significant increase over baseline (${medians}, ${p} ≥ ${sig(alpha, pd)})`,
    };
  }

  const ratio = bMed === 0 ? (cMed > 0 ? Infinity : cMed < 0 ? -Infinity : 0) : cMed / bMed - 1;
  const exceeded: string[] = [];
  if (c.maxIncrease !== undefined && shift > c.maxIncrease) exceeded.push(`maxIncrease ${sig(c.maxIncrease)}`);
  if (c.maxRatio !== undefined && ratio > c.maxRatio) exceeded.push(`relative increase ${sig(ratio)} > maxRatio ${sig(c.maxRatio)}`);
  const banded = c.maxIncrease !== undefined || c.maxRatio !== undefined;
  const higher = `${metric} in ${region} is higher than baseline by ${sig(shift)} (${medians}, ${p} < ${sig(alpha, pd)}`;

  if (!banded || exceeded.length > 0) {
    return { ...base, result: 'fail', value: shift, detail: `${higher}${exceeded.length ? `; ${exceeded.join('; ')}` : ''})` };
  }
  const band = [
    c.maxIncrease !== undefined ? `maxIncrease ${sig(c.maxIncrease)}` : '',
    c.maxRatio !== undefined ? `maxRatio ${sig(c.maxRatio)}` : '',
  ].filter(Boolean);
  return { ...base, result: 'pass', value: shift, detail: `${higher}) but within ${band.join(' and ')}` };
}
