import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../ports.ts';
import { clockContract } from './clock-contract.test-helper.ts';
import { RealClock, ScaledClock } from './real-clock.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const DAY = 86_400_000;

/** Wait, a millisecond at a time, until `clock` has moved `ms` on. */
async function waitFor(clock: Clock, ms: number): Promise<void> {
  const until = clock.now() + ms;
  while (clock.now() < until) await new Promise((ok) => setTimeout(ok, 1));
}

clockContract('the real clock', () => {
  const clock = new RealClock();
  return { clock, step: 2, pass: (ms) => waitFor(clock, ms) };
});

clockContract('the scaled clock at 1000x', () => {
  const clock = new ScaledClock({ scale: 1000, start: T0 });
  return { clock, step: 2000, pass: (ms) => waitFor(clock, ms) };
});

describe('the real clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the wall clock', () => {
    const before = Date.now();
    const now = new RealClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('arms a wait longer than one event-loop timer again, and runs it at its time', () => {
    vi.useFakeTimers({ now: T0 });
    const clock = new RealClock();
    const ran: number[] = [];
    clock.at(T0 + 30 * DAY, () => ran.push(clock.now()));
    vi.advanceTimersByTime(25 * DAY);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(5 * DAY);
    expect(ran).toEqual([T0 + 30 * DAY]);
  });
});

describe('the scaled clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads its start when made, then runs `scale` times faster than the wall clock', () => {
    let real = 1_000;
    const clock = new ScaledClock({ scale: 600, start: T0, realNow: () => real });
    expect(clock.now()).toBe(T0);
    real += 1_500;
    expect(clock.now()).toBe(T0 + 900_000);
  });

  it('starts at the wall clock when given no start, and runs at 1x when given no scale', () => {
    let real = T0;
    const clock = new ScaledClock({ realNow: () => real });
    real += 1_234;
    expect(clock.now()).toBe(T0 + 1_234);
  });

  it('runs a timer when scaled time reaches it: an hour at 3600x takes a second', () => {
    vi.useFakeTimers({ now: T0 });
    const clock = new ScaledClock({ scale: 3600, start: T0 + DAY });
    const ran: number[] = [];
    clock.at(T0 + DAY + 3_600_000, () => ran.push(clock.now()));
    vi.advanceTimersByTime(999);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([T0 + DAY + 3_600_000]);
  });

  it('refuses a scale that is not a number above 0', () => {
    expect(() => new ScaledClock({ scale: 0 })).toThrow(new RangeError('a scaled clock runs a finite number of times faster than real time, above 0, not 0'));
    expect(() => new ScaledClock({ scale: Number.NaN })).toThrow(RangeError);
  });
});
