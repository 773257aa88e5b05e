/**
 * @module The release engine: decide(state, input, policy) → { state, effects }. Pure and
 * deterministic: it performs no effect and reads no clock; time comes in with each input. The
 * runtime carries the effects out and feeds their results back as inputs.
 */
import type { Policy } from '../policy/schema.ts';
import { draft, emit, refuse, requestTraffic, ringAt, ringIndex, runHook, TERMINAL, wake, type Ctx } from './context.ts';
import { beginRollback, continueRollback, nextRollback, onRollbackHealth, onRolledBack, operatorRollback, resumeTarget } from './failure.ts';
import { onWatchResults, watchDue } from './watch.ts';
import { onTrafficDone, onTrafficFailed, onTrafficRefused, retryTraffic } from './traffic.ts';
import { afterSchedule, complete, enterRing, extendBake, onClaimed, onDeployed, onDeployHealth, onGateResults, onHeld, tryDeploy } from './progress.ts';
import type { Decision, EngineInput, Refusal, ReleaseRequestData, ReleaseState, RingState } from './types.ts';
import { isApprover } from './approvers.ts';
import { replicationDetail, replicationStep } from './replication.ts';

function newRing(name: string): RingState {
  return {
    name, status: 'pending', deployedAt: null, healthyAt: null, bakeUntil: null, ref: null, rollbackRef: null,
    rollbackStartedAt: null, progress: null, approvedBy: null, waitUntil: null, schedule: [], trackers: {}, failedGate: null, verdict: null, rolledBack: false,
  };
}

export function initialState(policy: Policy, release: ReleaseRequestData, versions: Record<string, string>, at: number): ReleaseState {
  const all: Record<string, string> = {};
  for (const r of policy.spec.regions) all[r.name] = versions[r.name] ?? release.previousVersion;
  return {
    release, phase: 'running', startedAt: at, current: 0, rings: policy.spec.rings.map((r) => newRing(r.name)),
    versions: all, events: [], rollbackQueue: [], haltReason: null, resumeTo: null, hooksDone: [], pendingHook: null,
    drained: [], outages: {}, lastRegionCheck: null, pendingTraffic: [], detection: null, completedAt: null,
  };
}

const HOOK_EVENTS: Record<string, string> = {
  'replication.pause': 'replication.paused',
  'replication.resume': 'replication.resumed',
  'flag.enable': 'flag.enabled',
  'flag.disable': 'flag.disabled',
};

function onTick(ctx: Ctx): void {
  const s = ctx.state;
  retryTraffic(ctx);
  checkRegions(ctx);
  if (TERMINAL.has(s.phase) || s.phase === 'halted' || s.pendingHook) return;
  watchDue(ctx);
  if (s.phase === 'rolling-back') {
    const name = s.rollbackQueue[0];
    if (name === undefined) return;
    const { ringState } = ringAt(ctx, ringIndex(ctx, name));
    if (ringState.status === 'rolling-back' && ringState.rollbackRef !== null) ctx.effects.push({ type: 'check-health', ring: name, ref: ringState.rollbackRef });
    return;
  }
  if (s.current >= s.rings.length) {
    if (s.watchUntil != null && ctx.now >= s.watchUntil) complete(ctx);
    return;
  }
  const { ringState } = ringAt(ctx, s.current);
  // Woken early (a regional health check) while a window is still closed: nothing to do yet.
  if (ringState.status === 'waiting-window' && ringState.waitUntil !== null && ctx.now < ringState.waitUntil) return;
  if (ringState.status === 'waiting-window') tryDeploy(ctx, s.current);
  else if (ringState.status === 'deploying' && ringState.ref !== null) ctx.effects.push({ type: 'check-health', ring: ringState.name, ref: ringState.ref });
  else if (ringState.status === 'baking') afterSchedule(ctx, s.current);
}

/** How often regional health is asked when failover is automatic. */
export const REGION_CHECK_MS = 5 * 60_000;

function checkRegions(ctx: Ctx): void {
  const s = ctx.state;
  if (ctx.policy.spec.traffic.failover !== 'automatic' || TERMINAL.has(s.phase)) return;
  if (s.lastRegionCheck !== null && ctx.now - s.lastRegionCheck < REGION_CHECK_MS) return;
  s.lastRegionCheck = ctx.now;
  ctx.effects.push({ type: 'check-regions' });
  wake(ctx, ctx.now + REGION_CHECK_MS);
}

