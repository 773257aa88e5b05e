/**
 * @module Wall-clock arithmetic in IANA time zones: the offset of a zone at an instant, the instants
 * its offset changes, the local day, weekday and minute of an instant, and the first instant at
 * which a zone's clock reaches a local time (DST gaps and repeated hours included). The one place
 * offsets come from: luxon is asked once per 6-hour block of a zone (a change inside a block is
 * pinned down by bisection) and the block is remembered, so walking two weeks minute by minute
 * costs a few dozen zone look-ups. The answer for an instant never depends on what was asked
 * before. Pure: offsets come from luxon, never from the host clock; the only state is a bounded
 * memo of a fixed function.
 */
import { IANAZone } from 'luxon';
import { DAY, MINUTE } from '../policy/duration.ts';

/** Offsets are constant within a block except for at most one change (true of every tz zone). */
const BLOCK = 6 * 60 * MINUTE;
const MINUTES_PER_DAY = DAY / MINUTE;

/** Offset (ms) before `change`, and from `change` on, within one block. */
interface Block {
  before: number;
  after: number;
  change: number;
}

/**
 * Blocks already worked out, per zone. A zone's offsets are a fixed function of time, so sharing
 * them between clocks changes no answer; it only spares luxon look-ups. Bounded.
 */
const known = new Map<string, Map<number, Block>>();
const MAX_BLOCKS_PER_ZONE = 8192;

/** The clock of one IANA zone; cheap to ask minute after minute. */
export class LocalTime {
  private readonly zone: IANAZone;
  private readonly blocks: Map<number, Block>;
  private block = NaN;
  private current: Block = { before: 0, after: 0, change: Infinity };

  constructor(readonly timezone: string) {
    this.zone = IANAZone.create(timezone);
    if (!this.zone.isValid) throw new RangeError(`"${timezone}" is not an IANA time zone`);
    let blocks = known.get(this.zone.name);
    if (!blocks) known.set(this.zone.name, (blocks = new Map()));
    this.blocks = blocks;
  }

  private zoneOffset(t: number): number {
    return this.zone.offset(t) * MINUTE;
  }

  /** Local time minus UTC at instant `t`, in milliseconds (London in summer: +3600000). */
  offsetMs(t: number): number {
    const block = Math.floor(t / BLOCK);
    if (block !== this.block) {
      this.block = block;
      this.current = this.blockAt(block);
    }
    const c = this.current;
    return t < c.change ? c.before : c.after;
  }

  /** The instants in (a, b] at which the zone's offset changes, in order. */
  changesIn(a: number, b: number): number[] {
    const out: number[] = [];
    for (let k = Math.floor(a / BLOCK); k <= Math.floor(b / BLOCK); k++) {
      const c = this.blockAt(k).change;
      if (c > a && c <= b) out.push(c);
    }
    return out;
  }

  private blockAt(block: number): Block {
    return this.blocks.get(block) ?? this.load(block);
  }

  private load(block: number): Block {
    const start = block * BLOCK;
    const end = start + BLOCK;
    const before = this.zoneOffset(start);
    const after = this.zoneOffset(end);
    let change = Infinity;
    if (before !== after) {
      // The first instant (to the millisecond) with the new offset.
      let lo = start;
      let hi = end;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (this.zoneOffset(mid) === before) lo = mid;
        else hi = mid;
      }
      change = hi;
    }
    const b: Block = { before, after, change };
    if (this.blocks.size >= MAX_BLOCKS_PER_ZONE) this.blocks.clear();
    this.blocks.set(block, b);
    return b;
  }

  /** The local wall clock of `t`, as milliseconds since 1970-01-01T00:00 local ("local ms"). */
  localMs(t: number): number {
    return t + this.offsetMs(t);
  }

  /** Local wall-clock milliseconds since the local midnight, in [0, 1 day). */
  msOfDay(t: number): number {
    const local = t + this.offsetMs(t);
    return ((local % DAY) + DAY) % DAY;
  }

  /** Local minute of the day, 0..1439 (as floor(msOfDay / 1m), with one floating-point modulo fewer). */
  minuteOfDay(t: number): number {
    const m = Math.floor((t + this.offsetMs(t)) / MINUTE) % MINUTES_PER_DAY;
    return m < 0 ? m + MINUTES_PER_DAY : m;
  }

  /**
   * The first instant at which this clock reads `local` (local ms) or later.
   * An ordinary local time has one instant; in a repeated hour (clocks go back) this is the first of
   * the two; in a skipped hour (clocks go forward) it is the moment of the change, when the clock
   * jumps past `local`.
   */
  firstInstantAtLocal(local: number): number {
    const before = this.offsetMs(local - DAY);
    const after = this.offsetMs(local + DAY);
    // No clock change within a day either side (almost every day): one offset, one instant.
    if (before === after && this.offsetMs(local - before) === before) return local - before;
    const offsets = new Set([before, this.offsetMs(local), after]);
    const exact = [...offsets].map((o) => local - o).filter((t) => this.localMs(t) === local);
    if (exact.length > 0) return Math.min(...exact);
    // A gap: the clock reads before `local` under the largest offset and past it under the
    // smallest; the answer is the change between the two.
    const lo = local - Math.max(...offsets);
    const hi = local - Math.min(...offsets);
    return this.changesIn(lo, hi).find((c) => this.localMs(c) >= local) ?? hi;
  }
}

/** One clock per zone for the functions below (a handful of zones in practice). Bounded. */
const clocks = new Map<string, LocalTime>();
const MAX_CLOCKS = 1024;

/** The clock of `zone` (throws a RangeError when it is not an IANA zone). */
export function zoneClock(zone: string): LocalTime {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new LocalTime(zone);
    if (clocks.size >= MAX_CLOCKS) clocks.clear();
    clocks.set(zone, clock);
  }
  return clock;
}

/** Offset of `zone` from UTC at instant `at`, in milliseconds (London in summer: +3600000). */
export function offsetAt(zone: string, at: number): number {
  return zoneClock(zone).offsetMs(at);
}

/** The local wall clock of `at` in `zone`, as milliseconds since 1970-01-01T00:00 local ("local ms"). */
export function localMs(zone: string, at: number): number {
  return zoneClock(zone).localMs(at);
}

/** Days since 1970-01-01 of a local-ms value. */
export function localDayOf(local: number): number {
  return Math.floor(local / DAY);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local day number. 1970-01-01 was a Thursday. */
export function isoWeekday(localDay: number): number {
  return (((localDay + 3) % 7) + 7) % 7 + 1;
}

/** The first instant at which the clock of `zone` reads `local` (local ms) or later; see LocalTime. */
export function firstInstantAtLocal(zone: string, local: number): number {
  return zoneClock(zone).firstInstantAtLocal(local);
}
