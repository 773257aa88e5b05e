/**
 * @module Replication under `data.pattern: region-isolated` (policy.md "Data"): which pause or
 * resume step is due, and when. Without `spec.data.replication.groups` every region replicates
 * with every other: `replication.pause` before the first production ring deploys,
 * `replication.resume` once the last ring completes or after a full rollback (the steps recorded
 * releases hold, answered exactly as before). With groups each group is paused and resumed on its
 * own (`replication.pause:eu`, `replication.resume:eu`): paused before the first ring that holds one
 * of its regions deploys, resumed as soon as all its regions run the new version and their rings
 * passed (early: the rest of the release no longer mixes versions inside the group), paused again
 * before a ring of a resumed group rolls back, and resumed after a rollback once its regions run one
 * version again. A group's state is the last of its steps done. Nothing here performs an effect.
 */
import { isProductionRing } from '../policy/model.ts';
import { replicationGroups } from '../policy/residency.ts';
import type { Policy, ReplicationGroup } from '../policy/schema.ts';
import type { Ctx } from './context.ts';

export const PAUSE = 'replication.pause';
export const RESUME = 'replication.resume';

/** `replication.pause:eu` → pause of group eu; `replication.resume` → resume of every region; null for another step. */
export function replicationStep(step: string): { kind: 'pause' | 'resume'; group: string | null } | null {
  const colon = step.indexOf(':');
  const base = colon < 0 ? step : step.slice(0, colon);
  const group = colon < 0 ? null : step.slice(colon + 1);
  if (base !== PAUSE && base !== RESUME) return null;
  if (group === '') return null;
  return { kind: base === PAUSE ? 'pause' : 'resume', group };
}

/** The group a step names, when the policy has it (undefined for a group it does not declare). */
export function groupOfStep(policy: Policy, step: string): ReplicationGroup | null | undefined {
  const parsed = replicationStep(step);
  if (!parsed || parsed.group === null) return null;
  return replicationGroups(policy)?.find((g) => g.name === parsed.group);
}

/** What an event of the step says: the step, and for a group its regions. */
export function replicationDetail(policy: Policy, step: string): string {
  const group = groupOfStep(policy, step);
  return group ? `${step} (${group.regions.join(', ')})` : step;
}

function active(ctx: Ctx): boolean {
  const data = ctx.policy.spec.data;
  return data.pattern === 'region-isolated' && data.replication !== undefined;
}

/** Whether the group's replication is paused now: the last of its steps done is a pause. */
export function groupPaused(hooksDone: readonly string[], group: string): boolean {
  const pause = `${PAUSE}:${group}`;
  const resume = `${RESUME}:${group}`;
  for (let k = hooksDone.length - 1; k >= 0; k--) {
    if (hooksDone[k] === pause) return true;
    if (hooksDone[k] === resume) return false;
  }
  return false;
}

/** The pause due before ring i deploys, or null. */
export function pauseBeforeDeploy(ctx: Ctx, i: number): string | null {
  if (!active(ctx)) return null;
  const ring = ctx.policy.spec.rings[i];
  if (!ring) return null;
  const groups = replicationGroups(ctx.policy);
  if (groups === null) return isProductionRing(ctx.policy, ring) && !ctx.state.hooksDone.includes(PAUSE) ? PAUSE : null;
  const inRing = new Set(ring.regions);
  const g = groups.find((x) => !groupPaused(ctx.state.hooksDone, x.name) && x.regions.some((r) => inRing.has(r)));
  return g ? `${PAUSE}:${g.name}` : null;
}

/** Each region's ring index. */
function ringsOf(ctx: Ctx): Map<string, number> {
  const at = new Map<string, number>();
  ctx.policy.spec.rings.forEach((r, i) => { for (const name of r.regions) if (!at.has(name)) at.set(name, i); });
  return at;
}

/**
 * A paused group whose regions all run the new version in rings that passed: its resume may come
 * before the release completes. Named groups only (without groups, the one resume waits for the end).
 */
export function resumeEarly(ctx: Ctx): string | null {
  if (!active(ctx)) return null;
  const groups = replicationGroups(ctx.policy);
  if (groups === null) return null;
  const s = ctx.state;
  const ringOf = ringsOf(ctx);
  const done = (region: string): boolean => {
    const i = ringOf.get(region);
    return s.versions[region] === s.release.version && i !== undefined && s.rings[i]?.status === 'passed';
  };
  const g = groups.find((x) => groupPaused(s.hooksDone, x.name) && x.regions.every(done));
  return g ? `${RESUME}:${g.name}` : null;
}

/** Every ring passed: the resume still due, or null. */
export function resumeAtComplete(ctx: Ctx): string | null {
  if (ctx.policy.spec.data.pattern !== 'region-isolated') return null;
  const groups = replicationGroups(ctx.policy);
  if (groups === null) return ctx.state.hooksDone.includes(PAUSE) && !ctx.state.hooksDone.includes(RESUME) ? RESUME : null;
  const g = groups.find((x) => groupPaused(ctx.state.hooksDone, x.name));
  return g ? `${RESUME}:${g.name}` : null;
}

/**
 * Every ring of the rollback is done: the resume due, or null. Without groups, only after a full
 * rollback; a group, once all its regions run one version again (a group left on two versions, by
 * a rollback that leaves an upstream ring on the new one, stays paused).
 */
export function resumeAfterRollback(ctx: Ctx, fullRollback: boolean): string | null {
  if (ctx.policy.spec.data.pattern !== 'region-isolated') return null;
  const s = ctx.state;
  const groups = replicationGroups(ctx.policy);
  if (groups === null) return fullRollback && s.hooksDone.includes(PAUSE) && !s.hooksDone.includes(RESUME) ? RESUME : null;
  const oneVersion = (g: ReplicationGroup): boolean => g.regions.every((r) => s.versions[r] === s.versions[g.regions[0]!]);
  const g = groups.find((x) => groupPaused(s.hooksDone, x.name) && oneVersion(x));
  return g ? `${RESUME}:${g.name}` : null;
}

/** Before ring `name` rolls back: the pause of a group of its regions whose replication runs again (resumed early), or null. */
export function pauseBeforeRollback(ctx: Ctx, name: string): string | null {
  if (!active(ctx)) return null;
  const groups = replicationGroups(ctx.policy);
  const ring = ctx.policy.spec.rings.find((r) => r.name === name);
  if (groups === null || !ring) return null;
  const inRing = new Set(ring.regions);
  const g = groups.find((x) => !groupPaused(ctx.state.hooksDone, x.name) && x.regions.some((r) => inRing.has(r)));
  return g ? `${PAUSE}:${g.name}` : null;
}
