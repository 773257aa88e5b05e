/**
 * @module Moving a release forward: enter a ring (approval, data hooks, windows), deploy it, wait
 * until healthy, bake it under its gates, pass it, complete the release. Failure handling is in
 * failure.ts.
 */
import { initialTracker, readyToPromote, track } from '../gates/tracker.ts';
import type { Evaluation } from '../gates/types.ts';
import { isProductionRing } from '../policy/model.ts';
import { isDeployAllowed, nextDeployMoment } from '../plan/deploy-moment.ts';
import { HEALTH_POLL_MS, countCheck, emit, halt, pastDeadline, ringAt, runHook, wake, type Ctx } from './context.ts';
import { bakeSchedule, checksAt, type Bake } from './bake-checks.ts';
import { failRing } from './failure.ts';
import { ringInterval, startWatch } from './watch.ts';
import { stableBaseline } from './baseline.ts';
import { missingEvidence, requestChecks } from './evidence.ts';
import type { GateCheck, RingState } from './types.ts';
import type { HealthReport } from '../ports.ts';
import { formatDuration } from '../policy/duration.ts';
import { isoMinute } from '../plan/iso.ts';

export function enterRing(ctx: Ctx, i: number): void {
  ctx.s.current = i;
  if (i >= ctx.policy.spec.rings.length) {
    complete(ctx);
    return;
  }
  const { ring, rs } = ringAt(ctx, i);
  if (ring.approval && rs.approvedBy === null) {
    rs.status = 'awaiting-approval';
    ctx.s.phase = 'waiting';
    emit(ctx, 'approval.requested', { ring: ring.name, detail: `approvers: ${ring.approval.approvers.join(', ')}` });
    ctx.effects.push({ type: 'request-approval', ring: ring.name, approvers: [...ring.approval.approvers] });
    return;
  }
  tryDeploy(ctx, i);
}

/** Start deploying ring i if the data hooks are done and the windows allow it; else wait. */
export function tryDeploy(ctx: Ctx, i: number): void {
  const { ring, rs } = ringAt(ctx, i);
  const data = ctx.policy.spec.data;
  if (data.pattern === 'region-isolated' && data.replication && isProductionRing(ctx.policy, ring) && !ctx.s.hooksDone.includes('replication.pause')) {
    runHook(ctx, 'replication.pause', 'deploy');
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
    const last = ctx.s.events[ctx.s.events.length - 1];
    if (rs.status !== 'waiting-window' || last?.type !== 'ring.waiting' || last.detail !== detail) {
      emit(ctx, 'ring.waiting', { ring: ring.name, detail });
    }
    rs.status = 'waiting-window';
    rs.waitUntil = next.at;
    ctx.s.phase = 'waiting';
    wake(ctx, next.at);
    return;
  }
  rs.status = 'deploying';
  rs.waitUntil = null;
  rs.deployedAt = ctx.now;
  rs.ref = null;
  rs.progress = null;
  ctx.s.phase = 'running';
  emit(ctx, 'ring.deploy.started', { ring: ring.name, detail: `${ctx.s.release.version} to ${ring.regions.join(', ')}` });
  ctx.effects.push({ type: 'deploy', ring: ring.name });
}

export function onDeployed(ctx: Ctx, i: number, ref: string): void {
  const { rs } = ringAt(ctx, i);
  if (rs.status !== 'deploying') return;
  rs.ref = ref;
  rs.progress = { since: ctx.now, checks: 0 };
  wake(ctx, ctx.now + HEALTH_POLL_MS);
}

