/**
 * @module Drives one release in virtual time with any implementations of the ports: the loop of
 * decide → perform effects → feed results back, with a timer queue for wake-ups and approvals.
 */
import { isFinished } from '../engine/actions.ts';
import { decide } from '../engine/decide.ts';
import type { EngineInput, ReleaseState } from '../engine/types.ts';
import type { Policy } from '../policy/schema.ts';
import { perform, type RuntimePorts } from './effects.ts';
import { TimerQueue } from './timer-queue.ts';
import type { VirtualClock } from './virtual-clock.ts';

type Timed = { kind: 'tick' } | { kind: 'input'; input: EngineInput };

export interface VirtualRunPorts extends RuntimePorts {
  /** Approvals that will arrive for a ring, `after` its request. */
  approvalsFor(ring: string): Array<{ by: string; groups: string[]; after: number }>;
}

/**
 * Drive one release in virtual time until it settles (completed, rolled back, halted) or the
 * horizon passes, with whatever implementations of the ports are given. Inputs may be injected
 * at given virtual times (operator actions in tests).
 */
export async function runInVirtualTime(
  policy: Policy,
  start: Extract<EngineInput, { type: 'start' }>,
  ports: VirtualRunPorts,
  clock: VirtualClock,
  horizonAt: number,
  opts: { onProgress?: (state: ReleaseState, now: number) => void; inject?: EngineInput[]; record?: EngineInput[] } = {},
): Promise<{ state: ReleaseState; evaluations: number }> {
  const timers = new TimerQueue<Timed>();
  const queue: EngineInput[] = [start];
  for (const input of opts.inject ?? []) timers.push(input.at, { kind: 'input', input });
  let state: ReleaseState | null = null;
  let evaluations = 0;
  let lastTick = -1;
  /** Finished, or halted for a person: nothing more happens in virtual time. */
  const stopped = (s: ReleaseState | null): boolean => s !== null && (isFinished(s.phase) || s.phase === 'halted');

  for (;;) {
    while (queue.length > 0) {
      const input = queue.shift()!;
      opts.record?.push(input);
      const decision = decide(state, input, policy);
      state = decision.state;
      for (const effect of decision.effects) {
        if (effect.type === 'wake') {
          timers.push(effect.at, { kind: 'tick' });
        } else if (effect.type === 'request-approval') {
          for (const a of ports.approvalsFor(effect.ring)) {
            const at = clock.now() + a.after;
            timers.push(at, { kind: 'input', input: { type: 'approval', at, ring: effect.ring, by: a.by, groups: a.groups } });
          }
        } else {
          if (effect.type === 'evaluate-gates') evaluations += effect.checks.length;
          const result = await perform(policy, state, ports, effect, () => clock.now());
          if (result) queue.push(result);
        }
      }
      opts.onProgress?.(state, clock.now());
    }
    if (stopped(state)) {
      // Nothing moves a settled or halted release but an input from outside (a person, in tests).
      let next = timers.pop();
      while (next && next.item.kind === 'tick') next = timers.pop();
      if (!next || next.at > horizonAt || next.item.kind !== 'input') break;
      clock.set(Math.max(next.at, clock.now()));
      queue.push({ ...next.item.input, at: clock.now() });
      continue;
    }
    const next = timers.pop();
    if (!next || next.at > horizonAt) break;
    clock.set(Math.max(next.at, clock.now()));
    if (next.item.kind === 'tick') {
      if (next.at === lastTick) continue;
      lastTick = next.at;
      queue.push({ type: 'tick', at: clock.now() });
    } else {
      queue.push({ ...next.item.input, at: clock.now() });
    }
  }
  return { state: state!, evaluations };
}

