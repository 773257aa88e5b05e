/**
 * @module A small cache of per-minute values of the simulated fleet, by region and metric: the
 * last MINUTE_CACHE_SIZE minutes of each (region, metric) pair, direct-mapped on the minute number
 * (minute m lives in slot m mod the size, so a newer minute replaces the one a cache-length
 * earlier). Each entry holds two numbers (a minute's requests and errors, or one sample and an
 * unused second) and whether it counts in a window (a minute without requests has no error rate).
 * Rows are allocated when first written, so a fleet pays only for what is read: 1.6 KB for a
 * metric of one value without totals, 4.7 KB with them, 5.8 KB for one of two.
 *
 * Minutes stored one after the other form a run, and for metrics that keep totals each slot of a
 * run also holds running totals since the run began, so the sums over any window inside the run
 * are two subtractions (`sum`), however long the window: a sliding hour read every interval costs
 * what its new minutes cost. For whole numbers (requests and errors, millionths of a gauge) every
 * partial sum below 2^52 is exact (a run that would pass 2^52 begins again), so a window's sums are
 * the very numbers a loop over its minutes adds up, whichever way the window is read.
 * Pure data; allocation-free after a row exists.
 */

/** Minutes held per (region, metric): a power of 2 above a sliding hour plus its interval. */
export const MINUTE_CACHE_SIZE = 128;
/** The slot of minute number m in a row is `m & MINUTE_SLOT_MASK`. */
export const MINUTE_SLOT_MASK = MINUTE_CACHE_SIZE - 1;
const MASK = MINUTE_SLOT_MASK;

/** No minute: what an empty slot holds (minute numbers are whole numbers well inside 32 bits). */
const NONE = -(2 ** 31);

/** Running totals of a row's run, up to and including each slot's minute: first, second, minutes counted. */
interface Totals {
  first: Float64Array;
  /** Null for a metric of one value. */
  second: Float64Array | null;
  counted: Float64Array;
}

/** One (region, metric) pair's slots. */
export interface Row {
  /** The minute number each slot holds (NONE: none). */
  minutes: Int32Array;
  first: Float64Array;
  /** The second value of each slot, for metrics that hold two (null for one: it reads as 0). */
  second: Float64Array | null;
  /** 1 when the slot's minute counts in a window's sums. */
  counts: Uint8Array;
  /** For metrics that keep running totals (whole numbers, so their sums are exact), the totals that `sum` reads; null otherwise. */
  totals: Totals | null;
  /** The run: it began at minute `origin` (its totals count from there); minutes runFrom…runTo are all held (runTo < runFrom: none). */
  origin: number;
  runFrom: number;
  runTo: number;
}

/** Totals of whole numbers are exact below 2^53: a run that would pass 2^52 begins again. */
const TOTAL_LIMIT = 2 ** 52;

/** Minute `minute`, just stored in its slot, extends the row's run when it comes right after it, and begins a new run otherwise. */
function join(row: Row, minute: number): void {
  const slot = minute & MASK;
  const counts = row.counts[slot] === 1;
  const a = counts ? row.first[slot]! : 0;
  const b = counts && row.second ? row.second[slot]! : 0;
  const c = counts ? 1 : 0;
  const prev = row.runTo & MASK;
  const t = row.totals;
  const extends_ = row.runTo >= row.runFrom && minute === row.runTo + 1;
  if (extends_ && (t === null || (Math.abs(t.first[prev]! + a) < TOTAL_LIMIT && (t.second === null || Math.abs(t.second[prev]! + b) < TOTAL_LIMIT)))) {
    if (t) {
      t.first[slot] = t.first[prev]! + a;
      if (t.second) t.second[slot] = t.second[prev]! + b;
      t.counted[slot] = t.counted[prev]! + c;
    }
    row.runTo = minute;
    if (minute - row.runFrom >= MINUTE_CACHE_SIZE) row.runFrom = minute - MINUTE_CACHE_SIZE + 1;
  } else {
    if (t) {
      t.first[slot] = a;
      if (t.second) t.second[slot] = b;
      t.counted[slot] = c;
    }
    row.origin = minute;
    row.runFrom = minute;
    row.runTo = minute;
  }
}

export class MinuteCache {
  private readonly rows: Array<Row | undefined>;
  /** The values `find` found or `store` stored last. */
  first = 0;
  second = 0;
  /** What `sum` summed last: the counted minutes' firsts and seconds, and how many they were. */
  sumFirst = 0;
  sumSecond = 0;
  counted = 0;

