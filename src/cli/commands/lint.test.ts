/** @module Tests of `meridian lint`, run in-process: human lines, --json, --release, exit codes, load errors. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyError, UsageError } from '../../errors.ts';
import { BASE_POLICY } from '../../policy/lint/test-helpers.ts';
import { EXIT } from '../exit-codes.ts';
import { memoryIo } from '../io.ts';
import { registerLint } from './lint.ts';

const WEBAPP = fileURLToPath(new URL('../../../examples/webapp.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'meridian-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The base test policy with ring-1 baking 12h: one error, one warning. */
const HASTY = file('hasty.yaml', BASE_POLICY.replace('bake: 24h', 'bake: 12h'));

async function run(...args: string[]) {
  const io = memoryIo();
  let code: number | undefined;
  const program = new Command('meridian').exitOverride();
  registerLint(program, io, (c) => { code = c; });
  await program.parseAsync(['lint', ...args], { from: 'user' });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('meridian lint', () => {
  it('passes the webapp example with warnings only', async () => {
    const { code, stdout, stderr } = await run(WEBAPP);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        `${WEBAPP}:26: warning insufficient-headroom: losing eu-west-1 would push the other regions past capacity: draining eu-west-1 (30% of users) needs 0.3 of spare capacity; us-east-1 and ap-south-1 have 0.28 (us-east-1 0.18, ap-south-1 0.1)`,
        `${WEBAPP}:31: warning insufficient-headroom: losing us-east-1 would push the other regions past capacity: draining us-east-1 (45% of users) needs 0.45 of spare capacity; eu-west-1 and ap-south-1 have 0.25 (eu-west-1 0.15, ap-south-1 0.1)`,
        `${WEBAPP}:11: warning tier-timing: first production deploy to GA takes 1d18h15m without waits; tier 2 needs at least 2d`,
        '0 errors, 3 warnings',
        '',
      ].join('\n'),
    );
  });

  it('prints one line per finding at the line of its field, and exits 1 on an error', async () => {
    const { code, stderr } = await run(HASTY);
    expect(code).toBe(EXIT.invalid);
    expect(stderr).toBe(
      [
        `${HASTY}:37: error canary-bake-under-24h: ring-1 is the first production ring and has bake 12h; it needs at least 1d to see a full day of traffic`,
        `${HASTY}:9: warning tier-timing: first production deploy to GA takes 1d12h15m without waits; tier 2 needs at least 2d`,
        '1 error, 1 warning',
        '',
      ].join('\n'),
    );
  });

  it('prints the findings as one JSON document with --json', async () => {
    const { code, stdout, stderr } = await run(HASTY, '--json');
    expect(code).toBe(EXIT.invalid);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      findings: [
        {
          rule: 'canary-bake-under-24h',
          severity: 'error',
          message: 'ring-1 is the first production ring and has bake 12h; it needs at least 1d to see a full day of traffic',
          path: 'spec.rings[1].bake',
          line: 37,
        },
        {
          rule: 'tier-timing',
          severity: 'warning',
          message: 'first production deploy to GA takes 1d12h15m without waits; tier 2 needs at least 2d',
          path: 'spec.service.tier',
          line: 9,
        },
      ],
    });
  });

  it('exits 0 with nothing to say about a clean policy', async () => {
    const { code, stderr } = await run(file('clean.yaml', BASE_POLICY));
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe('0 errors, 0 warnings\n');
  });

  it('checks a release with --release and points at the release file', async () => {
    const release = file('release.yaml', 'apiVersion: meridian.dev/v1alpha1\nkind: Release\nspec:\n  version: v2.1.0\n  changes: [app, infra]\n');
    const { code, stdout } = await run(file('clean2.yaml', BASE_POLICY), '--release', release, '--json');
    expect(code).toBe(EXIT.invalid);
    expect(JSON.parse(stdout)).toEqual({
      findings: [{
        rule: 'infra-and-app-together',
        severity: 'error',
        message: 'changes lists both infra and app (app, infra); release the infrastructure change on its own first, then the app, so a failure points at one of them',
        path: 'spec.changes',
        line: 5,
      }],
    });
    const human = await run(file('clean3.yaml', BASE_POLICY), '--release', release);
    expect(human.stderr.split('\n')[0]).toBe(`${release}:5: error infra-and-app-together: changes lists both infra and app (app, infra); release the infrastructure change on its own first, then the app, so a failure points at one of them`);
  });

  it('leaves a policy that does not load to the caller as a PolicyError', async () => {
    await expect(run(file('broken.yaml', BASE_POLICY.replace('bake: 24h', 'bake: "24"')))).rejects.toThrow(PolicyError);
    const release = file('bad-release.yaml', 'apiVersion: meridian.dev/v1alpha1\nkind: Release\nspec: { changes: [app] }\n');
    await expect(run(WEBAPP, '--release', release)).rejects.toThrow(PolicyError);
  });

  it('treats a missing file as a usage error', async () => {
    await expect(run(join(dir, 'nope.yaml'))).rejects.toThrow(new UsageError(`${join(dir, 'nope.yaml')}: no such file`));
  });
});

