/**
 * @module Blast radius per residency zone: what share of a zone's own users runs the new version,
 * ring by ring in a plan and now in a release. A zone is a jurisdiction of its own, so 10% of
 * global users can be all of a country's. Shares are of the zone's users (4 decimals). Pure; linear
 * in regions and rings.
 */
import { findRegion, round } from '../policy/model.ts';
import { residencyZones } from '../policy/residency.ts';
import type { Policy } from '../policy/schema.ts';

export interface ZoneUsers {
  residency: string;
  /** The zone's production regions, in policy order. */
  regions: string[];
  /** The zone's share of global users. */
  userShare: number;
}

export interface ZoneBlast {
  residency: string;
  /** Share of the zone's users that the ring holds. */
  userShare: number;
  /** Share of the zone's users on the new version once the ring is deployed. */
  cumulativeUserShare: number;
}

export interface ZoneBlastNow {
  residency: string;
  /** Share of the zone's users on the new version now. */
  userShare: number;
  /** The zone's regions on the new version now. */
  regions: string[];
}

/** The zones of the policy with their users; empty when no production region carries a label. */
export function zoneUsers(policy: Policy): ZoneUsers[] {
  return residencyZones(policy).map((z) => ({ residency: z.label, regions: z.regions.map((r) => r.name), userShare: round(z.userShare) }));
}

/** For each ring (in order), each zone's share of users in it and on the new version once it is deployed. */
export function ringZoneBlast(policy: Policy): ZoneBlast[][] {
  const zones = residencyZones(policy);
  const cumulative = new Map<string, number>(zones.map((z) => [z.label, 0]));
  return policy.spec.rings.map((ring) => {
    const held = new Map<string, number>();
    for (const name of ring.regions) {
      const r = findRegion(policy, name);
      if (r && !r.internal && r.residency !== undefined) held.set(r.residency, (held.get(r.residency) ?? 0) + (r.userShare ?? 0));
    }
    return zones.map((z) => {
      const share = held.get(z.label) ?? 0;
      cumulative.set(z.label, cumulative.get(z.label)! + share);
      const of = (s: number): number => (z.userShare > 0 ? round(s / z.userShare) : 0);
      return { residency: z.label, userShare: of(share), cumulativeUserShare: of(cumulative.get(z.label)!) };
    });
  });
}

/** Each zone's share of users on `version` now, given what each region runs. */
export function zoneBlastNow(policy: Policy, versions: Record<string, string>, version: string): ZoneBlastNow[] {
  return residencyZones(policy).map((z) => {
    const onNew = z.regions.filter((r) => versions[r.name] === version);
    const share = onNew.reduce((s, r) => s + (r.userShare ?? 0), 0);
    return { residency: z.label, userShare: z.userShare > 0 ? round(share / z.userShare) : 0, regions: onNew.map((r) => r.name) };
  });
}
