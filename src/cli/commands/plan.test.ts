import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, reportError } from '../exit-codes.ts';
import { memoryIo } from '../io.ts';
import { registerPlan } from './plan.ts';

const WEBAPP = new URL('../../../examples/webapp.yaml', import.meta.url).pathname;

/** Runs `meridian plan ARGS` in-process the way main.ts runs a command. */
async function plan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  let code: number = EXIT.ok;
  const output = { writeOut: (s: string) => io.out(s), writeErr: (s: string) => io.err(s) };
  const program = new Command('meridian').exitOverride().configureOutput(output);
  registerPlan(program, io, (c) => { code = c; });
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(output);
  try {
    await program.parseAsync(['plan', ...args], { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? EXIT.usage : reportError(io, e, { debug: false, json: args.includes('--json') });
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function policyFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-plan-'));
  dirs.push(dir);
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

const KOLKATA = 'outside business hours in ap-south-1 (Asia/Kolkata, Mon-Fri 09:00-17:00)';
const LONDON = 'outside business hours in eu-west-1 (Europe/London, Mon-Fri 09:00-17:00)';
const NEW_YORK = 'outside business hours in us-east-1 (America/New_York, Mon-Fri 09:00-17:00)';

describe('meridian plan', () => {
  it('prints the timeline as one JSON document with ISO times', async () => {
    const r = await plan(WEBAPP, '--start', '2026-03-06T12:00:00Z', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      start: '2026-03-06T12:00:00.000Z',
      rings: [
        {
          name: 'ring-0', regions: ['internal'], userShare: 0, cumulativeUserShare: 0,
          deployAt: '2026-03-06T12:00:00.000Z', healthyAt: '2026-03-06T12:05:00.000Z', bakeUntil: '2026-03-06T13:05:00.000Z', waits: [],
        },
        {
          name: 'ring-1', regions: ['ap-south-1'], userShare: 0.25, cumulativeUserShare: 0.25,
          deployAt: '2026-03-09T03:30:00.000Z', healthyAt: '2026-03-09T03:35:00.000Z', bakeUntil: '2026-03-10T03:35:00.000Z',
          waits: [{ reason: 'business-hours', until: '2026-03-09T03:30:00.000Z', detail: KOLKATA }],
        },
        {
          name: 'ring-2', regions: ['eu-west-1'], userShare: 0.3, cumulativeUserShare: 0.55,
          deployAt: '2026-03-10T09:00:00.000Z', healthyAt: '2026-03-10T09:05:00.000Z', bakeUntil: '2026-03-10T21:05:00.000Z',
          waits: [{ reason: 'business-hours', until: '2026-03-10T09:00:00.000Z', detail: LONDON }],
        },
        {
          name: 'ring-3', regions: ['us-east-1'], userShare: 0.45, cumulativeUserShare: 1,
          deployAt: '2026-03-11T13:00:00.000Z', healthyAt: '2026-03-11T13:05:00.000Z', bakeUntil: '2026-03-11T19:05:00.000Z',
          waits: [
            { reason: 'business-hours', until: '2026-03-11T13:00:00.000Z', detail: NEW_YORK },
            { reason: 'approval', until: '2026-03-11T13:00:00.000Z', detail: 'approval by group:release-team' },
          ],
        },
      ],
      completeAt: '2026-03-11T19:05:00.000Z',
      totalHours: 127.08,
    });
  });

  it('prints a table with times in UTC minutes, then when the release completes', async () => {
    const r = await plan(WEBAPP, '--start', '2026-03-02T06:00:00Z');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'RING    REGIONS     USERS  CUMULATIVE  DEPLOY AT          HEALTHY AT         BAKE UNTIL         WAITS',
        'ring-0  internal    0%     0%          2026-03-02 06:00Z  2026-03-02 06:05Z  2026-03-02 07:05Z  -',
        'ring-1  ap-south-1  25%    25%         2026-03-02 07:05Z  2026-03-02 07:10Z  2026-03-03 07:10Z  -',
        `ring-2  eu-west-1   30%    55%         2026-03-03 09:00Z  2026-03-03 09:05Z  2026-03-03 21:05Z  ${LONDON} until 2026-03-03 09:00Z`,
        'ring-3  us-east-1   45%    100%        2026-03-03 21:05Z  2026-03-03 21:10Z  2026-03-04 03:10Z  approval by group:release-team',
        'complete at 2026-03-04 03:10Z, 45.17 hours after the start (2026-03-02 06:00Z)',
        '',
      ].join('\n'),
    );
  });

  it('accepts a start with an offset', async () => {
    const r = await plan(WEBAPP, '--start', '2026-03-02T11:30:00+05:30', '--json');
    expect(JSON.parse(r.stdout).start).toBe('2026-03-02T06:00:00.000Z');
  });

  it('starts now when --start is not given', async () => {
    const before = Date.now();
    const r = await plan(WEBAPP, '--json');
    const after = Date.now();
    const start = Date.parse(JSON.parse(r.stdout).start);
    expect(r.code).toBe(0);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(after);
  });

  it('rejects a bad --start as a usage error naming the flag and the value', async () => {
    const r = await plan(WEBAPP, '--start', 'next tuesday');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'meridian: --start "next tuesday" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)\n',
    });
  });

  it('rejects a start without an offset, which would be read in an unknown zone', async () => {
    const r = await plan(WEBAPP, '--start', '2026-03-02T09:00');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('meridian: --start "2026-03-02T09:00" is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)\n');
  });

  it('reports a missing policy file as a usage error', async () => {
    const r = await plan('/nonexistent/policy.yaml');
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'meridian: /nonexistent/policy.yaml: no such file\n' });
  });

  it('reports a ring whose regions are never open together at the ring\'s regions, and exits 1', async () => {
    const text = readFileSync(WEBAPP, 'utf8')
      .replace('      regions: [eu-west-1]\n', '      regions: [eu-west-1, us-west-2]\n')
      .replace('      userShare: 0.30\n', '      userShare: 0.20\n')
      .replace(
        '  rings:\n',
        [
          '    - name: us-west-2',
          '      timezone: America/Los_Angeles',
          '      userShare: 0.10',
          '      businessHours: { days: Mon-Fri, start: "14:00", end: "15:00" }',
          '      clusters: [{ name: us-west-2 }]',
          '',
          '  rings:',
          '',
        ].join('\n'),
      );
    const file = policyFile(text);
    const r = await plan(file, '--start', '2026-03-02T06:00:00Z');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `${file}:52:16: spec.rings[2].regions: ring "ring-2": business hours of eu-west-1 (Europe/London, Mon-Fri 09:00-17:00) and us-west-2 (America/Los_Angeles, Mon-Fri 14:00-15:00) never overlap\n`,
    });
  });
});

