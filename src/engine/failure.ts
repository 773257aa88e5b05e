/**
 * @module When a ring fails or a person asks for a rollback: halt everything downstream for good,
 * drain the failed ring's traffic where the policy says so, roll back the named rings downstream
 * first, restore traffic, resume replication after a full rollback. Rollbacks never wait for
 * windows or freezes.
 */
import { isProductionRing, rollbackRings } from '../policy/model.ts';
import { HEALTH_POLL_MS, countCheck, emit, halt, pastDeadline, refuse, requestTraffic, ringAt, ringIndex, runHook, trafficInFlight, wake, type Ctx } from './context.ts';
import type { Refusal } from './types.ts';
import { allowedActions, runsNewVersion } from './actions.ts';
import { pauseBeforeRollback, resumeAfterRollback } from './replication.ts';
import type { HealthReport } from '../ports.ts';

/** Rings that carry the new version somewhere (deployed or deploying, not yet rolled back). */
function touched(ctx: Ctx, name: string): boolean {
  return runsNewVersion(ctx.state, ringIndex(ctx, name));
}

export function failRing(ctx: Ctx, i: number, gate: string | null, region: string | null, detail: string): void {
  const { ring, ringState } = ringAt(ctx, i);
  ringState.status = 'failed';
  ringState.verdict = 'failed';
  ringState.failedGate = gate;
  ringState.schedule = [];
  if (ctx.state.detection === null) ctx.state.detection = { at: ctx.now, ring: ring.name, gate: gate ?? 'deploy' };
  if (gate !== null) emit(ctx, 'gate.failed', { ring: ring.name, ...(region ? { region } : {}), detail });
  emit(ctx, 'ring.failed', { ring: ring.name, detail: `${detail}; downstream rings will not be deployed` });
  // Nothing moves on: no ring is watched any more, no waiting ring starts, no bake goes on.
  for (const other of ctx.state.rings) {
    other.watchNext = null;
    other.schedule = [];
    if (other.status === 'awaiting-approval' || other.status === 'waiting-window') {
      other.status = 'pending';
      other.waitUntil = null;
    }
  }
  // The rings its policy names, and every deployed ring downstream of it (a ring that failed after
  // promotion has rings after it on the new version): downstream first.
  const names = new Set(rollbackRings(ctx.policy, ring).map((r) => r.name));
  ctx.policy.spec.rings.forEach((r, j) => { if (j > i) names.add(r.name); });
  const queue = ctx.policy.spec.rings.map((r) => r.name).filter((n) => names.has(n) && touched(ctx, n)).reverse();
  if (ring.onFailure.drain && isProductionRing(ctx.policy, ring)) {
    for (const region of ring.regions) requestTraffic(ctx, 'drain', region, 'failure');
  }
  if (queue.length === 0) {
    halt(ctx, `${ring.name} failed and its policy rolls nothing back: roll back or abort`, null);
    return;
  }
  beginRollback(ctx, queue);
}

/** Roll back `queue` (already downstream first). The feature flag goes off before anything else. */
export function beginRollback(ctx: Ctx, queue: string[]): void {
  ctx.state.phase = 'rolling-back';
  ctx.state.haltReason = null;
  ctx.state.resumeTo = null;
  ctx.state.rollbackQueue = queue;
  if (ctx.state.hooksDone.includes('flag.enable') && !ctx.state.hooksDone.includes('flag.disable')) {
    runHook(ctx, 'flag.disable', 'rollback');
    return;
  }
  continueRollback(ctx);
}

/**
 * Take the rollback one step further once nothing is in flight: drains go first (traffic leaves a
 * failed region before it is rolled back), then each ring, then restores and the end.
 */
export function continueRollback(ctx: Ctx): void {
  const s = ctx.state;
  if (s.phase !== 'rolling-back' || s.pendingHook) return;
  if (s.pendingTraffic.some((p) => p.action === 'drain')) return;
  const head = s.rollbackQueue[0];
  if (head === undefined) {
    if (!trafficInFlight(ctx)) finishRollback(ctx);
    return;
  }
  if (ringAt(ctx, ringIndex(ctx, head)).ringState.status !== 'rolling-back') nextRollback(ctx);
}

