/**
 * @module The view of a release that the API, the dashboard and `release status` show: rings with
 * their times and status, versions per region, events, the freezes that hold it, blast radius.
 */
import { allowedActions, leftBehind } from '../engine/actions.ts';
import type { ReleaseState } from '../engine/types.ts';
import { ringUserShare, round } from '../policy/model.ts';
import { zoneBlastNow } from '../plan/zone-blast.ts';
import type { Policy } from '../policy/schema.ts';
import type { FreezeView, ReleaseView } from './controller-types.ts';
import { eventsJson, ringVerdicts } from './report.ts';
import { ringLinks } from './ring-links.ts';
import { ETA_ASSUMES, releaseEta } from './release-eta.ts';

/** An instant as the API writes it, or null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * `freezes`: those that hold the release now. Gate evaluations are paged at their own endpoint.
 * With `now` (the controller's clock), every ring's `eta` and the release's `etaComplete`.
 */
export function releaseView(policy: Policy, state: ReleaseState, freezes: FreezeView[] = [], evaluationCounts: ReleaseView['evaluationCounts'] = { pass: 0, fail: 0, inconclusive: 0 }, now?: number): ReleaseView {
  const verdicts = ringVerdicts(state);
  const eta = now === undefined ? null : releaseEta(policy, state, now);
  const onNew = policy.spec.regions.filter((r) => !r.internal && state.versions[r.name] === state.release.version);
  return {
    id: state.release.id,
    service: state.release.service,
    version: state.release.version,
    previousVersion: state.release.previousVersion,
    phase: state.phase,
    haltReason: state.haltReason,
    startedAt: iso(state.startedAt)!,
    completedAt: iso(state.completedAt),
    rings: policy.spec.rings.map((ring, i) => {
      const ringState = state.rings[i]!;
      return {
        name: ring.name,
        regions: ring.regions,
        userShare: round(ringUserShare(policy, ring)),
        status: ringState.status,
        verdict: verdicts[i]!.verdict,
        deployedAt: iso(ringState.deployedAt),
        healthyAt: iso(ringState.healthyAt),
        bakeUntil: iso(ringState.bakeUntil),
        rolledBack: ringState.rolledBack,
        approvers: ring.approval?.approvers ?? [],
        bakeMinutes: Math.round(ring.bake / 60_000),
        evidence: ringState.evidence?.detail ?? null,
        // Its deploy and rollback commits and its Argo CD Applications, linked where the policy says how (ring-links.ts).
        ...ringLinks(policy, ring, ringState),
        ...(eta ? { eta: { deployAt: iso(eta.rings[i]!.deployAt), approvalAt: iso(eta.rings[i]!.approvalAt), bakeEndsAt: iso(eta.rings[i]!.bakeEndsAt) } } : {}),
      };
    }),
    versions: { ...state.versions },
    events: eventsJson(state),
    freezes,
    blastRadius: blastRadiusOf(policy, state, onNew.reduce((s, r) => s + (r.userShare ?? 0), 0)),
    evaluationCounts,
    actions: allowedActions(state),
    leftBehind: leftBehind(policy, state),
    ...(eta ? { etaComplete: iso(eta.completeAt), etaAssumes: ETA_ASSUMES } : {}),
  };
}

/** The blast radius now: globally and, for a policy with residency zones, per zone. */
function blastRadiusOf(policy: Policy, state: ReleaseState, userShare: number): ReleaseView['blastRadius'] {
  const zones = zoneBlastNow(policy, state.versions, state.release.version);
  return zones.length > 0 ? { userShare: round(userShare), zones } : { userShare: round(userShare) };
}
