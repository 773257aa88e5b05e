import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.test-helper.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('meridian (exit codes and messages)', () => {
  it('validates the example and says so on stderr', async () => {
    expect(await cli('validate', 'examples/webapp.yaml')).toEqual({ code: 0, out: '', err: 'examples/webapp.yaml: valid\n' });
  });

  it('refuses an oversized file with its real size, without reading it, and exits 1', async () => {
    const big = file('big.yaml', `# ${'é'.repeat(600_000)}\n`);
    expect(await cli('validate', big)).toEqual({ code: 1, out: '', err: `${big}:1:1: the file is 1200003 bytes; the limit is 1048576 (is this the right file?)\n` });
  });

  it('prints every error of an invalid policy as FILE:LINE:COL: PATH: MESSAGE and exits 1', async () => {
    const bad = file('bad.yaml', 'apiVersion: meridian.dev/v1alpha1\nkind: ReleasePolicy\nmetadata: { name: x }\nspec:\n  servise: { name: x }\n');
    const r = await cli('validate', bad);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      `${bad}:5:3: spec.service: required (expected object)`,
      `${bad}:5:3: spec.regions: required (expected array)`,
      `${bad}:5:3: spec.rings: required (expected array)`,
      `${bad}:5:3: spec.servise: unknown field "servise" (did you mean "service"?)`,
    ]);
  });

  it('prints { valid, errors } with --json', async () => {
    const bad = file('bad2.yaml', 'apiVersion: v2\n');
    const r = await cli('validate', bad, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { valid: boolean; errors: Array<{ line: number; path: string; message: string }> };
    expect(doc.valid).toBe(false);
    expect(doc.errors[0]).toEqual({ file: bad, line: 1, col: 13, path: 'apiVersion', message: '"v2" is not a supported apiVersion (use meridian.dev/v1alpha1)' });
  });

  it('exits 2 for a missing file, an unknown command and an unknown flag', async () => {
    expect(await cli('validate', 'nope.yaml')).toEqual({ code: 2, out: '', err: 'meridian: nope.yaml: no such file\n' });
    expect((await cli('frobnicate')).code).toBe(2);
    const flag = await cli('plan', 'examples/webapp.yaml', '--strat');
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("error: unknown option '--strat'");
  });

  it('exits 2 for a directory given as a file, and for a configuration directory without YAML', async () => {
    expect(await cli('windows', 'examples')).toEqual({ code: 2, out: '', err: 'meridian: examples: is a directory, not a file\n' });
    expect(await cli('lint', 'src/runtime')).toEqual({ code: 2, out: '', err: 'meridian: src/runtime: no *.yaml or *.yml file in this directory\n' });
  });

  it('lints the example with warnings only (exit 0)', async () => {
    const r = await cli('lint', 'examples/webapp.yaml', '--json');
    expect(r.code).toBe(0);
    const { findings } = JSON.parse(r.out) as { findings: Array<{ rule: string; severity: string }> };
    expect(findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['warning insufficient-headroom', 'warning insufficient-headroom', 'warning tier-timing']);
  });

  it('prints help for every command', async () => {
    const r = await cli('simulate', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--scenario <file>');
  });
});

