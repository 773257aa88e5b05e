import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, formatLocated } from '../errors.ts';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { loadPolicy } from '../policy/load.ts';
import { loadScenario } from './scenario.ts';

const { policy } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
const scenariosDir = new URL('../../examples/scenarios/', import.meta.url);

const base = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata:
  name: demo
spec:
  start: "2026-03-02T03:30:00Z"
  release:
    version: v2.1.0
    previous: v2.0.0
  faults:
    - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }
    - kind: outage
      region: us-east-1
      at: +30h
      duration: 2h
  approvals:
    - { ring: ring-3, by: release-lead, groups: [release-team], after: 10m }
`;

function errorsOf(text: string, withPolicy = true): string[] {
  try {
    loadScenario(text, 'scenario.yaml', withPolicy ? policy : undefined);
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('loading a scenario', () => {
  it('fills in the defaults and resolves +durations from the start', () => {
    const { scenario } = loadScenario(base, 'scenario.yaml', policy);
    const start = Date.parse('2026-03-02T03:30:00Z');
    expect(scenario.spec.start).toBe(start);
    expect(scenario.spec.horizon).toBe(14 * DAY);
    expect(scenario.spec.seed).toBe(1);
    expect(scenario.spec.deployTime).toBeUndefined();
    expect(scenario.spec.release).toEqual({ version: 'v2.1.0', previous: 'v2.0.0', changes: ['app'], schemaPhase: 'expand' });
    expect(scenario.spec.baseline).toEqual({ errorRate: 0.002, p99LatencyMs: 120, cpu: 0.4, memory: 0.65, noise: 0.1 });
    expect(scenario.spec.faults).toEqual([
      { kind: 'error-rate', regions: ['eu-west-1'], value: 0.05, after: 30 * MINUTE },
      { kind: 'outage', region: 'us-east-1', at: start + 30 * HOUR, duration: 2 * HOUR },
    ]);
    expect(scenario.spec.approvals).toEqual([{ ring: 'ring-3', by: 'release-lead', groups: ['release-team'], after: 10 * MINUTE }]);
    expect(scenario.spec.failHooks).toEqual([]);
  });

  it('takes an ISO time for an outage', () => {
    const { scenario } = loadScenario(base.replace('at: +30h', 'at: "2026-03-03T10:00:00+01:00"'), 'scenario.yaml');
    expect(scenario.spec.faults[1]).toMatchObject({ at: Date.parse('2026-03-03T09:00:00Z') });
  });

  it('rejects an unknown field and suggests the close name', () => {
    expect(errorsOf(base.replace('  release:\n', '  horizn: 3d\n  release:\n'))).toEqual([
      'scenario.yaml:7:3: spec.horizn: unknown field "horizn" (did you mean "horizon"?)',
    ]);
  });

  it('rejects an unknown field of a fault and suggests the field of that kind', () => {
    expect(errorsOf(base.replace('value: 0.05', 'valu: 0.05'))).toEqual([
      'scenario.yaml:11:7: spec.faults[0].value: required (expected number)',
      'scenario.yaml:11:49: spec.faults[0].valu: unknown field "valu" (did you mean "value"?)',
    ]);
    expect(errorsOf(base.replace('      duration: 2h\n', '      duration: 2h\n      regions: [us-east-1]\n'))).toEqual([
      'scenario.yaml:16:7: spec.faults[1].regions: unknown field "regions" (did you mean "region"?)',
    ]);
  });

  it('reports a bad duration with its line, column and path', () => {
    expect(errorsOf(base.replace('after: 30m', 'after: 30'))).toEqual([
      'scenario.yaml:11:69: spec.faults[0].after: "30" is not a duration (use e.g. 24h)',
    ]);
  });

  it('names an unknown fault kind with a did-you-mean, and a missing one', () => {
    expect(errorsOf(base.replace('kind: error-rate', 'kind: eror-rate'))).toEqual([
      'scenario.yaml:11:15: spec.faults[0].kind: "eror-rate" is not a fault kind (did you mean "error-rate"?)',
    ]);
    expect(errorsOf(base.replace('kind: outage', 'kind: earthquake'))).toEqual([
      'scenario.yaml:12:13: spec.faults[1].kind: "earthquake" is not a fault kind (use one of error-rate, latency, daily-spike, leak, scale-dependent, outage, metrics-gap)',
    ]);
    expect(errorsOf(base.replace('kind: error-rate, ', ''))).toEqual([
      'scenario.yaml:11:7: spec.faults[0].kind: a fault needs a kind (one of error-rate, latency, daily-spike, leak, scale-dependent, outage, metrics-gap)',
    ]);
  });

  it('names a region or ring the policy does not have', () => {
    const text = base.replace('regions: [eu-west-1]', 'regions: [eu-west-2]').replace('region: us-east-1', 'region: mars-1').replace('ring: ring-3', 'ring: ring-33');
    expect(errorsOf(text)).toEqual([
      'scenario.yaml:11:37: spec.faults[0].regions[0]: region "eu-west-2" is not in policy webapp (did you mean "eu-west-1"?)',
      'scenario.yaml:13:15: spec.faults[1].region: region "mars-1" is not in policy webapp (known: internal, ap-south-1, eu-west-1, us-east-1)',
      'scenario.yaml:17:15: spec.approvals[0].ring: ring "ring-33" is not in policy webapp (did you mean "ring-3"?)',
    ]);
    expect(errorsOf(text, false)).toEqual([]);
  });

  it('rejects an outage time that is neither ISO nor +duration', () => {
    expect(errorsOf(base.replace('at: +30h', 'at: tomorrow'))).toEqual([
      'scenario.yaml:14:11: spec.faults[1].at: "tomorrow" is not a time (use an ISO 8601 time with an offset, or +DURATION after start, e.g. +30h)',
    ]);
  });

  it('wants exactly 24 hourly traffic weights, for a region of the policy', () => {
    const weights = (n: number): string => `[${Array.from({ length: n }, () => 1).join(', ')}]`;
    expect(errorsOf(`${base}  traffic:\n    eu-west-1: ${weights(23)}\n    eu-wset-1: ${weights(24)}\n`)).toEqual([
      'scenario.yaml:19:16: spec.traffic.eu-west-1: needs exactly 24 hourly weights (local hours 00..23), got 23',
    ]);
    expect(errorsOf(`${base}  traffic:\n    eu-wset-1: ${weights(24)}\n`)).toEqual([
      'scenario.yaml:19:5: spec.traffic.eu-wset-1: region "eu-wset-1" is not in policy webapp (did you mean "eu-west-1"?)',
    ]);
  });

  it('wants the new version to differ from the previous one', () => {
    expect(errorsOf(base.replace('previous: v2.0.0', 'previous: v2.1.0'))).toEqual([
      'scenario.yaml:9:15: spec.release.previous: the previous version must differ from the new one (v2.1.0)',
    ]);
  });

  it('rejects a scenario of another kind', () => {
    expect(errorsOf(base.replace('kind: Scenario', 'kind: ReleasePolicy'))).toEqual(['scenario.yaml:2:7: kind: "ReleasePolicy" is not Scenario']);
  });
});

describe('the example scenarios', () => {
  const files = readdirSync(scenariosDir).filter((f) => f.endsWith('.yaml')).sort();

  it('are the seven stories', () => {
    expect(files).toEqual(['good-release.yaml', 'latency-regression.yaml', 'leak.yaml', 'metrics-gap.yaml', 'midnight-spike.yaml', 'outage.yaml', 'ring-2-fails.yaml']);
  });

  it.each(files)('%s loads against examples/webapp.yaml, starts on a Monday morning UTC and says what it shows', (file) => {
    const text = readFileSync(new URL(file, scenariosDir), 'utf8');
    const { scenario } = loadScenario(text, file, policy);
    expect(text.split('\n')[0]).toMatch(/^# Shows /);
    expect(scenario.metadata.name).toBe(file.replace(/\.yaml$/, ''));
    const start = new Date(scenario.spec.start);
    expect(start.getUTCDay()).toBe(1);
    expect(start.getUTCHours()).toBeLessThan(6);
  });
});
