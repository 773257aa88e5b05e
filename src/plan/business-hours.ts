/**
 * @module Business hours of a region, in its own IANA time zone and DST-correct: the windows of
 * instants when a region is open, whether an instant is inside them, the next open moment, and when
 * several regions are open at once. Internal regions have no business hours: they are always open.
 * Pure: instants are epoch ms passed in.
 */
import { DAY, MINUTE } from '../policy/duration.ts';
import { WEEKDAYS, type Region } from '../policy/schema.ts';
import { firstInstantAtLocal, isoWeekday, localDayOf, localMs } from './zone-time.ts';

/** A half-open span of instants [from, to). */
export type Span = readonly [from: number, to: number];

/** How far ahead "never" looks: 53 weeks covers every weekday under every DST state of a year. */
export const OVERLAP_HORIZON = 371 * DAY;
const CHUNK = 14 * DAY;

/**
 * The spans in [lo, hi) when `region` is inside its business hours. A local day's window opens at
 * the first instant the local clock reaches `start` and closes at the first instant it reaches
 * `end`, so a window starting in a skipped hour opens at the change, and one ending in a repeated
 * hour closes at its first pass.
 */
export function businessSpans(region: Region, lo: number, hi: number): Span[] {
  if (hi <= lo) return [];
  if (region.internal) return [[lo, hi]];
  const { days, start, end } = region.businessHours;
  const zone = region.timezone;
  const out: Span[] = [];
  const first = localDayOf(localMs(zone, lo)) - 1;
  const last = localDayOf(localMs(zone, hi)) + 1;
  for (let day = first; day <= last; day++) {
    if (!days.includes(isoWeekday(day))) continue;
    const open = Math.max(lo, firstInstantAtLocal(zone, day * DAY + start * MINUTE));
    const close = Math.min(hi, firstInstantAtLocal(zone, day * DAY + end * MINUTE));
    if (close > open) out.push([open, close]);
  }
  return out;
}

export function isInBusinessHours(region: Region, at: number): boolean {
  return businessSpans(region, at, at + 1).length > 0;
}

/** The spans when every one of `lists` is inside (each list sorted and non-overlapping). */
export function intersectSpans(lists: readonly (readonly Span[])[]): Span[] {
  let acc: Span[] | undefined;
  for (const list of lists) {
    if (acc === undefined) { acc = [...list]; continue; }
    const next: Span[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length && j < list.length) {
      const a = acc[i]!;
      const b = list[j]!;
      const from = Math.max(a[0], b[0]);
      const to = Math.min(a[1], b[1]);
      if (to > from) next.push([from, to]);
      if (a[1] < b[1]) i++;
      else j++;
    }
    acc = next;
  }
  return acc ?? [];
}

/** The spans in [lo, hi) when every region is inside its business hours at once. */
export function commonBusinessSpans(regions: readonly Region[], lo: number, hi: number): Span[] {
  if (regions.length === 0) return hi > lo ? [[lo, hi]] : [];
  return intersectSpans(regions.map((r) => businessSpans(r, lo, hi)));
}

/**
 * The first moment at or after `from` when every region is inside its business hours at once, or
 * undefined when that does not happen within OVERLAP_HORIZON (it then never happens). Scans two
 * weeks at a time, so the usual answer costs two weeks of windows and "never" costs one year.
 */
export function nextCommonBusinessMoment(regions: readonly Region[], from: number): number | undefined {
  for (let lo = from; lo < from + OVERLAP_HORIZON; lo += CHUNK) {
    const spans = commonBusinessSpans(regions, lo, Math.min(lo + CHUNK, from + OVERLAP_HORIZON));
    if (spans.length > 0) return spans[0]![0];
  }
  return undefined;
}

/** The first moment at or after `from` when `region` is inside its business hours (undefined: never). */
export function nextBusinessMoment(region: Region, from: number): number | undefined {
  return nextCommonBusinessMoment([region], from);
}

/** `Mon-Fri`, `Mon, Wed, Fri`, `Mon-Wed, Sat`. */
export function formatDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const a = WEEKDAYS[sorted[i]! - 1]!;
    const b = WEEKDAYS[sorted[j]! - 1]!;
    runs.push(j === i ? a : j === i + 1 ? `${a}, ${b}` : `${a}-${b}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** Minutes after local midnight as `HH:MM` (1440 is the end of the day, 24:00). */
export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** `Europe/London, Mon-Fri 09:00-17:00` */
export function describeBusinessHours(region: Region): string {
  const { days, start, end } = region.businessHours;
  return `${region.timezone}, ${formatDays(days)} ${hhmm(start)}-${hhmm(end)}`;
}