/** Failover: drain a region in an outage (when the others have the headroom), restore it when it is back. */
function onRegionsHealth(ctx: Ctx, up: Record<string, boolean>): void {
  for (const [region, isUp] of Object.entries(up)) {
    const outage = ctx.state.outages[region];
    if (!isUp && outage === undefined) {
      emit(ctx, 'region.down', { region, detail: 'reports unhealthy' });
      requestTraffic(ctx, 'drain', region, 'outage');
    } else if (isUp && outage !== undefined) {
      emit(ctx, 'region.up', { region, detail: 'healthy again' });
      if (outage === 'drained') requestTraffic(ctx, 'restore', region, 'outage');
      else delete ctx.state.outages[region];
    }
  }
}

function onHookDone(ctx: Ctx, step: string): void {
  const pending = ctx.state.pendingHook;
  if (!pending || pending.step !== step) return;
  ctx.state.pendingHook = null;
  ctx.state.hooksDone.push(step);
  // A replication group's step (`replication.pause:eu`) is told as the step of its kind, with the group's regions.
  const replication = replicationStep(step);
  const event = replication ? HOOK_EVENTS[replication.kind === 'pause' ? 'replication.pause' : 'replication.resume'] : HOOK_EVENTS[step];
  emit(ctx, event ?? `hook.${step}`, { detail: replication ? replicationDetail(ctx.policy, step) : step });
  if (pending.then === 'deploy') tryDeploy(ctx, ctx.state.current);
  else if (pending.then === 'enter') enterRing(ctx, ctx.state.current);
  else if (pending.then === 'complete') complete(ctx);
  else continueRollback(ctx);
}

function onResume(ctx: Ctx, by: string): Refusal | undefined {
  const refused = resumeTarget(ctx);
  if (refused) return refused;
  const to = ctx.state.resumeTo;
  ctx.state.phase = ctx.state.rollbackQueue.length > 0 ? 'rolling-back' : 'running';
  ctx.state.haltReason = null;
  ctx.state.resumeTo = null;
  emit(ctx, 'release.resumed', { detail: `by ${by}` });
  if (to === 'hook' && ctx.state.pendingHook) {
    ctx.effects.push({ type: 'run-hook', step: ctx.state.pendingHook.step });
  } else if (to === 'rollback') {
    nextRollback(ctx);
  } else if (to === 'deploy') {
    tryDeploy(ctx, ctx.state.current);
  } else if (to === 'bake') {
    const halted = Math.max(0, ctx.now - (ctx.state.haltedAt ?? ctx.now));
    for (const ringState of ctx.state.rings) {
      ringState.trackers = Object.fromEntries(Object.entries(ringState.trackers).map(([key, t]) => [key, { ...t, consecutiveInconclusive: 0 }]));
      // A watched ring is evaluated again now; what it missed while halted is not replayed.
      if (ringState.watchNext != null) ringState.watchNext = ctx.now;
    }
    const current = ctx.state.rings[ctx.state.current];
    if (current?.status === 'baking') {
      // Halted time is not observed bake: the bake ends that much later, and the next evaluation is now.
      extendBake(ctx, ctx.state.current, halted);
      current.schedule = [ctx.now, ...current.schedule.filter((t) => t > ctx.now)];
      afterSchedule(ctx, ctx.state.current);
    } else if (current?.status === 'awaiting-approval' || current?.status === 'waiting-window') {
      ctx.state.phase = 'waiting';
    }
    watchDue(ctx);
  }
  return undefined;
}

function onApproval(ctx: Ctx, ringName: string, by: string, groups: string[]): Refusal | undefined {
  const i = ringIndex(ctx, ringName);
  if (i < 0) return refuse('not-found', `ring "${ringName}" is not in the policy`);
  const { ring, ringState } = ringAt(ctx, i);
  if (!ring.approval) return refuse('conflict', `ring "${ringName}" needs no approval`);
  // Who asks is checked first: a non-approver is refused whatever the ring is doing.
  const approvers = ring.approval.approvers;
  if (!isApprover(approvers, by, groups)) {
    emit(ctx, 'approval.rejected', { ring: ringName, detail: `${by} is not an approver of ${ringName} (approvers: ${approvers.join(', ')})` });
    return refuse('forbidden', `${by} is not an approver of ${ringName}`);
  }
  if (ringState.status !== 'awaiting-approval') return refuse('conflict', `ring "${ringName}" is not waiting for approval (it is ${ringState.status})`);
  ringState.approvedBy = by;
  emit(ctx, 'approval.granted', { ring: ringName, detail: `by ${by}` });
  tryDeploy(ctx, i);
  return undefined;
}

