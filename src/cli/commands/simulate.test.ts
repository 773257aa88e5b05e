import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../run.test-helper.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meridian-simulate-'));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const SCENARIOS = 'examples/fleet/scenarios';
const fleet = (name: string, ...more: string[]) => cli('simulate', '--config', 'examples/fleet', '--scenario', `${SCENARIOS}/${name}.yaml`, ...more);

describe('meridian simulate --config DIR --scenario FLEET-SCENARIO', { timeout: 60_000 }, () => {
  it('prints one block per release (outcome, rings and their times, why it waited, detection) and the totals', async () => {
    const r = await fleet('bad-search');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toBe(`bad-search: 2 releases on examples/fleet

checkout v2.1.0 (from v2.0.0): completed at 2026-03-07 14:05Z
  RING    REGIONS                  VERDICT  DEPLOYED           BAKE UNTIL
  ring-0  internal                 passed   2026-03-02 08:00Z  2026-03-02 10:05Z
  ring-1  ap-south-1               passed   2026-03-02 10:05Z  2026-03-04 10:10Z
  ring-2  eu-central-1, eu-west-1  passed   2026-03-04 10:10Z  2026-03-06 10:15Z
  ring-3  us-east-1                passed   2026-03-06 14:00Z  2026-03-07 14:05Z
  waited:
    2026-03-06 10:15Z  ring-3  approval.requested: approvers: group:release-team
    2026-03-06 10:25Z  ring-3  approval.granted: by lead
    2026-03-06 10:25Z  ring-3  outside business hours in us-east-1 (America/New_York, Mon-Fri 09:00-17:00); next window 2026-03-06T14:00Z
  detection: none
  exposure:  0 user-minutes

search v8.0.0 (from v7.9.1): rolled-back
  RING    REGIONS                             VERDICT              DEPLOYED           BAKE UNTIL
  ring-0  internal                            passed               2026-03-02 10:00Z  2026-03-02 11:05Z
  ring-1  ap-south-1                          passed, rolled back  2026-03-02 11:05Z  2026-03-03 11:10Z
  ring-2  eu-central-1, eu-west-1, us-east-1  FAILED, rolled back  2026-03-03 14:00Z  2026-03-04 14:05Z
  waited:
    2026-03-03 11:10Z  ring-2  outside business hours in us-east-1 (America/New_York, Mon-Fri 09:00-17:00); next window 2026-03-03T14:00Z
  failed:    2026-03-03 14:45Z  ring-2  error-rate: error_rate 0.05005 > max 0.01; downstream rings will not be deployed
  detection: ring-2 by error-rate at 2026-03-03 14:45Z (10 min after onset)
  exposure:  6.72 user-minutes

2 releases: 1 completed, 1 rolled-back; every release settled by 2026-03-07 14:05Z (5d6h5m after the start)
`);
  });

  it('shows a ring waiting for a busy region, and a freeze holding a service until it ends', async () => {
    const busy = await fleet('two-at-once');
    expect(busy.code).toBe(0);
    expect(busy.out).toContain('profile v3.4.0 (from v3.3.2): completed at 2026-03-03 20:05Z\n');
    expect(busy.out).toContain('    2026-03-02 08:00Z  ring-0  region busy: internal has 2 releases deploying or baking\n');
    expect(busy.out).toMatch(/\n3 releases: 3 completed; every release settled by 2026-03-10 13:05Z \(8d5h5m after the start\)\n$/);

    const frozen = await fleet('stop-the-line');
    expect(frozen.code).toBe(0);
    expect(frozen.out).toContain('    2026-03-02 09:05Z  ring-1  frozen: incident 4711: search index corruption\n');
    expect(frozen.out).toContain('  ring-1  ap-south-1                          passed   2026-03-03 10:00Z  2026-03-04 10:05Z\n');
    expect(frozen.out).toMatch(/\n2 releases: 2 completed; /);
  });

  it('prints { releases: [ { service, id, ...the simulate --json shape } ] }, the same every time', async () => {
    const a = await fleet('stop-the-line', '--json');
    expect([a.code, a.err]).toEqual([0, '']);
    const { releases } = JSON.parse(a.out) as { releases: Array<Record<string, unknown>> };
    expect(releases.map((r) => [r.service, r.id, r.version, r.outcome])).toEqual([
      ['checkout', 'sim-stop-the-line-checkout', 'v2.1.0', 'completed'],
      ['search', 'sim-stop-the-line-search', 'v8.0.0', 'completed'],
    ]);
    for (const r of releases) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['outcome', 'finalVersions', 'rings', 'events', 'faultOnset', 'detection', 'exposure', 'completedAt']));
    }
    expect((await fleet('stop-the-line', '--json')).out).toBe(a.out);
  });

  it('says which form it takes when given both a policy and --config, or neither, and exits 2', async () => {
    expect(await cli('simulate', 'examples/webapp.yaml', '--config', 'examples/fleet', '--scenario', `${SCENARIOS}/two-at-once.yaml`)).toEqual({
      code: 2, out: '',
      err: "meridian: give a POLICY file or --config DIR, not both (got examples/webapp.yaml and --config examples/fleet): with --config, --scenario is a FleetScenario of that configuration's services\n",
    });
    expect(await cli('simulate', '--scenario', `${SCENARIOS}/two-at-once.yaml`)).toEqual({
      code: 2, out: '',
      err: 'meridian: give a POLICY file (simulate POLICY --scenario SCENARIO) or a configuration directory (simulate --config DIR --scenario FLEET-SCENARIO)\n',
    });
    expect((await cli('simulate', 'examples/fleet', '--scenario', `${SCENARIOS}/two-at-once.yaml`)).err).toBe(
      'meridian: examples/fleet: is a directory, not a policy file; to run a FleetScenario on a configuration directory, give it as --config examples/fleet\n',
    );
  });

  it('refuses flags that belong to one policy, a missing scenario or directory, as usage errors', async () => {
    expect(await cli('simulate', '--config', 'examples/fleet')).toEqual({ code: 2, out: '', err: 'meridian: --scenario FLEET-SCENARIO is required with --config (see examples/fleet/scenarios/)\n' });
    expect((await fleet('two-at-once', '--strategy', 'sequential')).err).toBe('meridian: --strategy replaces the rings of one policy; with --config every service releases by its own rings (leave --strategy out)\n');
    expect((await fleet('two-at-once', '--export-openmetrics', join(tmp, 'x.txt'))).err).toBe('meridian: --export-openmetrics writes the fleet of one policy; it does not go with --config\n');
    expect((await fleet('two-at-once', '--seed', 'x')).err).toBe('meridian: --seed "x" is not a whole number\n');
    expect(await cli('simulate', '--config', join(tmp, 'nowhere'), '--scenario', `${SCENARIOS}/two-at-once.yaml`)).toEqual({ code: 2, out: '', err: `meridian: ${join(tmp, 'nowhere')}: no such file\n` });
    expect(await cli('simulate', '--config', 'examples/fleet', '--scenario', `${SCENARIOS}/none.yaml`)).toEqual({ code: 2, out: '', err: `meridian: ${SCENARIOS}/none.yaml: no such file\n` });
  });

  it('reports an invalid fleet scenario as FILE:LINE:COL: PATH: MESSAGE, every problem, and exits 1', async () => {
    const bad = file('bad.yaml', `apiVersion: meridian.dev/v1alpha1
kind: FleetScenario
spec:
  start: "2026-03-02T08:00:00Z"
  releases:
    - { service: serch, version: v2, previous: v1 }
    - { service: checkout, version: v2, previous: v1, faults: [{ kind: error-rate, regions: [eu-wset-1], value: 0.05 }] }
  freezes: [{ reason: incident, at: "+1h", until: "+30m" }]
`);
    expect(await cli('simulate', '--config', 'examples/fleet', '--scenario', bad)).toEqual({
      code: 1, out: '',
      err: [
        `${bad}:6:18: spec.releases[0].service: service "serch" is not in the configuration (did you mean "search"?)`,
        `${bad}:7:94: spec.releases[1].faults[0].regions[0]: region "eu-wset-1" is not in policy checkout (did you mean "eu-west-1"?)`,
        `${bad}:8:51: spec.freezes[0].until: 2026-03-02T08:30:00Z is not after the freeze's start (2026-03-02T09:00:00Z)`,
        '',
      ].join('\n'),
    });
    const single = await cli('simulate', '--config', 'examples/fleet', '--scenario', 'examples/scenarios/ring-2-fails.yaml');
    expect([single.code, single.err]).toEqual([1, 'examples/scenarios/ring-2-fails.yaml:3:7: kind: "Scenario" is not FleetScenario (a Scenario is for one policy: meridian simulate POLICY --scenario FILE)\n']);
  });

  it('keeps simulating one policy as before, and says both forms in its help', async () => {
    const one = await cli('simulate', 'examples/webapp.yaml', '--scenario', 'examples/scenarios/ring-2-fails.yaml', '--json');
    expect(one.code).toBe(0);
    expect((JSON.parse(one.out) as { outcome: string }).outcome).toBe('rolled-back');
    const help = await cli('simulate', '--help');
    expect(help.out).toContain('simulate [options] [policy]');
    expect(help.out).toContain('--config <dir>');
  });
});
