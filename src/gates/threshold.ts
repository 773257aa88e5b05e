/**
 * @module Threshold gates: one reading of a metric (the last interval, or the mean over an hour
 * bucket) against the gate's `max` and/or `min`. Pure: the reading comes in as a value; reading it
 * is the engine's job through the Metrics port.
 *
 * No value (null), a provider error and NaN are inconclusive, never a pass. ±Infinity is compared
 * like any number: a p99 latency of +Inf (the quantile fell in the histogram's +Inf bucket) really
 * is above any max. `evaluate: whole-bake` changes nothing here: the engine still evaluates per
 * interval and per hour bucket, and lint warns about the setting.
 */
import type { Gate } from '../policy/schema.ts';
import { formatDuration } from '../policy/duration.ts';
import type { Evaluation } from './types.ts';
import { clockUtc, digitsApart, sig } from './format.ts';

/** What the engine hands over: a value, no data (null), or the provider's error. */
export type Reading = number | null | { error: string };

export function checkThreshold(
  gateName: string,
  gate: Gate,
  region: string,
  at: number,
  kind: 'interval' | 'hour',
  value: Reading,
): Evaluation {
  const metric = gate.metric ?? gateName;
  const span = kind === 'hour' ? `over the hour to ${clockUtc(at)}` : `over the last ${formatDuration(gate.interval)}`;
  const base = { gate: gateName, region, at, kind };
  const inconclusive = (detail: string): Evaluation => ({ ...base, result: 'inconclusive', value: null, detail });

  if (value === null) return inconclusive(`no data for ${metric} in ${region} ${span}`);
  if (typeof value === 'object') return inconclusive(`could not read ${metric} in ${region} ${span}: ${value.error}`);
  if (Number.isNaN(value)) return inconclusive(`${metric} in ${region} ${span} is not a number`);

  const suffix = kind === 'hour' ? ` (mean over the hour to ${clockUtc(at)})` : '';
  const { max, min } = gate;
  if (max !== undefined && value > max) {
    const d = digitsApart(value, max);
    return { ...base, result: 'fail', value, detail: `${metric} ${sig(value, d)} > max ${sig(max, d)}${suffix}` };
  }
  if (min !== undefined && value < min) {
    const d = digitsApart(value, min);
    return { ...base, result: 'fail', value, detail: `${metric} ${sig(value, d)} < min ${sig(min, d)}${suffix}` };
  }
  let bounds: string;
  if (max !== undefined && min !== undefined) bounds = ` within [min ${sig(min)}, max ${sig(max)}]`;
  else if (max !== undefined) bounds = ` ≤ max ${sig(max)}`;
  else if (min !== undefined) bounds = ` ≥ min ${sig(min)}`;
  else bounds = ' (the gate sets no bound)';
  return { ...base, result: 'pass', value, detail: `${metric} ${sig(value)}${bounds}${suffix}` };
}
