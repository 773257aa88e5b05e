import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PolicyError, formatLocated } from '../errors.ts';
import { HOUR } from './duration.ts';
import { loadPolicy, loadRelease } from './load.ts';
import type { PolicyInput } from './schema.ts';
import { fleetPolicy } from './testing.ts';

const webapp = readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8');

function errorsOf(text: string, file = 'policy.yaml'): string[] {
  try {
    loadPolicy(text, file);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('loading a policy', () => {
  it('accepts the webapp example and fills in the defaults', () => {
    const { policy } = loadPolicy(webapp, 'webapp.yaml');
    expect(policy.spec.rings.map((r) => r.name)).toEqual(['ring-0', 'ring-1', 'ring-2', 'ring-3']);
    expect(policy.spec.rings[1]!.bake).toBe(24 * HOUR);
    expect(policy.spec.gates['error-rate']).toMatchObject({ interval: 5 * 60_000, warmup: 10 * 60_000, failures: 2, inconclusiveLimit: 3, mustHaveData: true });
    expect(policy.spec.regions[2]!.businessHours).toEqual({ days: [1, 2, 3, 4, 5], start: 540, end: 1020 });
    expect(policy.spec.metrics.provider).toBe('simulated');
    expect(policy.spec.delivery.deployTime).toBe(5 * 60_000);
  });

  it('reports a bad duration with its line, column and path', () => {
    const text = webapp.replace('bake: 24h', 'bake: 24');
    expect(errorsOf(text)).toEqual(['policy.yaml:42:13: spec.rings[1].bake: "24" is not a duration (use e.g. 24h)']);
  });

  it('reports every error in the file, not just the first', () => {
    const text = webapp.replace('bake: 24h', 'bake: 24').replace('Europe/London', 'Europe/Londn').replace('tier: 2', 'tier: 5');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:11:11: spec.service.tier: tier is 1 (critical), 2 (standard) or 3 (low-risk)',
      'policy.yaml:25:17: spec.regions[2].timezone: "Europe/Londn" is not an IANA time zone (e.g. Europe/London, Asia/Kolkata, UTC)',
      'policy.yaml:42:13: spec.rings[1].bake: "24" is not a duration (use e.g. 24h)',
    ]);
  });

  it('rejects an unknown field and suggests the close name', () => {
    const text = webapp.replace('      capacity: 1.5\n', '      capacity: 1.5\n      usrShare: 0.3\n');
    expect(errorsOf(text)).toEqual(['policy.yaml:28:7: spec.regions[2].usrShare: unknown field "usrShare" (did you mean "userShare"?)']);
  });

  it('rejects an unknown field with no close name without a guess', () => {
    const text = webapp.replace('  service:\n', '  colour: blue\n  service:\n');
    expect(errorsOf(text)).toEqual(['policy.yaml:9:3: spec.colour: unknown field "colour"']);
  });

  it('requires user shares of production regions to sum to 1', () => {
    const text = webapp.replace('userShare: 0.45', 'userShare: 0.55');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:14:5: spec.regions: production userShare must sum to 1 (±0.01); it sums to 1.1 (ap-south-1 0.25 + eu-west-1 0.3 + us-east-1 0.55)',
    ]);
  });

  it('requires every region in exactly one ring', () => {
    const text = webapp.replace('regions: [eu-west-1]', 'regions: [eu-west-1, ap-south-1]').replace('regions: [us-east-1]', 'regions: [ap-south-1]');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:46:28: spec.rings[2].regions[1]: region "ap-south-1" is already in ring "ring-1" (every region is in exactly one ring)',
      'policy.yaml:51:17: spec.rings[3].regions[0]: region "ap-south-1" is already in ring "ring-1" (every region is in exactly one ring)',
      'policy.yaml:29:13: spec.regions[3].name: region "us-east-1" is in no ring (every region is in exactly one ring)',
    ]);
  });

  it('names an unknown gate and ring with a did-you-mean', () => {
    const text = webapp.replace('gates: [error-rate, p99-latency, vs-baseline]', 'gates: [error-rat]').replace('rollback: [ring-1, ring-2]', 'rollback: [ring-1, ring-22]');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:43:15: spec.rings[1].gates[0]: gate "error-rat" is not defined (did you mean "error-rate"?)',
      'policy.yaml:49:39: spec.rings[2].onFailure.rollback[1]: ring "ring-22" is not defined (did you mean "ring-2"?)',
    ]);
  });

  it('rejects business hours that end before they start, and bad clock times', () => {
    const text = webapp.replace('start: "09:00", end: "17:00"', 'start: "18:00", end: "17:00"');
    expect(errorsOf(text)).toEqual(['policy.yaml:22:60: spec.regions[1].businessHours.end: business hours must end after they start (same day, local time)']);
    const bad = webapp.replace('start: "09:00"', 'start: "9am"').replace('days: Mon-Fri', 'days: Mon-Fry');
    expect(errorsOf(bad)).toEqual([
      'policy.yaml:22:30: spec.regions[1].businessHours.days: "Mon-Fry" is not a day or day range (use Mon-Fri or [Mon, Wed])',
      'policy.yaml:22:46: spec.regions[1].businessHours.start: "9am" is not a time of day (use "HH:MM", e.g. "09:00")',
    ]);
  });

  it('rejects a freeze that ends before it starts and a time without an offset', () => {
    const text = webapp.replace('to: "2026-12-27T00:00:00Z"', 'to: "2026-12-20T00:00:00Z"');
    expect(errorsOf(text)).toEqual(['policy.yaml:69:45: spec.windows.freeze[0].to: a freeze must end after it starts']);
    const naive = webapp.replace('from: "2026-12-24T00:00:00Z"', 'from: "2026-12-24 00:00"');
    expect(errorsOf(naive)).toEqual(['policy.yaml:69:17: spec.windows.freeze[0].from: "2026-12-24 00:00" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)']);
  });

  it('says which field is missing and of what type', () => {
    const text = webapp.replace('      timezone: Asia/Kolkata\n', '');
    expect(errorsOf(text)).toEqual(['policy.yaml:18:7: spec.regions[1].timezone: required (expected string)']);
  });

  it('explains a value of the wrong type', () => {
    const text = webapp.replace('capacity: 1.4\n      businessHours', 'capacity: high\n      businessHours');
    expect(errorsOf(text)).toEqual(['policy.yaml:21:17: spec.regions[1].capacity: expected number, got "high"']);
  });

  it('reports malformed YAML with its position', () => {
    expect(errorsOf('spec:\n  regions: [a, b\n')).toEqual([expect.stringMatching(/^policy\.yaml:3:1: YAML: /)]);
  });

  it('refuses binary and empty files and files of several documents with a clear message', () => {
    expect(errorsOf('\u0000\u0001\u0002')).toEqual(['policy.yaml:1:1: the file is binary, not YAML (it contains NUL bytes)']);
    expect(errorsOf('')).toEqual(['policy.yaml:1:1: the file is empty']);
    expect(errorsOf(`${webapp}\n---\nkind: Other\n`)[0]).toMatch(/^policy\.yaml:\d+:\d+: YAML: Source contains multiple documents/);
  });

  it('refuses an oversized file without parsing it', () => {
    expect(errorsOf('a'.repeat(2 * 1024 * 1024))).toEqual(['policy.yaml:1:1: the file is 2097152 bytes; the limit is 1048576 (is this the right file?)']);
  });

  it('requires the settings of each chosen provider', () => {
    const text = webapp.replace('  traffic:\n', '  metrics: { provider: prometheus }\n  traffic:\n');
    expect(errorsOf(text)).toEqual(['policy.yaml:71:12: spec.metrics: provider prometheus needs a prometheus: { url, queries } section']);
  });

  it('refuses minRequests when there is no qps metric to count requests from', () => {
    const prometheus = readFileSync(new URL('../../examples/prometheus/webapp-prometheus.yaml', import.meta.url), 'utf8');
    const text = prometheus
      .replace('      onFailure: { rollback: [ring-1] }\n', '      onFailure: { rollback: [ring-1] }\n      evidence: { minRequests: 50000 }\n')
      .replace(/\n {8}qps: .*\n/, '\n');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:47:32: spec.rings[1].evidence.minRequests: minRequests counts requests from the qps metric (requests per second), which is not in spec.metrics.prometheus.queries',
    ]);
    expect(errorsOf(prometheus.replace('      onFailure: { rollback: [ring-1] }\n', '      onFailure: { rollback: [ring-1] }\n      evidence: { minRequests: 50000 }\n'))).toEqual([]);
  });

  it('reads a region\'s peak hour, 14:00 local unless given', () => {
    const { policy } = loadPolicy(webapp.replace('      timezone: Asia/Kolkata\n', '      timezone: Asia/Kolkata\n      peakHour: "20:30"\n'), 'policy.yaml');
    expect(policy.spec.regions.map((r) => r.peakHour)).toEqual([14 * 60, 20 * 60 + 30, 14 * 60, 14 * 60]);
  });
});

