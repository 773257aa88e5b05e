import { describe, expect, it } from 'vitest';
import { loadPolicy } from './load.ts';
import { fleetPolicy } from './testing.ts';

const load = (options: Parameters<typeof fleetPolicy>[0]) => loadPolicy(fleetPolicy(options), 'fleet.yaml').policy;

describe('the generated fleet policy', () => {
  it('puts the internal region in ring-0, the canary alone in ring-1 and the rest in rings of ringSize', () => {
    const policy = load({ regions: 25, ringSize: 10 });
    expect(policy.spec.rings.map((r) => r.regions.length)).toEqual([1, 1, 10, 10, 3]);
    expect(policy.spec.rings.map((r) => r.bake / 3_600_000)).toEqual([1, 24, 12, 12, 12]);
    expect(Object.keys(policy.spec.gates)).toEqual(['error-rate']);
    expect(policy.spec.windows.deploy).toBe('business-hours');
  });

  it('takes ring sizes, the regions left over making one last ring', () => {
    const policy = load({ regions: 500, rings: [1, 25, 100] });
    expect(policy.spec.rings.map((r) => r.regions.length)).toEqual([1, 1, 25, 100, 373]);
    expect(policy.spec.rings[2]!.regions[0]).toBe('region-2');
    expect(policy.spec.rings[4]!.regions.at(-1)).toBe('region-499');
    expect(load({ regions: 27, rings: [1, 25] }).spec.rings.map((r) => r.regions.length)).toEqual([1, 1, 25]);
  });

  it('refuses ring sizes that need more regions than the fleet has, or are not whole numbers', () => {
    expect(() => fleetPolicy({ regions: 50, rings: [1, 25, 100] })).toThrow('ring sizes 1, 25, 100 need more than the 49 production regions');
    expect(() => fleetPolicy({ regions: 50, rings: [1, 0] })).toThrow('ring sizes must be whole numbers of at least 1 (got 0)');
  });

  it('adds a stable-regions comparison to every production ring but the last, and the deploy window asked for', () => {
    const policy = load({ regions: 40, rings: [1, 10], compare: { metric: 'p99_latency_ms', maxRatio: 0.2 }, deployWindow: 'always' });
    expect(policy.spec.rings.map((r) => r.gates)).toEqual([['error-rate'], ['error-rate', 'vs-baseline'], ['error-rate', 'vs-baseline'], ['error-rate']]);
    expect(policy.spec.gates['vs-baseline']!.compare).toMatchObject({ metric: 'p99_latency_ms', baseline: 'stable-regions', maxRatio: 0.2 });
    expect(load({ regions: 10, compare: { metric: 'error_rate' } }).spec.gates['vs-baseline']!.compare!.maxRatio).toBe(0.5);
    expect(policy.spec.windows.deploy).toBe('always');
  });
});
