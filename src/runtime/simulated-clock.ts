/**
 * @module The simulated clock: time that moves only when told to and never backwards, with timers
 * on it. Virtual-time runs jump from one timer to the next (nextAt, runNext); tests move it by hand
 * (set, increment, or advance, which lets the work each timer starts settle before time moves on).
 * A five-day release runs in milliseconds. No wall clock and no event-loop timers here.
 */
import type { Clock, Timers } from '../ports.ts';
import { TimerQueue } from './timer-queue.ts';

interface Pending {
  fn: () => void;
  cancelled: boolean;
}

/** An instant for a message: ISO 8601 when it is one, the number as given otherwise. */
function instant(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

export class SimulatedClock implements Clock, Timers {
  #now: number;
  readonly #queue = new TimerQueue<Pending>();

  constructor(start: number) {
    if (!Number.isFinite(start)) throw new RangeError(`the simulated clock cannot start at ${start}: a time is finite epoch milliseconds`);
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Run `fn` when the clock reaches `at`; a time already past is due at once (at the next move). */
  at(at: number, fn: () => void): () => void {
    if (!Number.isFinite(at)) throw new RangeError(`a timer cannot be set for ${at}: a time is finite epoch milliseconds`);
    const entry: Pending = { fn, cancelled: false };
    this.#queue.push(at, entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** When the earliest timer still set is due, or undefined when none is. */
  nextAt(): number | undefined {
    while (this.#queue.size > 0 && this.#queue.peek()!.cancelled) this.#queue.pop();
    return this.#queue.peekTime();
  }

  /**
   * Run the earliest timer still set, time jumping forward to it (a timer already due runs in the
   * present: time does not go back for it). False when no timer is set. How virtual time moves.
   */
  runNext(): boolean {
    if (this.nextAt() === undefined) return false;
    const { at, item } = this.#queue.pop()!;
    if (at > this.#now) this.#now = at;
    item.cancelled = true;
    item.fn();
    return true;
  }

  /**
   * Move to `to`, running each timer due by then at its own time, in time order (those due at the
   * same time in the order they were set). Throws a RangeError for a time earlier than now.
   */
  set(to: number): void {
    this.#refuseBack(to);
    while (this.#dueBy(to)) this.runNext();
    this.#moveTo(to);
  }

  /** Move `ms` forward, as set(now + ms). */
  increment(ms: number): void {
    this.set(this.#now + ms);
  }

  /**
   * Move `ms` forward as increment does, awaiting `settle` first and after each timer runs, so the
   * work a timer starts (a controller's tick) finishes before time moves on. Rejects with a
   * RangeError for a negative `ms`.
   */
  async advance(ms: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    const to = this.#now + ms;
    this.#refuseBack(to);
    await settle();
    while (this.#dueBy(to)) {
      this.runNext();
      await settle();
    }
    this.#moveTo(to);
  }

  #dueBy(to: number): boolean {
    const next = this.nextAt();
    return next !== undefined && next <= to;
  }

  /** The end of a move. The work a timer ran may itself have moved the clock further; that stays. */
  #moveTo(to: number): void {
    if (to > this.#now) this.#now = to;
  }

  #refuseBack(to: number): void {
    if (!Number.isFinite(to)) throw new RangeError(`the simulated clock cannot move to ${to}: a time is finite epoch milliseconds`);
    if (to < this.#now) throw new RangeError(`the simulated clock cannot go back in time, from ${instant(this.#now)} to ${instant(to)}`);
  }
}
