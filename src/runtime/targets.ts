/**
 * @module The delivery and health view of a ring of a release: its clusters and versions.
 */
import type { ReleaseState } from '../engine/types.ts';
import type { Policy } from '../policy/schema.ts';
import type { RingTarget } from '../ports.ts';

export function ringTarget(policy: Policy, state: ReleaseState, ringName: string): RingTarget {
  const ringIndex = policy.spec.rings.findIndex((r) => r.name === ringName);
  const ring = policy.spec.rings[ringIndex];
  if (!ring) throw new Error(`ring ${ringName} is not in the policy`);
  const clusters = ring.regions.flatMap((name) => {
    const region = policy.spec.regions.find((r) => r.name === name);
    return (region?.clusters ?? []).map((c) => ({ name: c.name, region: name, labels: c.labels, ...(c.server ? { server: c.server } : {}) }));
  });
  const r = state.release;
  return {
    releaseId: r.id, service: r.service, ring: ring.name, ringIndex, version: r.version, previousVersion: r.previousVersion,
    clusters, ...(r.revision ? { revision: r.revision } : {}), ...(r.image ? { image: r.image } : {}),
  };
}
