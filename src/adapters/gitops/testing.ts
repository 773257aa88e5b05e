/**
 * @module Test fixtures for the GitOps adapter: temporary directories, an environment that keeps the
 * user's git configuration out, the example webapp policy delivering through a given repository,
 * ring targets, reading a bare repository, and long histories made quickly with `git fast-import`.
 * Used only by tests and benchmarks.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../../policy/load.ts';
import type { Policy } from '../../policy/schema.ts';
import type { RingTarget } from '../../ports.ts';
import type { Approach } from './layout.ts';
import { withDemoGitOps } from './demo-repo.ts';

export const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

const made: string[] = [];

export async function tempDir(prefix = 'meridian-gitops-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every directory tempDir made (for afterAll). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** PATH, a private HOME, no system config, a fixed identity; nothing else from the real environment. */
export function testEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Meridian Test', GIT_AUTHOR_EMAIL: 'test@meridian.localhost', GIT_COMMITTER_NAME: 'Meridian Test', GIT_COMMITTER_EMAIL: 'test@meridian.localhost',
    ...extra,
  };
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env }, (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout.trim())));
  });
}

/** The example webapp policy (examples/webapp.yaml), optionally renamed, delivering through `repo`. */
export async function webappPolicy(repo: string, approach: Approach = 'applicationset-revision', service = 'webapp'): Promise<Policy> {
  const text = await readFile(join(EXAMPLES, 'webapp.yaml'), 'utf8');
  const { policy } = loadPolicy(text.split('name: webapp').join(`name: ${service}`), 'webapp.yaml');
  return withDemoGitOps(policy, repo, approach);
}

export interface ReleaseFixture {
  id: string;
  version: string;
  previousVersion?: string;
  revision?: string;
  image?: string;
}

export function ringOf(policy: Policy, ring: string, release: ReleaseFixture): RingTarget {
  const ringIndex = policy.spec.rings.findIndex((r) => r.name === ring);
  const clusters = (policy.spec.rings[ringIndex]?.regions ?? []).flatMap((name) =>
    (policy.spec.regions.find((r) => r.name === name)?.clusters ?? []).map((c) => ({ name: c.name, region: name, labels: c.labels })),
  );
  return {
    releaseId: release.id, service: policy.spec.service.name, ring, ringIndex, version: release.version,
    previousVersion: release.previousVersion ?? 'v2.0.0', clusters,
    ...(release.revision ? { revision: release.revision } : {}), ...(release.image ? { image: release.image } : {}),
  };
}

/** A file as the bare repository's branch has it. */
export function show(bare: string, path: string, env: NodeJS.ProcessEnv, ref = 'main'): Promise<string> {
  return git(bare, ['show', `${ref}:${path}`], env).then((s) => `${s}\n`);
}

/** `subject | trailers` of the bare repository's branch, newest first. */
export async function log(bare: string, env: NodeJS.ProcessEnv, ref = 'main'): Promise<string[]> {
  const out = await git(bare, ['log', '--format=%s | %(trailers:separator=%x2c )', ref], env);
  return out.split('\n').map((l) => l.trimEnd());
}

/** Feed `stream` to `git fast-import` in the repository at `cwd`: thousands of commits in well under a second. */
export function fastImport(cwd: string, stream: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('git', ['fast-import', '--quiet'], { cwd, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import: ${stderr}`))));
    p.stdin.end(stream);
  });
}

/**
 * A `git fast-import` stream of `count` commits on top of `branch`, each changing only `file` (none is a
 * Meridian step), dated one second apart from `start` (seconds since the epoch).
 */
export function unrelatedCommits(count: number, branch = 'main', start = Math.floor(Date.now() / 1000), file = 'NOTES.md'): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const message = `unrelated change ${i + 1}\n`;
    const content = `${i + 1}\n`;
    parts.push(
      `commit refs/heads/${branch}\ncommitter Someone Else <else@example.com> ${start + i} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
      i === 0 ? `from refs/heads/${branch}^0\n` : '',
      `M 644 inline ${file}\ndata ${Buffer.byteLength(content)}\n${content}\n`,
    );
  }
  return parts.join('');
}