export function onDeployHealth(ctx: Ctx, i: number, report: HealthReport): void {
  const { ring, rs } = ringAt(ctx, i);
  const deadline = ctx.policy.spec.delivery.progressDeadline;
  const progress = countCheck(ctx, rs);
  if (report.healthy) {
    rs.status = 'baking';
    rs.progress = null;
    rs.healthyAt = ctx.now;
    rs.bakeUntil = ctx.now + ring.bake;
    for (const r of ring.regions) ctx.s.versions[r] = ctx.s.release.version;
    rs.schedule = bakeSchedule(ctx.policy, ring, { healthyAt: rs.healthyAt, bakeUntil: rs.bakeUntil });
    emit(ctx, 'ring.deploy.completed', { ring: ring.name, detail: `healthy; baking ${formatDuration(ring.bake)} until ${isoMinute(rs.bakeUntil)}` });
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
function observedBake(rs: RingState): Bake {
  return { healthyAt: rs.healthyAt! + (rs.unobserved ?? 0), bakeUntil: rs.bakeUntil! };
}

/** The gate checks due at t and, from the bake's end on, the request counts of its evidence. */
function checksDue(ctx: Ctx, i: number, t: number): GateCheck[] {
  const { ring, rs } = ringAt(ctx, i);
  const checks = checksAt(ctx.policy, ring, observedBake(rs), t, (b) => stableBaseline(ctx, b, ring.regions));
  if (t >= rs.bakeUntil!) checks.push(...requestChecks(ctx.policy, i, rs.healthyAt!, t));
  return checks;
}

/**
 * `ms` of ring i's bake were not observed (the release was halted, or a gate had no data): the
 * bake ends that much later, and its evaluations go on to the new end.
 */
export function extendBake(ctx: Ctx, i: number, ms: number): void {
  const { ring, rs } = ringAt(ctx, i);
  if (!(ms > 0) || rs.healthyAt === null || rs.bakeUntil === null) return;
  rs.unobserved = (rs.unobserved ?? 0) + ms;
  rs.bakeUntil += ms;
  rs.schedule = bakeSchedule(ctx.policy, ring, observedBake(rs)).filter((t) => t > ctx.now);
  if (rs.schedule.length > 0) wake(ctx, rs.schedule[0]!);
}

/** Ask for every evaluation that is due, then wake at the next one. */
export function afterSchedule(ctx: Ctx, i: number): void {
  const { ring, rs } = ringAt(ctx, i);
  while (rs.schedule.length > 0 && rs.schedule[0]! <= ctx.now && rs.status === 'baking' && ctx.s.phase === 'running') {
    const t = rs.schedule.shift()!;
    const checks = checksDue(ctx, i, t);
    if (checks.length === 0) onGateResults(ctx, i, t, []);
    else ctx.effects.push({ type: 'evaluate-gates', ring: ring.name, at: t, checks });
  }
  if (rs.status === 'baking' && rs.schedule.length > 0 && ctx.s.phase === 'running') wake(ctx, rs.schedule[0]!);
}

export function onGateResults(ctx: Ctx, i: number, evaluatedAt: number, evaluations: Evaluation[]): void {
  const { ring, rs } = ringAt(ctx, i);
  if (rs.status !== 'baking') return;
  let unobserved = 0;
  for (const ev of evaluations) {
    const gate = ev.kind === 'requests' ? undefined : ctx.policy.spec.gates[ev.gate];
    if (!gate) continue;
    if (ev.result === 'inconclusive' && ev.kind === 'interval') unobserved = Math.max(unobserved, gate.interval);
    const key = `${ev.gate}@${ev.region}`;
    const step = track(rs.trackers[key] ?? initialTracker(), ev, gate);
    rs.trackers[key] = step.state;
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
  if (ctx.s.phase !== 'running') return;
  // An interval in which a gate had no data in some region is not observed bake: it is baked again.
  extendBake(ctx, i, unobserved);
  if (evaluatedAt >= rs.bakeUntil! && rs.schedule.length === 0) {
    if (readyToPromote(rs.trackers, ctx.policy.spec.gates) && enoughEvidence(ctx, i, evaluations)) {
      passRing(ctx, i);
      return;
    }
    rs.schedule.push(evaluatedAt + ringInterval(ctx, i));
    wake(ctx, rs.schedule[0]!);
  }
}

/**
 * The bake's time is up: has the ring seen enough? While it has not, it stays baking (its gates go
 * on) and `ring.waiting` says what is missing, once per kind of wait, not at every round.
 */
function enoughEvidence(ctx: Ctx, i: number, evaluations: Evaluation[]): boolean {
  const { ring, rs } = ringAt(ctx, i);
  const missing = missingEvidence(ctx.policy, i, rs.healthyAt!, ctx.now, evaluations);
  if (missing === null) return true;
  if (rs.evidence?.key !== missing.key) emit(ctx, 'ring.waiting', { ring: ring.name, detail: missing.detail });
  rs.evidence = missing;
  return false;
}

function passRing(ctx: Ctx, i: number): void {
  const { ring, rs } = ringAt(ctx, i);
  rs.evidence = null;
  rs.status = 'passed';
  rs.verdict = 'passed';
  rs.schedule = [];
  emit(ctx, 'ring.passed', { ring: ring.name, detail: `baked ${formatDuration(ring.bake)} with every gate passing` });
  startWatch(ctx, i);
  enterRing(ctx, i + 1);
}

/** Every ring passed: enable the feature flag / resume replication (data patterns), then done. */
export function complete(ctx: Ctx): void {
  const data = ctx.policy.spec.data;
  if (data.pattern === 'feature-flag' && data.featureFlag && !ctx.s.hooksDone.includes('flag.enable')) {
    runHook(ctx, 'flag.enable', 'complete');
    return;
  }
  if (data.pattern === 'region-isolated' && ctx.s.hooksDone.includes('replication.pause') && !ctx.s.hooksDone.includes('replication.resume')) {
    runHook(ctx, 'replication.resume', 'complete');
    return;
  }
  const after = ctx.policy.spec.watch.afterComplete;
  if (after > 0 && ctx.s.watchUntil == null) {
    ctx.s.watchUntil = ctx.now + after;
    ctx.s.phase = 'running';
    emit(ctx, 'release.watching', { detail: `${ctx.s.release.version} runs in every region; every ring stays watched by its gates for ${formatDuration(after)}, until ${isoMinute(ctx.s.watchUntil)}` });
    wake(ctx, ctx.s.watchUntil);
    return;
  }
  ctx.s.phase = 'completed';
  ctx.s.completedAt = ctx.now;
  ctx.s.watchUntil = null;
  for (const rs of ctx.s.rings) rs.watchNext = null;
  emit(ctx, 'release.completed', { detail: `${ctx.s.release.version} runs in every region` });
}
