/**
 * @module Rollout strategies for comparison (scenario.md "Strategy comparison"): the policy's rings
 * replaced by simultaneous, sequential or canary-then-all rings, keeping its gates and bakes.
 */
import { nextDeployMoment } from '../plan/deploy-moment.ts';
import { isProductionRing, productionRegions } from './model.ts';
import type { Policy, Ring } from './schema.ts';

export const STRATEGIES = ['ring', 'simultaneous', 'sequential', 'canary-then-all'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * The policy under a strategy, and a note when the strategy had to change something else: a ring
 * of regions whose business hours never overlap could never deploy, so such a policy deploys at
 * any time (`windows.deploy: always`, freezes kept), as the textbook strategies do.
 */
export function strategyPolicy(policy: Policy, strategy: Strategy): { policy: Policy; note: string | null } {
  const p = reshape(policy, strategy);
  if (p.spec.windows.deploy === 'business-hours' && p.spec.rings.some((r) => 'never' in nextDeployMoment(p, r, 0))) {
    return {
      policy: { ...p, spec: { ...p.spec, windows: { ...p.spec.windows, deploy: 'always' } } },
      note: `strategy ${strategy}: its rings span regions whose business hours never overlap, so it deploys at any time (freezes still apply)`,
    };
  }
  return { policy: p, note: null };
}

/**
 * Internal rings stay in front as written. The first new ring takes the first production ring's
 * gates and bake, the others the last ring's. A comparison gate against stable regions is left off
 * a ring that holds every production region: there is no baseline left to compare with. Approvals
 * are kept only by `ring` (the policy as written). A failure rolls back every production ring.
 */
function reshape(policy: Policy, strategy: Strategy): Policy {
  if (strategy === 'ring') return policy;
  const rings = policy.spec.rings;
  const internal = rings.filter((r) => !isProductionRing(policy, r));
  const prodRings = rings.filter((r) => isProductionRing(policy, r));
  const first = prodRings[0];
  const last = prodRings[prodRings.length - 1];
  if (!first || !last) return policy;
  const bySize = [...productionRegions(policy)].sort((a, b) => (a.userShare ?? 0) - (b.userShare ?? 0) || a.name.localeCompare(b.name));
  const groups: string[][] =
    strategy === 'simultaneous' ? [bySize.map((r) => r.name)]
      : strategy === 'sequential' ? bySize.map((r) => [r.name])
        : [[bySize[0]!.name], bySize.slice(1).map((r) => r.name)].filter((g) => g.length > 0);
  const total = bySize.length;
  const made: Ring[] = groups.map((regions, i) => {
    const model = i === 0 ? first : last;
    const gates = regions.length === total
      ? model.gates.filter((g) => policy.spec.gates[g]?.compare?.baseline !== 'stable-regions')
      : model.gates;
    return { name: `${strategy}-${i + 1}`, regions, bake: model.bake, gates, onFailure: { rollback: [], drain: false }, evidence: { ...model.evidence } };
  });
  made.forEach((r, i) => { r.onFailure.rollback = made.slice(0, i + 1).map((x) => x.name); });
  return { ...policy, spec: { ...policy.spec, rings: [...internal, ...made] } };
}
