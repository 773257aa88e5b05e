/** @module Tests of residency labels and replication groups in a policy and through a Fleet: what loads, and each error with its file, line, column and path. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, formatLocated } from '../errors.ts';
import { loadConfigSources } from './fleet.ts';
import { lint } from './lint/lint.ts';
import { loadPolicy } from './load.ts';
import { residencyZones } from './residency.ts';

const example = readFileSync(new URL('../../examples/residency.yaml', import.meta.url), 'utf8');

function errorsOf(text: string, file = 'policy.yaml'): string[] {
  try {
    loadPolicy(text, file);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

/** The example with its replication groups replaced by `groups` (YAML lines, indented as list items under groups:). */
const withGroups = (groups: string): string =>
  example.replace(/ {6}groups:\n( {8}- .*\n)+/, `      groups:\n${groups}`);

/** The line of the example that holds `text` (1-based). */
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('residency labels', () => {
  it('load from examples/residency.yaml: two zones with their regions and users', () => {
    const { policy } = loadPolicy(example, 'examples/residency.yaml');
    expect(residencyZones(policy).map((z) => ({ label: z.label, regions: z.regions.map((r) => r.name), users: Math.round(z.userShare * 100) }))).toEqual([
      { label: 'EU', regions: ['eu-west-1', 'eu-central-1'], users: 42 },
      { label: 'US', regions: ['us-west-2', 'us-east-1'], users: 58 },
    ]);
    expect(policy.spec.data.replication?.groups).toEqual([
      { name: 'eu', residency: 'EU', regions: ['eu-west-1', 'eu-central-1'] },
      { name: 'us', residency: 'US', regions: ['us-west-2', 'us-east-1'] },
    ]);
  });

  it('lints the example with one finding: eu-central-1 cannot be lost inside the EU', () => {
    const { policy } = loadPolicy(example, 'examples/residency.yaml');
    expect(lint({ policy }).map((f) => `${f.severity} ${f.rule}: ${f.message}`)).toEqual([
      'warning insufficient-headroom: losing eu-central-1 would push the other EU regions past capacity: draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.12; us-west-2 and us-east-1 are outside EU',
    ]);
  });

  it('refuses a label that is not a name, with its place', () => {
    const text = example.replace('residency: EU\n      timezone: Europe/Dublin', 'residency: "E U"\n      timezone: Europe/Dublin');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '"E U"')}:18: spec.regions[1].residency: "E U" is not a residency label (letters, digits, ".", "_" and "-", at most 63, e.g. EU)`,
    ]);
  });
});

describe('replication groups', () => {
  it('refuses a region named twice in a group', () => {
    const text = withGroups('        - { name: eu, residency: EU, regions: [eu-west-1, eu-central-1, eu-west-1] }\n        - { name: us, residency: US, regions: [us-west-2, us-east-1] }\n');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '- { name: eu')}:73: spec.data.replication.groups[0].regions[2]: region "eu-west-1" is named twice in replication group "eu"`,
    ]);
  });

  it('refuses a region in two groups', () => {
    const text = withGroups('        - { name: eu, residency: EU, regions: [eu-west-1, eu-central-1] }\n        - { name: us, regions: [us-west-2, us-east-1, eu-central-1] }\n');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '- { name: us')}:55: spec.data.replication.groups[1].regions[2]: region "eu-central-1" is already in replication group "eu" (a region replicates in at most one group)`,
    ]);
  });

  it('refuses an unknown region with a did-you-mean', () => {
    const text = withGroups('        - { name: eu, residency: EU, regions: [eu-west-1, eu-centrl-1] }\n        - { name: us, residency: US, regions: [us-west-2, us-east-1] }\n');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '- { name: eu')}:59: spec.data.replication.groups[0].regions[1]: region "eu-centrl-1" is not defined (did you mean "eu-central-1"?)`,
    ]);
  });

  it('refuses an unknown residency label with a did-you-mean, or the labels there are', () => {
    const typo = withGroups('        - { name: eu, residency: EUU, regions: [eu-west-1, eu-central-1] }\n        - { name: us, residency: US, regions: [us-west-2, us-east-1] }\n');
    expect(errorsOf(typo)).toEqual([
      `policy.yaml:${lineOf(typo, '- { name: eu')}:34: spec.data.replication.groups[0].residency: residency "EUU" is not the label of any region (did you mean "EU"?)`,
    ]);
    const other = withGroups('        - { name: eu, residency: CH, regions: [eu-west-1, eu-central-1] }\n        - { name: us, residency: US, regions: [us-west-2, us-east-1] }\n');
    expect(errorsOf(other)).toEqual([
      `policy.yaml:${lineOf(other, '- { name: eu')}:34: spec.data.replication.groups[0].residency: residency "CH" is not the label of any region (the labels regions carry: EU, US)`,
    ]);
  });

  it('refuses a group that declares a label one of its regions does not carry', () => {
    const text = withGroups('        - { name: eu, residency: EU, regions: [eu-west-1, eu-central-1, us-west-2] }\n        - { name: us, residency: US, regions: [us-east-1] }\n');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '- { name: eu')}:73: spec.data.replication.groups[0].regions[2]: region "us-west-2" is in residency zone US, not EU: replication group "eu" would carry EU data out of EU`,
    ]);
  });

  it('refuses a group that spans two residency labels', () => {
    const text = withGroups('        - { name: all, regions: [eu-west-1, eu-central-1, us-west-2, us-east-1] }\n');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '- { name: all')}:59: spec.data.replication.groups[0].regions[2]: replication group "all" spans two residency zones (eu-west-1 is EU, us-west-2 is US): EU data would leave EU; give each zone a group of its own`,
    ]);
  });

  it('refuses a group that mixes a zone with an unrestricted region', () => {
    const text = withGroups('        - { name: eu, regions: [eu-west-1, eu-central-1] }\n        - { name: us, regions: [us-west-2, us-east-1] }\n')
      .replace('residency: US\n      timezone: America/Los_Angeles', 'timezone: America/Los_Angeles');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '- { name: us')}:44: spec.data.replication.groups[1].regions[1]: replication group "us" mixes a residency zone with unrestricted regions (us-west-2 has no residency label, us-east-1 is US): US data would leave US; give each zone a group of its own`,
    ]);
  });

  it('refuses region-isolated without groups when the regions carry different labels', () => {
    const text = example.replace(/ {6}groups:\n( {8}- .*\n)+/, '');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, '    replication:') + 1}:7: spec.data.replication: without groups every region replicates with every other, but the regions carry residency labels (EU, US; internal has none): list spec.data.replication.groups, none spanning two labels, so EU data never leave EU`,
    ]);
  });

  it('refuses a group name that could not be a step name, and a group defined twice', () => {
    const text = withGroups('        - { name: "eu:1", residency: EU, regions: [eu-west-1, eu-central-1] }\n        - { name: us, regions: [us-west-2] }\n        - { name: us, regions: [us-east-1] }\n');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, 'eu:1')}:19: spec.data.replication.groups[0].name: "eu:1" is not a replication group name (letters, digits, ".", "_" and "-", at most 63, e.g. eu)`,
      `policy.yaml:${lineOf(text, '- { name: us, regions: [us-east-1]')}:19: spec.data.replication.groups[2].name: replication group "us" is defined twice`,
    ]);
  });
});

describe('residency through a Fleet', () => {
  const FLEET = `apiVersion: meridian.dev/v1alpha1
