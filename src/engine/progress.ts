/**
 * @module Moving a release forward: enter a ring (approval, data hooks, windows), deploy it, wait
 * until healthy, bake it under its gates, pass it, complete the release. Failure handling is in
 * failure.ts.
 */
import { initialTracker, readyToPromote, track } from '../gates/tracker.ts';
import type { Evaluation } from '../gates/types.ts';
import { isDeployAllowed, nextDeployMoment } from '../plan/deploy-moment.ts';
import { HEALTH_POLL_MS, countCheck, emit, halt, pastDeadline, ringAt, runHook, wake, type Ctx } from './context.ts';
import { bakeSchedule, checksAt, type Bake } from './bake-checks.ts';
import { failRing } from './failure.ts';
import { ringInterval, startWatch } from './watch.ts';
import { stableBaseline } from './baseline.ts';
import { missingEvidence, requestChecks } from './evidence.ts';
import { pauseBeforeDeploy, resumeAtComplete, resumeEarly } from './replication.ts';
import type { GateCheck, RingState } from './types.ts';
import type { HealthReport } from '../ports.ts';
import { formatDuration } from '../policy/duration.ts';
import { isoMinute } from '../plan/iso.ts';

export function enterRing(ctx: Ctx, i: number): void {
  ctx.state.current = i;
  if (i >= ctx.policy.spec.rings.length) {
    complete(ctx);
    return;
  }
  // A replication group whose regions all passed on the new version resumes now, not at the end.
  const resume = resumeEarly(ctx);
  if (resume) {
    runHook(ctx, resume, 'enter');
    return;
  }
  const { ring, ringState } = ringAt(ctx, i);
  if (ring.approval && ringState.approvedBy === null) {
    ringState.status = 'awaiting-approval';
    ctx.state.phase = 'waiting';
    emit(ctx, 'approval.requested', { ring: ring.name, detail: `approvers: ${ring.approval.approvers.join(', ')}` });
    ctx.effects.push({ type: 'request-approval', ring: ring.name, approvers: [...ring.approval.approvers] });
    return;
  }
  tryDeploy(ctx, i);
}

/** Start deploying ring i if the data hooks are done and the windows allow it; else wait. */
export function tryDeploy(ctx: Ctx, i: number): void {
  const { ring, ringState } = ringAt(ctx, i);
  const pause = pauseBeforeDeploy(ctx, i);
  if (pause) {
    runHook(ctx, pause, 'deploy');
    return;
  }
  const allowed = isDeployAllowed(ctx.policy, ring, ctx.now);
  if (!allowed.allowed) {
    const next = nextDeployMoment(ctx.policy, ring, ctx.now);
    if ('never' in next) {
      halt(ctx, next.never, 'deploy');
      return;
    }
    const detail = `${allowed.wait.detail}; next window ${isoMinute(next.at)}`;
    const last = ctx.state.events[ctx.state.events.length - 1];
    if (ringState.status !== 'waiting-window' || last?.type !== 'ring.waiting' || last.detail !== detail) {
      emit(ctx, 'ring.waiting', { ring: ring.name, detail });
    }
    ringState.status = 'waiting-window';
    ringState.waitUntil = next.at;
    ringState.held = null;
    ctx.state.phase = 'waiting';
    wake(ctx, next.at);
    return;
  }
  if (!ringState.claimed) {
    // What holds a ring back beyond this release (a freeze a person started, a region busy with
    // other releases) is the runtime's to know: ask it for room, and wait for the answer.
    ringState.status = 'waiting-window';
    ringState.waitUntil = null;
    ctx.effects.push({ type: 'claim', ring: ring.name });
    return;
  }
  ringState.claimed = false;
  ringState.held = null;
  ringState.status = 'deploying';
  ringState.waitUntil = null;
  ringState.deployedAt = ctx.now;
  ringState.ref = null;
  ringState.progress = null;
  ctx.state.phase = 'running';
  emit(ctx, 'ring.deploy.started', { ring: ring.name, detail: `${ctx.state.release.version} to ${ring.regions.join(', ')}` });
  ctx.effects.push({ type: 'deploy', ring: ring.name });
}

/** The runtime's answer to a claim: room to deploy ring i now. */
export function onClaimed(ctx: Ctx, i: number): void {
  if (!claimPending(ctx, i)) return;
  ringAt(ctx, i).ringState.claimed = true;
  tryDeploy(ctx, i);
}

