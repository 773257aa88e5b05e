/**
 * @module Moving a release forward: enter a ring (approval, data hooks, windows), deploy it, wait
 * until healthy, bake it under its gates, pass it, complete the release. Failure handling is in
 * failure.ts.
 */
import { initialTracker, readyToPromote, track } from '../gates/tracker.ts';
import type { Evaluation } from '../gates/types.ts';
import { gatesOf, isProductionRing, productionRegions } from '../policy/model.ts';
import { isDeployAllowed, nextDeployMoment } from '../plan/windows.ts';
import { HEALTH_POLL_MS, countCheck, emit, halt, iso, pastDeadline, ringAt, wake, type Ctx } from './context.ts';
import { bakeSchedule, checksAt } from './bake-checks.ts';
import { failRing } from './failure.ts';
import type { GateCheck } from './types.ts';
import type { HealthReport } from '../ports.ts';
import { formatDuration } from '../policy/duration.ts';

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
    const detail = `${allowed.wait.detail}; next window ${iso(next.at)}`;
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

export function runHook(ctx: Ctx, step: string, then: 'deploy' | 'complete' | 'rollback'): void {
  ctx.s.pendingHook = { step, then };
  ctx.effects.push({ type: 'run-hook', step });
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
    emit(ctx, 'ring.deploy.completed', { ring: ring.name, detail: `healthy; baking ${formatDuration(ring.bake)} until ${iso(rs.bakeUntil)}` });
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

/** Regions still on the previous version that a comparison gate compares against. */
function baselineRegions(ctx: Ctx, baseline: string, ringRegionNames: string[]): string[] {
  if (baseline !== 'stable-regions') return [baseline];
  return productionRegions(ctx.policy)
    .map((r) => r.name)
    .filter((r) => !ringRegionNames.includes(r) && ctx.s.versions[r] === ctx.s.release.previousVersion && !ctx.s.drained.includes(r));
}

function checksDue(ctx: Ctx, i: number, t: number): GateCheck[] {
  const { ring, rs } = ringAt(ctx, i);
  return checksAt(ctx.policy, ring, { healthyAt: rs.healthyAt!, bakeUntil: rs.bakeUntil! }, t, (b) => baselineRegions(ctx, b, ring.regions));
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

function minInterval(ctx: Ctx, i: number): number {
  const { ring } = ringAt(ctx, i);
  const intervals = gatesOf(ctx.policy, ring).map(({ gate }) => gate.interval);
  return intervals.length > 0 ? Math.min(...intervals) : 5 * 60_000;
}

export function onGateResults(ctx: Ctx, i: number, evaluatedAt: number, evaluations: Evaluation[]): void {
  const { ring, rs } = ringAt(ctx, i);
  if (rs.status !== 'baking') return;
  for (const ev of evaluations) {
    const gate = ctx.policy.spec.gates[ev.gate];
    if (!gate) continue;
    const key = `${ev.gate}@${ev.region}`;
    const step = track(rs.trackers[key] ?? initialTracker(), ev, gate);
    rs.trackers[key] = step.state;
    if (ev.result === 'inconclusive') emit(ctx, 'gate.inconclusive', { ring: ring.name, region: ev.region, detail: `${ev.gate}: ${ev.detail}` });
    if (step.verdict === 'failed') {
      failRing(ctx, i, ev.gate, ev.region, `${ev.gate}: ${ev.detail}`);
      return;
    }
    if (step.verdict === 'halt') {
      halt(ctx, `${gate.inconclusiveLimit} consecutive inconclusive evaluations of ${ev.gate} in ${ev.region}: ${ev.detail}`, 'bake');
      return;
    }
  }
  if (ctx.s.phase !== 'running') return;
  if (evaluatedAt >= rs.bakeUntil! && rs.schedule.length === 0) {
    const relevant = Object.entries(rs.trackers)
      .filter(([key, t]) => {
        const gate = ctx.policy.spec.gates[key.slice(0, key.lastIndexOf('@'))];
        return !(gate && !gate.mustHaveData && t.last === 'inconclusive');
      })
      .map(([, t]) => t);
    if (readyToPromote(relevant)) {
      passRing(ctx, i);
      return;
    }
    rs.schedule.push(evaluatedAt + minInterval(ctx, i));
    wake(ctx, rs.schedule[0]!);
  }
}

function passRing(ctx: Ctx, i: number): void {
  const { ring, rs } = ringAt(ctx, i);
  rs.status = 'passed';
  rs.verdict = 'passed';
  emit(ctx, 'ring.passed', { ring: ring.name, detail: `baked ${formatDuration(ring.bake)} with every gate passing` });
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
  ctx.s.phase = 'completed';
  ctx.s.completedAt = ctx.now;
  emit(ctx, 'release.completed', { detail: `${ctx.s.release.version} runs in every region` });
}
