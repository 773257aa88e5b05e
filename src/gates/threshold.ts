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
  let m = Infinity;
  if (gate.max !== undefined) m = Math.min(m, share(value, gate.max, true));
  if (gate.criticalMax !== undefined) m = Math.min(m, share(value, gate.criticalMax, true));
  if (gate.min !== undefined) m = Math.min(m, share(value, gate.min, false));
  if (gate.criticalMin !== undefined) m = Math.min(m, share(value, gate.criticalMin, false));
  return m === Infinity && gate.max === undefined && gate.criticalMax === undefined && gate.min === undefined && gate.criticalMin === undefined ? undefined : m;
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
  if (value === null || typeof value === 'object' || Number.isNaN(value)) {
    const metric = gate.metric ?? gateName;
    const where = span(gate, at, kind, from);
    const detail = value === null ? `no data for ${metric} in ${region} ${where}`
      : typeof value === 'object' ? `could not read ${metric} in ${region} ${where}: ${value.error}`
        : `${metric} in ${region} ${where} is not a number`;
    return { gate: gateName, region, at, kind, result: 'inconclusive', value: null, detail };
  }
  const margin = thresholdMargin(gate, value);
  const { max, min, criticalMax, criticalMin } = gate;
  const critical = criticalBound(gate, value);
  const crossed: [string, '>' | '<', number] | null = critical === 'criticalMax' ? ['criticalMax', '>', criticalMax!]
    : critical === 'criticalMin' ? ['criticalMin', '<', criticalMin!]
      : max !== undefined && value > max ? ['max', '>', max]
        : min !== undefined && value < min ? ['min', '<', min] : null;
  if (crossed === null) {
    // A pass says nothing until someone reads it (passDetail): most checks pass, and nobody reads most.
    return margin === undefined ? { gate: gateName, region, at, kind, result: 'pass', value } : { gate: gateName, region, at, kind, result: 'pass', value, margin };
  }
  const [name, op, bound] = crossed;
  const d = digitsApart(value, bound);
  const suffix = kind === 'hour' ? ` (mean ${span(gate, at, kind, from)})` : '';
  const detail = `${gate.metric ?? gateName} ${sig(value, d)} ${op} ${name} ${sig(bound, d)}${suffix}`;
  return margin === undefined ? { gate: gateName, region, at, kind, result: 'fail', value, detail } : { gate: gateName, region, at, kind, result: 'fail', value, detail, margin };
}

/** Over which window a check read its metric, in words. */
function span(gate: Gate, at: number, kind: 'interval' | 'hour', from?: number): string {
  if (kind !== 'hour') return `over the last ${formatDuration(gate.interval)}`;
  return `over ${from !== undefined && at - from < HOUR ? `the ${formatDuration(at - from)} to ${clockUtc(at)}` : `the hour to ${clockUtc(at)}`}`;
}

/** What a passing threshold check read, in words: `error_rate 0.0021 ≤ max 0.01` (with the hour's window for an hour check). */
export function passDetail(gateName: string, gate: Gate, e: Pick<Evaluation, 'at' | 'kind' | 'value'>): string {
  const metric = gate.metric ?? gateName;
  const { max, min, criticalMax, criticalMin } = gate;
  // The tightest bound on each side: max and min when set, else the critical one.
  const upper = max !== undefined ? `max ${sig(max)}` : criticalMax !== undefined ? `criticalMax ${sig(criticalMax)}` : undefined;
  const lower = min !== undefined ? `min ${sig(min)}` : criticalMin !== undefined ? `criticalMin ${sig(criticalMin)}` : undefined;
  let bounds: string;
  if (upper !== undefined && lower !== undefined) bounds = ` within [${lower}, ${upper}]`;
  else if (upper !== undefined) bounds = ` ≤ ${upper}`;
  else if (lower !== undefined) bounds = ` ≥ ${lower}`;
  else bounds = ' (the gate sets no bound)';
  const suffix = e.kind === 'hour' ? ` (mean ${span(gate, e.at, 'hour')})` : '';
  return `${metric} ${e.value === null ? 'no value' : sig(e.value)}${bounds}${suffix}`;
}

/** What an evaluation says to people: its own detail, or for a pass that left it out, the words of passDetail. */
export function detailOf(e: Pick<Evaluation, 'gate' | 'at' | 'kind' | 'value' | 'result' | 'detail'>, gate: Gate | undefined): string {
  if (e.detail !== undefined) return e.detail;
  if (gate && (e.kind === 'interval' || e.kind === 'hour')) return passDetail(e.gate, gate, e);
  return `${e.gate} ${e.result === 'pass' ? 'passed' : e.result}`;
}