  /** Which metrics hold two values per minute, and which keep running totals (`sum`). */
  private readonly paired: boolean[];
  private readonly totalled: boolean[];

  /**
   * `opts.paired`: the metrics that hold two values per minute (default: every one); the others
   * hold one. `opts.totals`: the metrics that keep running totals (default: the paired ones); `sum`
   * answers false for the others. Totals are exact only for values whose sums are exact: whole
   * numbers.
   */
  constructor(regions: number, private readonly metrics: number, opts: { paired?: readonly number[]; totals?: readonly number[] } = {}) {
    this.rows = new Array<Row | undefined>(regions * metrics);
    this.paired = Array.from({ length: metrics }, (_, m) => opts.paired?.includes(m) ?? true);
    this.totalled = Array.from({ length: metrics }, (_, m) => (opts.totals ? opts.totals.includes(m) : this.paired[m]!));
  }

  /** The row of (region, metric), once a minute of it was stored: for a reader that walks many of its minutes. */
  rowOf(region: number, metric: number): Readonly<Row> | undefined {
    return this.rows[region * this.metrics + metric];
  }

  /** Whether minute number `minute` of (region, metric) is held; if so, `first` and `second` are its values. */
  find(region: number, metric: number, minute: number): boolean {
    const row = this.rows[region * this.metrics + metric];
    if (row === undefined) return false;
    const slot = minute & MASK;
    if (row.minutes[slot] !== minute) return false;
    // A minute held from an earlier run, read right after the present one, joins it.
    if (minute === row.runTo + 1) join(row, minute);
    this.first = row.first[slot]!;
    this.second = row.second ? row.second[slot]! : 0;
    return true;
  }

  /**
   * Hold the values of minute number `minute` of (region, metric); `first` and `second` are then
   * these. `counts`: whether the minute adds to a window's sums. The minute after the run extends
   * it; any other starts a new run.
   */
  store(region: number, metric: number, minute: number, first: number, second: number, counts = true): void {
    const key = region * this.metrics + metric;
    let row = this.rows[key];
    if (row === undefined) {
      const slots = () => new Float64Array(MINUTE_CACHE_SIZE);
      const paired = this.paired[metric]!;
      row = {
        minutes: new Int32Array(MINUTE_CACHE_SIZE).fill(NONE), first: slots(), second: paired ? slots() : null, counts: new Uint8Array(MINUTE_CACHE_SIZE),
        totals: this.totalled[metric] ? { first: slots(), second: paired ? slots() : null, counted: slots() } : null, origin: 0, runFrom: 0, runTo: -1,
      };
      this.rows[key] = row;
    }
    const slot = minute & MASK;
    row.minutes[slot] = minute;
    row.first[slot] = first;
    if (row.second) row.second[slot] = second;
    row.counts[slot] = counts ? 1 : 0;
    join(row, minute);
    this.first = first;
    this.second = second;
  }

  /**
   * The minute after the run of (region, metric), the first one a window ending later needs
   * stored; null when nothing is held.
   */
  runEnd(region: number, metric: number): number | null {
    const row = this.rows[region * this.metrics + metric];
    return row === undefined || row.runTo < row.runFrom ? null : row.runTo + 1;
  }

  /**
   * Whether the run of (region, metric) holds every minute of [from, to) (minute numbers); if so,
   * `sumFirst`, `sumSecond` and `counted` are the sums over the counted ones.
   */
  sum(region: number, metric: number, from: number, to: number): boolean {
    const row = this.rows[region * this.metrics + metric];
    const t = row?.totals;
    if (!row || !t || to <= from || to - 1 > row.runTo) return false;
    const last = (to - 1) & MASK;
    if (from === row.origin && from >= row.runFrom) {
      this.sumFirst = t.first[last]!;
      this.sumSecond = t.second ? t.second[last]! : 0;
      this.counted = t.counted[last]!;
      return true;
    }
    // The totals just before the window, from the minute before it, still held in the run.
    if (from - 1 < row.runFrom) return false;
    const before = (from - 1) & MASK;
    this.sumFirst = t.first[last]! - t.first[before]!;
    this.sumSecond = t.second ? t.second[last]! - t.second[before]! : 0;
    this.counted = t.counted[last]! - t.counted[before]!;
    return true;
  }
}
