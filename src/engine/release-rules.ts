/**
 * @module Rules a release request must meet before it may start (data safety across versions):
 * schema changes ship separately from code (expand-contract), and a `contract` schema release
 * starts only once every production region runs one and the same version — the previous code
 * release has completed everywhere.
 */
import { productionRegions } from '../policy/model.ts';
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