describe('loading a release file', () => {
  it('applies the defaults of the release', () => {
    const { release } = loadRelease('apiVersion: meridian.dev/v1alpha1\nkind: Release\nspec: { version: v2.1.0 }\n', 'r.yaml');
    expect(release).toEqual({ version: 'v2.1.0', changes: ['app'], schemaPhase: 'expand' });
  });

  it('rejects an unknown change kind by name', () => {
    expect(() => loadRelease('apiVersion: meridian.dev/v1alpha1\nkind: Release\nspec: { version: v2, changes: [app, database] }\n', 'r.yaml')).toThrow(
      'r.yaml:3:37: spec.changes[1]: "database" is not one of app | infra | schema',
    );
  });
});

describe('YAML aliases', () => {
  it('reports an alias to an anchor that is not set, with its position', () => {
    expect(errorsOf('apiVersion: meridian.dev/v1alpha1\nkind: *nothing\n')).toEqual([
      'policy.yaml:2:7: YAML: Unresolved alias (the anchor must be set before the alias): nothing',
    ]);
  });
});

describe('schema errors and cross-field errors together', () => {
  it('reports a bad time zone and shares that do not sum to 1 in one run', () => {
    const text = webapp.replace('timezone: Europe/London', 'timezone: Mars/Olympus').replace('userShare: 0.45', 'userShare: 0.55');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:25:17: spec.regions[2].timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/London, Asia/Kolkata, UTC)',
      'policy.yaml:14:5: spec.regions: production userShare must sum to 1 (±0.01); it sums to 1.1 (ap-south-1 0.25 + eu-west-1 0.3 + us-east-1 0.55)',
    ]);
  });

  it('says nothing more about a share that failed the schema, or was misspelt', () => {
    expect(errorsOf(webapp.replace('userShare: 0.25', 'userShare: 1.5'))).toEqual(['policy.yaml:20:18: spec.regions[1].userShare: must be at most 1, got 1.5']);
    expect(errorsOf(webapp.replace('userShare: 0.25', 'usrShare: 0.25'))).toEqual(['policy.yaml:20:7: spec.regions[1].usrShare: unknown field "usrShare" (did you mean "userShare"?)']);
  });

  it('does not call a region unplaced when a ring or its region list failed', () => {
    expect(errorsOf(webapp.replace('regions: [eu-west-1]', 'regions: eu-west-1'))).toEqual(['policy.yaml:46:16: spec.rings[2].regions: expected array, got "eu-west-1"']);
    expect(errorsOf(webapp.replace('    - name: ring-3\n', '    - ring-3\n    - name: ring-4\n'))).toEqual(['policy.yaml:50:7: spec.rings[3]: expected object, got "ring-3"']);
  });

  it('does not call a region unknown when the name of some region failed', () => {
    expect(errorsOf(webapp.replace('- name: eu-west-1', '- name: [eu-west-1]'))).toEqual(['policy.yaml:24:13: spec.regions[2].name: expected string, got a list']);
  });

  it('does not ask a gate for a max that failed, or a metric that was misspelt', () => {
    expect(errorsOf(webapp.replace('max: 0.01', 'max: high'))).toEqual(['policy.yaml:59:12: spec.gates.error-rate.max: expected number, got "high"']);
    expect(errorsOf(webapp.replace('metric: error_rate\n      max: 0.01', 'metrc: error_rate\n      max: 0.01'))).toEqual([
      'policy.yaml:58:7: spec.gates.error-rate.metrc: unknown field "metrc" (did you mean "metric"?)',
    ]);
  });

  it('does not call every gate unknown when gates: itself is misspelt', () => {
    expect(errorsOf(webapp.replace('  gates:\n    error-rate:', '  gatez:\n    error-rate:'))).toEqual(['policy.yaml:56:3: spec.gatez: unknown field "gatez" (did you mean "gates"?)']);
  });

  it('still checks references around a gate that failed, but not the gate itself', () => {
    const text = webapp.replace('    p99-latency:\n      metric: p99_latency_ms\n      max: 200\n', '    p99-latency: fast\n').replace('gates: [error-rate]', 'gates: [eror-rate]');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:60:18: spec.gates.p99-latency: expected object, got "fast"',
      'policy.yaml:39:15: spec.rings[0].gates[0]: gate "eror-rate" is not defined (did you mean "error-rate"?)',
    ]);
  });

  it('knows no gate by the name of a method every object has', () => {
    expect(errorsOf(webapp.replace('gates: [error-rate, p99-latency, vs-baseline]', 'gates: [toString, constructor]'))).toEqual([
      'policy.yaml:43:15: spec.rings[1].gates[0]: gate "toString" is not defined (known: error-rate, p99-latency, vs-baseline)',
      'policy.yaml:43:25: spec.rings[1].gates[1]: gate "constructor" is not defined (known: error-rate, p99-latency, vs-baseline)',
    ]);
  });
});

