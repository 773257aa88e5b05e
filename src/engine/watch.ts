/**
 * @module A ring that passed stays watched: every ring that runs the new version keeps being
 * evaluated by its gates, on their interval, until the release completes and for
 * `spec.watch.afterComplete` after the last ring passed. A gate that fails in a passed ring fails
 * that ring then (failure.ts rolls back its onFailure rings and every deployed ring downstream of
 * it, downstream first). Nothing here performs an effect.
 */
import { track, initialTracker } from '../gates/tracker.ts';
import type { Evaluation } from '../gates/types.ts';
import { gatesOf } from '../policy/model.ts';
import { stableBaseline } from './baseline.ts';
import { formatDuration } from '../policy/duration.ts';
import { emit, halt, ringAt, wake, type Ctx } from './context.ts';
import { checksAt } from './bake-checks.ts';
import { failRing } from './failure.ts';
import { runsNewVersion } from './actions.ts';

/** The shortest interval of a ring's gates (5 minutes for a ring without gates). */
export function ringInterval(ctx: Ctx, i: number): number {
  const intervals = gatesOf(ctx.policy, ringAt(ctx, i).ring).map(({ gate }) => gate.interval);
  return intervals.length > 0 ? Math.min(...intervals) : 5 * 60_000;
}

/** Ring i just passed: it is watched from its next interval on (a ring without gates has nothing to watch). */
export function startWatch(ctx: Ctx, i: number): void {
  const { ring, ringState } = ringAt(ctx, i);
  ringState.passedAt = ctx.now;
  if (ring.gates.length === 0) return;
  ringState.watchNext = ctx.now + ringInterval(ctx, i);
  wake(ctx, ringState.watchNext);
}

function watched(ctx: Ctx, i: number): boolean {
  const ringState = ctx.state.rings[i]!;
  return ringState.status === 'passed' && ringState.watchNext != null && runsNewVersion(ctx.state, i);
}

/** Ask for the evaluations of every watched ring that are due now, and wake at the next one. */
export function watchDue(ctx: Ctx): void {
  if (ctx.state.phase !== 'running' && ctx.state.phase !== 'waiting') return;
  // Only a ring whose evaluation was due asks to be woken for its next one: that wake is then the
  // one armed for it (a tick for anything else must not arm it again).
  let next = Infinity;
  ctx.state.rings.forEach((ringState, i) => {
    if (!watched(ctx, i) || ringState.watchNext! > ctx.now) return;
    const { ring } = ringAt(ctx, i);
    while (ringState.watchNext! <= ctx.now) {
      const t = ringState.watchNext!;
      // Past its bake, a ring's checks are its gates on their interval (the extension of checksAt).
      // A stable-regions comparison with no region left on the previous version has nothing to
      // compare with: it is over for this ring (not missing data, which would halt the release).
      const checks = checksAt(ctx.policy, ring, { healthyAt: ringState.healthyAt!, bakeUntil: ringState.bakeUntil! }, Math.max(t, ringState.bakeUntil! + 1), (b) => stableBaseline(ctx, b, ring.regions))
        .filter((c) => !(c.kind === 'compare' && c.baselineRegions !== undefined && c.baselineRegions.length === 0));
      if (checks.length > 0) ctx.effects.push({ type: 'evaluate-gates', ring: ring.name, at: t, checks });
      ringState.watchNext = t + ringInterval(ctx, i);
    }
    next = Math.min(next, ringState.watchNext!);
  });
  if (Number.isFinite(next)) wake(ctx, next);
}

/** Results for a ring that passed: a failure now fails the ring, after promotion; too many inconclusives halt. */
export function onWatchResults(ctx: Ctx, i: number, evaluations: Evaluation[]): void {
  const { ring, ringState } = ringAt(ctx, i);
  if (!watched(ctx, i)) return;
  if (evaluations.length > 0) ringState.trackers = { ...ringState.trackers };
  for (const ev of evaluations) {
    const gate = ctx.policy.spec.gates[ev.gate];
    if (!gate) continue;
    const key = `${ev.gate}@${ev.region}`;
    const step = track(ringState.trackers[key] ?? initialTracker(), ev, gate);
    ringState.trackers[key] = step.state;
    // The sliding hour's lack of data is the interval's: one event says it.
    if (ev.result === 'inconclusive' && ev.kind !== 'hour') emit(ctx, 'gate.inconclusive', { ring: ring.name, region: ev.region, detail: `${ev.gate}: ${ev.detail}` });
    if (step.verdict === 'failed') {
      const after = formatDuration(Math.max(0, ctx.now - (ringState.passedAt ?? ctx.now)));
      failRing(ctx, i, ev.gate, ev.region, `${ev.gate}: ${ev.detail}; failed after promotion, ${after} after it passed`);
      return;
    }
    if (step.verdict === 'halt') {
      halt(ctx, `${gate.inconclusiveLimit} consecutive inconclusive evaluations of ${ev.gate} in ${ev.region} (${ring.name}, watched since it passed): ${ev.detail}`, 'bake');
      return;
    }
  }
}
