/**
 * @module The working context of one decision: a copy of the state being changed, the effects asked
 * for so far, and small helpers (emit an event, halt). Nothing here performs an effect.
 */
import type { Policy, Ring } from '../policy/schema.ts';
import { FINISHED_PHASES } from './actions.ts';
import type { Effect, Refusal, ReleaseEvent, ReleaseState, ResumeTo, RingState } from './types.ts';

export interface Ctx {
  policy: Policy;
  state: ReleaseState;
  effects: Effect[];
  now: number;
}

/** How often the engine asks health while a ring deploys or rolls back. */
export const HEALTH_POLL_MS = 60_000;

/** A copy deep enough that decide() never changes the state it was given. */
export function draft(state: ReleaseState): ReleaseState {
  return {
    ...state,
    // A ring's schedule and trackers are replaced, never changed in place (copy on write): copied only where they change.
    rings: state.rings.map(copyRing),
    versions: { ...state.versions },
    events: [...state.events],
    rollbackQueue: [...state.rollbackQueue],
    hooksDone: [...state.hooksDone],
    drained: [...state.drained],
    outages: { ...state.outages },
    pendingTraffic: [...state.pendingTraffic],
  };
}


/**
 * A ring's state, copied field by field into one shape whatever fields it was given (a spread of
 * objects of many shapes is the slow path of every decision). Absent optional fields stay absent
 * in JSON: they are copied as undefined.
 */
function copyRing(r: RingState): RingState {
  return {
    name: r.name, status: r.status, deployedAt: r.deployedAt, healthyAt: r.healthyAt, bakeUntil: r.bakeUntil, ref: r.ref, rollbackRef: r.rollbackRef,
    rollbackStartedAt: r.rollbackStartedAt, progress: r.progress, approvedBy: r.approvedBy, waitUntil: r.waitUntil, claimed: r.claimed, held: r.held,
    schedule: r.schedule, trackers: r.trackers, failedGate: r.failedGate, unobserved: r.unobserved, evidence: r.evidence, passedAt: r.passedAt,
    watchNext: r.watchNext, verdict: r.verdict, rolledBack: r.rolledBack,
  };
}

export function emit(ctx: Ctx, type: string, fields: Omit<ReleaseEvent, 'at' | 'type'> = {}): void {
  const ev: ReleaseEvent = { at: ctx.now, type };
  if (fields.ring !== undefined) ev.ring = fields.ring;
  if (fields.region !== undefined) ev.region = fields.region;
  if (fields.detail !== undefined) ev.detail = fields.detail;
  ctx.state.events.push(ev);
}

export function ringAt(ctx: Ctx, i: number): { ring: Ring; ringState: RingState } {
  const ring = ctx.policy.spec.rings[i];
  const ringState = ctx.state.rings[i];
  if (!ring || !ringState) throw new Error(`ring index ${i} is out of range`);
  return { ring, ringState };
}

export function ringIndex(ctx: Ctx, name: string): number {
  return ctx.policy.spec.rings.findIndex((r) => r.name === name);
}

export function wake(ctx: Ctx, at: number): void {
  ctx.effects.push({ type: 'wake', at: Math.max(at, ctx.now) });
}

/** Stop and wait for a person (resume, roll back or abort). Never blocked by windows. */
export function halt(ctx: Ctx, reason: string, resumeTo: ResumeTo | null): void {
  ctx.state.phase = 'halted';
  ctx.state.haltReason = reason;
  ctx.state.resumeTo = resumeTo;
  ctx.state.haltedAt = ctx.now;
  emit(ctx, 'release.halted', { detail: reason });
}

export const TERMINAL: ReadonlySet<string> = new Set(FINISHED_PHASES);

/** Ask for a drain or restore once; it stays pending until its result comes back. */
export function requestTraffic(ctx: Ctx, action: 'drain' | 'restore', region: string, cause: 'failure' | 'outage'): void {
  if (ctx.state.pendingTraffic.some((p) => p.action === action && p.region === region)) return;
  ctx.state.pendingTraffic.push({ action, region, cause });
  ctx.effects.push({ type: action, region, cause });
}

/** Ask for a data hook (`step`) and remember what comes after it (`then`) until its result arrives. */
export function runHook(ctx: Ctx, step: string, then: NonNullable<ReleaseState['pendingHook']>['then']): void {
  ctx.state.pendingHook = { step, then };
  ctx.effects.push({ type: 'run-hook', step });
}

export function settleTraffic(ctx: Ctx, action: 'drain' | 'restore', region: string): void {
  ctx.state.pendingTraffic = ctx.state.pendingTraffic.filter((p) => !(p.action === action && p.region === region));
}

/** Traffic that holds a rollback: everything asked and not yet answered, except restores waiting to be retried. */
export function trafficInFlight(ctx: Ctx): boolean {
  return ctx.state.pendingTraffic.some((p) => p.action === 'drain' || p.failures === undefined);
}

export function refuse(kind: Refusal['kind'], message: string): Refusal {
  return { kind, message };
}

/**
 * Whether a deploy or rollback has had its progress deadline: the deadline's time since delivery
 * applied it AND as many health checks as fit in that time. Real work (a push, an HTTP call) never
 * eats the deadline, even when time runs scaled and a slow push moves the clock by minutes.
 */
export function pastDeadline(ctx: Ctx, progress: { since: number; checks: number }): boolean {
  const deadline = ctx.policy.spec.delivery.progressDeadline;
  return ctx.now - progress.since >= deadline && progress.checks >= Math.ceil(deadline / HEALTH_POLL_MS);
}

/** Count one health check of the deploy or rollback in flight on `ringState`. */
export function countCheck(ctx: Ctx, ringState: RingState): { since: number; checks: number } {
  const p = ringState.progress ?? { since: ctx.now, checks: 0 };
  ringState.progress = { since: p.since, checks: p.checks + 1 };
  return ringState.progress;
}