describe('messages about missing or odd values', () => {
  it('says a missing apiVersion or kind is required, never "undefined"', () => {
    expect(errorsOf(webapp.replace('apiVersion: meridian.dev/v1alpha1\n', ''))).toEqual(['policy.yaml:4:1: apiVersion: required (use meridian.dev/v1alpha1)']);
    expect(errorsOf(webapp.replace('kind: ReleasePolicy\n', ''))).toEqual(['policy.yaml:4:1: kind: required (use ReleasePolicy)']);
  });

  it("names YAML's .nan and .inf rather than printing NaN or Infinity", () => {
    const text = webapp.replace('capacity: 1.4\n      business', 'capacity: .nan\n      business').replace('userShare: 0.45', 'userShare: .inf').replace('bake: 12h', 'bake: .nan');
    expect(errorsOf(text)).toEqual([
      'policy.yaml:21:17: spec.regions[1].capacity: expected number, got .nan (not a number)',
      'policy.yaml:31:18: spec.regions[3].userShare: expected number, got .inf (infinite)',
      'policy.yaml:47:13: spec.rings[2].bake: .nan is not a duration (use e.g. 24h)',
    ]);
  });

  it('shows null as null, not as the string "null"', () => {
    expect(errorsOf(webapp.replace('start: "09:00"', 'start: ~'))).toEqual(['policy.yaml:22:46: spec.regions[1].businessHours.start: null is not a time of day (use "HH:MM", quoted)']);
  });

  it('refuses a duration too long to plan with', () => {
    expect(errorsOf(webapp.replace('bake: 24h', 'bake: 99999999999d'))).toEqual(['policy.yaml:42:13: spec.rings[1].bake: "99999999999d" is longer than 3650d, the longest duration a policy may give']);
    expect(loadPolicy(webapp.replace('bake: 24h', 'bake: 3650d'), 'policy.yaml').policy.spec.rings[1]!.bake).toBe(3650 * 24 * HOUR);
  });
});

