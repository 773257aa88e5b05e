/**
 * @module Traffic headroom (policy.md "Traffic"): a region's peak load is its userShare, its
 * capacity capacity × userShare, its spare capacity (capacity − 1) × userShare. planDrain decides
 * whether a region can be drained and where its users go. Pure: lint's insufficient-headroom rule
 * and `traffic plan` both use it; no adapter, clock or I/O here.
 */
import { UsageError } from '../errors.ts';
import { productionRegions, round } from '../policy/model.ts';
import type { Policy, Region } from '../policy/schema.ts';

export interface Shift {
  /** The region that takes on traffic. */
  to: string;
  /** Share of global users moved there (4 decimals). */
  share: number;
}

export interface DrainPlan {
  allowed: boolean;
  /** Why the drain is refused, with the numbers; null when allowed. */
  reason: string | null;
  /** In policy order; they add up to the drained region's userShare. Empty when refused. */
  shifts: Shift[];
}

/** Shares are planned in units of 0.0001 of global users. */
const UNITS = 10_000;
/** Float noise allowed when comparing spare capacity with load. */
const EPSILON = 1e-9;

export function peakLoad(region: Region): number {
  return region.internal ? 0 : (region.userShare ?? 0);
}

export function capacityOf(region: Region): number {
  return region.capacity * peakLoad(region);
}

/** Spare capacity, never below 0: a region already short of capacity cannot take anyone else's users. */
export function spareCapacity(region: Region): number {
  return Math.max(0, (region.capacity - 1) * peakLoad(region));
}

const pct = (share: number): string => `${round(share * 100, 2)}%`;
const num = (n: number): string => String(round(n));
function names(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

function productionRegion(policy: Policy, name: string, role: string): Region {
  const region = policy.spec.regions.find((r) => r.name === name);
  const known = productionRegions(policy).map((r) => r.name).join(', ');
  if (!region) throw new UsageError(`${role} "${name}" is not a region of the policy (production regions: ${known})`);
  if (region.internal) throw new UsageError(`${role} "${name}" is an internal region: it serves no users (production regions: ${known})`);
  return region;
}

/**
 * Plan draining `region`: allowed only when the other serving production regions' spare capacity
 * adds up to at least its peak load; its users are then spread over them in proportion to their
 * spare capacity, none ending above its capacity.
 * @param serving production regions currently serving (default: every production region).
 * @throws UsageError when a region named is unknown or internal.
 */
export function planDrain(policy: Policy, region: string, serving?: readonly string[]): DrainPlan {
  const drained = productionRegion(policy, region, 'region');
  const servingNames = new Set((serving ?? productionRegions(policy).map((r) => r.name)).map((n) => productionRegion(policy, n, 'serving region').name));
  const others = productionRegions(policy).filter((r) => r.name !== drained.name && servingNames.has(r.name));
  const need = peakLoad(drained);
  const spares = others.map((r) => ({ region: r, spare: spareCapacity(r) }));
  const total = spares.reduce((s, x) => s + x.spare, 0);

  if (total + EPSILON < need) {
    const ranked = [...spares].sort((a, b) => b.spare - a.spare);
    const who = ranked.map((x) => x.region.name);
    const have =
      who.length === 0
        ? 'no other production region is serving'
        : who.length === 1
          ? `${who[0]} has ${num(total)}`
          : `${names(who)} have ${num(total)} (${ranked.map((x) => `${x.region.name} ${num(x.spare)}`).join(', ')})`;
    return { allowed: false, reason: `draining ${drained.name} (${pct(need)} of users) needs ${num(need)} of spare capacity; ${have}`, shifts: [] };
  }
  if (need <= 0) return { allowed: true, reason: null, shifts: [] };

  return { allowed: true, reason: null, shifts: spread(need, spares) };
}

/**
 * Split `need` over the regions in proportion to their spare capacity, in whole units of 0.0001,
 * adding up exactly to `need` (largest remainders get the leftover units, regions with room first).
 */
function spread(need: number, spares: Array<{ region: Region; spare: number }>): Shift[] {
  const total = spares.reduce((s, x) => s + x.spare, 0);
  const units = Math.round(need * UNITS);
  const parts = spares.map((x, i) => {
    const exact = (units * x.spare) / total;
    const whole = Math.floor(exact + EPSILON);
    return { i, whole, remainder: exact - whole, room: Math.floor(x.spare * UNITS + EPSILON) };
  });
  let left = units - parts.reduce((s, p) => s + p.whole, 0);
  const order = [...parts].sort((a, b) => Number(b.whole < b.room) - Number(a.whole < a.room) || b.remainder - a.remainder || a.i - b.i);
  for (let k = 0; left > 0 && order.length > 0; k = (k + 1) % order.length) {
    order[k]!.whole += 1;
    left -= 1;
  }
  return parts
    .filter((p) => p.whole > 0)
    .map((p) => ({ to: spares[p.i]!.region.name, share: p.whole / UNITS }));
}
