/**
 * @module When a ring may start deploying: inside the business hours of every region of the ring at
 * once (each in its own zone) when `windows.deploy` is `business-hours`, and outside every freeze.
 * Answers by reasoning over spans of time within a bounded horizon, so it always returns: a ring
 * whose regions are never open together is reported as `never`, not waited for. Approval is not a
 * window; the timeline and the engine handle it. Pure.
 */
import { ringRegions } from '../policy/model.ts';
import type { Freeze, Policy, Region, Ring } from '../policy/schema.ts';
import { commonBusinessSpans, describeBusinessHours, isInBusinessHours, nextCommonBusinessMoment, OVERLAP_HORIZON } from './business-hours.ts';
import { isoInstant } from './iso.ts';

/** Why a ring waits: before it deploys (windows, approval), or after its bake for evidence it can predict (the peak hour). */
export type Wait = { reason: 'business-hours' | 'freeze' | 'approval' | 'evidence'; until: number; detail: string };

export type DeployMoment = { at: number; waits: Wait[] } | { never: string };

/** The regions whose business hours matter for a ring: none with `deploy: always`; never internal ones. */
function windowedRegions(policy: Policy, ring: Ring): Region[] {
  if (policy.spec.windows.deploy === 'always') return [];
  return ringRegions(policy, ring).filter((r) => !r.internal);
}

/** `a`, `a and b`, `a, b and c` */
function listing(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const named = (r: Region): string => `${r.name} (${describeBusinessHours(r)})`;

/** The freeze holding `at` that lasts longest (freezes are [from, to)), if any. */
export function freezeAt(policy: Policy, at: number): Freeze | undefined {
  let found: Freeze | undefined;
  for (const f of policy.spec.windows.freeze) {
    if (f.from <= at && at < f.to && (found === undefined || f.to > found.to)) found = f;
  }
  return found;
}

function freezeWait(f: Freeze): Wait {
  return { reason: 'freeze', until: f.to, detail: `freeze "${f.reason}" until ${isoInstant(f.to)}` };
}

function businessHoursWait(closed: readonly Region[], until: number): Wait {
  return { reason: 'business-hours', until, detail: `outside business hours in ${listing(closed.map(named))}` };
}

/** Why the regions are never open together: the first pair that never overlaps, else all of them. */
function neverMessage(ring: Ring, regions: readonly Region[], from: number): string {
  const prefix = `ring "${ring.name}": business hours of`;
  if (regions.length === 1) return `${prefix} ${named(regions[0]!)} are empty`;
  const spans = regions.map((r) => commonBusinessSpans([r], from, from + OVERLAP_HORIZON));
  for (let i = 0; i < regions.length; i++) {
    if (spans[i]!.length === 0) return `${prefix} ${named(regions[i]!)} are empty`;
  }
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      const meet = a.some(([af, at]) => b.some(([bf, bt]) => Math.max(af, bf) < Math.min(at, bt)));
      if (!meet) return `${prefix} ${named(regions[i]!)} and ${named(regions[j]!)} never overlap`;
    }
  }
  return `${prefix} ${listing(regions.map(named))} never overlap all at once`;
}

/**
 * The first moment at or after `from` when `ring` may start deploying, with every wait on the way in
 * order (a freeze is listed before business hours when both hold at the same moment).
 */
export function nextDeployMoment(policy: Policy, ring: Ring, from: number): DeployMoment {
  const regions = windowedRegions(policy, ring);
  const waits: Wait[] = [];
  let t = from;
  // Each turn moves t strictly forward to a moment no later than the answer; freezes are finite and
  // business hours are either found within the horizon or reported as never, so this ends.
  for (;;) {
    const freeze = freezeAt(policy, t);
    if (freeze) {
      waits.push(freezeWait(freeze));
      t = freeze.to;
      continue;
    }
    const closed = regions.filter((r) => !isInBusinessHours(r, t));
    if (closed.length === 0) return { at: t, waits };
    const next = nextCommonBusinessMoment(regions, t);
    if (next === undefined) return { never: neverMessage(ring, regions, t) };
    waits.push(businessHoursWait(closed, next));
    t = next;
  }
}

/**
 * May `ring` start deploying at `at`? When not, the wait says why and until when that reason ends
 * (a freeze's end; the next moment every region is open). A ring whose regions are never open
 * together gets a business-hours wait with `until: Infinity`.
 */
export function isDeployAllowed(policy: Policy, ring: Ring, at: number): { allowed: true } | { allowed: false; wait: Wait } {
  const freeze = freezeAt(policy, at);
  if (freeze) return { allowed: false, wait: freezeWait(freeze) };
  const regions = windowedRegions(policy, ring);
  const closed = regions.filter((r) => !isInBusinessHours(r, at));
  if (closed.length === 0) return { allowed: true };
  const next = nextCommonBusinessMoment(regions, at);
  if (next === undefined) return { allowed: false, wait: { reason: 'business-hours', until: Number.POSITIVE_INFINITY, detail: neverMessage(ring, regions, at) } };
  return { allowed: false, wait: businessHoursWait(closed, next) };
}
