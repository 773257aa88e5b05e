/**
 * @module Which regions a comparison gate compares a ring against: for `stable-regions`, the
 * production regions outside the ring that still run the previous version and serve traffic (not
 * drained, not in an outage); otherwise the baseline the gate names.
 */
import { productionRegions } from '../policy/model.ts';
import type { Ctx } from './context.ts';

export function stableBaseline(ctx: Ctx, baseline: string, ringRegions: readonly string[]): string[] {
  if (baseline !== 'stable-regions') return [baseline];
  const s = ctx.s;
  return productionRegions(ctx.policy)
    .map((r) => r.name)
    .filter((r) => !ringRegions.includes(r) && s.versions[r] === s.release.previousVersion && !s.drained.includes(r) && s.outages[r] === undefined);
}
