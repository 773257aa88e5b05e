import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, formatLocated } from '../errors.ts';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { loadConfig } from '../policy/fleet.ts';
import { loadFleetScenario, seedFor, serviceScenario } from './fleet-scenario.ts';
import { loadScenario } from './scenario.ts';

const dir = new URL('../../examples/fleet/', import.meta.url);
const config = loadConfig(['checkout.yaml', 'fleet.yaml', 'profile.yaml', 'search.yaml'].map((f) => ({ file: f, text: readFileSync(new URL(f, dir), 'utf8') })));

const base = `apiVersion: meridian.dev/v1alpha1
kind: FleetScenario
metadata: { name: two-services }
spec:
  start: "2026-03-02T00:00:00Z"
  horizon: 10d
  releases:
    - { service: checkout, version: v2.1.0, previous: v2.0.0, at: "+0m" }
    - service: search
      version: v8.0.0
      previous: v7.9.1
      at: "+2h"
      faults:
        - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }
        - { kind: outage, region: us-east-1, at: +30h, duration: 2h }
  approvals:
    - { service: checkout, ring: ring-3, by: lead, groups: [release-team], after: 10m }
  freezes:
    - { reason: incident, at: "+3h", until: "+5h", regions: [eu-west-1], services: [search] }
`;

