/**
 * @module Threshold gates: one reading of a metric (the last interval, or the mean over the sliding
 * hour) against the gate's bounds: `max` and/or `min`, and the optional `criticalMax` /
 * `criticalMin` beyond which one reading fails the ring at once (the tracker asks criticalBound).
 * Pure: the reading comes in as a value; reading it is the engine's job through the Metrics port.
 *
 * No value (null), a provider error and NaN are inconclusive, never a pass. ±Infinity is compared
 * like any number: a p99 latency of +Inf (the quantile fell in the histogram's +Inf bucket) really
 * is above any max. `evaluate: whole-bake` changes nothing here: the engine evaluates such a gate
 * per interval and over the sliding hour like any other, and lint warns about the setting.
 *
 * Every conclusive check carries its margin: the share of each bound left, (max − value) / |max| or
 * (value − min) / |min| (the plain difference for a bound of 0), the smallest over the bounds set,
 * critical ones included; 0 exactly at a bound, negative beyond it.
 */
import type { Gate } from '../policy/schema.ts';
import { formatDuration, HOUR } from '../policy/duration.ts';
import type { Evaluation } from './types.ts';
import { digitsApart, sig } from './format.ts';
import { clockUtc } from '../plan/iso.ts';

/** What the engine hands over: a value, no data (null), or the provider's error. */
export type Reading = number | null | { error: string };

type Bounds = Pick<Gate, 'max' | 'min' | 'criticalMax' | 'criticalMin'>;

/** The critical bound `value` is beyond, if any: one such reading fails the ring at once. */
export function criticalBound(gate: Bounds, value: number): 'criticalMax' | 'criticalMin' | null {
  if (gate.criticalMax !== undefined && value > gate.criticalMax) return 'criticalMax';
  if (gate.criticalMin !== undefined && value < gate.criticalMin) return 'criticalMin';
  return null;
}

/** The share of `bound` left before `value` crosses it (`above`: the bound is a ceiling). */
function share(value: number, bound: number, above: boolean): number {
  const left = above ? bound - value : value - bound;
  return bound === 0 ? left : left / Math.abs(bound);
}

/** The margin of `value`: the smallest share left over the bounds the gate sets; undefined when it sets none. */
export function thresholdMargin(gate: Bounds, value: number): number | undefined {
  const shares: number[] = [];
  for (const b of [gate.max, gate.criticalMax]) if (b !== undefined) shares.push(share(value, b, true));
  for (const b of [gate.min, gate.criticalMin]) if (b !== undefined) shares.push(share(value, b, false));
  return shares.length > 0 ? Math.min(...shares) : undefined;
}

/**
 * Judge one reading. `kind` is `interval` (the last interval) or `hour` (the sliding hour); `from`,
 * when given, is where the sliding window began, so that a window shorter than an hour (the first
 * hour after the warmup) says how long it was.
 */
export function checkThreshold(
  gateName: string,
  gate: Gate,
  region: string,
  at: number,
  kind: 'interval' | 'hour',
  value: Reading,
  from?: number,
): Evaluation {
  const metric = gate.metric ?? gateName;
  const windowText = from !== undefined && at - from < HOUR ? `the ${formatDuration(at - from)} to ${clockUtc(at)}` : `the hour to ${clockUtc(at)}`;
  const span = kind === 'hour' ? `over ${windowText}` : `over the last ${formatDuration(gate.interval)}`;
  const base = { gate: gateName, region, at, kind };
  const inconclusive = (detail: string): Evaluation => ({ ...base, result: 'inconclusive', value: null, detail });

  if (value === null) return inconclusive(`no data for ${metric} in ${region} ${span}`);
  if (typeof value === 'object') return inconclusive(`could not read ${metric} in ${region} ${span}: ${value.error}`);
  if (Number.isNaN(value)) return inconclusive(`${metric} in ${region} ${span} is not a number`);

  const suffix = kind === 'hour' ? ` (mean ${span})` : '';
  const margin = thresholdMargin(gate, value);
  const judged = (result: 'pass' | 'fail', detail: string): Evaluation => ({ ...base, result, value, detail: detail + suffix, ...(margin === undefined ? {} : { margin }) });
  const beyond = (name: string, op: '>' | '<', bound: number): Evaluation => {
    const d = digitsApart(value, bound);
    return judged('fail', `${metric} ${sig(value, d)} ${op} ${name} ${sig(bound, d)}`);
  };

  const { max, min, criticalMax, criticalMin } = gate;
  const critical = criticalBound(gate, value);
  if (critical === 'criticalMax') return beyond('criticalMax', '>', criticalMax!);
  if (critical === 'criticalMin') return beyond('criticalMin', '<', criticalMin!);
  if (max !== undefined && value > max) return beyond('max', '>', max);
  if (min !== undefined && value < min) return beyond('min', '<', min);

  // The tightest bound on each side: max and min when set, else the critical one.
  const upper = max !== undefined ? `max ${sig(max)}` : criticalMax !== undefined ? `criticalMax ${sig(criticalMax)}` : undefined;
  const lower = min !== undefined ? `min ${sig(min)}` : criticalMin !== undefined ? `criticalMin ${sig(criticalMin)}` : undefined;
  let bounds: string;
  if (upper !== undefined && lower !== undefined) bounds = ` within [${lower}, ${upper}]`;
  else if (upper !== undefined) bounds = ` ≤ ${upper}`;
  else if (lower !== undefined) bounds = ` ≥ ${lower}`;
  else bounds = ' (the gate sets no bound)';
  return judged('pass', `${metric} ${sig(value)}${bounds}`);
}
