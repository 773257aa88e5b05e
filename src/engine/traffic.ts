/**
 * @module Traffic results in a release: a drain or restore done, refused or failed. A rollback
 * never waits on traffic: a drain that fails is an event and the rollback goes on without it; a
 * restore that fails is retried with backoff (reported each time) and does not hold the rollback's
 * end. Nothing here performs an effect.
 */
import { emit, settleTraffic, wake, type Ctx } from './context.ts';
import { continueRollback } from './failure.ts';
import type { EngineInput } from './types.ts';
import { isoMinute } from '../plan/iso.ts';

/** Attempts at a restore before Meridian gives up and asks a person to restore the weight. */
export const RESTORE_ATTEMPTS = 8;

/** Wait before restore attempt `n + 1` after `n` failures: 1 min, doubling, at most 30 min. */
export function restoreBackoff(failures: number): number {
  return Math.min(60_000 * 2 ** (failures - 1), 30 * 60_000);
}

export function onTrafficDone(ctx: Ctx, input: Extract<EngineInput, { type: 'traffic-done' }>): void {
  const s = ctx.state;
  if (input.cause === 'outage') {
    if (input.action === 'drained') s.outages[input.region] = 'drained';
    else delete s.outages[input.region];
  } else if (input.action === 'drained' && !s.drained.includes(input.region)) s.drained.push(input.region);
  else if (input.action === 'restored') s.drained = s.drained.filter((r) => r !== input.region);
  emit(ctx, input.action === 'drained' ? 'traffic.drained' : 'traffic.restored', { region: input.region, detail: input.detail });
  settleTraffic(ctx, input.action === 'drained' ? 'drain' : 'restore', input.region);
  continueRollback(ctx);
}

export function onTrafficRefused(ctx: Ctx, input: Extract<EngineInput, { type: 'traffic-refused' }>): void {
  if (input.cause === 'outage') ctx.state.outages[input.region] = 'refused';
  emit(ctx, 'traffic.drain.refused', { region: input.region, detail: input.reason });
  settleTraffic(ctx, 'drain', input.region);
  continueRollback(ctx);
}

export function onTrafficFailed(ctx: Ctx, input: Extract<EngineInput, { type: 'traffic-failed' }>): void {
  const s = ctx.state;
  const { region, error } = input;
  if (input.action === 'drain') {
    settleTraffic(ctx, 'drain', region);
    if (input.cause === 'outage') s.outages[region] = 'refused';
    const after = input.cause === 'outage' ? `${region} keeps its traffic` : `the rollback goes on without draining ${region}`;
    emit(ctx, 'traffic.drain.failed', { region, detail: `${error}; ${after}` });
    continueRollback(ctx);
    return;
  }
  const pending = s.pendingTraffic.find((p) => p.action === 'restore' && p.region === region);
  if (!pending) return;
  const failures = (pending.failures ?? 0) + 1;
  if (failures >= RESTORE_ATTEMPTS) {
    settleTraffic(ctx, 'restore', region);
    s.drained = s.drained.filter((r) => r !== region);
    if (input.cause === 'outage') delete s.outages[region];
    emit(ctx, 'traffic.restore.failed', { region, detail: `${error}; gave up after ${failures} attempts: ${region} is still drained, restore its weight by hand` });
  } else {
    const retryAt = ctx.now + restoreBackoff(failures);
    s.pendingTraffic = s.pendingTraffic.map((p) => (p === pending ? { ...p, failures, retryAt } : p));
    emit(ctx, 'traffic.restore.failed', { region, detail: `${error}; retrying at ${isoMinute(retryAt)} (attempt ${failures + 1} of ${RESTORE_ATTEMPTS})` });
    wake(ctx, retryAt);
  }
  continueRollback(ctx);
}

/** Ask again for every restore whose retry time has come. */
export function retryTraffic(ctx: Ctx): void {
  const s = ctx.state;
  if (!s.pendingTraffic.some((p) => p.retryAt !== undefined)) return;
  s.pendingTraffic = s.pendingTraffic.map((p) => {
    if (p.retryAt === undefined || p.retryAt > ctx.now) return p;
    ctx.effects.push({ type: p.action, region: p.region, cause: p.cause });
    const { retryAt: _, ...asked } = p;
    return asked;
  });
}
