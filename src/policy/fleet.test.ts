/** @module Tests of loading a configuration of Fleets and ReleasePolicies: resolution against the fleet, and every rule with its message and place. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, UsageError, formatLocated } from '../errors.ts';
import { HOUR } from './duration.ts';
import { loadConfig, loadConfigSources, writtenAt, type ConfigFile } from './fleet.ts';
import { lint } from './lint/lint.ts';
import { lineOf } from './source.ts';

/** fleet.yaml: an internal region, two production ones, a holiday freeze, two releases per region. */
const FLEET = `apiVersion: meridian.dev/v1alpha1
kind: Fleet
metadata:
  name: prod
spec:
  regions:
    - name: internal
      internal: true
      timezone: UTC
      clusters: [{ name: staging }]
    - name: eu-west-1
      timezone: Europe/London
      userShare: 0.4
      capacity: 2
      clusters: [{ name: eu-west-1 }]
    - name: us-east-1
      timezone: America/New_York
      userShare: 0.6
      capacity: 2
      clusters: [{ name: us-east-1 }]
  windows:
    freeze:
      - { from: "2026-12-24T00:00:00Z", to: "2026-12-27T00:00:00Z", reason: holidays }
  concurrency:
    perRegion: 2
`;

/** A policy of service `name` on fleet prod: three rings, one gate (line 7 is `fleet: prod`). */
function policyText(name: string, extra = ''): string {
  return `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata:
  name: ${name}
spec:
  service: { name: ${name}, tier: 2 }
  fleet: prod
  rings:
    - { name: ring-0, regions: [internal], bake: 1h, gates: [error-rate] }
    - { name: ring-1, regions: [eu-west-1], bake: 24h, gates: [error-rate] }
    - { name: ring-2, regions: [us-east-1], bake: 24h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
${extra}`;
}

/** A policy with its own regions and no fleet. */
const STANDALONE = `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata:
  name: legacy
spec:
  service: { name: legacy }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: legacy-staging }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 1, clusters: [{ name: legacy-eu }] }
  rings:
    - { name: ring-0, regions: [internal] }
    - { name: ring-1, regions: [eu-west-1] }
`;