describe('meridian simulate', () => {
  const args = ['simulate', 'examples/webapp.yaml', '--scenario', 'examples/scenarios/ring-2-fails.yaml', '--json'];

  it('is deterministic: the same inputs give byte-identical JSON', async () => {
    const a = await cli(...args);
    const b = await cli(...args);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
  });

  it('reports the ring-2 failure, its detection and the rollback', async () => {
    const r = JSON.parse((await cli(...args)).out) as {
      outcome: string; detection: { ring: string; gate: string; latencyMinutes: number };
      rings: Array<{ name: string; verdict: string; rolledBack: boolean }>; finalVersions: Record<string, string>;
    };
    expect(r.outcome).toBe('rolled-back');
    expect(r.detection).toMatchObject({ ring: 'ring-2', gate: 'error-rate' });
    expect(r.rings.map((x) => [x.name, x.verdict])).toEqual([['ring-0', 'passed'], ['ring-1', 'passed'], ['ring-2', 'failed'], ['ring-3', 'not-started']]);
    expect(r.finalVersions['us-east-1']).toBe('v2.0.0');
    expect(r.finalVersions['eu-west-1']).toBe('v2.0.0');
  });

  it('gives another run with another seed', async () => {
    const a = await cli(...args);
    const b = await cli(...args, '--seed', '99');
    expect(a.out).not.toBe(b.out);
  });

  it('refuses a bad seed, a bad strategy and a missing --scenario as usage errors', async () => {
    expect(await cli('simulate', 'examples/webapp.yaml', '--scenario', 'examples/scenarios/ring-2-fails.yaml', '--seed', 'x')).toEqual({ code: 2, out: '', err: 'meridian: --seed "x" is not a whole number\n' });
    expect((await cli('simulate', 'examples/webapp.yaml', '--scenario', 'examples/scenarios/ring-2-fails.yaml', '--strategy', 'yolo')).err).toBe(
      'meridian: --strategy "yolo" is not one of ring, simultaneous, sequential, canary-then-all\n',
    );
    expect((await cli('simulate', 'examples/webapp.yaml')).err).toBe('meridian: --scenario FILE is required (see examples/scenarios/)\n');
  });

  it('reports an invalid scenario with FILE:LINE:COL and exits 1', async () => {
    const bad = file('scenario.yaml', 'apiVersion: meridian.dev/v1alpha1\nkind: Scenario\nmetadata: { name: s }\nspec:\n  start: "2026-03-02T03:30:00Z"\n  release: { version: v2, previous: v1 }\n  faults:\n    - { kind: error-rate, regions: [eu-wset-1], value: 0.05 }\n');
    const r = await cli('simulate', 'examples/webapp.yaml', '--scenario', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:37: spec\\.faults\\[0\\]\\.regions\\[0\\]: region "eu-wset-1" is not in policy webapp \\(did you mean "eu-west-1"\\?\\)\n$`));
  });
});

describe('meridian compare', () => {
  it('runs every strategy and reports means', async () => {
    const r = await cli('compare', 'examples/webapp.yaml', '--scenario', 'examples/scenarios/midnight-spike.yaml', '--seeds', '2', '--json');
    expect(r.code).toBe(0);
    const { strategies } = JSON.parse(r.out) as { strategies: Array<{ strategy: string; outcome: string; userMinutes: number; note: string | null }> };
    expect(strategies.map((s) => s.strategy)).toEqual(['ring', 'simultaneous', 'sequential', 'canary-then-all']);
    const ring = strategies.find((s) => s.strategy === 'ring')!;
    const all = strategies.find((s) => s.strategy === 'simultaneous')!;
    // The midnight spike hits every region running the new version: rings limit it to the canary.
    expect(ring.outcome).toBe('rolled-back');
    expect(ring.userMinutes).toBeLessThan(all.userMinutes);
    expect(all.note).toBe('strategy simultaneous: its rings span regions whose business hours never overlap, so it deploys at any time (freezes still apply)');
  });
});

describe('meridian demo', () => {
  it('tells the ring story: ring 1 passes, ring 2 fails and is rolled back, ring 3 is never touched', async () => {
    const dir = join(tmp, 'demo');
    const r = await cli('demo', '--dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('ring-1  ap-south-1  v2.1.0   passed\n');
    expect(r.out).toContain('ring-2  eu-west-1   v2.0.0   FAILED, rolled back\n');
    expect(r.out).toContain('ring-3  us-east-1   v2.0.0   never deployed (halted)\n');
    expect(r.out).toMatch(/eu-west-1 +ring-2 +v2\.1\.0 +Watch +\d+\.\d+% !/);
    expect(r.out).toMatch(/us-east-1 +ring-3 +v2\.0\.0 +Baseline/);
    expect(r.out).toMatch(/ring\.rollback\.completed +ring-2 +eu-west-1 back on v2\.0\.0\n/);
    expect(r.out).toContain('untouched: ring-3 never saw v2.1.0');
    expect(r.out).toContain("left on v2.1.0: ap-south-1 (ring-1), as the policy's onFailure says; under meridian serve, `meridian release rollback ID --ring ring-1` finishes the job");
    expect(r.out).toMatch(/[0-9a-f]{7} {2}webapp v2\.1\.0: deploy ring-1 \(ap-south-1\) {2}\[Meridian-Step: ring-1\/deploy\]\n[0-9a-f]{7} {2}webapp v2\.1\.0: deploy ring-2 \(eu-west-1\) {2}\[Meridian-Step: ring-2\/deploy\]\n[0-9a-f]{7} {2}webapp v2\.1\.0: rollback ring-2 \(eu-west-1\) {2}\[Meridian-Step: ring-2\/rollback\]\n/);
  });

  it('writes real commits with Meridian trailers, and the rollback is a git revert of the ring-2 deploy', () => {
    const git = (...args: string[]) => execFileSync('git', ['-C', join(tmp, 'demo', 'gitops.git'), ...args], { encoding: 'utf8' });
    const log = git('log', '--format=%s%n%(trailers:key=Meridian-Step,valueonly)', 'main');
    expect(log).toContain('webapp v2.1.0: rollback ring-2 (eu-west-1)\nring-2/rollback');
    expect(git('log', '-1', '--format=%b', 'main')).toMatch(/This reverts commit [0-9a-f]{40}/);
    const appset = git('show', 'main:deploy/applicationset.yaml');
    expect(appset).toMatch(/- cluster: ap-south-1\n\s+url: \S+\n\s+revision: v2\.1\.0\n/);
    expect(appset).toMatch(/- cluster: eu-west-1\n\s+url: \S+\n\s+revision: v2\.0\.0\n/);
    expect(appset).toMatch(/- cluster: us-east-1\n\s+url: \S+\n\s+revision: v2\.0\.0\n/);
  });
});
