/**
 * @module Generated policies for tests and benchmarks: a fleet of N regions (one internal, the rest
 * production) in rings of a given size (or of given sizes), with user shares that sum to 1, a chosen
 * capacity per region and, when asked, a comparison gate against the stable regions. Pure (returns
 * YAML text); used only by tests and bench/.
 */
import { stringify } from 'yaml';

const ZONES = ['UTC', 'Europe/London', 'Asia/Kolkata', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin', 'America/Sao_Paulo', 'Australia/Sydney'];

export interface FleetOptions {
  /** Regions in all, the internal one included (at least 2). */
  regions: number;
  /** Production regions per ring after the one-region canary ring (default 10). */
  ringSize?: number;
  /**
   * The production rings' sizes in order, from ring-1 (the canary) on, in place of the canary and
   * rings of `ringSize`; the regions left over make one last ring. E.g. [1, 25, 100] for 500 regions:
   * rings of 1, 25, 100 and 373.
   */
  rings?: readonly number[];
  /** Capacity of production region i (1-based); undefined leaves the default (1.0). Default: cycles 1.0, 1.2, 1.5, 2. */
  capacity?: (i: number) => number | undefined;
  /**
   * Adds gate `vs-baseline`, `compare: { metric, baseline: stable-regions, maxRatio }`, to every
   * production ring but the last (once the last deploys, no production region is left on the
   * previous version to compare with). maxRatio defaults to 0.5.
   */
  compare?: { metric: 'error_rate' | 'p99_latency_ms'; maxRatio?: number };
  /** spec.windows.deploy (default: left out, which means business-hours). */
  deployWindow?: 'business-hours' | 'always';
}

/** The production rings' sizes: `rings` and the rest, or the canary and rings of `ringSize`. */
function ringSizes(production: number, options: FleetOptions): number[] {
  if (!options.rings) {
    const ringSize = options.ringSize ?? 10;
    const sizes = [1];
    for (let left = production - 1; left > 0; left -= ringSize) sizes.push(Math.min(ringSize, left));
    return sizes;
  }
  const sizes: number[] = [];
  let left = production;
  for (const size of options.rings) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ring sizes must be whole numbers of at least 1 (got ${size})`);
    if (size > left) throw new RangeError(`ring sizes ${options.rings.join(', ')} need more than the ${production} production regions`);
    sizes.push(size);
    left -= size;
  }
  if (left > 0) sizes.push(left);
  return sizes;
}

const CAPACITIES = [1.0, 1.2, 1.5, 2];

/**
 * A ReleasePolicy of `regions` regions: `region-0` internal in ring-0, `region-1` alone in ring-1
 * (the canary), the others in rings of `ringSize` (or in rings of the sizes `rings` gives). Bakes:
 * 1h for ring-0, 24h for ring-1, 12h after. Shares are weights 1..7 cycling, normalised and
 * written with 6 decimals (they sum to 1 within 0.01 up to 20,000 regions).
 */
export function fleetPolicy(options: FleetOptions): string {
  const n = options.regions;
  const capacity = options.capacity ?? ((i: number) => CAPACITIES[i % CAPACITIES.length]);
  const weight = (i: number): number => 1 + (i % 7);
  let total = 0;
  for (let i = 1; i < n; i++) total += weight(i);
  const regions: Array<Record<string, unknown>> = [{ name: 'region-0', internal: true, timezone: 'UTC', clusters: [{ name: 'cluster-0' }] }];
  for (let i = 1; i < n; i++) {
    const c = capacity(i);
    regions.push({
      name: `region-${i}`,
      timezone: ZONES[i % ZONES.length],
      userShare: Number((weight(i) / total).toFixed(6)),
      ...(c === undefined ? {} : { capacity: c }),
      clusters: [{ name: `cluster-${i}` }],
    });
  }
  const rings: Array<Record<string, unknown>> = [{ name: 'ring-0', regions: ['region-0'], bake: '1h', gates: ['error-rate'] }];
  const sizes = ringSizes(n - 1, options);
  let next = 1;
  sizes.forEach((size, k) => {
    const names: string[] = [];
    for (let j = next; j < next + size; j++) names.push(`region-${j}`);
    next += size;
    const compared = options.compare !== undefined && k < sizes.length - 1;
    rings.push({ name: `ring-${rings.length}`, regions: names, bake: k === 0 ? '24h' : '12h', gates: compared ? ['error-rate', 'vs-baseline'] : ['error-rate'] });
  });
  const gates: Record<string, unknown> = { 'error-rate': { metric: 'error_rate', max: 0.01 } };
  if (options.compare) {
    gates['vs-baseline'] = { compare: { metric: options.compare.metric, baseline: 'stable-regions', maxRatio: options.compare.maxRatio ?? 0.5 } };
  }
  return stringify({
    apiVersion: 'meridian.dev/v1alpha1',
    kind: 'ReleasePolicy',
    metadata: { name: 'fleet' },
    spec: {
      service: { name: 'fleet', tier: 2 },
      regions,
      rings,
      gates,
      ...(options.deployWindow ? { windows: { deploy: options.deployWindow } } : {}),
    },
  });
}
