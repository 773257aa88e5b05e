/**
 * @module A clock with timers that moves only when told to: for testing the controller and the
 * API without real waits. advance() fires due timers in time order and lets their work settle.
 */
import type { Clock } from '../ports.ts';
import type { Timers } from './real-clock.ts';
import { TimerQueue } from './timer-queue.ts';

export class ManualClock implements Clock, Timers {
  #now: number;
  #queue = new TimerQueue<{ fn: () => void; cancelled: boolean }>();

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  at(at: number, fn: () => void): () => void {
    const entry = { fn, cancelled: false };
    this.#queue.push(at, entry);
    return () => { entry.cancelled = true; };
  }

  /**
   * Move time forward to `to`, firing each due timer at its own time; `settle` is awaited after
   * each firing so the work a timer starts finishes before time moves on.
   */
  async advanceTo(to: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    await settle();
    for (;;) {
      const next = this.#queue.peekTime();
      if (next === undefined || next > to) break;
      const { at, item } = this.#queue.pop()!;
      this.#now = Math.max(this.#now, at);
      if (!item.cancelled) item.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, to);
  }

  advance(ms: number, settle?: () => Promise<void>): Promise<void> {
    return this.advanceTo(this.#now + ms, settle);
  }
}
