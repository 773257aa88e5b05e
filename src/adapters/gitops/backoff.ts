/**
 * @module How long to wait before pushing again after the branch moved: exponential backoff with
 * full jitter (a uniform draw below min(max, base × 2^(attempt−1))), and the timer the wait runs
 * on — real time by default, a virtual one for tests. No git here.
 */

export interface Backoff {
  /** The ceiling of the first wait. */
  baseMs: number;
  /** The ceiling no wait goes above. */
  maxMs: number;
}

/** The wait after rejected attempt number `attempt` (1, 2, ...): full jitter, `random()` in [0, 1). */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return random() * ceiling;
}

/** Where the push loop reads the time and waits. */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A timer whose time moves only when it sleeps, by exactly that much, and at once. */
export function virtualTimer(start = 0): Timer {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
    },
  };
}
