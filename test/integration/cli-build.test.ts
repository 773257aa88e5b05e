/**
 * bin/meridian.js runs the build (scripts/build.mjs) only while it is current, and the sources
 * otherwise. On a copy of the repository in a temporary directory (its node_modules links to the
 * real packages, so the copy's build never touches the real one): the copy's build is marked by
 * editing its entry module, so that `--help` says which of the two ran.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ORIGINAL = 'Meridian: release a service across regions';
const FROM_BUILD = 'BUILT: release a service across regions';
const FROM_SOURCE = 'EDITED: release a service across regions';

let copy: string;
const build = (): string => join(copy, 'node_modules', '.cache', 'meridian');

function run(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(copy, 'bin', 'meridian.js'), ...args], { cwd: copy, env: { ...process.env, MERIDIAN_FROM_SOURCE: '', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Which copy of the CLI printed `meridian --help`. */
function whichRan(env: Record<string, string> = {}): 'build' | 'source' | 'edited source' {
  const { code, out, err } = run(['--help'], env);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  if (out.includes(FROM_BUILD)) return 'build';
  if (out.includes(FROM_SOURCE)) return 'edited source';
  expect(out).toContain(ORIGINAL);
  return 'source';
}

/** Build the copy and mark the build: its `--help` says BUILT. */
function buildAndMark(): void {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const main = join(build(), 'main.js');
  const text = readFileSync(main, 'utf8');
  expect(text).toContain(ORIGINAL);
  writeFileSync(main, text.replace(ORIGINAL, FROM_BUILD));
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'meridian-cli-build-'));
  for (const path of ['bin', 'src', 'scripts', 'examples', 'package.json', 'tsconfig.json']) cpSync(join(REPO, path), join(copy, path), { recursive: true });
  mkdirSync(join(copy, 'node_modules'));
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name !== '.cache') symlinkSync(join(REPO, 'node_modules', name), join(copy, 'node_modules', name));
  }
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('bin/meridian.js: the build or the sources', () => {
  it('runs the sources when there is no build', () => {
    expect(whichRan()).toBe('source');
  });

  it('runs the build when every file it was made from is unchanged, and the build works', () => {
    buildAndMark();
    expect(whichRan()).toBe('build');
    expect(run(['validate', 'examples/webapp.yaml'])).toEqual({ code: 0, out: '', err: 'examples/webapp.yaml: valid\n' });
    expect(readFileSync(join(build(), 'assets', 'dashboard.css'), 'utf8')).toBe(readFileSync(join(copy, 'src/api/dashboard/assets/dashboard.css'), 'utf8'));
  });

  it('runs the sources when asked to with MERIDIAN_FROM_SOURCE=1', () => {
    expect(whichRan({ MERIDIAN_FROM_SOURCE: '1' })).toBe('source');
  });

  it('keeps running the build when a file is only touched (a checkout, an editor saving it unchanged)', () => {
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, 'src/policy/schema.ts'), later, later);
    expect(whichRan()).toBe('build');
  });

  it('runs the edited sources as soon as a source file changes, and the build again once it is as it was', () => {
    const main = join(copy, 'src/cli/main.ts');
    const text = readFileSync(main, 'utf8');
    writeFileSync(main, text.replace(ORIGINAL, FROM_SOURCE));
    expect(whichRan()).toBe('edited source');
    writeFileSync(main, text);
    expect(whichRan()).toBe('build');
  });

  it('runs the sources when a file deep in the module graph, a dashboard asset or the build script changes', () => {
    for (const path of ['src/policy/duration.ts', 'src/api/dashboard/assets/dashboard.css', 'scripts/build.mjs']) {
      const file = join(copy, path);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, `${text}\n`);
      expect({ path, ran: whichRan() }).toEqual({ path, ran: 'source' });
      writeFileSync(file, text);
      expect({ path, ran: whichRan() }).toEqual({ path, ran: 'build' });
    }
  });

  it('runs the sources when the build has no record of what it was made from', () => {
    rmSync(join(build(), 'build.json'));
    expect(whichRan()).toBe('source');
  });
});
