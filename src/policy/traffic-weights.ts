/**
 * @module Hourly traffic weights per region, in the region's local time: a scenario's
 * `spec.traffic` and the file `meridian windows --traffic FILE` reads are this one shape with these
 * rules. Each region gets exactly 24 weights (local hours 00..23), each a number of at least 0, not
 * all 0, and every region named must be in the policy. Pure.
 */
import { z } from 'zod';
import type { Policy } from './schema.ts';
import { didYouMean, type Issue } from './source.ts';

export const HOURS_PER_DAY = 24;

/** One region's day: 24 weights, local hours 00..23, used as written. */
export const HourlyWeights = z
  .array(z.number().min(0))
  .superRefine((weights, ctx) => {
    if (weights.length !== HOURS_PER_DAY) {
      ctx.addIssue({ code: 'custom', message: `needs exactly 24 hourly weights (local hours 00..23), got ${weights.length}`, input: weights });
    } else if (weights.every((w) => w === 0)) {
      ctx.addIssue({ code: 'custom', message: 'at least one hourly weight must be above 0', input: weights });
    }
  })
  .meta({ description: '24 hourly traffic weights in local time (hours 00..23), at least one above 0' });

/** Region name → its 24 hourly weights. */
export const TrafficWeights = z
  .record(z.string(), HourlyWeights)
  .meta({ description: 'Per region: 24 hourly weights in local time' });

export type TrafficWeights = z.output<typeof TrafficWeights>;

/** The regions of `traffic` that `policy` does not have, each an issue at its key under `path`. */
export function trafficRegionIssues(traffic: Readonly<Record<string, unknown>>, policy: Policy, path: readonly (string | number)[] = []): Issue[] {
  const known = policy.spec.regions.map((r) => r.name);
  return Object.keys(traffic).flatMap((name): Issue[] => {
    if (known.includes(name)) return [];
    const guess = didYouMean(name, known);
    const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${known.join(', ')})` : '';
    return [{ path: [...path, name], atKey: true, message: `region "${name}" is not in policy ${policy.metadata.name}${hint}` }];
  });
}
