/**
 * @module Real time for `serve`: a clock (optionally running N times faster, for simulated
 * providers) and timers that fire at a clock time.
 */
import type { Clock } from '../ports.ts';

export interface Timers {
  /** Run `fn` once the clock reaches `at`; returns a cancel function. */
  at(at: number, fn: () => void): () => void;
}

export class ScaledClock implements Clock, Timers {
  readonly #base: number;
  readonly #realBase: number;
  readonly #scale: number;
  readonly #realNow: () => number;

  constructor(opts: { scale?: number; start?: number; realNow?: () => number } = {}) {
    this.#realNow = opts.realNow ?? Date.now;
    this.#realBase = this.#realNow();
    this.#base = opts.start ?? this.#realBase;
    this.#scale = opts.scale ?? 1;
  }

  now(): number {
    return Math.floor(this.#base + (this.#realNow() - this.#realBase) * this.#scale);
  }

  at(at: number, fn: () => void): () => void {
    // setTimeout takes at most 2^31-1 ms; longer waits are re-armed.
    const MAX = 2_147_000_000;
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const delay = Math.max(0, (at - this.now()) / this.#scale);
      handle = setTimeout(() => (this.now() < at ? arm() : fn()), Math.max(1, Math.min(delay, MAX)));
      handle.unref?.();
    };
    arm();
    return () => clearTimeout(handle);
  }
}