function errorsOf(files: ConfigFile[]): string[] {
  try {
    loadConfig(files);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('loading a configuration', () => {
  it("resolves a policy against its fleet: the fleet's regions and freezes, the text of both files", () => {
    const checkout = policyText('checkout');
    const config = loadConfig([{ file: 'checkout.yaml', text: checkout }, { file: 'fleet.yaml', text: FLEET }]);
    expect(config.fleets).toEqual([{ name: 'prod', file: 'fleet.yaml', perRegion: 2 }]);
    expect(config.services).toHaveLength(1);
    const [svc] = config.services;
    expect(svc).toMatchObject({ service: 'checkout', file: 'checkout.yaml', fleet: 'prod', text: `${checkout}\n---\n${FLEET}` });
    const spec = svc!.policy.spec;
    expect(spec.fleet).toBe('prod');
    expect(spec.regions.map((r) => r.name)).toEqual(['internal', 'eu-west-1', 'us-east-1']);
    expect(spec.regions[1]).toMatchObject({ userShare: 0.4, capacity: 2, businessHours: { days: [1, 2, 3, 4, 5], start: 540, end: 1020 } });
    expect(spec.windows).toEqual({ deploy: 'business-hours', freeze: [{ from: Date.parse('2026-12-24T00:00:00Z'), to: Date.parse('2026-12-27T00:00:00Z'), reason: 'holidays' }] });
    expect(spec.rings[1]!.bake).toBe(24 * HOUR);
  });

  it("keeps the policy's own deploy window and puts its own freezes before the fleet's", () => {
    const own = policyText('checkout', '  windows:\n    deploy: always\n    freeze: [{ from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z", reason: launch }]\n');
    const [svc] = loadConfig([{ file: 'a.yaml', text: own }, { file: 'fleet.yaml', text: FLEET }]).services;
    expect(svc!.policy.spec.windows.deploy).toBe('always');
    expect(svc!.policy.spec.windows.freeze.map((f) => f.reason)).toEqual(['launch', 'holidays']);
  });

  it("takes the fleet's deploy window when the policy gives none, and no limit when the fleet sets none", () => {
    const fleet = FLEET.replace('    freeze:\n', '    deploy: always\n    freeze:\n').replace('  concurrency:\n    perRegion: 2\n', '');
    const config = loadConfig([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: fleet }]);
    expect(config.services[0]!.policy.spec.windows.deploy).toBe('always');
    expect(config.fleets).toEqual([{ name: 'prod', file: 'fleet.yaml', perRegion: null }]);
  });

  it('keeps a policy with its own regions as it is: no fleet, its own text', () => {
    const config = loadConfig([{ file: 'checkout.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: FLEET }, { file: 'legacy.yaml', text: STANDALONE }]);
    expect(config.services.map((s) => [s.service, s.fleet])).toEqual([['checkout', 'prod'], ['legacy', null]]);
    expect(config.services[1]!.text).toBe(STANDALONE);
    expect(config.services[1]!.policy.spec.regions.map((r) => r.name)).toEqual(['internal', 'eu-west-1']);
  });

  it('lists services in file order', () => {
    const config = loadConfig([
      { file: 'a.yaml', text: policyText('search') },
      { file: 'b.yaml', text: policyText('checkout') },
      { file: 'fleet.yaml', text: FLEET },
    ]);
    expect(config.services.map((s) => s.service)).toEqual(['search', 'checkout']);
  });

  it('refuses a file of any other kind, naming the two kinds', () => {
    const release = 'apiVersion: meridian.dev/v1alpha1\nkind: Release\nspec: { version: v1 }\n';
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: FLEET }, { file: 'release.yaml', text: release }])).toEqual([
      'release.yaml:2:7: kind: "Release" is not Fleet or ReleasePolicy (a configuration holds only these two kinds)',
    ]);
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: FLEET }, { file: 'b.yaml', text: 'apiVersion: meridian.dev/v1alpha1\nspec: {}\n' }])).toEqual([
      'b.yaml:1:1: kind: required (use Fleet or ReleasePolicy)',
    ]);
  });

  it("checks a fleet's regions and windows with the policy rules, and stops at spec.fleet in each policy that uses it", () => {
    const fleet = FLEET
      .replace('      internal: true\n', '      internal: true\n      userShare: 0.1\n')
      .replace('      userShare: 0.4\n', '')
      .replace('      capacity: 2\n      clusters: [{ name: us-east-1 }]', '      capacity: 2\n      businessHours: { start: "17:00", end: "09:00" }\n      clusters: [{ name: eu-west-1 }]')
      .replace('to: "2026-12-27T00:00:00Z"', 'to: "2026-12-23T00:00:00Z"')
      .replace('timezone: America/New_York', 'timezone: America/Nowhere');
    expect(errorsOf([{ file: 'checkout.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: fleet }, { file: 'search.yaml', text: policyText('search') }])).toEqual([
      'checkout.yaml:7:10: spec.fleet: fleet "prod" has errors (in fleet.yaml); this policy is checked once they are fixed',
      'fleet.yaml:17:17: spec.regions[2].timezone: "America/Nowhere" is not an IANA time zone (e.g. Europe/London, Asia/Kolkata, UTC)',
      'fleet.yaml:9:18: spec.regions[0].userShare: an internal region has no user share (remove it, or set internal: false)',
      'fleet.yaml:12:7: spec.regions[1]: production region "eu-west-1" needs a userShare',
      'fleet.yaml:20:45: spec.regions[2].businessHours.end: business hours must end after they start (same day, local time)',
      'fleet.yaml:21:26: spec.regions[2].clusters[0].name: cluster "eu-west-1" is already in region "eu-west-1"',
      'fleet.yaml:24:45: spec.windows.freeze[0].to: a freeze must end after it starts',
      'search.yaml:7:10: spec.fleet: fleet "prod" has errors (in fleet.yaml); this policy is checked once they are fixed',
    ]);
  });

  it("checks that a fleet's regions are defined once and its shares sum to 1", () => {
    const fleet = FLEET.replace('    - name: us-east-1\n', '    - name: eu-west-1\n').replace('      clusters: [{ name: us-east-1 }]', '      clusters: [{ name: eu-west-2 }]').replace('userShare: 0.6', 'userShare: 0.7');
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: fleet }]).slice(1)).toEqual([
      'fleet.yaml:16:13: spec.regions[2].name: region "eu-west-1" is defined twice',
      'fleet.yaml:7:5: spec.regions: production userShare must sum to 1 (±0.01); it sums to 1.1 (eu-west-1 0.4 + eu-west-1 0.7)',
    ]);
  });

  it("checks a fleet's own fields: at least one region, perRegion a whole number from 1, no unknown field", () => {
    const fleet = FLEET.replace('perRegion: 2', 'perRegion: 0').replace('  concurrency:\n', '  concurency: {}\n  concurrency:\n');
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: fleet }]).slice(1)).toEqual([
      'fleet.yaml:26:16: spec.concurrency.perRegion: must be at least 1, got 0',
      'fleet.yaml:24:3: spec.concurency: unknown field "concurency" (did you mean "concurrency"?)',
    ]);
    const empty = 'apiVersion: meridian.dev/v1alpha1\nkind: Fleet\nmetadata: { name: prod }\nspec: { regions: [] }\n';
    expect(errorsOf([{ file: 'a.yaml', text: STANDALONE }, { file: 'fleet.yaml', text: empty }])).toEqual([
      'fleet.yaml:4:18: spec.regions: a fleet needs at least one region',
    ]);
  });

  it("refuses a second fleet of the same name, naming the first one's file and line", () => {
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'fleet.yaml', text: FLEET }, { file: 'fleet2.yaml', text: FLEET }])).toEqual([
      'fleet2.yaml:4:9: metadata.name: fleet "prod" is already defined at fleet.yaml:4 (fleet names are unique)',
    ]);
  });

  it('refuses a policy that names a fleet and lists its own regions', () => {
    const both = STANDALONE.replace('  service: { name: legacy }\n', '  service: { name: legacy }\n  fleet: prod\n');
    expect(errorsOf([{ file: 'fleet.yaml', text: FLEET }, { file: 'legacy.yaml', text: both }])).toEqual([
      'legacy.yaml:7:10: spec.fleet: a policy names a fleet or lists its own regions, not both (remove spec.regions to take the regions of fleet "prod")',
    ]);
  });

  it('names an unknown fleet with a did-you-mean, or the known ones, and still checks the rest of the policy', () => {
    const typo = policyText('checkout').replace('fleet: prod', 'fleet: prd');
    expect(errorsOf([{ file: 'a.yaml', text: typo }, { file: 'fleet.yaml', text: FLEET }])).toEqual([
      'a.yaml:7:10: spec.fleet: fleet "prd" is not defined (did you mean "prod"?)',
    ]);
    const other = policyText('checkout').replace('fleet: prod', 'fleet: staging').replace('gates: [error-rate] }\n  gates', 'gates: [error-rat] }\n  gates');
    expect(errorsOf([{ file: 'a.yaml', text: other }, { file: 'fleet.yaml', text: FLEET }])).toEqual([
      'a.yaml:7:10: spec.fleet: fleet "staging" is not defined (known: prod)',
      'a.yaml:11:64: spec.rings[2].gates[0]: gate "error-rat" is not defined (did you mean "error-rate"?)',
    ]);
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }])).toEqual([
      'a.yaml:7:10: spec.fleet: fleet "prod" is not defined (no file of this configuration is a Fleet)',
    ]);
  });

  it("reports a fleet region in no ring of a policy at the policy's spec.fleet, naming the fleet and the region", () => {
    const partial = policyText('checkout').replace('    - { name: ring-2, regions: [us-east-1], bake: 24h, gates: [error-rate] }\n', '');
    expect(errorsOf([{ file: 'checkout.yaml', text: partial }, { file: 'fleet.yaml', text: FLEET }])).toEqual([
      'checkout.yaml:7:10: spec.fleet: fleet "prod": region "us-east-1" is in no ring (every region is in exactly one ring)',
    ]);
  });

  it('reports a ring naming a region the fleet lacks in the policy, with a did-you-mean', () => {
    const typo = policyText('checkout').replace('regions: [us-east-1]', 'regions: [us-east-2]');
    expect(errorsOf([{ file: 'checkout.yaml', text: typo }, { file: 'fleet.yaml', text: FLEET }])).toEqual([
      'checkout.yaml:11:33: spec.rings[2].regions[0]: region "us-east-2" is not defined (did you mean "us-east-1"?)',
      'checkout.yaml:7:10: spec.fleet: fleet "prod": region "us-east-1" is in no ring (every region is in exactly one ring)',
    ]);
  });

  it("refuses a second policy for one service, naming the first one's file and line", () => {
    const again = policyText('checkout').replace('name: checkout\nspec', 'name: checkout-again\nspec');
    expect(errorsOf([{ file: 'a.yaml', text: policyText('checkout') }, { file: 'b.yaml', text: again }, { file: 'fleet.yaml', text: FLEET }])).toEqual([
      'b.yaml:6:20: spec.service.name: service "checkout" already has a policy at a.yaml:6 (one policy per service)',
    ]);
  });

  it('reports every problem of every file together, in file order', () => {
    const bad = policyText('checkout').replace('bake: 24h', 'bake: 24');
    expect(errorsOf([
      { file: 'a.yaml', text: bad },
      { file: 'b.yaml', text: 'kind: [' },
      { file: 'fleet.yaml', text: FLEET },
      { file: 'legacy.yaml', text: STANDALONE.replace('userShare: 1', 'userShare: 0.5') },
    ])).toEqual([
      'a.yaml:10:51: spec.rings[1].bake: "24" is not a duration (use e.g. 24h)',
      'b.yaml:1:8: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'legacy.yaml:8:5: spec.regions: production userShare must sum to 1 (±0.01); it sums to 0.5 (eu-west-1 0.5)',
    ]);
  });

  it('refuses a configuration without a policy', () => {
    expect(() => loadConfig([{ file: 'fleet.yaml', text: FLEET }])).toThrow(new UsageError('no ReleasePolicy in fleet.yaml: a configuration needs at least one service'));
    expect(() => loadConfig([])).toThrow(new UsageError('no files: a configuration needs at least one ReleasePolicy'));
  });
});

