/**
 * @module After a restart: the effects to issue again for a release rebuilt from its recorded
 * inputs. A deploy or rollback whose result was never recorded is asked again (delivery is
 * idempotent per release, ring and step, so nothing is written twice); a hook in flight runs again;
 * everything time-driven resumes with a tick.
 */
import { isFinished } from './actions.ts';
import type { Effect, ReleaseState } from './types.ts';


export function recoveryEffects(state: ReleaseState, now: number): Effect[] {
  // Traffic first: a drain or restore asked before the crash is owed even by a halted release.
  const effects: Effect[] = state.pendingTraffic.map((p) => ({ type: p.action, region: p.region, cause: p.cause }));
  if (isFinished(state.phase) || state.phase === 'halted') return effects;
  if (state.pendingHook) effects.push({ type: 'run-hook', step: state.pendingHook.step });
  for (const ringState of state.rings) {
    if (ringState.status === 'deploying' && ringState.ref === null && state.phase === 'running') effects.push({ type: 'deploy', ring: ringState.name });
    if (ringState.status === 'rolling-back' && ringState.rollbackRef === null) effects.push({ type: 'rollback', ring: ringState.name });
  }
  effects.push({ type: 'wake', at: now });
  return effects;
}
