/**
 * @module A clock that moves only when told to and never backwards: virtual time for simulations
 * and tests, so a five-day release runs in milliseconds.
 */
import type { Clock } from '../ports.ts';

export class VirtualClock implements Clock {
  #now: number;
  constructor(start: number) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  set(ms: number): void {
    if (ms < this.#now) throw new Error(`the virtual clock cannot go back from ${new Date(this.#now).toISOString()} to ${new Date(ms).toISOString()}`);
    this.#now = ms;
  }
  increment(ms: number): void {
    this.set(this.#now + ms);
  }
}