describe('meridian plan DIR', () => {
  const FLEET = 'examples/fleet';
  type Planned = { service: string; start: string; rings: Array<{ name: string }>; completeAt: string; totalHours: number };

  it('plans every service of a directory, each in the single-policy shape with its name', async () => {
    const r = await plan(FLEET, '--start', '2026-03-02T06:00:00Z', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const { services } = JSON.parse(r.stdout) as { services: Planned[] };
    expect(services.map((s) => [s.service, s.rings.map((x) => x.name).join(' '), s.totalHours])).toEqual([
      ['checkout', 'ring-0 ring-1 ring-2 ring-3', 128.08],
      ['profile', 'ring-0 ring-1 ring-2', 38.08],
      ['search', 'ring-0 ring-1 ring-2', 56.08],
    ]);
    expect(Object.keys(services[0]!)).toEqual(['service', 'start', 'rings', 'completeAt', 'totalHours']);
  });

  it('plans one service with --service', async () => {
    const r = await plan(FLEET, '--service', 'search', '--start', '2026-03-02T06:00:00Z', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { services: Planned[] }).services.map((s) => s.service)).toEqual(['search']);
  });

  it('refuses an unknown --service as a usage error naming the known ones', async () => {
    expect(await plan(FLEET, '--service', 'serch')).toEqual({ code: 2, stdout: '', stderr: 'meridian: --service "serch": no such service in examples/fleet (known: checkout, profile, search)\n' });
    expect(await plan(WEBAPP, '--service', 'checkout')).toEqual({ code: 2, stdout: '', stderr: `meridian: --service "checkout": no such service in ${WEBAPP} (known: webapp)\n` });
  });

  it('prints a table per service under its name', async () => {
    const r = await plan(FLEET, '--start', '2026-03-02T06:00:00Z');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('service '))).toEqual([
      'service "checkout" (fleet "prod", examples/fleet/checkout.yaml)',
      'service "profile" (fleet "prod", examples/fleet/profile.yaml)',
      'service "search" (fleet "prod", examples/fleet/search.yaml)',
    ]);
    expect(lines[1]).toMatch(/^RING +REGIONS +USERS/);
    expect(lines.filter((l) => l.startsWith('complete at '))).toHaveLength(3);
    const single = await plan(FLEET, '--service', 'search', '--start', '2026-03-02T06:00:00Z');
    expect(single.stdout).toBe(r.stdout.slice(r.stdout.indexOf('service "search"')));
  });

  it('reports every service whose ring can never deploy, at the policy, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-plan-dir-'));
    dirs.push(dir);
    const example = (name: string): string => readFileSync(join(FLEET, name), 'utf8');
    writeFileSync(join(dir, 'fleet.yaml'), example('fleet.yaml').replace('      userShare: 0.35\n', '      userShare: 0.35\n      businessHours: { days: Mon-Fri, start: "14:00", end: "15:00" }\n'));
    for (const name of ['checkout.yaml', 'profile.yaml', 'search.yaml']) writeFileSync(join(dir, name), example(name));
    const r = await plan(dir, '--start', '2026-03-02T06:00:00Z');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').map((l) => l.replace(/ never overlap$/, '').replace(/: business hours of .*/, ''))).toEqual([
      `${dir}/profile.yaml:24:16: spec.rings[2].regions: ring "ring-2"`,
      `${dir}/search.yaml:24:16: spec.rings[2].regions: ring "ring-2"`,
      '',
    ]);
  });
});