function errorsOf(text: string): string[] {
  try {
    loadFleetScenario(text, 'fleet-scenario.yaml', config);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

const start = Date.parse('2026-03-02T00:00:00Z');

describe('loading a fleet scenario', () => {
  it('fills in the defaults and resolves every +duration from the start', () => {
    const { scenario } = loadFleetScenario(base, 'fleet-scenario.yaml', config);
    expect(scenario.name).toBe('two-services');
    expect(scenario.spec).toMatchObject({ start, horizon: 10 * DAY, seed: 1, baseline: { errorRate: 0.002, p99LatencyMs: 120, cpu: 0.4, memory: 0.65, noise: 0.1 } });
    expect(scenario.spec.releases).toEqual([
      { service: 'checkout', version: 'v2.1.0', previous: 'v2.0.0', changes: ['app'], schemaPhase: 'expand', at: start, faults: [] },
      {
        service: 'search', version: 'v8.0.0', previous: 'v7.9.1', changes: ['app'], schemaPhase: 'expand', at: start + 2 * HOUR,
        faults: [
          { kind: 'error-rate', regions: ['eu-west-1'], value: 0.05, after: 30 * MINUTE },
          { kind: 'outage', region: 'us-east-1', at: start + 30 * HOUR, duration: 2 * HOUR },
        ],
      },
    ]);
    expect(scenario.spec.approvals).toEqual([{ service: 'checkout', ring: 'ring-3', by: 'lead', groups: ['release-team'], after: 10 * MINUTE }]);
    expect(scenario.spec.freezes).toEqual([{ reason: 'incident', regions: ['eu-west-1'], services: ['search'], at: start + 3 * HOUR, until: start + 5 * HOUR }]);
  });

  it('defaults the horizon to 14d, a release to the start, a freeze to no end, and the name to the file name', () => {
    const text = `apiVersion: meridian.dev/v1alpha1
kind: FleetScenario
spec:
  start: "2026-03-02T00:00:00Z"
  releases: [{ service: profile, version: v2, previous: v1 }]
  freezes: [{ reason: audit, at: "2026-03-02T06:00:00+01:00" }]
`;
    const { scenario } = loadFleetScenario(text, 'scenarios/quiet-week.yaml', config);
    expect(scenario.name).toBe('quiet-week');
    expect(scenario.spec.horizon).toBe(14 * DAY);
    expect(scenario.spec.releases[0]!.at).toBe(start);
    expect(scenario.spec.freezes).toEqual([{ reason: 'audit', regions: [], services: [], at: start + 5 * HOUR, until: null }]);
  });

  it("gives each release's simulated fleet a single Scenario of its own: its version, its faults, its service's approvals, a seed of its own", () => {
    const { scenario } = loadFleetScenario(base, 'fleet-scenario.yaml', config);
    const [checkout, search] = scenario.spec.releases;
    const single = serviceScenario(scenario, search!, 7);
    expect(single.spec).toMatchObject({ start, horizon: 10 * DAY, seed: 7, release: { version: 'v8.0.0', previous: 'v7.9.1' }, faults: search!.faults, approvals: [] });
    expect(serviceScenario(scenario, checkout!, 7).spec.approvals).toEqual([{ ring: 'ring-3', by: 'lead', groups: ['release-team'], after: 10 * MINUTE }]);
    expect(seedFor(1, 'search')).toBe(seedFor(1, 'search'));
    expect(new Set([seedFor(1, 'search'), seedFor(1, 'checkout'), seedFor(2, 'search')]).size).toBe(3);
  });

  it('runs every example scenario clean against examples/fleet', () => {
    for (const name of ['two-at-once', 'bad-search', 'stop-the-line']) {
      const file = new URL(`scenarios/${name}.yaml`, dir);
      expect(loadFleetScenario(readFileSync(file, 'utf8'), `${name}.yaml`, config).scenario.name).toBe(name);
    }
  });
});

describe('what a fleet scenario may not say, each at its file:line:col and path', () => {
  it('names an unknown service with a did-you-mean, or the services it knows', () => {
    expect(errorsOf(base.replace('service: checkout, version', 'service: chekout, version'))).toEqual([
      'fleet-scenario.yaml:8:18: spec.releases[0].service: service "chekout" is not in the configuration (did you mean "checkout"?)',
      'fleet-scenario.yaml:17:18: spec.approvals[0].service: service "checkout" has no release in this scenario (spec.releases), so nothing asks for this approval',
    ]);
    expect(errorsOf(base.replace('service: checkout, version', 'service: billing, version'))).toEqual([
      'fleet-scenario.yaml:8:18: spec.releases[0].service: service "billing" is not in the configuration (known: checkout, profile, search)',
      'fleet-scenario.yaml:17:18: spec.approvals[0].service: service "checkout" has no release in this scenario (spec.releases), so nothing asks for this approval',
    ]);
  });

  it('refuses two releases of one service', () => {
    expect(errorsOf(base.replace('service: search\n', 'service: checkout\n').replace(/\n {2}approvals:\n.*\n/, '\n').replace('services: [search]', 'services: [checkout]'))).toEqual([
      'fleet-scenario.yaml:9:16: spec.releases[1].service: service "checkout" already has a release in this scenario (spec.releases[0]); a scenario runs one release per service',
    ]);
  });

  it("checks a release's faults against its service's policy: regions, kinds, fields, durations", () => {
    expect(errorsOf(base.replace('regions: [eu-west-1], value', 'regions: [eu-wset-1], value'))).toEqual([
      'fleet-scenario.yaml:14:41: spec.releases[1].faults[0].regions[0]: region "eu-wset-1" is not in policy search (did you mean "eu-west-1"?)',
    ]);
    expect(errorsOf(base.replace('region: us-east-1', 'region: us-west-2'))).toEqual([
      'fleet-scenario.yaml:15:35: spec.releases[1].faults[1].region: region "us-west-2" is not in policy search (did you mean "eu-west-1"?)',
    ]);
    expect(errorsOf(base.replace('kind: error-rate', 'kind: eror-rate'))).toEqual([
      'fleet-scenario.yaml:14:19: spec.releases[1].faults[0].kind: "eror-rate" is not a fault kind (did you mean "error-rate"?)',
    ]);
    expect(errorsOf(base.replace('value: 0.05', 'valu: 0.05'))).toEqual([
      'fleet-scenario.yaml:14:11: spec.releases[1].faults[0].value: required (expected number)',
      'fleet-scenario.yaml:14:53: spec.releases[1].faults[0].valu: unknown field "valu" (did you mean "value"?)',
    ]);
    expect(errorsOf(base.replace('duration: 2h', 'duration: 0m'))).toEqual([
      'fleet-scenario.yaml:15:66: spec.releases[1].faults[1].duration: the duration must be longer than 0m',
    ]);
  });

  it('refuses a release whose version is its previous, and one its policy refuses', () => {
    expect(errorsOf(base.replace('previous: v2.0.0', 'previous: v2.1.0'))).toEqual([
      'fleet-scenario.yaml:8:55: spec.releases[0].previous: the previous version must differ from the new one (v2.1.0)',
    ]);
    expect(errorsOf(base.replace('previous: v2.0.0, at', 'previous: v2.0.0, changes: [app, schema], at'))).toEqual([
      'fleet-scenario.yaml:8:72: spec.releases[0].changes: a release with schema changes must not also carry app changes: release the schema change on its own (expand), then the code, then the contract step',
    ]);
    expect(errorsOf(base.replace('version: v2.1.0', 'version: "v2.1.0 beta"').replace('previous: v2.0.0', 'previous: v2.0.0'))).toEqual([
      'fleet-scenario.yaml:8:37: spec.releases[0].version: must not contain spaces, newlines or control characters',
    ]);
  });

  it('checks approvals: a ring of the policy, one that asks for approval, of a service with a release', () => {
    expect(errorsOf(base.replace('ring: ring-3', 'ring: ring-9'))).toEqual([
      'fleet-scenario.yaml:17:34: spec.approvals[0].ring: ring "ring-9" is not in policy checkout (did you mean "ring-0"?)',
    ]);
    expect(errorsOf(base.replace('ring: ring-3', 'ring: ring-2'))).toEqual([
      'fleet-scenario.yaml:17:34: spec.approvals[0].ring: ring "ring-2" of checkout needs no approval (its policy gives it none), so nothing asks for this one',
    ]);
    expect(errorsOf(base.replace('service: checkout, ring', 'service: profile, ring'))).toEqual([
      'fleet-scenario.yaml:17:18: spec.approvals[0].service: service "profile" has no release in this scenario (spec.releases), so nothing asks for this approval',
    ]);
    expect(errorsOf(base.replace('service: checkout, ring', 'service: profil, ring'))).toEqual([
      'fleet-scenario.yaml:17:18: spec.approvals[0].service: service "profil" is not in the configuration (did you mean "profile"?)',
    ]);
  });

  it('checks freezes: regions and services of the configuration, a reason, an end after the start', () => {
    expect(errorsOf(base.replace('regions: [eu-west-1], services', 'regions: [eu-west-2], services').replace('services: [search]', 'services: [serch]'))).toEqual([
      'fleet-scenario.yaml:19:62: spec.freezes[0].regions[0]: region "eu-west-2" is not a region of the configuration (did you mean "eu-west-1"?)',
      'fleet-scenario.yaml:19:85: spec.freezes[0].services[0]: service "serch" is not in the configuration (did you mean "search"?)',
    ]);
    expect(errorsOf(base.replace('until: "+5h"', 'until: "+3h"'))).toEqual([
      "fleet-scenario.yaml:19:45: spec.freezes[0].until: 2026-03-02T03:00:00Z is not after the freeze's start (2026-03-02T03:00:00Z)",
    ]);
    expect(errorsOf(base.replace('reason: incident', 'reason: " "'))).toEqual([
      'fleet-scenario.yaml:19:17: spec.freezes[0].reason: must say why (it is shown on every release it holds)',
    ]);
  });

  it('keeps every time inside the run, and says what is not a time or a duration', () => {
    expect(errorsOf(base.replace('at: "+2h"', 'at: "2026-03-01T23:00:00Z"').replace('at: "+3h"', 'at: "+10d"'))).toEqual([
      "fleet-scenario.yaml:12:11: spec.releases[1].at: 2026-03-01T23:00:00Z is before the scenario's start (2026-03-02T00:00:00Z): the release would never start",
      'fleet-scenario.yaml:19:31: spec.freezes[0].at: 2026-03-12T00:00:00Z is not before the horizon (10d after the start: 2026-03-12T00:00:00Z): the freeze would never start',
      "fleet-scenario.yaml:19:46: spec.freezes[0].until: 2026-03-02T05:00:00Z is not after the freeze's start (2026-03-12T00:00:00Z)",
    ]);
    expect(errorsOf(base.replace('horizon: 10d', 'horizon: "10"').replace('at: "+2h"', 'at: tomorrow').replace('start: "2026-03-02T00:00:00Z"', 'start: "2026-03-02"'))).toEqual([
      'fleet-scenario.yaml:5:10: spec.start: "2026-03-02" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)',
      'fleet-scenario.yaml:6:12: spec.horizon: "10" is not a duration (use e.g. 24h)',
      'fleet-scenario.yaml:12:11: spec.releases[1].at: "tomorrow" is not a time (use an ISO 8601 time with an offset, or +DURATION after start, e.g. +30h)',
    ]);
    expect(errorsOf(base.replace('horizon: 10d', 'horizon: 0m'))).toEqual([
      'fleet-scenario.yaml:6:12: spec.horizon: the horizon must be longer than 0m',
    ]);
  });

  it('wants at least one release, and tells a single Scenario apart', () => {
    expect(errorsOf('apiVersion: meridian.dev/v1alpha1\nkind: FleetScenario\nspec:\n  start: "2026-03-02T00:00:00Z"\n  releases: []\n')).toEqual([
      'fleet-scenario.yaml:5:13: spec.releases: list at least one release',
    ]);
    expect(errorsOf(base.replace('kind: FleetScenario', 'kind: Scenario'))).toEqual([
      'fleet-scenario.yaml:2:7: kind: "Scenario" is not FleetScenario (a Scenario is for one policy: meridian simulate POLICY --scenario FILE)',
    ]);
    expect(errorsOf(base.replace('horizon: 10d', 'horizon: 10d\n  relases: []'))).toEqual([
      'fleet-scenario.yaml:7:3: spec.relases: unknown field "relases" (did you mean "releases"?)',
    ]);
  });

  it('is not a single Scenario, nor the other way round', () => {
    expect(() => loadScenario(base, 'fleet-scenario.yaml')).toThrow(/kind: "FleetScenario" is not Scenario/);
  });
});
