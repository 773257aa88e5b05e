/**
 * @module The contract of the Clock and Timers ports, one suite run against every implementation
 * (the simulated, real and scaled clocks): time never goes back; a timer runs once, not before its
 * time; timers run in time order; a cancelled timer never runs; a timer set for a time already past
 * runs at once; a wait longer than one event-loop timer allows does not end early. Real clocks take
 * a step of a few milliseconds, so the suite costs little real time.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, Timers } from '../ports.ts';

const DAY = 86_400_000;

export interface ClockUnderTest {
  clock: Clock & Timers;
  /** A span of this clock's time that passes in a few real milliseconds at most. */
  step: number;
  /** Let at least `ms` of the clock's time pass: move a simulated clock, or wait for a real one. */
  pass(ms: number): Promise<void>;
}

/** Run the Clock + Timers contract against clocks that `make` returns, a fresh one per test. */
export function clockContract(name: string, make: () => ClockUnderTest): void {
  /** Let time pass a step at a time until `done` holds, failing after `steps` steps. */
  async function passUntil(t: ClockUnderTest, done: () => boolean, steps = 500): Promise<void> {
    for (let i = 0; i < steps && !done(); i++) await t.pass(t.step);
    expect(done(), `still waiting after ${steps} steps`).toBe(true);
  }

  describe(`${name}, as Clock and Timers`, () => {
    it('tells the time in epoch milliseconds, and time passed is never less than was let pass', async () => {
      const t = make();
      const before = t.clock.now();
      expect(Number.isFinite(before)).toBe(true);
      await t.pass(t.step);
      expect(t.clock.now()).toBeGreaterThanOrEqual(before + t.step);
    });

    it('runs a timer once, when its time has come and not before', async () => {
      const t = make();
      const at = t.clock.now() + 3 * t.step;
      const ran: number[] = [];
      t.clock.at(at, () => ran.push(t.clock.now()));
      await t.pass(t.step);
      expect(ran).toEqual([]);
      await passUntil(t, () => ran.length > 0);
      expect(ran[0]).toBeGreaterThanOrEqual(at);
      await t.pass(t.step);
      expect(ran).toHaveLength(1);
    });

    it('runs timers in the order of their times, whatever the order they were set in', async () => {
      const t = make();
      const now = t.clock.now();
      const ran: string[] = [];
      t.clock.at(now + 3 * t.step, () => ran.push('third'));
      t.clock.at(now + t.step, () => ran.push('first'));
      t.clock.at(now + 2 * t.step, () => ran.push('second'));
      await passUntil(t, () => ran.length === 3);
      expect(ran).toEqual(['first', 'second', 'third']);
    });

    it('never runs a cancelled timer; cancelling twice, or after it ran, does nothing', async () => {
      const t = make();
      const now = t.clock.now();
      const ran: string[] = [];
      const cancel = t.clock.at(now + t.step, () => ran.push('cancelled'));
      const kept = t.clock.at(now + 2 * t.step, () => ran.push('kept'));
      cancel();
      cancel();
      await passUntil(t, () => ran.includes('kept'));
      kept();
      await t.pass(2 * t.step);
      expect(ran).toEqual(['kept']);
    });

    it('runs a timer set for a time already past at once, in the present', async () => {
      const t = make();
      const setAt = t.clock.now();
      const ran: number[] = [];
      t.clock.at(setAt - DAY, () => ran.push(t.clock.now()));
      await passUntil(t, () => ran.length > 0, 3);
      expect(ran[0]).toBeGreaterThanOrEqual(setAt);
    });

    it('runs a timer that a timer sets', async () => {
      const t = make();
      const ran: string[] = [];
      t.clock.at(t.clock.now() + t.step, () => {
        ran.push('outer');
        t.clock.at(t.clock.now() + t.step, () => ran.push('inner'));
      });
      await passUntil(t, () => ran.length === 2);
      expect(ran).toEqual(['outer', 'inner']);
    });

    it('waits for a time further off than one event-loop timer can wait (2^31 ms), without running early', async () => {
      const t = make();
      const ran: string[] = [];
      const cancel = t.clock.at(t.clock.now() + 40 * DAY, () => ran.push('early'));
      for (let i = 0; i < 3; i++) await t.pass(t.step);
      expect(ran).toEqual([]);
      cancel();
    });

    it('refuses a timer for a time that is not a number of milliseconds', () => {
      const t = make();
      expect(() => t.clock.at(Number.NaN, () => {})).toThrow(new RangeError('a timer cannot be set for NaN: a time is finite epoch milliseconds'));
      expect(() => t.clock.at(Infinity, () => {})).toThrow(RangeError);
    });
  });
}
