/**
 * @module Small helpers for driving the simulated fleet by hand in tests and examples: a clock that
 * moves only when told to, and the RingTarget of a policy's ring. Pure.
 */
import type { Policy } from '../policy/schema.ts';
import type { Clock, RingTarget } from '../ports.ts';

export interface ManualClock extends Clock {
  set(t: number): void;
  advance(ms: number): void;
}

/** A clock that starts at `start` and never goes backwards. */
export function manualClock(start: number): ManualClock {
  let now = start;
  return {
    now: () => now,
    set(t) {
      if (t < now) throw new RangeError(`the clock cannot go back from ${new Date(now).toISOString()} to ${new Date(t).toISOString()}`);
      now = t;
    },
    advance(ms) {
      if (ms < 0) throw new RangeError('the clock cannot go backwards');
      now += ms;
    },
  };
}

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