/** The runtime's answer to a claim: no room yet. The runtime asks again (with a tick) once there may be. */
export function onHeld(ctx: Ctx, i: number, detail: string): void {
  if (!claimPending(ctx, i)) return;
  const { ring, ringState } = ringAt(ctx, i);
  if (ringState.held !== detail) emit(ctx, 'ring.waiting', { ring: ring.name, detail });
  ringState.held = detail;
  ctx.state.phase = 'waiting';
}

/** A claim is answered only for the ring the release is about to deploy; a late answer changes nothing. */
function claimPending(ctx: Ctx, i: number): boolean {
  const s = ctx.state;
  const ringState = s.rings[i];
  return i === s.current && ringState?.status === 'waiting-window' && ringState.waitUntil === null && (s.phase === 'running' || s.phase === 'waiting') && s.pendingHook === null;
}

export function onDeployed(ctx: Ctx, i: number, ref: string): void {
  const { ringState } = ringAt(ctx, i);
  if (ringState.status !== 'deploying') return;
  ringState.ref = ref;
  ringState.progress = { since: ctx.now, checks: 0 };
  wake(ctx, ctx.now + HEALTH_POLL_MS);
}

export function onDeployHealth(ctx: Ctx, i: number, report: HealthReport): void {
  const { ring, ringState } = ringAt(ctx, i);
  const deadline = ctx.policy.spec.delivery.progressDeadline;
  const progress = countCheck(ctx, ringState);
  if (report.healthy) {
    ringState.status = 'baking';
    ringState.progress = null;
    ringState.healthyAt = ctx.now;
    ringState.bakeUntil = ctx.now + ring.bake;
    for (const r of ring.regions) ctx.state.versions[r] = ctx.state.release.version;
    ringState.schedule = bakeSchedule(ctx.policy, ring, { healthyAt: ringState.healthyAt, bakeUntil: ringState.bakeUntil });
    emit(ctx, 'ring.deploy.completed', { ring: ring.name, detail: `healthy; baking ${formatDuration(ring.bake)} until ${isoMinute(ringState.bakeUntil)}` });
    afterSchedule(ctx, i);
    return;
  }
  if (report.failed) {
    failRing(ctx, i, null, null, `deploy failed: ${report.detail}`);
    return;
  }
  if (pastDeadline(ctx, progress)) {
    failRing(ctx, i, null, null, `not synced and healthy ${formatDuration(deadline)} after deploy: ${report.detail}`);
    return;
  }
  wake(ctx, ctx.now + HEALTH_POLL_MS);
}

/** The bake as its gates see it: the grid starts later by the time that was not observed. */
function observedBake(ringState: RingState): Bake {
  return { healthyAt: ringState.healthyAt! + (ringState.unobserved ?? 0), bakeUntil: ringState.bakeUntil! };
}

/** The gate checks due at t and, from the bake's end on, the request counts of its evidence. */
function checksDue(ctx: Ctx, i: number, t: number): GateCheck[] {
  const { ring, ringState } = ringAt(ctx, i);
  const checks = checksAt(ctx.policy, ring, observedBake(ringState), t, (b) => stableBaseline(ctx, b, ring.regions));
  if (t >= ringState.bakeUntil!) checks.push(...requestChecks(ctx.policy, i, ringState.healthyAt!, t));
  return checks;
}

/**
 * `ms` of ring i's bake were not observed (the release was halted, or a gate had no data): the
 * bake ends that much later, and its evaluations go on to the new end.
 */
export function extendBake(ctx: Ctx, i: number, ms: number): void {
  const { ring, ringState } = ringAt(ctx, i);
  if (!(ms > 0) || ringState.healthyAt === null || ringState.bakeUntil === null) return;
  ringState.unobserved = (ringState.unobserved ?? 0) + ms;
  ringState.bakeUntil += ms;
  ringState.schedule = bakeSchedule(ctx.policy, ring, observedBake(ringState)).filter((t) => t > ctx.now);
  if (ringState.schedule.length > 0) wake(ctx, ringState.schedule[0]!);
}

/** Ask for every evaluation that is due, then wake at the next one. */
export function afterSchedule(ctx: Ctx, i: number): void {
  const { ring, ringState } = ringAt(ctx, i);
  while (ringState.schedule.length > 0 && ringState.schedule[0]! <= ctx.now && ringState.status === 'baking' && ctx.state.phase === 'running') {
    const t = ringState.schedule[0]!;
    ringState.schedule = ringState.schedule.slice(1);
    const checks = checksDue(ctx, i, t);
    if (checks.length === 0) onGateResults(ctx, i, t, []);
    else ctx.effects.push({ type: 'evaluate-gates', ring: ring.name, at: t, checks });
  }
  if (ringState.status === 'baking' && ringState.schedule.length > 0 && ctx.state.phase === 'running') wake(ctx, ringState.schedule[0]!);
}