describe('meridian plan with residency zones', () => {
  const RESIDENCY = new URL('../../../examples/residency.yaml', import.meta.url).pathname;

  it('prints the blast radius per zone after the timeline: each zone reached first by its canary', async () => {
    const r = await plan(RESIDENCY, '--start', '2026-03-02T03:30:00Z');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(-8)).toEqual([
      "blast radius per residency zone (the zone's share of users in brackets): share of the zone's users on the new version once the ring is deployed",
      'RING    EU (42%)  US (58%)',
      'ring-0  0%        0%',
      'ring-1  28.57%    0%',
      'ring-2  28.57%    34.48%',
      'ring-3  100%      34.48%',
      'ring-4  100%      100%',
      '',
    ]);
  });

  it('gives the zones and each ring\'s share of them in --json', async () => {
    const r = await plan(RESIDENCY, '--start', '2026-03-02T03:30:00Z', '--json');
    const doc = JSON.parse(r.stdout) as { zones: unknown; rings: Array<{ name: string; zones: unknown }> };
    expect(doc.zones).toEqual([
      { residency: 'EU', regions: ['eu-west-1', 'eu-central-1'], userShare: 0.42 },
      { residency: 'US', regions: ['us-west-2', 'us-east-1'], userShare: 0.58 },
    ]);
    expect(doc.rings[3]).toMatchObject({
      name: 'ring-3',
      zones: [{ residency: 'EU', userShare: 0.7143, cumulativeUserShare: 1 }, { residency: 'US', userShare: 0, cumulativeUserShare: 0.3448 }],
    });
  });

  it('adds nothing for a policy without zones', async () => {
    const r = await plan(WEBAPP, '--start', '2026-03-06T12:00:00Z', '--json');
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['start', 'rings', 'completeAt', 'totalHours']);
    expect((await plan(WEBAPP, '--start', '2026-03-06T12:00:00Z')).stdout).not.toContain('residency zone');
  });
});
