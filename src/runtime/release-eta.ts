/**
 * @module When each ring of a release deploys, is approved and ends its bake, and when the release
 * reaches GA, as the release goes: what is recorded for the rings already done, the real bake end
 * (`bakeUntil`, which already carries the time not observed) of the ring in progress, and for the
 * rings after it the same planning as `meridian plan` (release-plan.ts: deploy windows, freezes in
 * the policy, the deploy time, the local peak hour a ring bakes through) from the current state and
 * now. Pure: `now` comes in as a value; a view of a five-ring release costs a few microseconds.
 */
import { isFinished } from '../engine/actions.ts';
import type { ReleaseState, RingState } from '../engine/types.ts';
import { nextDeployMoment } from '../plan/deploy-moment.ts';
import { coversPeak, peakWaits } from '../plan/peak-hour.ts';
import type { Policy } from '../policy/schema.ts';

/** What an expectation assumes, said once with every view. */
export const ETA_ASSUMES = 'every approval is given when it is asked for, no gate fails, and a ring held by a freeze a person started or by a busy region goes ahead now; deploy windows and freezes are the policy\'s';

/** One ring's times, epoch milliseconds; null where there is none (no approval) or none can be said (the release stopped). */
export interface RingEtaMs {
  /** When the ring started deploying (recorded) or is expected to. */
  deployAt: number | null;
  /** When its approval was given (recorded) or is expected to be, once asked for; null for a ring without approval. */
  approvalAt: number | null;
  /** When its bake ended (it passed) or is expected to end. */
  bakeEndsAt: number | null;
}

export interface ReleaseEtaMs {
  rings: RingEtaMs[];
  /** When the release completed, or is expected to (GA); null once it stopped short of it, or while halted. */
  completeAt: number | null;
}

const NONE: RingEtaMs = { deployAt: null, approvalAt: null, bakeEndsAt: null };

/** When the bake of ring i ends if it turns healthy at `healthyAt` and bakes until `bakeUntil`: later when it must bake through the local peak hour. */
function bakeEnd(policy: Policy, i: number, healthyAt: number, bakeUntil: number): number {
  if (!coversPeak(policy, i)) return bakeUntil;
  return Math.max(bakeUntil, peakWaits(policy, policy.spec.rings[i]!, healthyAt, bakeUntil).until);
}

/** Ring i entered at `ready` (its approval asked for and, by assumption, given then): when it deploys and ends its bake. */
function planned(policy: Policy, i: number, ready: number): RingEtaMs {
  const ring = policy.spec.rings[i]!;
  const moment = nextDeployMoment(policy, ring, ready);
  const approvalAt = ring.approval ? ready : null;
  if ('never' in moment) return { deployAt: null, approvalAt, bakeEndsAt: null };
  const healthyAt = moment.at + policy.spec.delivery.deployTime;
  return { deployAt: moment.at, approvalAt, bakeEndsAt: bakeEnd(policy, i, healthyAt, healthyAt + ring.bake) };
}

/** The ring being worked on: what is recorded of it, the rest expected from now. */
function inProgress(policy: Policy, i: number, rs: RingState, approvedAt: number | null, now: number): RingEtaMs {
  const ring = policy.spec.rings[i]!;
  switch (rs.status) {
    case 'baking': {
      const end = bakeEnd(policy, i, rs.healthyAt!, rs.bakeUntil!);
      // Its time is up but its evidence is short: it passes once it has it, now at the earliest.
      return { deployAt: rs.deployedAt, approvalAt: approvedAt, bakeEndsAt: rs.evidence ? Math.max(end, now) : end };
    }
    case 'deploying': {
      const healthyAt = Math.max(rs.deployedAt! + policy.spec.delivery.deployTime, now);
      return { deployAt: rs.deployedAt, approvalAt: approvedAt, bakeEndsAt: bakeEnd(policy, i, healthyAt, healthyAt + ring.bake) };
    }
    case 'awaiting-approval':
      return planned(policy, i, now);
    default: {
      // Waiting for a window, for room, or for a data hook: it deploys at the next moment allowed from now.
      const p = planned(policy, i, now);
      return { ...p, approvalAt: ring.approval ? approvedAt : null };
    }
  }
}

const DONE = new Set(['passed', 'failed', 'rolling-back', 'rolled-back']);

/** Each ring's deploy, approval and bake-end times and the release's GA, recorded or expected (see ETA_ASSUMES). */
export function releaseEta(policy: Policy, state: ReleaseState, now: number): ReleaseEtaMs {
  const approvedAt = new Map<string, number>();
  for (const e of state.events) if (e.type === 'approval.granted' && e.ring) approvedAt.set(e.ring, e.at);
  // Only a release that goes on has a future: halted, rolling back or ended, later rings have none.
  const goesOn = state.phase === 'running' || state.phase === 'waiting';
  const rings: RingEtaMs[] = [];
  let ready: number | null = state.startedAt;
  policy.spec.rings.forEach((ring, i) => {
    const rs = state.rings[i]!;
    const approval = approvedAt.get(ring.name) ?? null;
    if (DONE.has(rs.status) || i < state.current) {
      const passed = rs.verdict === 'passed';
      const ended = passed ? (rs.passedAt ?? rs.bakeUntil) : null;
      rings.push({ deployAt: rs.deployedAt, approvalAt: approval, bakeEndsAt: ended });
      ready = passed && ended !== null ? ended : null;
      return;
    }
    if (!goesOn || ready === null) {
      rings.push(rs.deployedAt === null ? { ...NONE, approvalAt: approval } : { deployAt: rs.deployedAt, approvalAt: approval, bakeEndsAt: null });
      ready = null;
      return;
    }
    const eta = i === state.current ? inProgress(policy, i, rs, approval, now) : planned(policy, i, Math.max(ready, now));
    rings.push(eta);
    ready = eta.bakeEndsAt;
  });
  return { rings, completeAt: completion(policy, state, ready) };
}

function completion(policy: Policy, state: ReleaseState, lastBakeEnd: number | null): number | null {
  if (state.phase === 'completed') return state.completedAt;
  if (isFinished(state.phase) || (state.phase !== 'running' && state.phase !== 'waiting')) return null;
  if (state.watchUntil != null) return state.watchUntil;
  return lastBakeEnd === null ? null : lastBakeEnd + policy.spec.watch.afterComplete;
}
