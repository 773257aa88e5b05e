/**
 * @module Small helpers for driving the simulated fleet by hand in tests and examples: the
 * RingTarget of a policy's ring. (The clock to drive it with is the simulated clock,
 * runtime/simulated-clock.ts.) Pure.
 */
import type { Policy } from '../policy/schema.ts';
import type { RingTarget } from '../ports.ts';

/** The target of `ring` in `policy` for a release of `version` replacing `previousVersion`. */
export function ringTarget(policy: Policy, ring: string, release: { releaseId?: string; version: string; previousVersion: string }): RingTarget {
  const ringIndex = policy.spec.rings.findIndex((r) => r.name === ring);
  if (ringIndex < 0) throw new RangeError(`ring "${ring}" is not in the policy`);
  const regions = new Set(policy.spec.rings[ringIndex]!.regions);
  return {
    releaseId: release.releaseId ?? 'rel-1',
    service: policy.spec.service.name,
    ring,
    ringIndex,
    version: release.version,
    previousVersion: release.previousVersion,
    clusters: policy.spec.regions
      .filter((r) => regions.has(r.name))
      .flatMap((r) => r.clusters.map((c) => ({ name: c.name, region: r.name, ...(c.server ? { server: c.server } : {}), labels: c.labels }))),
  };
}
