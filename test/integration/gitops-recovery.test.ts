/**
 * @module Integration tests of recovering the adapter's working clone with real git, after a git
 * that died: stale lock files (index, HEAD, a branch, the remote-tracking ref) are removed, and a
 * clone with an empty or corrupt index or no HEAD is cloned again, each said in the log, on start
 * and before each step; a damaged directory that is not the adapter's clone is never deleted.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/errors.ts';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { git, ringOf, removeTempDirs, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';

afterAll(removeTempDirs);

const RELEASE = { id: 'webapp-v2.1.0', version: 'v2.1.0', revision: 'release/v2.1.0' };

async function setup() {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
  const policy = await webappPolicy(remote);
  const work = join(dir, 'work');
  const lines: string[] = [];
  const delivery = () => new GitOpsDelivery(policy, { workDir: work, env, logger: (l) => lines.push(l) });
  const first = delivery();
  await first.deploy(ringOf(policy, 'ring-1', RELEASE));
  return { dir, env, remote, policy, work, lines, first, delivery };
}

/** Another writer pushes, so the next step's fetch has to update the remote-tracking ref. */
async function anotherWriter(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const other = join(s.dir, 'other');
  await git(s.dir, ['clone', '--quiet', s.remote, other], s.env);
  await writeFile(join(other, 'NOTES.md'), 'notes\n');
  await git(other, ['add', 'NOTES.md'], s.env);
  await git(other, ['commit', '--quiet', '-m', 'notes'], s.env);
  await git(other, ['push', '--quiet'], s.env);
}

/** ring-2 lands on the remote branch, as the newest commit. */
async function ring2Lands(s: Awaited<ReturnType<typeof setup>>, delivery: GitOpsDelivery): Promise<void> {
  const { ref } = await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE));
  expect(ref).toBe(await git(s.remote, ['rev-parse', 'main'], s.env));
  expect(await git(s.remote, ['log', '-1', '--format=%s', 'main'], s.env)).toBe('webapp v2.1.0: deploy ring-2 (eu-west-1)');
}

describe('stale git locks in the working clone', () => {
  const locks = ['index.lock', 'HEAD.lock', 'refs/heads/main.lock', 'refs/remotes/origin/main.lock'];
  for (const lock of locks) {
    it(`removes a stale .git/${lock} before the next step and deploys`, async () => {
      const s = await setup();
      const path = join(s.work, '.git', lock);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, '');
      await anotherWriter(s);
      await ring2Lands(s, s.first);
      expect(s.lines).toContain(`gitops: removed a stale .git/${lock} left by a git that died`);
      expect(existsSync(path)).toBe(false);
    });
  }

  it('removes stale locks on start, in a new process with the old clone', async () => {
    const s = await setup();
    await writeFile(join(s.work, '.git', 'index.lock'), '');
    await writeFile(join(s.work, '.git', 'HEAD.lock'), '');
    await ring2Lands(s, s.delivery());
    expect(s.lines.filter((l) => l.includes('stale'))).toEqual([
      'gitops: removed a stale .git/HEAD.lock left by a git that died',
      'gitops: removed a stale .git/index.lock left by a git that died',
    ]);
  });
});

describe('a damaged working clone', () => {
  it('clones again when .git/index is empty', async () => {
    const s = await setup();
    await truncate(join(s.work, '.git', 'index'), 0);
    await ring2Lands(s, s.first);
    expect(s.lines).toContain(`gitops: the working clone at ${s.work} is damaged (.git/index is empty); cloning it again`);
  });

  it('clones again when .git/index is not an index file', async () => {
    const s = await setup();
    await writeFile(join(s.work, '.git', 'index'), 'this is not an index, it is what a crash left behind\n');
    await ring2Lands(s, s.delivery());
    expect(s.lines).toContain(`gitops: the working clone at ${s.work} is damaged (.git/index does not start like a git index); cloning it again`);
  });

  it('clones again when the checksum of .git/index does not match', async () => {
    const s = await setup();
    const index = await readFile(join(s.work, '.git', 'index'));
    index[index.length - 30] = (index[index.length - 30] ?? 0) ^ 0xff;
    await writeFile(join(s.work, '.git', 'index'), index);
    await ring2Lands(s, s.first);
    expect(s.lines).toContain(`gitops: the working clone at ${s.work} is damaged (.git/index does not match its checksum); cloning it again`);
  });

  it('clones again when .git/HEAD is missing', async () => {
    const s = await setup();
    await rm(join(s.work, '.git', 'HEAD'));
    await ring2Lands(s, s.first);
    expect(s.lines).toContain(`gitops: the working clone at ${s.work} is damaged (.git/HEAD is missing); cloning it again`);
  });

  it('never deletes a damaged directory that is not a clone of the GitOps repository', async () => {
    const s = await setup();
    const elsewhere = join(s.dir, 'someone-elses');
    await git(s.dir, ['init', '--quiet', elsewhere], s.env);
    await rm(join(elsewhere, '.git', 'HEAD'));
    const delivery = new GitOpsDelivery(s.policy, { workDir: elsewhere, env: s.env });
    const e = await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE)).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AdapterError);
    expect((e as AdapterError).message).toBe(
      `${elsewhere} is damaged (.git/HEAD is missing) and is not a clone of ${s.remote}: remove it or give the GitOps adapter a work directory of its own`,
    );
    expect((e as AdapterError).retryable).toBe(false);
    expect(existsSync(join(elsewhere, '.git', 'config'))).toBe(true);
  });
});
