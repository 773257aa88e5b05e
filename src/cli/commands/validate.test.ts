/** @module Tests of `meridian validate`, run in-process through main(): every error of a file in one run, as lines and as JSON. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
