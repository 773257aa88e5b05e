/**
 * @module A small cache of per-minute values of the simulated fleet, by region and metric: the
 * last MINUTE_CACHE_SIZE minutes of each (region, metric) pair, direct-mapped on the minute number
 * (minute m lives in slot m mod the size, so a newer minute replaces the one a cache-length
 * earlier). Each entry holds two numbers (a minute's requests and errors, or one sample and an
 * unused second). Rows are allocated when first written, so a fleet pays only for what is read.
 * Pure data; allocation-free after a row exists.
 */

/** Minutes held per (region, metric): a power of 2 above a sliding hour plus its interval. */
export const MINUTE_CACHE_SIZE = 128;
const MASK = MINUTE_CACHE_SIZE - 1;

interface Row {
  /** The minute number each slot holds (NaN: none). */
  minutes: Float64Array;
  first: Float64Array;
  second: Float64Array;
}

export class MinuteCache {
  private readonly rows: Array<Row | undefined>;
  /** The values `find` found or `store` stored last. */
  first = 0;
  second = 0;

  constructor(regions: number, private readonly metrics: number) {
    this.rows = new Array<Row | undefined>(regions * metrics);
  }

  /** Whether minute number `minute` of (region, metric) is held; if so, `first` and `second` are its values. */
  find(region: number, metric: number, minute: number): boolean {
    const row = this.rows[region * this.metrics + metric];
    if (row === undefined) return false;
    const slot = minute & MASK;
    if (row.minutes[slot] !== minute) return false;
    this.first = row.first[slot]!;
    this.second = row.second[slot]!;
    return true;
  }

  /** Hold the values of minute number `minute` of (region, metric); `first` and `second` are then these. */
  store(region: number, metric: number, minute: number, first: number, second: number): void {
    const key = region * this.metrics + metric;
    let row = this.rows[key];
    if (row === undefined) {
      row = { minutes: new Float64Array(MINUTE_CACHE_SIZE).fill(NaN), first: new Float64Array(MINUTE_CACHE_SIZE), second: new Float64Array(MINUTE_CACHE_SIZE) };
      this.rows[key] = row;
    }
    const slot = minute & MASK;
    row.minutes[slot] = minute;
    row.first[slot] = first;
    row.second[slot] = second;
    this.first = first;
    this.second = second;
  }
}