describe('messages about a large fleet', () => {
  const fleet = parse(fleetPolicy({ regions: 30 })) as PolicyInput;

  it('lists at most ten known names when an unknown one has no close match', () => {
    const doc = structuredClone(fleet);
    doc.spec.rings[2]!.regions.push('zzzzzzzzzz');
    expect(errorsOf(stringify(doc)).map((e) => e.replace(/^policy\.yaml:\d+:\d+: /, ''))).toEqual([
      'spec.rings[2].regions[10]: region "zzzzzzzzzz" is not defined (known: region-0, region-1, region-2, region-3, region-4, region-5, region-6, region-7, region-8, region-9 and 20 more)',
    ]);
  });

  it('shows at most ten terms of a sum of shares that is off', () => {
    const doc = structuredClone(fleet);
    doc.spec.regions[1]!.userShare = 0.5;
    expect(errorsOf(stringify(doc)).map((e) => e.replace(/^policy\.yaml:\d+:\d+: /, ''))).toEqual([
      'spec.regions: production userShare must sum to 1 (±0.01); it sums to 1.4825 (region-1 0.5 + region-2 0.026316 + region-3 0.035088 + region-4 0.04386 + region-5 0.052632 + region-6 0.061404 + region-7 0.008772 + region-8 0.017544 + region-9 0.026316 + region-10 0.035088 and 19 more)',
    ]);
  });
});

