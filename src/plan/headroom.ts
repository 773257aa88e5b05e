/**
 * @module Traffic headroom (policy.md "Traffic"): a region's peak load is its userShare, its
 * capacity capacity × userShare, its spare capacity (capacity − 1) × userShare. planDrain decides
 * whether a region can be drained and where its users go (`traffic plan`, failover);
 * regionsThatCannotBeLost answers the same question for every region at once (lint's
 * insufficient-headroom). A region with a residency label is drained only over the serving regions
 * of its zone (residency.ts): capacity across the boundary is not counted, and a refusal names the
 * zone, what it can absorb and the regions outside it. Pure: no adapter, clock or I/O here.
 */
import { UsageError } from '../errors.ts';
import { productionRegions, round } from '../policy/model.ts';
import { mayServe } from '../policy/residency.ts';
import type { Policy, Region } from '../policy/schema.ts';
import { listSome } from '../policy/source.ts';

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

/** A refusal names at most this many of the other regions (those with the most spare capacity) and counts the rest. */
export const REFUSAL_NAMES = 5;

interface Spare {
  region: Region;
  spare: number;
}

/**
 * Why draining `drained` is refused: its need, and what the others have. `ranked` yields the
 * others by spare capacity, most first (ties in policy order); only the first REFUSAL_NAMES + 1
 * are taken from it, so the reason costs the same for 3 regions or 2,000.
 */
function refusal(drained: Region, need: number, total: number, others: number, ranked: Iterable<Spare>): string {
  const shown: Spare[] = [];
  for (const x of ranked) {
    if (shown.length > REFUSAL_NAMES) break;
    shown.push(x);
  }
  let have: string;
  if (others === 0) have = 'no other production region is serving';
  else if (others === 1) have = `${shown[0]!.region.name} has ${num(total)}`;
  else if (others <= REFUSAL_NAMES) have = `${names(shown.map((x) => x.region.name))} have ${num(total)} (${shown.map((x) => `${x.region.name} ${num(x.spare)}`).join(', ')})`;
  else {
    const listed = shown.slice(0, REFUSAL_NAMES).map((x) => `${x.region.name} ${num(x.spare)}`).join(', ');
    have = `${others} other regions have ${num(total)} (${listed} and ${others - REFUSAL_NAMES} more)`;
  }
  return `draining ${drained.name} (${pct(need)} of users) needs ${num(need)} of spare capacity; ${have}`;
}

/** A share of capacity in a zone's refusal: two decimals at least (0.30), four at most (0.1364). */
function fixed(n: number): string {
  const r = round(n);
  return round(n, 2) === r ? r.toFixed(2) : String(r);
}

/**
 * Why draining `drained`, a region of a residency zone, is refused: its need, what the other
 * serving regions of its zone can absorb, and the regions outside the zone that have spare capacity
 * (which it may not use). `ranked` and `outside` yield regions by spare capacity, most first; at most
 * REFUSAL_NAMES + 1 of each are taken.
 */
function zoneRefusal(drained: Region, need: number, total: number, others: number, ranked: Iterable<Spare>, outside: Iterable<Spare>): string {
  const zone = drained.residency!;
  const take = (list: Iterable<Spare>): Spare[] => {
    const shown: Spare[] = [];
    for (const x of list) {
      if (shown.length > REFUSAL_NAMES) break;
      shown.push(x);
    }
    return shown;
  };
  const shown = take(ranked);
  let have: string;
  if (others === 0) have = `no other ${zone} region is serving`;
  else if (others === 1) have = `the other ${zone} region, ${shown[0]!.region.name}, can absorb ${fixed(total)}`;
  else if (others <= REFUSAL_NAMES) have = `the other ${zone} regions can absorb ${fixed(total)} (${shown.map((x) => `${x.region.name} ${fixed(x.spare)}`).join(', ')})`;
  else {
    const listed = shown.slice(0, REFUSAL_NAMES).map((x) => `${x.region.name} ${fixed(x.spare)}`).join(', ');
    have = `the other ${others} ${zone} regions can absorb ${fixed(total)} (${listed} and ${others - REFUSAL_NAMES} more)`;
  }
  const away = take((function* () {
    for (const x of outside) if (x.spare > 0) yield x;
  })());
  let beyond = '';
  if (away.length === 1) beyond = `; ${away[0]!.region.name} is outside ${zone}`;
  else if (away.length > 1 && away.length <= REFUSAL_NAMES) beyond = `; ${names(away.map((x) => x.region.name))} are outside ${zone}`;
  else if (away.length > REFUSAL_NAMES) beyond = `; ${away.slice(0, REFUSAL_NAMES).map((x) => x.region.name).join(', ')} and more are outside ${zone}`;
  return `draining ${drained.name} (${zone}, ${pct(need)} of users) needs ${fixed(need)} of spare capacity inside ${zone}; ${have}${beyond}`;
}

/** Spare capacities, most first; ties keep policy order (the sort is stable). */
function byMostSpare(spares: readonly Spare[]): Spare[] {
  return [...spares].sort((a, b) => b.spare - a.spare);
}

