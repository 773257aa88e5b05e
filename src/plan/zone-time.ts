/**
 * @module Wall-clock arithmetic in IANA time zones: the offset of a zone at an instant, the local
 * day and weekday of an instant, and the first instant at which a zone's clock reaches a local time
 * (DST gaps and repeated hours included). Pure: offsets come from luxon, never from the host clock.
 */
import { IANAZone } from 'luxon';
import { DAY, MINUTE } from '../policy/duration.ts';

/** Offset of `zone` from UTC at instant `at`, in milliseconds (London in summer: +3600000). */
export function offsetAt(zone: string, at: number): number {
  return IANAZone.create(zone).offset(at) * MINUTE;
}

/** The local wall clock of `at` in `zone`, as milliseconds since 1970-01-01T00:00 local ("local ms"). */
export function localMs(zone: string, at: number): number {
  return at + offsetAt(zone, at);
}

/** Days since 1970-01-01 of a local-ms value. */
export function localDayOf(local: number): number {
  return Math.floor(local / DAY);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local day number. 1970-01-01 was a Thursday. */
export function isoWeekday(localDay: number): number {
  return (((localDay + 3) % 7) + 7) % 7 + 1;
}

/**
 * The first instant at which the clock of `zone` reads `local` (local ms) or later.
 * An ordinary local time has one instant; in a repeated hour (clocks go back) this is the first of
 * the two; in a skipped hour (clocks go forward) it is the moment of the change, when the clock
 * jumps past `local`.
 */
export function firstInstantAtLocal(zone: string, local: number): number {
  const before = offsetAt(zone, local - DAY);
  const after = offsetAt(zone, local + DAY);
  // No clock change within a day either side (almost every day): one offset, one instant.
  if (before === after && offsetAt(zone, local - before) === before) return local - before;
  const offsets = new Set([before, offsetAt(zone, local), after]);
  const exact = [...offsets].map((o) => local - o).filter((t) => localMs(zone, t) === local);
  if (exact.length > 0) return Math.min(...exact);
  // A gap: the answer is the transition, between the readings under the two offsets.
  let lo = local - Math.max(...offsets); // the clock reads before `local` here
  let hi = local - Math.min(...offsets); // and at or after it here
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localMs(zone, mid) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}
