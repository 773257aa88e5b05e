/** @module Tests of `meridian validate`, run in-process through main(): every error of a file in one run, as lines and as JSON. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../exit-codes.ts';
import { memoryIo } from '../io.ts';
import { main } from '../main.ts';

const webapp = readFileSync(new URL('../../../examples/webapp.yaml', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'meridian-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function validate(...args: string[]) {
  const io = memoryIo();
  const code = await main(['validate', ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Two schema errors (a time zone, a duration) and one cross-field error (a gate reference) in one file. */
const MIXED = file(
  'mixed.yaml',
  webapp
    .replace('timezone: Europe/London', 'timezone: Mars/Olympus')
    .replace('bake: 12h', 'bake: twelve hours')
    .replace('gates: [error-rate, p99-latency]\n      onFailure', 'gates: [error-rate, p99-latncy]\n      onFailure'),
);

describe('meridian validate', () => {
  it('reports schema and cross-field errors of one file together, once each, and exits 1', async () => {
    const { code, stdout, stderr } = await validate(MIXED);
    expect(code).toBe(EXIT.invalid);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        `${MIXED}:25:17: spec.regions[2].timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/London, Asia/Kolkata, UTC)`,
        `${MIXED}:47:13: spec.rings[2].bake: "twelve hours" is not a duration (use e.g. 24h)`,
        `${MIXED}:48:27: spec.rings[2].gates[1]: gate "p99-latncy" is not defined (did you mean "p99-latency"?)`,
        '',
      ].join('\n'),
    );
  });

  it('gives the same three errors with --json, as one document on stdout', async () => {
    const { code, stdout, stderr } = await validate(MIXED, '--json');
    expect(code).toBe(EXIT.invalid);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      valid: false,
      errors: [
        { file: MIXED, line: 25, col: 17, path: 'spec.regions[2].timezone', message: '"Mars/Olympus" is not an IANA time zone (e.g. Europe/London, Asia/Kolkata, UTC)' },
        { file: MIXED, line: 47, col: 13, path: 'spec.rings[2].bake', message: '"twelve hours" is not a duration (use e.g. 24h)' },
        { file: MIXED, line: 48, col: 27, path: 'spec.rings[2].gates[1]', message: 'gate "p99-latncy" is not defined (did you mean "p99-latency"?)' },
      ],
    });
  });

  it('says a valid policy is valid, on stderr or as JSON', async () => {
    const ok = file('ok.yaml', webapp);
    expect(await validate(ok)).toEqual({ code: EXIT.ok, stdout: '', stderr: `${ok}: valid\n` });
    const json = await validate(ok, '--json');
    expect(json.code).toBe(EXIT.ok);
    expect(JSON.parse(json.stdout)).toEqual({ valid: true, errors: [] });
  });
});

describe('meridian validate DIR', () => {
  it('says each fleet and each service of a configuration directory is valid, one line each, and exits 0', async () => {
    const { code, stdout, stderr } = await validate('examples/fleet');
    expect(code).toBe(EXIT.ok);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        'examples/fleet/fleet.yaml: fleet "prod": valid (5 regions; at most 2 releases deploying or baking in a region at once)',
        'examples/fleet/checkout.yaml: service "checkout": valid (fleet "prod", 4 rings)',
        'examples/fleet/profile.yaml: service "profile": valid (fleet "prod", 3 rings)',
        'examples/fleet/search.yaml: service "search": valid (fleet "prod", 3 rings)',
        '',
      ].join('\n'),
    );
  });

  it('lists the fleets and services with --json', async () => {
    const { code, stdout, stderr } = await validate('examples/fleet', '--json');
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      valid: true,
      errors: [],
      fleets: [{ name: 'prod', file: 'examples/fleet/fleet.yaml', perRegion: 2 }],
      services: [
        { service: 'checkout', file: 'examples/fleet/checkout.yaml', fleet: 'prod' },
        { service: 'profile', file: 'examples/fleet/profile.yaml', fleet: 'prod' },
        { service: 'search', file: 'examples/fleet/search.yaml', fleet: 'prod' },
      ],
    });
  });

  it('names a service with its own regions, and a fleet without a limit, as such', async () => {
    const d = join(dir, 'own');
    mkdirSync(d);
    writeFileSync(join(d, 'fleet.yaml'), readFileSync('examples/fleet/fleet.yaml', 'utf8').replace('  concurrency:\n    perRegion: 2\n', ''));
    writeFileSync(join(d, 'search.yaml'), readFileSync('examples/fleet/search.yaml', 'utf8'));
    writeFileSync(join(d, 'webapp.yaml'), webapp);
    const { code, stderr } = await validate(d);
    expect(code).toBe(EXIT.ok);
    expect(stderr.split('\n')).toEqual([
      `${d}/fleet.yaml: fleet "prod": valid (5 regions; no limit on releases per region)`,
      `${d}/search.yaml: service "search": valid (fleet "prod", 3 rings)`,
      `${d}/webapp.yaml: service "webapp": valid (its own 4 regions, 4 rings)`,
      '',
    ]);
  });

  it('reports the errors of every file of the directory together, and exits 1', async () => {
    const d = join(dir, 'broken');
    mkdirSync(d);
    writeFileSync(join(d, 'fleet.yaml'), readFileSync('examples/fleet/fleet.yaml', 'utf8'));
    writeFileSync(join(d, 'checkout.yaml'), readFileSync('examples/fleet/checkout.yaml', 'utf8').replace('regions: [us-east-1]', 'regions: [us-east-2]'));
    writeFileSync(join(d, 'search.yaml'), readFileSync('examples/fleet/search.yaml', 'utf8').replace('name: search\n    tier', 'name: checkout\n    tier'));
    const { code, stdout, stderr } = await validate(d);
    expect(code).toBe(EXIT.invalid);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        `${d}/checkout.yaml:31:17: spec.rings[3].regions[0]: region "us-east-2" is not defined (did you mean "us-east-1"?)`,
        `${d}/checkout.yaml:13:10: spec.fleet: fleet "prod": region "us-east-1" is in no ring (every region is in exactly one ring)`,
        `${d}/search.yaml:10:11: spec.service.name: service "checkout" already has a policy at ${d}/checkout.yaml:11 (one policy per service)`,
        '',
      ].join('\n'),
    );
    const json = await validate(d, '--json');
    expect(json.code).toBe(EXIT.invalid);
    expect((JSON.parse(json.stdout) as { valid: boolean; errors: unknown[] })).toMatchObject({ valid: false, errors: [{ line: 31 }, { line: 13 }, { line: 10 }] });
  });

  it('refuses a policy that names a fleet when given on its own, pointing at the directory', async () => {
    const { code, stderr } = await validate('examples/fleet/checkout.yaml');
    expect(code).toBe(EXIT.invalid);
    expect(stderr).toBe('examples/fleet/checkout.yaml:13:10: spec.fleet: this policy takes its regions from fleet "prod", which is defined in another file: validate or serve the directory that holds the Fleet and this policy (meridian validate DIR, meridian serve --config DIR)\n');
  });

  it('exits 2 for a directory without YAML files', async () => {
    const d = join(dir, 'empty');
    mkdirSync(d);
    expect(await validate(d)).toEqual({ code: EXIT.usage, stdout: '', stderr: `meridian: ${d}: no *.yaml or *.yml file in this directory\n` });
  });
});
