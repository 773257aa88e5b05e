/**
 * @module The daily traffic curve of each region, in its own local time. The default is smooth: a
 * half cosine rising from the trough (03:00 local) to the peak (14:00 local) and another falling
 * back, with peak ÷ trough = 3 and a daily mean of exactly 1. A scenario may give a region 24
 * hourly weights instead (local hours 0..23, used as written). Pure.
 */
import { MINUTE } from '../policy/duration.ts';
import { LocalTime } from './local-time.ts';

export const PEAK_HOUR = 14;
export const TROUGH_HOUR = 3;
export const PEAK_TO_TROUGH = 3;

const MINUTES_PER_DAY = 1440;
/** The curve is 1 ± AMPLITUDE, so peak ÷ trough = (1 + a) / (1 − a) = PEAK_TO_TROUGH. */
const AMPLITUDE = (PEAK_TO_TROUGH - 1) / (PEAK_TO_TROUGH + 1);
const RISE_HOURS = PEAK_HOUR - TROUGH_HOUR;
const FALL_HOURS = 24 - RISE_HOURS;

/**
 * The default weight at a local time of day, in hours (14.5 is 14:30). Each half cosine integrates
 * to zero about 1, so the daily mean is 1; sampled at every whole minute (or hour) it is 1 too.
 */
export function defaultWeight(hourOfDay: number): number {
  const sinceTrough = (((hourOfDay - TROUGH_HOUR) % 24) + 24) % 24;
  if (sinceTrough <= RISE_HOURS) return 1 - AMPLITUDE * Math.cos((Math.PI * sinceTrough) / RISE_HOURS);
  return 1 + AMPLITUDE * Math.cos((Math.PI * (sinceTrough - RISE_HOURS)) / FALL_HOURS);
}

/** One weight per local minute of the day. */
function minuteTable(hourly?: readonly number[]): Float64Array {
  const table = new Float64Array(MINUTES_PER_DAY);
  for (let m = 0; m < MINUTES_PER_DAY; m++) {
    table[m] = hourly ? (hourly[Math.floor(m / 60)] ?? 0) : defaultWeight(m / 60);
  }
  return table;
}

interface DayTable {
  table: Float64Array;
  /** prefix[m] = Σ table[0..m). */
  prefix: Float64Array;
}

function tableOf(hourly?: readonly number[]): DayTable {
  const table = minuteTable(hourly);
  const prefix = new Float64Array(MINUTES_PER_DAY + 1);
  for (let m = 0; m < MINUTES_PER_DAY; m++) prefix[m + 1] = prefix[m]! + table[m]!;
  return { table, prefix };
}

/** Every region without a curve of its own reads the one default day (read only), whatever fleet it is in. */
let defaultDay: DayTable | null = null;
const defaultTable = (): DayTable => (defaultDay ??= tableOf());

export interface CurveRegion {
  name: string;
  timezone: string;
}

/** Traffic weights of a set of regions, each in its time zone. */
export class TrafficCurve {
  private readonly index = new Map<string, number>();
  private readonly clocks: LocalTime[] = [];
  private readonly tables: Float64Array[] = [];
  /** Per region, prefix[m] = Σ table[0..m) over one local day (1441 entries). */
  private readonly prefixes: Float64Array[] = [];

  constructor(regions: readonly CurveRegion[], overrides: Readonly<Record<string, readonly number[]>> = {}) {
    regions.forEach((r, i) => {
      this.index.set(r.name, i);
      this.clocks.push(new LocalTime(r.timezone));
      const { table, prefix } = overrides[r.name] ? tableOf(overrides[r.name]) : defaultTable();
      this.tables.push(table);
      this.prefixes.push(prefix);
    });
  }

  indexOf(region: string): number {
    const i = this.index.get(region);
    if (i === undefined) throw new RangeError(`region "${region}" has no traffic curve`);
    return i;
  }

  /** The weight of a region at instant `t`, read at the local minute it falls in. */
  weightAt(region: string, t: number): number {
    return this.weightAtIndex(this.indexOf(region), t);
  }

  /** As weightAt, by the region's position (for per-minute loops). */
  weightAtIndex(i: number, t: number): number {
    return this.tables[i]![this.clocks[i]!.minuteOfDay(t)]!;
  }

  /** The local minute of the day (0..1439) of the region at position `i` at instant `t`. */
  minuteOfDayAtIndex(i: number, t: number): number {
    return this.clocks[i]!.minuteOfDay(t);
  }

  /** The weight of the region at position `i` in local minute `m` of the day (0..1439). */
  weightOfMinute(i: number, m: number): number {
    return this.tables[i]![m]!;
  }

  /**
   * Σ of the weights of `count` consecutive minutes starting at `t` (minute-aligned), as the
   * minute-by-minute sum would give, in O(days + offset changes) rather than O(minutes).
   */
  sumMinutes(i: number, t: number, count: number): number {
    const clock = this.clocks[i]!;
    const prefix = this.prefixes[i]!;
    const daySum = prefix[MINUTES_PER_DAY]!;
    let sum = 0;
    let at = t;
    let left = count;
    for (const change of clock.changesIn(t, t + count * MINUTE)) {
      // Minutes starting before the change keep the old offset.
      const n = Math.min(left, Math.ceil((change - at) / MINUTE));
      sum += this.span(prefix, daySum, clock.minuteOfDay(at), n);
      at += n * MINUTE;
      left -= n;
    }
    return sum + this.span(prefix, daySum, clock.minuteOfDay(at), left);
  }

  /** Σ of `n` consecutive table entries from local minute `first`, wrapping at midnight. */
  private span(prefix: Float64Array, daySum: number, first: number, n: number): number {
    if (n <= 0) return 0;
    const days = Math.floor(n / MINUTES_PER_DAY);
    const rest = n - days * MINUTES_PER_DAY;
    const end = first + rest;
    const part = end <= MINUTES_PER_DAY ? prefix[end]! - prefix[first]! : daySum - prefix[first]! + prefix[end - MINUTES_PER_DAY]!;
    return days * daySum + part;
  }

  /** The mean weight over one local day as sampled every minute. */
  dailyMean(region: string): number {
    const table = this.tables[this.indexOf(region)]!;
    let sum = 0;
    for (const w of table) sum += w;
    return sum / MINUTES_PER_DAY;
  }
}