describe('where a resolved policy was written', () => {
  const own = policyText('checkout', '  windows:\n    freeze: [{ from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z", reason: launch }]\n');
  const { services } = loadConfigSources([{ file: 'checkout.yaml', text: own }, { file: 'fleet.yaml', text: FLEET }]);
  const svc = services[0]!;

  it("places the fleet's regions and freezes in the fleet file, the rest in the policy file", () => {
    const at = (path: (string | number)[]): string => {
      const w = writtenAt(svc, path);
      return `${w.source.file}:${lineOf(w.source, w.path)} ${w.inFleet}`;
    };
    expect(at(['spec', 'regions', 2, 'capacity'])).toBe('fleet.yaml:19 true');
    expect(at(['spec', 'windows', 'freeze', 0])).toBe('checkout.yaml:15 false');
    expect(at(['spec', 'windows', 'freeze', 1, 'to'])).toBe('fleet.yaml:23 true');
    expect(at(['spec', 'rings', 1, 'bake'])).toBe('checkout.yaml:10 false');
  });

  it("places the fleet's deploy window in the fleet file only when the policy gives none", () => {
    const fleet = FLEET.replace('    freeze:\n', '    deploy: always\n    freeze:\n');
    const deployAt = (policy: string): string => {
      const [loaded] = loadConfigSources([{ file: 'checkout.yaml', text: policy }, { file: 'fleet.yaml', text: fleet }]).services;
      const w = writtenAt(loaded!, ['spec', 'windows', 'deploy']);
      return `${w.source.file}:${lineOf(w.source, w.path)}`;
    };
    expect(deployAt(policyText('checkout'))).toBe('fleet.yaml:22');
    expect(deployAt(policyText('checkout', '  windows: { deploy: always }\n'))).toBe('checkout.yaml:14');
  });
});