export function nextRollback(ctx: Ctx): void {
  const name = ctx.state.rollbackQueue[0];
  if (name === undefined) {
    finishRollback(ctx);
    return;
  }
  // A replication group resumed early is paused again before one of its regions goes back.
  const pause = pauseBeforeRollback(ctx, name);
  if (pause) {
    runHook(ctx, pause, 'rollback');
    return;
  }
  const { ringState } = ringAt(ctx, ringIndex(ctx, name));
  ringState.status = 'rolling-back';
  ringState.rollbackStartedAt = ctx.now;
  ringState.rollbackRef = null;
  ringState.progress = null;
  ringState.schedule = [];
  emit(ctx, 'ring.rollback.started', { ring: name, detail: `back to ${ctx.state.release.previousVersion}` });
  ctx.effects.push({ type: 'rollback', ring: name });
}

export function onRolledBack(ctx: Ctx, i: number, ref: string): void {
  const { ringState } = ringAt(ctx, i);
  if (ringState.status !== 'rolling-back') return;
  ringState.rollbackRef = ref;
  ringState.progress = { since: ctx.now, checks: 0 };
  wake(ctx, ctx.now + HEALTH_POLL_MS);
}

export function onRollbackHealth(ctx: Ctx, i: number, report: HealthReport): void {
  const { ring, ringState } = ringAt(ctx, i);
  const progress = countCheck(ctx, ringState);
  if (report.healthy) {
    ringState.progress = null;
    ringState.status = 'rolled-back';
    ringState.rolledBack = true;
    for (const r of ring.regions) ctx.state.versions[r] = ctx.state.release.previousVersion;
    emit(ctx, 'ring.rollback.completed', { ring: ring.name, detail: `${ring.regions.join(', ')} back on ${ctx.state.release.previousVersion}` });
    ctx.state.rollbackQueue.shift();
    nextRollback(ctx);
    return;
  }
  if (report.failed || pastDeadline(ctx, progress)) {
    halt(ctx, `rollback of ${ring.name} is not healthy: ${report.detail}`, 'rollback');
    return;
  }
  wake(ctx, ctx.now + HEALTH_POLL_MS);
}

/** Once every ring is rolled back: restore drained traffic, resume replication, done. */
export function finishRollback(ctx: Ctx): void {
  for (const region of ctx.state.drained) if (ctx.state.outages[region] !== 'drained') requestTraffic(ctx, 'restore', region, 'failure');
  if (trafficInFlight(ctx)) return; // the last traffic result finishes the rollback
  const fullRollback = ctx.policy.spec.rings.every((r) => !isProductionRing(ctx.policy, r) || !touched(ctx, r.name));
  const resume = resumeAfterRollback(ctx, fullRollback);
  if (resume) {
    runHook(ctx, resume, 'rollback');
    return;
  }
  ctx.state.phase = 'rolled-back';
  ctx.state.completedAt = ctx.now;
}

/**
 * A person asks to roll back one ring or every ring that runs the new version. A finished release
 * (completed, rolled back, aborted) may be rolled back too, as long as a ring still runs its
 * version: a failed release whose policy left an upstream ring on it is finished this way.
 */
export function operatorRollback(ctx: Ctx, by: string, ringName?: string): Refusal | undefined {
  if (ctx.state.phase === 'rolling-back') return refuse('conflict', 'a rollback is already running');
  const allowed = allowedActions(ctx.state).rollback;
  let queue: string[];
  if (ringName !== undefined) {
    const i = ringIndex(ctx, ringName);
    if (i < 0) return refuse('not-found', `ring "${ringName}" is not in the policy`);
    if (!allowed.includes(ringName)) return refuse('conflict', `ring "${ringName}" does not run ${ctx.state.release.version}; nothing to roll back`);
    queue = [ringName];
  } else {
    queue = allowed;
    if (queue.length === 0) return refuse('conflict', `no ring runs ${ctx.state.release.version}; nothing to roll back`);
  }
  for (const ringState of ctx.state.rings) {
    if (ringState.status === 'baking' || ringState.status === 'deploying' || ringState.status === 'awaiting-approval' || ringState.status === 'waiting-window') {
      ringState.schedule = [];
      if (ringState.status === 'awaiting-approval' || ringState.status === 'waiting-window') ringState.status = 'pending';
    }
  }
  emit(ctx, 'rollback.requested', { detail: `by ${by}: ${queue.join(', ')}` });
  beginRollback(ctx, queue);
  return undefined;
}

/** Resume a halted release where it stopped. A failed ring is never resumed. */
export function resumeTarget(ctx: Ctx): Refusal | undefined {
  if (ctx.state.phase !== 'halted') return refuse('conflict', `release is ${ctx.state.phase}, not halted`);
  if (ctx.state.resumeTo === null) {
    const failed = ctx.state.rings.find((r) => r.status === 'failed');
    return refuse('conflict', `${failed?.name ?? 'a ring'} failed; a failed ring halts the release for good: roll back or abort`);
  }
  return undefined;
}

export { halt };
