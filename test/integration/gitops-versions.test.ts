/**
 * @module Integration tests of reading what each region runs from the GitOps repository, with real
 * git: the newest Meridian deploy or rollback commit per region decides (a rollback restores what ran
 * before its deploy), commits written before versions were recorded are read from their subjects,
 * other services' and forged commits are ignored, only a bounded recent history is read, and a git
 * that fails gives no versions and a log line, never an error.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { git, ringOf, removeTempDirs, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';
import type { Delivery } from '../../src/ports.ts';

afterAll(removeTempDirs);

const REGIONS = ['staging', 'ap-south-1', 'eu-west-1', 'us-east-1'];
const V21 = { id: 'webapp-v2.1.0', version: 'v2.1.0', previousVersion: 'v2.0.0', revision: 'release/v2.1.0' };
const V22 = { id: 'webapp-v2.2.0', version: 'v2.2.0', previousVersion: 'v2.1.0', revision: 'release/v2.2.0' };

async function setup(options: { versionsDepth?: number } = {}) {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
  const policy = await webappPolicy(remote);
  const lines: string[] = [];
  const delivery = (workDir = 'work') => new GitOpsDelivery(policy, { workDir: join(dir, workDir), env, logger: (l) => lines.push(l), ...options });
  const other = join(dir, 'other');
  await git(dir, ['clone', '--quiet', remote, other], env);
  /** A commit pushed by someone else, with these -m paragraphs and trailers. */
  const commitByHand = async (message: string, trailers: string[] = []) => {
    await git(other, ['pull', '--quiet', '--rebase'], env);
    await git(other, ['commit', '--quiet', '--allow-empty', '-m', message, ...trailers.flatMap((t) => ['--trailer', t])], env);
    await git(other, ['push', '--quiet'], env);
  };
  return { dir, env, remote, policy, lines, delivery, commitByHand };
}

describe('GitOpsDelivery.versions', () => {
  it('is part of the Delivery port, and records the versions in each new commit', async () => {
    const s = await setup();
    const delivery: Delivery = s.delivery();
    expect(typeof delivery.versions).toBe('function');
    const { ref } = await delivery.deploy(ringOf(s.policy, 'ring-2', V21));
    expect(await git(s.remote, ['log', '-1', '--format=%B', ref], s.env)).toBe(
      'webapp v2.1.0: deploy ring-2 (eu-west-1)\n\nMeridian-Release: webapp-v2.1.0\nMeridian-Step: ring-2/deploy\nMeridian-Version: v2.1.0\nMeridian-Previous-Version: v2.0.0',
    );
    const back = await delivery.rollback(ringOf(s.policy, 'ring-2', V21));
    expect(await git(s.remote, ['log', '-1', '--format=%B', back.ref], s.env)).toBe(
      `webapp v2.1.0: rollback ring-2 (eu-west-1)\n\nThis reverts commit ${ref}.\n\nMeridian-Release: webapp-v2.1.0\nMeridian-Step: ring-2/rollback\nMeridian-Version: v2.0.0`,
    );
  });

  it("reads each region's version from the newest deploy, and leaves out regions no Meridian commit tells", async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', V21));
    await delivery.deploy(ringOf(s.policy, 'ring-2', V21));
    await delivery.deploy(ringOf(s.policy, 'ring-1', V22));
    expect(await s.delivery('fresh-database').versions(s.policy.spec.service.name, REGIONS)).toEqual({ 'ap-south-1': 'v2.2.0', 'eu-west-1': 'v2.1.0' });
    expect(await delivery.versions('webapp', ['eu-west-1'])).toEqual({ 'eu-west-1': 'v2.1.0' });
  });

  it('takes a rollback to mean the version that ran before its deploy, and a rollback with nothing to revert to change nothing', async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', V21));
    await delivery.deploy(ringOf(s.policy, 'ring-1', V22));
    await delivery.rollback(ringOf(s.policy, 'ring-1', V22));
    await delivery.rollback(ringOf(s.policy, 'ring-3', V22));
    expect(await delivery.versions('webapp', REGIONS)).toEqual({ 'ap-south-1': 'v2.1.0' });
  });

  it('reads commits made before versions were recorded from their subjects, a rollback restoring what the region ran before', async () => {
    const s = await setup();
    const step = (release: string, step: string) => [`Meridian-Release: ${release}`, `Meridian-Step: ${step}`];
    await s.commitByHand('webapp v1.8.0: deploy ring-1 (ap-south-1)', step('webapp-v1.8.0', 'ring-1/deploy'));
    await s.commitByHand('webapp v1.9.0: deploy ring-1 (ap-south-1)', step('webapp-v1.9.0', 'ring-1/deploy'));
    await s.commitByHand('webapp v1.9.0: deploy ring-2 (eu-west-1)', step('webapp-v1.9.0', 'ring-2/deploy'));
    await s.commitByHand('webapp v1.9.0: rollback ring-1 (ap-south-1)', step('webapp-v1.9.0', 'ring-1/rollback'));
    expect(await s.delivery().versions('webapp', REGIONS)).toEqual({ 'ap-south-1': 'v1.8.0', 'eu-west-1': 'v1.9.0' });
  });

  it("ignores other services' commits, commits by hand and commits with forged trailers", async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', V21));
    await s.commitByHand('search v9.0.0: deploy ring-1 (ap-south-1)', ['Meridian-Release: search-v9.0.0', 'Meridian-Step: ring-1/deploy', 'Meridian-Version: v9.0.0']);
    await s.commitByHand('webapp v6.6.6: deploy ring-1 (ap-south-1)');
    await s.commitByHand('webapp v6.6.6: deploy ring-1 (ap-south-1)', ['Meridian-Release: a', 'Meridian-Step: ring-1/deploy', 'Meridian-Release: b']);
    expect(await delivery.versions('webapp', REGIONS)).toEqual({ 'ap-south-1': 'v2.1.0' });
  });

  it('reads only the newest versionsDepth commits', async () => {
    const s = await setup({ versionsDepth: 2 });
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', V21));
    await delivery.deploy(ringOf(s.policy, 'ring-2', V21));
    await delivery.deploy(ringOf(s.policy, 'ring-3', V21));
    expect(await delivery.versions('webapp', REGIONS)).toEqual({ 'eu-west-1': 'v2.1.0', 'us-east-1': 'v2.1.0' });
  });

  it('gives no versions and says why when git fails, without throwing', async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', V21));
    await rm(s.remote, { recursive: true, force: true });
    await writeFile(join(s.dir, 'remote', 'gitops.git'), 'not a repository any more\n');
    expect(await delivery.versions('webapp', REGIONS)).toEqual({});
    const line = s.lines.find((l) => l.startsWith('gitops: could not read'));
    expect(line).toMatch(new RegExp(`^gitops: could not read what webapp runs in each region from ${s.remote}: git fetch failed: .+; treating every region as unknown$`));
  });
});
