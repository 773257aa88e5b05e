/**
 * @module Real time, for `serve`: the wall clock, and a scaled clock that runs N times faster than
 * the wall clock from a chosen start (simulated providers, and a restart that must not go back).
 * Their timers are event-loop timers that never keep the process alive.
 */
import type { Clock, Timers } from '../ports.ts';

/** setTimeout waits at most 2^31-1 ms; a longer wait is armed again when that much has passed. */
const MAX_DELAY = 2_147_000_000;

/**
 * Run `fn` once `clock` reads `at` or later, `scale` clock milliseconds passing per real one. A
 * timer that wakes early (rounding, a wait longer than MAX_DELAY) is armed again for the rest.
 */
function timerAt(clock: Clock, scale: number, at: number, fn: () => void): () => void {
  if (!Number.isFinite(at)) throw new RangeError(`a timer cannot be set for ${at}: a time is finite epoch milliseconds`);
  let handle: NodeJS.Timeout;
  const arm = (): void => {
    const delay = (at - clock.now()) / scale;
    handle = setTimeout(() => (clock.now() < at ? arm() : fn()), Math.max(1, Math.min(delay, MAX_DELAY)));
    handle.unref?.();
  };
  arm();
  return () => clearTimeout(handle);
}

/** The wall clock. `realNow` stands in for Date.now in tests. */
export class RealClock implements Clock, Timers {
  readonly #realNow: () => number;

  constructor(opts: { realNow?: () => number } = {}) {
    this.#realNow = opts.realNow ?? Date.now;
  }

  now(): number {
    return this.#realNow();
  }

  at(at: number, fn: () => void): () => void {
    return timerAt(this, 1, at, fn);
  }
}

/** A clock that reads `start` when made and then runs `scale` times faster than the wall clock. */
export class ScaledClock implements Clock, Timers {
  readonly #base: number;
  readonly #realBase: number;
  readonly #scale: number;
  readonly #realNow: () => number;

  constructor(opts: { scale?: number; start?: number; realNow?: () => number } = {}) {
    const scale = opts.scale ?? 1;
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`a scaled clock runs a finite number of times faster than real time, above 0, not ${scale}`);
    this.#realNow = opts.realNow ?? Date.now;
    this.#realBase = this.#realNow();
    this.#base = opts.start ?? this.#realBase;
    this.#scale = scale;
  }

  now(): number {
    return Math.floor(this.#base + (this.#realNow() - this.#realBase) * this.#scale);
  }

  at(at: number, fn: () => void): () => void {
    return timerAt(this, this.#scale, at, fn);
  }
}
