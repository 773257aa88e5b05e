/**
 * @module The planned timeline of a release (cli.md, `plan`): when each ring deploys, is healthy
 * and ends its bake, given windows, freezes, the deploy time and the local peak hour a ring must
 * bake through (evidence.coverPeak), with approval assumed instant.
 * Pure: the start comes in as a value.
 */
import { HOUR } from '../policy/duration.ts';
import { ringUserShare, round } from '../policy/model.ts';
import { coversPeak, peakWaits } from './peak-hour.ts';
import type { Policy } from '../policy/schema.ts';
import type { Issue } from '../policy/source.ts';
import { nextDeployMoment, type Wait } from './deploy-moment.ts';

export interface PlannedRing {
  name: string;
  regions: string[];
  /** Share of global users in this ring (4 decimals). */
  userShare: number;
  /** Share of global users on the new version once this ring is deployed (4 decimals). */
  cumulativeUserShare: number;
  /** When the ring starts deploying. */
  deployAt: number;
  /** deployAt + spec.delivery.deployTime */
  healthyAt: number;
  /** healthyAt + the ring's bake, or later when it waits for evidence (the local peak hour, coverPeak) */
  bakeUntil: number;
  waits: Wait[];
}

export interface Timeline {
  start: number;
  rings: PlannedRing[];
  /** The last ring's bakeUntil. */
  completeAt: number;
  /** (completeAt - start) in hours, 2 decimals. */
  totalHours: number;
}

export type PlanResult = { ok: true; timeline: Timeline } | { ok: false; problems: Issue[] };

/**
 * Plan a release starting at `opts.start`. Every ring whose regions are never open together is a
 * problem at `spec.rings[i].regions`; rings after one are still checked (from the start), so every
 * such ring is reported at once.
 */
export function planRelease(policy: Policy, opts: { start: number }): PlanResult {
  const { start } = opts;
  const rings: PlannedRing[] = [];
  const problems: Issue[] = [];
  let ready = start;
  let cumulative = 0;
  policy.spec.rings.forEach((ring, i) => {
    const moment = nextDeployMoment(policy, ring, problems.length === 0 ? ready : start);
    if ('never' in moment) {
      problems.push({ path: ['spec', 'rings', i, 'regions'], message: moment.never });
      return;
    }
    if (problems.length > 0) return;
    const deployAt = moment.at;
    const waits = [...moment.waits];
    if (ring.approval) {
      waits.push({ reason: 'approval', until: deployAt, detail: `approval by ${ring.approval.approvers.join(' or ')}` });
    }
    const healthyAt = deployAt + policy.spec.delivery.deployTime;
    let bakeUntil = healthyAt + ring.bake;
    // Evidence the policy predicts: the local peak hour of each region (requests it cannot predict).
    if (coversPeak(policy, i)) {
      const short = peakWaits(policy, ring, healthyAt, bakeUntil);
      if (short.until > bakeUntil) {
        waits.push({ reason: 'evidence', until: short.until, detail: `evidence: the local peak hour in ${short.regions.join(', ')}` });
        bakeUntil = short.until;
      }
    }
    const share = ringUserShare(policy, ring);
    cumulative += share;
    rings.push({
      name: ring.name,
      regions: [...ring.regions],
      userShare: round(share),
      cumulativeUserShare: round(cumulative),
      deployAt,
      healthyAt,
      bakeUntil,
      waits,
    });
    ready = bakeUntil;
  });
  if (problems.length > 0) return { ok: false, problems };
  const completeAt = rings.length > 0 ? rings[rings.length - 1]!.bakeUntil : start;
  return { ok: true, timeline: { start, rings, completeAt, totalHours: round((completeAt - start) / HOUR, 2) } };
}