export function decide(state: ReleaseState | null, input: EngineInput, policy: Policy): Decision {
  if (input.type === 'start') {
    const s = initialState(policy, input.release, input.versions, input.at);
    const ctx: Ctx = { policy, state: s, effects: [], now: input.at };
    emit(ctx, 'release.started', { detail: `${input.release.service} ${input.release.version} (from ${input.release.previousVersion})` });
    enterRing(ctx, 0);
    return { state: ctx.state, effects: ctx.effects };
  }
  if (state === null) throw new Error(`input ${input.type} before the release started`);
  const ctx: Ctx = { policy, state: draft(state), effects: [], now: Math.max(input.at, 0) };
  let rejected: Refusal | undefined;
  const i = 'ring' in input && input.ring !== undefined ? ringIndex(ctx, input.ring) : -1;
  switch (input.type) {
    case 'tick': onTick(ctx); break;
    case 'deployed': if (i >= 0) onDeployed(ctx, i, input.ref); break;
    case 'deploy-failed':
      if (i >= 0 && ctx.state.rings[i]!.status === 'deploying') {
        ctx.state.rings[i]!.status = 'pending';
        ctx.state.phase = 'halted';
        ctx.state.haltReason = `delivery of ${input.ring} failed: ${input.error}`;
        ctx.state.resumeTo = 'deploy';
        emit(ctx, 'release.halted', { ring: input.ring, detail: ctx.state.haltReason });
      }
      break;
    case 'health':
      if (i >= 0 && ctx.state.rings[i]!.status === 'deploying' && ctx.state.phase === 'running') onDeployHealth(ctx, i, input.report);
      else if (i >= 0 && ctx.state.rings[i]!.status === 'rolling-back' && ctx.state.phase === 'rolling-back') onRollbackHealth(ctx, i, input.report);
      break;
    case 'gates':
      if (i < 0) break;
      if (ctx.state.rings[i]!.status === 'passed' && (ctx.state.phase === 'running' || ctx.state.phase === 'waiting')) onWatchResults(ctx, i, input.evaluations);
      else if (ctx.state.phase === 'running') onGateResults(ctx, i, input.evaluatedAt, input.evaluations);
      break;
    case 'approval': rejected = onApproval(ctx, input.ring, input.by, input.groups); break;
    case 'rolled-back': if (i >= 0) onRolledBack(ctx, i, input.ref); break;
    case 'rollback-failed':
      ctx.state.phase = 'halted';
      ctx.state.haltReason = `rollback of ${input.ring} failed: ${input.error}`;
      ctx.state.resumeTo = 'rollback';
      emit(ctx, 'release.halted', { ring: input.ring, detail: ctx.state.haltReason });
      break;
    case 'hook-done': onHookDone(ctx, input.step); break;
    case 'hook-failed':
      ctx.state.phase = 'halted';
      ctx.state.haltReason = `hook ${input.step} failed: ${input.error}`;
      ctx.state.resumeTo = 'hook';
      emit(ctx, 'release.halted', { detail: ctx.state.haltReason });
      break;
    case 'traffic-done': onTrafficDone(ctx, input); break;
    case 'traffic-refused': onTrafficRefused(ctx, input); break;
    case 'traffic-failed': onTrafficFailed(ctx, input); break;
    case 'regions-health': onRegionsHealth(ctx, input.up); break;
    case 'resume': rejected = onResume(ctx, input.by); break;
    case 'abort':
      if (TERMINAL.has(ctx.state.phase)) rejected = refuse('conflict', `release is already ${ctx.state.phase}`);
      else {
        ctx.state.phase = 'aborted';
        ctx.state.completedAt = ctx.now;
        for (const ringState of ctx.state.rings) {
          ringState.schedule = [];
          // A ring that was only waiting (for approval or a window) will not start: it is not started.
          if (ringState.status === 'awaiting-approval' || ringState.status === 'waiting-window') {
            ringState.status = 'pending';
            ringState.waitUntil = null;
          }
        }
        emit(ctx, 'release.aborted', { detail: `by ${input.by}; nothing is rolled back` });
      }
      break;
    case 'rollback': rejected = operatorRollback(ctx, input.by, input.ring); break;
    case 'claimed': onClaimed(ctx, i); break;
    case 'held': onHeld(ctx, i, input.detail); break;
  }
  if (rejected !== undefined) {
    // A refusal changes nothing, except that a refused approval is recorded.
    const recorded = ctx.state.events.length > state.events.length;
    return { state: recorded ? ctx.state : state, effects: [], rejected };
  }
  return { state: ctx.state, effects: ctx.effects };
}

export { beginRollback, runHook, wake };
