/**
 * @module Drives one release in virtual time with any implementations of the ports: the loop of
 * decide → perform effects → feed results back, with the simulated clock's timers for wake-ups and
 * approvals, time jumping from one timer to the next.
 */
import { isFinished } from '../engine/actions.ts';
import { decide } from '../engine/decide.ts';
import type { EngineInput, ReleaseState } from '../engine/types.ts';
import type { Policy } from '../policy/schema.ts';
import { perform, type RuntimePorts } from './effects.ts';
import type { SimulatedClock } from './simulated-clock.ts';

export interface VirtualRunPorts extends RuntimePorts {
  /** Approvals that will arrive for a ring, `after` its request. */
  approvalsFor(ring: string): Array<{ by: string; groups: string[]; after: number }>;
}

/**
 * Drive one release in virtual time until it settles (completed, rolled back, halted) or the
 * horizon passes, with whatever implementations of the ports are given. Inputs may be injected
 * at given virtual times (operator actions in tests). The run sets its timers on `clock` and
 * cancels those left when it ends; nothing else should move the clock meanwhile.
 */
export async function runInVirtualTime(
  policy: Policy,
  start: Extract<EngineInput, { type: 'start' }>,
  ports: VirtualRunPorts,
  clock: SimulatedClock,
  horizonAt: number,
  opts: { onProgress?: (state: ReleaseState, now: number) => void; inject?: EngineInput[]; record?: EngineInput[] } = {},
): Promise<{ state: ReleaseState; evaluations: number }> {
  const queue: EngineInput[] = [start];
  let state: ReleaseState | null = null;
  let evaluations = 0;
  let lastTick = -1;
  /** Finished, or halted for a person: nothing more happens in virtual time. */
  const stopped = (s: ReleaseState | null): boolean => s !== null && (isFinished(s.phase) || s.phase === 'halted');
  /** The timers still set, to cancel when the run ends. */
  const armed = new Set<() => void>();
  const timer = (at: number, fn: () => void): void => {
    const cancel = clock.at(at, () => {
      armed.delete(cancel);
      fn();
    });
    armed.add(cancel);
  };
  /** When the inputs still to come are due: a stopped release waits for these alone. */
  const inputsDue: number[] = [];
  const input = (at: number, value: EngineInput): void => {
    inputsDue.push(at);
    timer(at, () => {
      inputsDue.splice(inputsDue.indexOf(at), 1);
      queue.push({ ...value, at: clock.now() });
    });
  };
  /** A wake-up: one tick per instant, and none for a stopped release (its wake-ups are dropped). */
  const wake = (at: number): void =>
    timer(at, () => {
      if (stopped(state) || at === lastTick) return;
      lastTick = at;
      queue.push({ type: 'tick', at: clock.now() });
    });
  for (const i of opts.inject ?? []) input(i.at, i);

  for (;;) {
    while (queue.length > 0) {
      const next = queue.shift()!;
      opts.record?.push(next);
      const decision = decide(state, next, policy);
      state = decision.state;
      for (const effect of decision.effects) {
        if (effect.type === 'wake') {
          wake(effect.at);
        } else if (effect.type === 'request-approval') {
          for (const a of ports.approvalsFor(effect.ring)) {
            const at = clock.now() + a.after;
            input(at, { type: 'approval', at, ring: effect.ring, by: a.by, groups: a.groups });
          }
        } else {
          if (effect.type === 'evaluate-gates') evaluations += effect.checks.length;
          const result = await perform(policy, state, ports, effect, () => clock.now());
          if (result) queue.push(result);
        }
      }
      opts.onProgress?.(state, clock.now());
    }
    // Nothing moves a settled or halted release but an input from outside (a person, in tests).
    const due = stopped(state) ? (inputsDue.length > 0 ? Math.min(...inputsDue) : undefined) : clock.nextAt();
    if (due === undefined || due > horizonAt) break;
    // Jump to the next timer; a stopped release passes its wake-ups by until an input comes.
    while (clock.runNext() && stopped(state) && queue.length === 0);
  }
  for (const cancel of armed) cancel();
  return { state: state!, evaluations };
}
