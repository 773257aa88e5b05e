/**
 * @module What a person may do to a release now, and what a finished release leaves where: one
 * pure answer that the engine itself, the API, the dashboard and the CLI share.
 */
import type { Policy } from '../policy/schema.ts';
import type { ReleaseState } from './types.ts';

/** Phases after which a release moves only when a person acts on it. */
export const FINISHED_PHASES = ['completed', 'rolled-back', 'aborted'] as const;

export function isFinished(phase: string): boolean {
  return (FINISHED_PHASES as readonly string[]).includes(phase);
}

export interface AllowedActions {
  /** Rings waiting for an approval (who may approve is checked against the ring's approvers). */
  approve: string[];
  resume: boolean;
  abort: boolean;
  /** Rings that run the new version and may be rolled back, downstream first (the order a rollback takes). */
  rollback: string[];
}

/** A ring carries the new version somewhere: deployed or deploying, and not rolled back since. */
export function runsNewVersion(state: ReleaseState, ring: number): boolean {
  const ringState = state.rings[ring];
  return ringState !== undefined && ringState.deployedAt !== null && !ringState.rolledBack && ringState.status !== 'rolled-back';
}

export function allowedActions(state: ReleaseState): AllowedActions {
  const rollback = state.phase === 'rolling-back' ? [] : state.rings.map((r, i) => (runsNewVersion(state, i) ? r.name : null)).filter((n): n is string => n !== null).reverse();
  return {
    approve: isFinished(state.phase) ? [] : state.rings.filter((r) => r.status === 'awaiting-approval').map((r) => r.name),
    resume: state.phase === 'halted' && state.resumeTo !== null,
    abort: !isFinished(state.phase),
    rollback,
  };
}

/**
 * In plain words, where the new version still runs once a release has stopped short of GA:
 * `ap-south-1 (ring-1) still runs v2.1.0; roll back with: meridian release rollback ID [--ring ring-1]`.
 * Null while the release is still moving, after GA, or when nothing runs the new version.
 */
export function leftBehind(policy: Policy, state: ReleaseState): string | null {
  if (state.phase !== 'rolled-back' && state.phase !== 'aborted' && state.phase !== 'halted') return null;
  const rings = policy.spec.rings.filter((_, i) => runsNewVersion(state, i));
  if (rings.length === 0) return null;
  const where = rings.map((r) => `${r.regions.join(', ')} (${r.name})`).join(', ');
  const verb = rings.length === 1 && rings[0]!.regions.length === 1 ? 'runs' : 'run';
  const names = allowedActions(state).rollback.join('|');
  return `${where} still ${verb} ${state.release.version}; roll back with: meridian release rollback ${state.release.id} [--ring ${names}]`;
}