describe('a policy that names a fleet, loaded on its own', () => {
  const onFleet = webapp.replace(/\n {2}regions:\n(?: {4}.*\n| {6}.*\n)+/, '\n  fleet: prod\n');

  it('is refused at spec.fleet with the command that loads it with its fleet', () => {
    expect(onFleet).toContain('\n  fleet: prod\n\n  rings:');
    expect(errorsOf(onFleet)).toEqual([
      'policy.yaml:13:10: spec.fleet: this policy takes its regions from fleet "prod", which is defined in another file: validate or serve the directory that holds the Fleet and this policy (meridian validate DIR, meridian serve --config DIR)',
    ]);
  });

  it('still gets the rest of its errors, but not that its regions are missing', () => {
    expect(errorsOf(onFleet.replace('bake: 24h', 'bake: 24'))).toEqual([
      'policy.yaml:13:10: spec.fleet: this policy takes its regions from fleet "prod", which is defined in another file: validate or serve the directory that holds the Fleet and this policy (meridian validate DIR, meridian serve --config DIR)',
      'policy.yaml:22:13: spec.rings[1].bake: "24" is not a duration (use e.g. 24h)',
    ]);
  });

  it('is refused when it also lists its own regions', () => {
    expect(errorsOf(webapp.replace('  service:\n', '  fleet: prod\n  service:\n'))).toEqual([
      'policy.yaml:9:10: spec.fleet: a policy names a fleet or lists its own regions, not both (remove spec.regions to take the regions of fleet "prod")',
    ]);
  });

  it('is refused with a schema error when the fleet is not a name', () => {
    expect(errorsOf(onFleet.replace('fleet: prod', 'fleet: [prod]'))).toEqual(['policy.yaml:13:10: spec.fleet: expected string, got a list']);
  });

  it('refuses a Fleet file given where a policy is expected, pointing at the directory', () => {
    expect(errorsOf('apiVersion: meridian.dev/v1alpha1\nkind: Fleet\nmetadata: { name: prod }\nspec: {}\n')).toEqual([
      'policy.yaml:2:7: kind: a Fleet is loaded with the policies that name it: validate or serve the directory that holds them (meridian validate DIR, meridian serve --config DIR)',
    ]);
  });
});
