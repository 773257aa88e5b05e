/**
 * @module Questions about a loaded policy that every part of Meridian asks: which regions are
 * production, a ring's user share, the first production ring, the rings a failure rolls back.
 * Looking a region up by name costs O(1) (an index per regions list, built on first use), so
 * questions about every ring cost what the rings hold, not rings × regions.
 */
import type { Gate, Policy, Region, Ring } from './schema.ts';

/** Position of the first region of each name, per regions list (rebuilt when a lookup finds it stale). */
const nameIndex = new WeakMap<readonly Region[], Map<string, number>>();

/** The position of the region named `name` in spec.regions, or -1. */
export function regionIndexOf(policy: Policy, name: string): number {
  const regions = policy.spec.regions;
  let at = nameIndex.get(regions)?.get(name);
  if (at === undefined || regions[at]?.name !== name) {
    const index = new Map<string, number>();
    regions.forEach((r, i) => { if (!index.has(r.name)) index.set(r.name, i); });
    nameIndex.set(regions, index);
    at = index.get(name);
  }
  return at ?? -1;
}

/** The region named `name`, or undefined. */
export function findRegion(policy: Policy, name: string): Region | undefined {
  return policy.spec.regions[regionIndexOf(policy, name)];
}

export function regionByName(policy: Policy, name: string): Region {
  const r = findRegion(policy, name);
  if (!r) throw new Error(`region ${name} is not in the policy`);
  return r;
}

export function productionRegions(policy: Policy): Region[] {
  return policy.spec.regions.filter((r) => !r.internal);
}

export function ringRegions(policy: Policy, ring: Ring): Region[] {
  return ring.regions.map((n) => regionByName(policy, n));
}

/** A ring is production when it holds at least one region with real users. */
export function isProductionRing(policy: Policy, ring: Ring): boolean {
  return ringRegions(policy, ring).some((r) => !r.internal);
}

export function ringUserShare(policy: Policy, ring: Ring): number {
  return ringRegions(policy, ring).reduce((s, r) => s + (r.internal ? 0 : (r.userShare ?? 0)), 0);
}

export function firstProductionRingIndex(policy: Policy): number {
  return policy.spec.rings.findIndex((r) => isProductionRing(policy, r));
}

/** Rings that a failure of `ring` rolls back, in rollback order (downstream first). */
export function rollbackRings(policy: Policy, ring: Ring): Ring[] {
  const names = ring.onFailure.rollback ?? [ring.name];
  const rings = policy.spec.rings;
  return rings.filter((r) => names.includes(r.name)).sort((a, b) => rings.indexOf(b) - rings.indexOf(a));
}

/** The gates of each ring, worked out once per ring and policy (the engine asks at every decision). */
const ringGates = new WeakMap<Ring, { policy: Policy; gates: ReadonlyArray<{ name: string; gate: Gate }> }>();

export function gatesOf(policy: Policy, ring: Ring): ReadonlyArray<{ name: string; gate: Gate }> {
  const known = ringGates.get(ring);
  if (known?.policy === policy) return known.gates;
  const gates = ring.gates.flatMap((name) => {
    const gate = policy.spec.gates[name];
    return gate ? [{ name, gate }] : [];
  });
  ringGates.set(ring, { policy, gates });
  return gates;
}

/** True when a ring has a gate that reads metrics (threshold or comparison), i.e. something can fail it. */
export function hasMetricGate(policy: Policy, ring: Ring): boolean {
  return gatesOf(policy, ring).length > 0;
}

export function round(n: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