describe('the fleet example (examples/fleet)', () => {
  const dir = new URL('../../examples/fleet/', import.meta.url);
  const files = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort().map((n) => ({ file: `examples/fleet/${n}`, text: readFileSync(new URL(n, dir), 'utf8') }));

  it('loads: one fleet of an internal and four production regions, three services of tiers 1 to 3', () => {
    const config = loadConfig(files);
    expect(config.fleets).toEqual([{ name: 'prod', file: 'examples/fleet/fleet.yaml', perRegion: 2 }]);
    expect(config.services.map((s) => [s.service, s.policy.spec.service.tier, s.fleet])).toEqual([['checkout', 1, 'prod'], ['profile', 3, 'prod'], ['search', 2, 'prod']]);
    const checkout = config.services[0]!.policy;
    expect(checkout.spec.regions.filter((r) => !r.internal)).toHaveLength(4);
    expect(checkout.spec.rings).toHaveLength(4);
    expect(checkout.spec.rings[3]!.approval).toBeDefined();
    expect(checkout.spec.windows.freeze.map((f) => new Date(f.from).toISOString().slice(0, 7))).toContain('2026-12');
  });

  it('lints without errors', () => {
    for (const s of loadConfig(files).services) {
      expect(lint({ policy: s.policy }).filter((f) => f.severity === 'error'), s.service).toEqual([]);
    }
  });
});
