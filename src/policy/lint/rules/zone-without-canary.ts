/**
 * @module Lint rule zone-without-canary (warning; error for tier 1): in a residency zone of two or
 * more production regions, the first ring that reaches the zone holds more of its users than the
 * zone's smallest region, or more than half of them. A zone is a jurisdiction of its own: its users
 * and data never leave it, so it gets a canary of its own, however well the release did elsewhere.
 * Linear in the regions of the rings.
 */
import { findRegion } from '../../model.ts';
import { residencyZones, type Zone } from '../../residency.ts';
import { listNames, percent } from '../format.ts';
import type { Finding, LintRule } from '../types.ts';

/** Shares closer than this are equal (they are written with two decimals). */
const TIE = 1e-9;

export const zoneWithoutCanary: LintRule = {
  id: 'zone-without-canary',
  severity: 'warning',
  description: "in a residency zone of two or more regions, the first ring that reaches it holds more than the zone's smallest region, or more than half its users",
  check({ policy }) {
    const zones = new Map<string, Zone>();
    for (const z of residencyZones(policy)) if (z.regions.length >= 2 && z.userShare > 0) zones.set(z.label, z);
    if (zones.size === 0) return [];
    const severity = policy.spec.service.tier === 1 ? 'error' : zoneWithoutCanary.severity;
    const reached = new Set<string>();
    const findings: Finding[] = [];
    policy.spec.rings.forEach((ring, i) => {
      // The zones this ring reaches first, with what it holds of each.
      const held = new Map<string, { share: number; names: string[] }>();
      for (const name of ring.regions) {
        const r = findRegion(policy, name);
        if (!r || r.internal || r.residency === undefined || !zones.has(r.residency) || reached.has(r.residency)) continue;
        const h = held.get(r.residency) ?? { share: 0, names: [] };
        h.share += r.userShare ?? 0;
        h.names.push(r.name);
        held.set(r.residency, h);
      }
      for (const [label, h] of held) {
        reached.add(label);
        const zone = zones.get(label)!;
        const smallest = zone.regions.reduce((a, b) => ((b.userShare ?? 0) < (a.userShare ?? 0) ? b : a));
        const ofZone = (share: number): string => percent(share / zone.userShare);
        const reasons: string[] = [];
        if (h.share > (smallest.userShare ?? 0) + TIE) reasons.push(`more than ${label}'s smallest region (${smallest.name}, ${ofZone(smallest.userShare ?? 0)})`);
        if (h.share > zone.userShare / 2 + TIE) reasons.push(`more than half of ${label}'s users`);
        if (reasons.length === 0) continue;
        findings.push({
          rule: zoneWithoutCanary.id,
          severity,
          path: ['spec', 'rings', i, 'regions'],
          message: `${ring.name} is the first ring to reach ${label} and holds ${listNames(h.names)} (${ofZone(h.share)} of ${label}'s users): ${reasons.join(' and ')}; give ${label} a canary: ${smallest.name} in a ring before the rest of ${label}`,
        });
      }
    });
    return findings;
  },
};
