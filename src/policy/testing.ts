/**
 * @module Generated policies for tests and benchmarks: a fleet of N regions (one internal, the rest
 * production) in rings of a given size, with user shares that sum to 1 and a chosen capacity per
 * region. Pure (returns YAML text); used only by tests and bench/.
 */
import { stringify } from 'yaml';

const ZONES = ['UTC', 'Europe/London', 'Asia/Kolkata', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin', 'America/Sao_Paulo', 'Australia/Sydney'];

export interface FleetOptions {
  /** Regions in all, the internal one included (at least 2). */
  regions: number;
  /** Production regions per ring after the one-region canary ring (default 10). */
  ringSize?: number;
  /** Capacity of production region i (1-based); undefined leaves the default (1.0). Default: cycles 1.0, 1.2, 1.5, 2. */
  capacity?: (i: number) => number | undefined;
}

const CAPACITIES = [1.0, 1.2, 1.5, 2];

/**
 * A ReleasePolicy of `regions` regions: `region-0` internal in ring-0, `region-1` alone in ring-1
 * (the canary), the others in rings of `ringSize`. Shares are weights 1..7 cycling, normalised and
 * written with 6 decimals (they sum to 1 within 0.01 up to 20,000 regions).
 */
export function fleetPolicy(options: FleetOptions): string {
  const n = options.regions;
  const ringSize = options.ringSize ?? 10;
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
  const rings: Array<Record<string, unknown>> = [
    { name: 'ring-0', regions: ['region-0'], bake: '1h', gates: ['error-rate'] },
    { name: 'ring-1', regions: ['region-1'], bake: '24h', gates: ['error-rate'] },
  ];
  for (let i = 2; i < n; i += ringSize) {
    const names: string[] = [];
    for (let j = i; j < Math.min(n, i + ringSize); j++) names.push(`region-${j}`);
    rings.push({ name: `ring-${rings.length}`, regions: names, bake: '12h', gates: ['error-rate'] });
  }
  return stringify({
    apiVersion: 'meridian.dev/v1alpha1',
    kind: 'ReleasePolicy',
    metadata: { name: 'fleet' },
    spec: {
      service: { name: 'fleet', tier: 2 },
      regions,
      rings,
      gates: { 'error-rate': { metric: 'error_rate', max: 0.01 } },
    },
  });
}
