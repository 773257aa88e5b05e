import { describe, expect, it } from 'vitest';
import { clockContract } from './clock-contract.test-helper.ts';
import { SimulatedClock } from './simulated-clock.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

clockContract('the simulated clock, moved by advance', () => {
  const clock = new SimulatedClock(T0);
  return { clock, step: MINUTE, pass: (ms) => clock.advance(ms) };
});

clockContract('the simulated clock, moved by increment', () => {
  const clock = new SimulatedClock(T0);
  return { clock, step: MINUTE, pass: async (ms) => clock.increment(ms) };
});

describe('the simulated clock', () => {
  it('moves only when told to: set, increment and advance', async () => {
    const clock = new SimulatedClock(T0);
    expect(clock.now()).toBe(T0);
    clock.set(T0 + HOUR);
    expect(clock.now()).toBe(T0 + HOUR);
    clock.increment(MINUTE);
    expect(clock.now()).toBe(T0 + HOUR + MINUTE);
    await clock.advance(MINUTE);
    expect(clock.now()).toBe(T0 + HOUR + 2 * MINUTE);
    clock.set(clock.now());
    clock.increment(0);
    await clock.advance(0);
    expect(clock.now()).toBe(T0 + HOUR + 2 * MINUTE);
  });

  it('refuses to go back in time: a set, increment or advance to an earlier time throws a RangeError naming both instants, and time stays', async () => {
    const clock = new SimulatedClock(T0);
    const back = new RangeError('the simulated clock cannot go back in time, from 2026-03-02T10:00:00.000Z to 2026-03-02T09:00:00.000Z');
    expect(() => clock.set(T0 - HOUR)).toThrow(back);
    expect(() => clock.increment(-HOUR)).toThrow(back);
    await expect(clock.advance(-HOUR)).rejects.toThrow(back);
    expect(() => clock.set(T0 - 1)).toThrow(new RangeError('the simulated clock cannot go back in time, from 2026-03-02T10:00:00.000Z to 2026-03-02T09:59:59.999Z'));
    expect(clock.now()).toBe(T0);
  });

  it('refuses a time that is not a number of milliseconds, to start at or to move to', async () => {
    expect(() => new SimulatedClock(Number.NaN)).toThrow(new RangeError('the simulated clock cannot start at NaN: a time is finite epoch milliseconds'));
    const clock = new SimulatedClock(T0);
    expect(() => clock.set(Number.NaN)).toThrow(new RangeError('the simulated clock cannot move to NaN: a time is finite epoch milliseconds'));
    expect(() => clock.increment(Infinity)).toThrow(new RangeError('the simulated clock cannot move to Infinity: a time is finite epoch milliseconds'));
    await expect(clock.advance(Number.NaN)).rejects.toThrow(RangeError);
    expect(clock.now()).toBe(T0);
  });

  it('runs each timer at its own time, in time order, and those due at the same time in the order they were set', () => {
    const clock = new SimulatedClock(T0);
    const ran: string[] = [];
    const log = (name: string) => () => ran.push(`${name} at +${(clock.now() - T0) / MINUTE}m`);
    clock.at(T0 + 20 * MINUTE, log('c'));
    clock.at(T0 + 10 * MINUTE, log('a'));
    clock.at(T0 + 10 * MINUTE, log('b'));
    clock.at(T0 + 2 * HOUR, log('later'));
    clock.set(T0 + HOUR);
    expect(ran).toEqual(['a at +10m', 'b at +10m', 'c at +20m']);
    expect(clock.now()).toBe(T0 + HOUR);
  });

  it('runs a timer a timer sets for the present in the same move', () => {
    const clock = new SimulatedClock(T0);
    const ran: number[] = [];
    clock.at(T0 + MINUTE, () => clock.at(clock.now(), () => ran.push(clock.now())));
    clock.increment(MINUTE);
    expect(ran).toEqual([T0 + MINUTE]);
  });

  it('advance lets the work a timer starts settle before time moves on; increment does not wait for it', async () => {
    const withWork = (clock: SimulatedClock, seen: number[]): (() => Promise<void>) => {
      let work: Promise<void> = Promise.resolve();
      clock.at(T0 + MINUTE, () => {
        work = (async () => {
          await Promise.resolve();
          seen.push(clock.now());
        })();
      });
      clock.at(T0 + 2 * MINUTE, () => seen.push(clock.now()));
      return () => work;
    };
    const advanced = new SimulatedClock(T0);
    const settledSeen: number[] = [];
    const settle = withWork(advanced, settledSeen);
    await advanced.advance(5 * MINUTE, settle);
    expect(settledSeen).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);

    const incremented = new SimulatedClock(T0);
    const unsettledSeen: number[] = [];
    const work = withWork(incremented, unsettledSeen);
    incremented.increment(5 * MINUTE);
    await work();
    expect(unsettledSeen).toEqual([T0 + 2 * MINUTE, T0 + 5 * MINUTE]);
  });

  it('keeps time that the work of a timer moved on: an advance never ends earlier than where that work left the clock', async () => {
    const clock = new SimulatedClock(T0);
    let work: Promise<void> = Promise.resolve();
    // A slow push under scaled time: the delivery itself moves the clock on while a tick runs.
    clock.at(T0 + MINUTE, () => {
      work = clock.advance(HOUR);
    });
    await clock.advance(10 * MINUTE, () => work);
    expect(clock.now()).toBe(T0 + MINUTE + HOUR);
  });

  it('jumps to the next timer for virtual-time runs: nextAt says when, runNext runs it there', () => {
    const clock = new SimulatedClock(T0);
    expect(clock.nextAt()).toBeUndefined();
    expect(clock.runNext()).toBe(false);
    const ran: number[] = [];
    const cancel = clock.at(T0 + MINUTE, () => ran.push(clock.now()));
    clock.at(T0 + 3 * HOUR, () => ran.push(clock.now()));
    expect(clock.nextAt()).toBe(T0 + MINUTE);
    cancel();
    expect(clock.nextAt()).toBe(T0 + 3 * HOUR);
    expect(clock.runNext()).toBe(true);
    expect(ran).toEqual([T0 + 3 * HOUR]);
    expect(clock.now()).toBe(T0 + 3 * HOUR);
    expect(clock.runNext()).toBe(false);
  });

  it('runs a timer already due in the present when it jumps: time does not go back for it', () => {
    const clock = new SimulatedClock(T0);
    const ran: number[] = [];
    clock.at(T0 - HOUR, () => ran.push(clock.now()));
    expect(clock.nextAt()).toBe(T0 - HOUR);
    clock.runNext();
    expect(ran).toEqual([T0]);
    expect(clock.now()).toBe(T0);
  });
});
