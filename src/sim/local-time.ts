/**
 * @module Fast local wall-clock time in one IANA time zone, for per-minute loops. Asks luxon for the
 * zone's UTC offset once per 6-hour block (and pins down a daylight-saving change inside a block
 * by bisection) and remembers the block, so walking two weeks minute by minute costs a few dozen
 * zone look-ups. The answer for an instant never depends on what was asked before. Pure: the only
 * state is a bounded memo of a fixed function.
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
 * them between instances changes no answer; it only spares luxon look-ups. Bounded.
 */
const known = new Map<string, Map<number, Block>>();
const MAX_BLOCKS_PER_ZONE = 8192;

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

  /** Local time minus UTC at instant `t`, in milliseconds. */
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
}