/** The policy's production regions by name (the first of each name). */
function productionIndex(policy: Policy): { production: Region[]; byName: Map<string, Region> } {
  const byName = new Map<string, Region>();
  for (const r of policy.spec.regions) if (!byName.has(r.name)) byName.set(r.name, r);
  return { production: productionRegions(policy), byName };
}

function productionRegion(index: ReturnType<typeof productionIndex>, name: string, role: string): Region {
  const region = index.byName.get(name);
  const known = (): string => listSome(index.production.map((r) => r.name));
  if (!region) throw new UsageError(`${role} "${name}" is not a region of the policy (production regions: ${known()})`);
  if (region.internal) throw new UsageError(`${role} "${name}" is an internal region: it serves no users (production regions: ${known()})`);
  return region;
}

/**
 * Plan draining `region`: allowed only when the other serving production regions' spare capacity
 * adds up to at least its peak load; its users are then spread over them in proportion to their
 * spare capacity, none ending above its capacity. Linear in regions (the refusal's ranking n·log n).
 * @param serving production regions currently serving (default: every production region).
 * @throws UsageError when a region named is unknown or internal.
 */
export function planDrain(policy: Policy, region: string, serving?: readonly string[]): DrainPlan {
  const index = productionIndex(policy);
  const drained = productionRegion(index, region, 'region');
  const servingNames = serving === undefined ? undefined : new Set(serving.map((n) => productionRegion(index, n, 'serving region').name));
  const serves = servingNames === undefined ? index.production : index.production.filter((r) => servingNames.has(r.name));
  // A region of a residency zone hands its users only to regions of its zone.
  const pool = serves.filter((r) => mayServe(drained, r));
  const others = pool.filter((r) => r.name !== drained.name);
  const need = peakLoad(drained);
  const spares = others.map((r) => ({ region: r, spare: spareCapacity(r) }));
  const total = othersSpare(pool.map(spareCapacity), others.length < pool.length ? spareCapacity(drained) : 0);

  if (total + EPSILON < need) {
    const reason = drained.residency === undefined
      ? refusal(drained, need, total, spares.length, byMostSpare(spares))
      : zoneRefusal(drained, need, total, spares.length, byMostSpare(spares), byMostSpare(serves.filter((r) => !mayServe(drained, r)).map((r) => ({ region: r, spare: spareCapacity(r) }))));
    return { allowed: false, reason, shifts: [] };
  }
  if (need <= 0) return { allowed: true, reason: null, shifts: [] };

  return { allowed: true, reason: null, shifts: spread(need, spares) };
}

/** Σ values, compensated (Neumaier), so that 2,000 terms add up to what they are worth. */
function sumOf(values: readonly number[]): number {
  let sum = 0;
  let carry = 0;
  for (const v of values) {
    const t = sum + v;
    carry += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + carry;
}

/**
 * The spare capacity of the pool less the drained region's own: planDrain and
 * regionsThatCannotBeLost both compute it this way, so they print the same number to the last digit.
 */
function othersSpare(pool: readonly number[], own: number): number {
  return Math.max(0, sumOf(pool) - own);
}

export interface LossVerdict {
  region: Region;
  /** planDrain's reason for refusing to drain the region while every production region serves. */
  reason: string;
}

/**
 * The production regions that could not be drained while every other production region serves,
 * each with the reason planDrain gives (what lint's insufficient-headroom reports), in policy order.
 * Each residency zone is judged on its own: a region of a zone must be absorbable inside it, an
 * unrestricted one by every other region. O(n·log n) for n regions: the spare capacity of each zone
 * is summed once and each region's own is subtracted, where asking planDrain region by region would
 * rescan the others for each one.
 */
export function regionsThatCannotBeLost(policy: Policy): LossVerdict[] {
  const production = productionRegions(policy);
  const spares: Spare[] = production.map((r) => ({ region: r, spare: spareCapacity(r) }));
  /** The regions that may take a region's users: its zone's, or every region for an unrestricted one. */
  const pools = new Map<string | undefined, { spares: Spare[]; total: number; ranked?: Spare[]; outside?: Spare[] }>();
  const poolOf = (region: Region) => {
    let pool = pools.get(region.residency);
    if (!pool) {
      const members = spares.filter((x) => mayServe(region, x.region));
      pool = { spares: members, total: sumOf(members.map((x) => x.spare)) };
      pools.set(region.residency, pool);
    }
    return pool;
  };
  const verdicts: LossVerdict[] = [];
  for (const own of spares) {
    const need = peakLoad(own.region);
    const pool = poolOf(own.region);
    const total = Math.max(0, pool.total - own.spare); // othersSpare(pool, own.spare), the sum taken once
    if (total + EPSILON >= need) continue;
    pool.ranked ??= byMostSpare(pool.spares);
    const ranked = pool.ranked;
    const others = (function* () {
      for (const x of ranked) if (x !== own) yield x;
    })();
    if (own.region.residency === undefined) {
      verdicts.push({ region: own.region, reason: refusal(own.region, need, total, pool.spares.length - 1, others) });
    } else {
      pool.outside ??= byMostSpare(spares.filter((x) => !mayServe(own.region, x.region)));
      verdicts.push({ region: own.region, reason: zoneRefusal(own.region, need, total, pool.spares.length - 1, others, pool.outside) });
    }
  }
  return verdicts;
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
