/**
 * @module Residency zones (policy.md "Regions", `regions[].residency`): the regions that share a
 * label form a zone that their traffic and replicated data never leave; a region without a label is
 * unrestricted. Questions every part asks: a region's zone, the zones of a policy with their
 * production regions and users, which regions may take a region's users, and the replication
 * groups. Pure; linear in regions.
 */
import type { Policy, Region, ReplicationGroup } from './schema.ts';

export interface Zone {
  /** The residency label. */
  label: string;
  /** The zone's production regions, in policy order. */
  regions: Region[];
  /** Share of global users the zone serves (Σ of its regions' userShare). */
  userShare: number;
}

/** The zones of each policy, worked out once per regions list. */
const zonesOf = new WeakMap<readonly Region[], Zone[]>();

/**
 * The residency zones of the policy's production regions, in the order their first region is
 * listed. Empty when no production region carries a label.
 */
export function residencyZones(policy: Policy): Zone[] {
  const regions = policy.spec.regions;
  const known = zonesOf.get(regions);
  if (known) return known;
  const byLabel = new Map<string, Zone>();
  for (const r of regions) {
    if (r.internal || r.residency === undefined) continue;
    let zone = byLabel.get(r.residency);
    if (!zone) {
      zone = { label: r.residency, regions: [], userShare: 0 };
      byLabel.set(r.residency, zone);
    }
    zone.regions.push(r);
    zone.userShare += r.userShare ?? 0;
  }
  const zones = [...byLabel.values()];
  zonesOf.set(regions, zones);
  return zones;
}

/** Whether `to` may take on users of `from`: `from` is unrestricted, or `to` is in its zone. */
export function mayServe(from: Region, to: Region): boolean {
  return from.residency === undefined || to.residency === from.residency;
}

/** `eu-west-1 (EU)`, or the bare name of an unrestricted region. */
export function withZone(region: Region): string {
  return region.residency === undefined ? region.name : `${region.name} (${region.residency})`;
}

/** A replication group as the engine uses it: its name and regions. */
export interface Group {
  name: string;
  regions: readonly string[];
}

/**
 * The replication groups the policy declares (`spec.data.replication.groups`), or null when it
 * declares none: then every region replicates with every other, and region-isolated pauses and
 * resumes replication once for the whole release (steps `replication.pause`, `replication.resume`).
 */
export function replicationGroups(policy: Policy): readonly ReplicationGroup[] | null {
  const groups = policy.spec.data.replication?.groups;
  return groups === undefined ? null : groups;
}