describe('meridian lint DIR', () => {
  const example = (name: string): string => readFileSync(new URL(`../../../examples/fleet/${name}`, import.meta.url), 'utf8');

  /** The example fleet with ap-south-1 short of capacity; profile asks less headroom; search bakes its canary 12h. */
  const d = join(dir, 'fleet');
  mkdirSync(d);
  writeFileSync(join(d, 'fleet.yaml'), example('fleet.yaml').replace('capacity: 1.8', 'capacity: 1.2'));
  writeFileSync(join(d, 'checkout.yaml'), example('checkout.yaml'));
  writeFileSync(join(d, 'profile.yaml'), `${example('profile.yaml')}\n  traffic: { minHeadroom: 1.25 }\n`);
  writeFileSync(join(d, 'search.yaml'), example('search.yaml').replace('bake: 24h', 'bake: 12h'));
  const LOSING = 'losing us-east-1 would push the other regions past capacity: draining us-east-1 (35% of users) needs 0.35 of spare capacity; eu-west-1, eu-central-1 and ap-south-1 have 0.3 (eu-west-1 0.15, eu-central-1 0.12, ap-south-1 0.03)';

  it('lints the example directory clean', async () => {
    expect(await run('examples/fleet')).toEqual({ code: EXIT.ok, stdout: '', stderr: '0 errors, 0 warnings (3 services)\n' });
  });

  it("reports a finding about the fleet's regions once, at its line in the fleet file, with the services it concerns", async () => {
    const { code, stdout, stderr } = await run(d);
    expect(code).toBe(EXIT.invalid);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        `${d}/fleet.yaml:22: warning insufficient-headroom: ap-south-1 has capacity 1.2, under traffic.minHeadroom 1.3 (services: checkout, search)`,
        `${d}/fleet.yaml:42: warning insufficient-headroom: ${LOSING} (services: checkout, profile, search)`,
        `${d}/fleet.yaml:22: warning insufficient-headroom: ap-south-1 has capacity 1.2, under traffic.minHeadroom 1.25 (services: profile)`,
        `${d}/search.yaml:21: error canary-bake-under-24h: ring-1 is the first production ring and has bake 12h; it needs at least 1d to see a full day of traffic`,
        `${d}/search.yaml:11: warning tier-timing: first production deploy to GA takes 1d12h10m without waits; tier 2 needs at least 2d`,
        '1 error, 4 warnings (3 services)',
        '',
      ].join('\n'),
    );
  });

  it('gives each finding its file and services with --json', async () => {
    const { code, stdout } = await run(d, '--json');
    expect(code).toBe(EXIT.invalid);
    const { findings } = JSON.parse(stdout) as { findings: unknown[] };
    expect(findings).toHaveLength(5);
    expect(findings[1]).toEqual({
      rule: 'insufficient-headroom', severity: 'warning', message: LOSING, path: 'spec.regions[4].userShare', line: 42, file: `${d}/fleet.yaml`, services: ['checkout', 'profile', 'search'],
    });
    expect(findings[3]).toMatchObject({ rule: 'canary-bake-under-24h', path: 'spec.rings[1].bake', line: 21, file: `${d}/search.yaml`, services: ['search'] });
  });

  it('checks a release against every service, and reports its finding once', async () => {
    const release = file('dir-release.yaml', 'apiVersion: meridian.dev/v1alpha1\nkind: Release\nspec:\n  version: v2.1.0\n  changes: [app, infra]\n');
    const { code, stderr } = await run('examples/fleet', '--release', release);
    expect(code).toBe(EXIT.invalid);
    expect(stderr.split('\n')[0]).toMatch(new RegExp(`^${release}:5: error infra-and-app-together: .* \\(services: checkout, profile, search\\)$`));
    expect(stderr.split('\n')[1]).toBe('1 error, 0 warnings (3 services)');
  });
});