export function onGateResults(ctx: Ctx, i: number, evaluatedAt: number, evaluations: Evaluation[]): void {
  const { ring, ringState } = ringAt(ctx, i);
  if (ringState.status !== 'baking') return;
  let unobserved = 0;
  if (evaluations.length > 0) ringState.trackers = { ...ringState.trackers };
  for (const ev of evaluations) {
    const gate = ev.kind === 'requests' ? undefined : ctx.policy.spec.gates[ev.gate];
    if (!gate) continue;
    if (ev.result === 'inconclusive' && ev.kind === 'interval') unobserved = Math.max(unobserved, gate.interval);
    const key = `${ev.gate}@${ev.region}`;
    const step = track(ringState.trackers[key] ?? initialTracker(), ev, gate);
    ringState.trackers[key] = step.state;
    // The sliding hour's lack of data is the interval's: one event says it.
    if (ev.result === 'inconclusive' && ev.kind !== 'hour') emit(ctx, 'gate.inconclusive', { ring: ring.name, region: ev.region, detail: `${ev.gate}: ${ev.detail}` });
    if (step.verdict === 'failed') {
      failRing(ctx, i, ev.gate, ev.region, `${ev.gate}: ${ev.detail}`);
      return;
    }
    if (step.verdict === 'halt') {
      extendBake(ctx, i, unobserved);
      halt(ctx, `${gate.inconclusiveLimit} consecutive inconclusive evaluations of ${ev.gate} in ${ev.region}: ${ev.detail}`, 'bake');
      return;
    }
  }
  if (ctx.state.phase !== 'running') return;
  // An interval in which a gate had no data in some region is not observed bake: it is baked again.
  extendBake(ctx, i, unobserved);
  if (evaluatedAt >= ringState.bakeUntil! && ringState.schedule.length === 0) {
    if (readyToPromote(ringState.trackers, ctx.policy.spec.gates) && enoughEvidence(ctx, i, evaluations)) {
      passRing(ctx, i);
      return;
    }
    ringState.schedule = [...ringState.schedule, evaluatedAt + ringInterval(ctx, i)];
    wake(ctx, ringState.schedule[0]!);
  }
}

/**
 * The bake's time is up: has the ring seen enough? While it has not, it stays baking (its gates go
 * on) and `ring.waiting` says what is missing, once per kind of wait, not at every round.
 */
function enoughEvidence(ctx: Ctx, i: number, evaluations: Evaluation[]): boolean {
  const { ring, ringState } = ringAt(ctx, i);
  const missing = missingEvidence(ctx.policy, i, ringState.healthyAt!, ctx.now, evaluations);
  if (missing === null) return true;
  if (ringState.evidence?.key !== missing.key) emit(ctx, 'ring.waiting', { ring: ring.name, detail: missing.detail });
  ringState.evidence = missing;
  return false;
}

function passRing(ctx: Ctx, i: number): void {
  const { ring, ringState } = ringAt(ctx, i);
  ringState.evidence = null;
  ringState.status = 'passed';
  ringState.verdict = 'passed';
  ringState.schedule = [];
  emit(ctx, 'ring.passed', { ring: ring.name, detail: `baked ${formatDuration(ring.bake)} with every gate passing` });
  startWatch(ctx, i);
  enterRing(ctx, i + 1);
}

/** Every ring passed: enable the feature flag / resume replication (data patterns), then done. */
export function complete(ctx: Ctx): void {
  const data = ctx.policy.spec.data;
  if (data.pattern === 'feature-flag' && data.featureFlag && !ctx.state.hooksDone.includes('flag.enable')) {
    runHook(ctx, 'flag.enable', 'complete');
    return;
  }
  const resume = resumeAtComplete(ctx);
  if (resume) {
    runHook(ctx, resume, 'complete');
    return;
  }
  const after = ctx.policy.spec.watch.afterComplete;
  if (after > 0 && ctx.state.watchUntil == null) {
    ctx.state.watchUntil = ctx.now + after;
    ctx.state.phase = 'running';
    emit(ctx, 'release.watching', { detail: `${ctx.state.release.version} runs in every region; every ring stays watched by its gates for ${formatDuration(after)}, until ${isoMinute(ctx.state.watchUntil)}` });
    wake(ctx, ctx.state.watchUntil);
    return;
  }
  ctx.state.phase = 'completed';
  ctx.state.completedAt = ctx.now;
  ctx.state.watchUntil = null;
  for (const ringState of ctx.state.rings) ringState.watchNext = null;
  emit(ctx, 'release.completed', { detail: `${ctx.state.release.version} runs in every region` });
}
