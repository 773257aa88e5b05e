/**
 * @module Wording shared by lint rules: percentages of users, lists of names, a ring described by
 * its production regions and share, and the indices rules point their paths at. Pure.
 */
import { findRegion, regionIndexOf, ringUserShare, round } from '../model.ts';
import type { Policy, Ring } from '../schema.ts';

/** 0.45 → "45%", 0.125 → "12.5%". */
export function percent(share: number): string {
  return `${round(share * 100, 2)}%`;
}

/** ["a"] → "a", ["a", "b"] → "a and b", ["a", "b", "c"] → "a, b and c". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function regionIndex(policy: Policy, name: string): number {
  return regionIndexOf(policy, name);
}

/** The names of a ring's production (non-internal) regions. O(regions of the ring). */
export function productionRegionNames(policy: Policy, ring: Ring): string[] {
  return ring.regions.filter((n) => {
    const r = findRegion(policy, n);
    return r !== undefined && !r.internal;
  });
}

/** "ring-1 (ap-south-1, 45% of users)" */
export function describeRing(policy: Policy, ring: Ring): string {
  return `${ring.name} (${listNames(productionRegionNames(policy, ring))}, ${percent(ringUserShare(policy, ring))} of users)`;
}
