/**
 * @module A region's local peak-traffic hour (`regions[].peakHour`, 14:00 local unless given) and
 * when a bake that began at some instant has had all of it (`rings[].evidence.coverPeak`). Pure.
 */
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { firstProductionRingIndex } from '../policy/model.ts';
import type { Policy, Region, Ring } from '../policy/schema.ts';
import { firstInstantAtLocal, localDayOf, localMs } from './zone-time.ts';

/** Whether ring i must bake through its regions' peak hour: `evidence.coverPeak`, by default the first production ring only. */
export function coversPeak(policy: Policy, i: number): boolean {
  return policy.spec.rings[i]!.evidence.coverPeak ?? i === firstProductionRingIndex(policy);
}

/**
 * When a bake that began at `from` has seen every minute of the region's local peak hour: the end of
 * the next peak hour; or, for a bake that began inside one, the same local time the next day (it
 * saw the rest of that hour then, and the beginning of the next day's). A bake of a day or more
 * always covers it.
 */
export function peakCoveredAt(region: Region, from: number): number {
  const zone = region.timezone;
  const local = localMs(zone, from);
  let peak = localDayOf(local) * DAY + region.peakHour * MINUTE;
  if (peak > local) peak -= DAY;
  const into = local - peak;
  if (into === 0) return firstInstantAtLocal(zone, peak + HOUR);
  if (into < HOUR) return firstInstantAtLocal(zone, local + DAY);
  return firstInstantAtLocal(zone, peak + DAY + HOUR);
}

/**
 * The production regions of the ring whose peak hour a bake from `healthyAt` to `bakeUntil` misses,
 * and when the last of them will have had it (`bakeUntil` when none is missed).
 */
export function peakWaits(policy: Policy, ring: Ring, healthyAt: number, bakeUntil: number): { regions: string[]; until: number } {
  const regions: string[] = [];
  let until = bakeUntil;
  for (const name of ring.regions) {
    const region = policy.spec.regions.find((r) => r.name === name);
    if (!region || region.internal) continue;
    const covered = peakCoveredAt(region, healthyAt);
    if (covered <= bakeUntil) continue;
    regions.push(name);
    until = Math.max(until, covered);
  }
  return { regions, until };
}
