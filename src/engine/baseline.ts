/**
 * @module Which regions a comparison gate compares a ring against: for `stable-regions`, the
 * production regions outside the ring that still run the previous version and serve traffic (not
 * drained, not in an outage); otherwise the baseline the gate names.
 */
import { productionRegions } from '../policy/model.ts';
import type { Ctx } from './context.ts';

export function stableBaseline(ctx: Ctx, baseline: string, ringRegions: readonly string[]): string[] {
  if (baseline !== 'stable-regions') return [baseline];
  const s = ctx.state;
  const inRing = new Set(ringRegions);
  const drained = new Set(s.drained);
  const out: string[] = [];
  for (const { name } of productionRegions(ctx.policy)) {
    if (!inRing.has(name) && s.versions[name] === s.release.previousVersion && !drained.has(name) && s.outages[name] === undefined) out.push(name);
  }
  return out;
}
