/**
 * @module Rules a release request must meet before it may start (data safety across versions):
 * schema changes ship separately from code (expand-contract), and a `contract` schema release
 * starts only once every production region runs one and the same version — the previous code
 * release has completed everywhere. With `spec.data.replication.groups`, regions share data only
 * inside their group, so the rule applies per group: each group's regions run one version.
 */
import { productionRegions } from '../policy/model.ts';
import { replicationGroups } from '../policy/residency.ts';
import type { ChangeKind, Policy } from '../policy/schema.ts';
import type { Refusal } from './types.ts';

export type { Refusal };

export interface ReleaseIntent {
  changes: readonly ChangeKind[];
  schemaPhase: 'expand' | 'contract';
}


export function refuseRelease(policy: Policy, req: ReleaseIntent, versions: Record<string, string>): Refusal | null {
  if (req.changes.includes('schema') && req.changes.includes('app')) {
    return { kind: 'invalid', message: 'a release with schema changes must not also carry app changes: release the schema change on its own (expand), then the code, then the contract step' };
  }
  const groups = replicationGroups(policy);
  if (req.changes.includes('schema') && req.schemaPhase === 'contract' && groups !== null) {
    for (const g of groups) {
      const mixed = versionsOf(g.regions, versions);
      if (mixed) return { kind: 'conflict', message: `a contract schema release waits until the regions of each replication group run one version: group ${g.name}: ${mixed}` };
    }
    return null;
  }
  if (req.changes.includes('schema') && req.schemaPhase === 'contract') {
    const byVersion = new Map<string, string[]>();
    for (const r of productionRegions(policy)) {
      const v = versions[r.name] ?? 'unknown';
      byVersion.set(v, [...(byVersion.get(v) ?? []), r.name]);
    }
    if (byVersion.size > 1 || byVersion.has('unknown')) {
      const parts = [...byVersion.entries()].map(([v, regions]) => `${regions.join(', ')} ${regions.length === 1 ? 'runs' : 'run'} ${v}`);
      return { kind: 'conflict', message: `a contract schema release waits until every production region runs one version: ${parts.join('; ')}` };
    }
  }
  return null;
}

/** `a runs v2; b, c run v1` when the regions run more than one version (or one is not known); null when they run one. */
function versionsOf(regions: readonly string[], versions: Record<string, string>): string | null {
  const byVersion = new Map<string, string[]>();
  for (const r of regions) {
    const v = versions[r] ?? 'unknown';
    byVersion.set(v, [...(byVersion.get(v) ?? []), r]);
  }
  if (byVersion.size <= 1 && !byVersion.has('unknown')) return null;
  return [...byVersion.entries()].map(([v, names]) => `${names.join(', ')} ${names.length === 1 ? 'runs' : 'run'} ${v}`).join('; ');
}