kind: Fleet
metadata: { name: prod }
spec:
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: eu-west-1, residency: EU, timezone: Europe/Dublin, userShare: 0.2, capacity: 1.5, clusters: [{ name: euw1 }] }
    - { name: eu-central-1, residency: EU, timezone: Europe/Berlin, userShare: 0.3, capacity: 1.5, clusters: [{ name: euc1 }] }
    - { name: us-east-1, residency: US, timezone: America/New_York, userShare: 0.5, capacity: 2, clusters: [{ name: use1 }] }
`;
  const POLICY = `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: checkout }
spec:
  service: { name: checkout }
  fleet: prod
  rings:
    - { name: ring-0, regions: [internal], bake: 1h, gates: [error-rate] }
    - { name: ring-1, regions: [eu-west-1], bake: 24h, gates: [error-rate] }
    - { name: ring-2, regions: [eu-central-1, us-east-1], bake: 24h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  data:
    pattern: region-isolated
    replication:
      pause: { command: [pause] }
      resume: { command: [resume] }
      groups:
        - { name: eu, residency: EU, regions: [eu-west-1, eu-central-1] }
        - { name: us, residency: EU, regions: [us-east-1] }
`;

  it('gives a policy on the fleet its regions with their labels, and checks the groups against them', () => {
    const fixed = POLICY.replace('{ name: us, residency: EU', '{ name: us, residency: US');
    const loaded = loadConfigSources([{ file: 'config/fleet.yaml', text: FLEET }, { file: 'config/checkout.yaml', text: fixed }]);
    const policy = loaded.services[0]!.service.policy;
    expect(residencyZones(policy).map((z) => z.label)).toEqual(['EU', 'US']);
    // The headroom is the fleet's, judged per zone: neither EU region can take the other's users, and the US has one region.
    expect(lint({ policy }).filter((f) => f.rule === 'insufficient-headroom').map((f) => f.message)).toEqual([
      'losing eu-west-1 would push the other EU regions past capacity: draining eu-west-1 (EU, 20% of users) needs 0.20 of spare capacity inside EU; the other EU region, eu-central-1, can absorb 0.15; us-east-1 is outside EU',
      'losing eu-central-1 would push the other EU regions past capacity: draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.10; us-east-1 is outside EU',
      'losing us-east-1 would push the other US regions past capacity: draining us-east-1 (US, 50% of users) needs 0.50 of spare capacity inside US; no other US region is serving; eu-central-1 and eu-west-1 are outside US',
    ]);
  });

  it('reports a group whose label its fleet region does not carry in the policy file', () => {
    let problems: string[] = [];
    try {
      loadConfigSources([{ file: 'config/fleet.yaml', text: FLEET }, { file: 'config/checkout.yaml', text: POLICY }]);
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      problems = e.problems.map(formatLocated);
    }
    expect(problems).toEqual([
      'config/checkout.yaml:20:48: spec.data.replication.groups[1].regions[0]: region "us-east-1" is in residency zone US, not EU: replication group "us" would carry EU data out of EU',
    ]);
  });
});

describe('HAProxy with residency zones', () => {
  const on = (haproxy: string): string => example.replace('  traffic:\n    minHeadroom: 1.3\n', `  traffic:\n    provider: haproxy\n    haproxy: ${haproxy}\n    minHeadroom: 1.3\n`);

  it('takes a backend per residency label', () => {
    expect(errorsOf(on('{ socket: /run/haproxy.sock, backends: { EU: eu-regions, US: us-regions } }'))).toEqual([]);
  });

  it('refuses one backend for every zone, saying what to write', () => {
    const text = on('{ socket: /run/haproxy.sock }');
    expect(errorsOf(text)).toEqual([
      `policy.yaml:${lineOf(text, 'haproxy: {')}:14: spec.traffic.haproxy: HAProxy would balance EU, US users over backend "regions" with regions outside their zones: give each residency label a backend of its own (backends: { EU: eu-regions, US: us-regions })`,
    ]);
  });

  it('refuses a label no region carries, a label without a backend, and two zones in one backend', () => {
    const text = on('{ socket: /run/haproxy.sock, backends: { EUU: eu-regions, US: regions } }');
    expect(errorsOf(text).map((e) => e.replace(/^policy\.yaml:\d+:\d+: /, ''))).toEqual([
      'spec.traffic.haproxy.backends.EUU: residency "EUU" is not the label of any production region (did you mean "EU"?)',
      'spec.traffic.haproxy.backends: HAProxy would balance EU users over backend "regions" with regions outside their zone: give each residency label a backend of its own (backends: { EU: eu-regions, US: regions })',
    ]);
    const shared = on('{ socket: /run/haproxy.sock, backends: { EU: regions, US: regions } }');
    expect(errorsOf(shared).map((e) => e.replace(/^policy\.yaml:\d+:\d+: /, ''))).toEqual([
      'spec.traffic.haproxy.backends.US: backend "regions" already balances EU users: US needs a backend of its own',
    ]);
  });
});
