/**
 * @module Integration tests of GitOpsDelivery with real git and a bare remote in a temporary
 * directory: one commit per ring step with trailers, rollback by revert, idempotency across work
 * directories, revert conflicts refused with nothing pushed, each layout end to end.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/errors.ts';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { git, log, ringOf, show, removeTempDirs, tempDir, testEnv, webappPolicy, type ReleaseFixture } from '../../src/adapters/gitops/testing.ts';
import type { Approach } from '../../src/adapters/gitops/layout.ts';
import type { Policy } from '../../src/policy/schema.ts';

afterAll(removeTempDirs);

const RELEASE: ReleaseFixture = { id: 'webapp-v2.1.0', version: 'v2.1.0', revision: 'release/v2.1.0' };
const APPSET = 'deploy/applicationset.yaml';

interface Fixture {
  dir: string;
  env: NodeJS.ProcessEnv;
  remote: string;
  policy: Policy;
  lines: string[];
  adapter: (workDir?: string) => GitOpsDelivery;
}

async function fixture(approach: Approach = 'applicationset-revision'): Promise<Fixture> {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused', approach), approach, { env });
  const policy = await webappPolicy(remote, approach);
  const lines: string[] = [];
  return { dir, env, remote, policy, lines, adapter: (workDir = 'work') => new GitOpsDelivery(policy, { workDir: join(dir, workDir), env, logger: (l) => lines.push(l) }) };
}

/** The seeded ApplicationSet with these clusters' revision replaced. */
function revised(seed: string, clusters: Record<string, string>): string {
  return Object.entries(clusters).reduce((text, [cluster, rev]) => text.replace(new RegExp(`(cluster: ${cluster}\\n.*\\n\\s+revision: )\\S+`), `$1${rev}`), seed);
}

async function rejection(p: Promise<unknown>): Promise<AdapterError> {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!(e instanceof AdapterError)) throw new Error(`expected an AdapterError, got ${String(e)}`);
  return e;
}

describe('GitOpsDelivery with real git', () => {
  let f: Fixture;
  let seed: string;
  beforeEach(async () => {
    f = await fixture();
    seed = await show(f.remote, APPSET, f.env);
  });

  it('deploys ring-1 then ring-2 as two commits with trailers, each pushed', async () => {
    const delivery = f.adapter();
    const one = await delivery.deploy(ringOf(f.policy, 'ring-1', RELEASE));
    const two = await delivery.deploy(ringOf(f.policy, 'ring-2', RELEASE));
    expect(await log(f.remote, f.env)).toEqual([
      'webapp v2.1.0: deploy ring-2 (eu-west-1) | Meridian-Release: webapp-v2.1.0, Meridian-Step: ring-2/deploy, Meridian-Version: v2.1.0, Meridian-Previous-Version: v2.0.0',
      'webapp v2.1.0: deploy ring-1 (ap-south-1) | Meridian-Release: webapp-v2.1.0, Meridian-Step: ring-1/deploy, Meridian-Version: v2.1.0, Meridian-Previous-Version: v2.0.0',
      'webapp: GitOps repository (applicationset-revision), every cluster on v2.0.0 |',
    ]);
    expect(two.ref).toBe(await git(f.remote, ['rev-parse', 'main'], f.env));
    expect(one.ref).toBe(await git(f.remote, ['rev-parse', 'main^'], f.env));
    expect(two.ref).toMatch(/^[0-9a-f]{40}$/);
    expect(await show(f.remote, APPSET, f.env)).toBe(revised(seed, { 'ap-south-1': 'release/v2.1.0', 'eu-west-1': 'release/v2.1.0' }));
    expect(await git(f.remote, ['log', '-1', '--format=%B', 'main'], f.env)).toBe(
      'webapp v2.1.0: deploy ring-2 (eu-west-1)\n\nMeridian-Release: webapp-v2.1.0\nMeridian-Step: ring-2/deploy\nMeridian-Version: v2.1.0\nMeridian-Previous-Version: v2.0.0',
    );
  });

  it('rolls ring-2 back with a revert commit that puts the file back as it was', async () => {
    const delivery = f.adapter();
    await delivery.deploy(ringOf(f.policy, 'ring-1', RELEASE));
    const deployed = await delivery.deploy(ringOf(f.policy, 'ring-2', RELEASE));
    const back = await delivery.rollback(ringOf(f.policy, 'ring-2', RELEASE));
    expect(await git(f.remote, ['log', '-1', '--format=%B', 'main'], f.env)).toBe(
      `webapp v2.1.0: rollback ring-2 (eu-west-1)\n\nThis reverts commit ${deployed.ref}.\n\nMeridian-Release: webapp-v2.1.0\nMeridian-Step: ring-2/rollback\nMeridian-Version: v2.0.0`,
    );
    expect(back.ref).toBe(await git(f.remote, ['rev-parse', 'main'], f.env));
    expect(await show(f.remote, APPSET, f.env)).toBe(revised(seed, { 'ap-south-1': 'release/v2.1.0' }));
  });

  it('is idempotent: a step already on the branch is returned, also to a fresh adapter in a new work directory', async () => {
    const first = f.adapter();
    const a = await first.deploy(ringOf(f.policy, 'ring-1', RELEASE));
    const b = await first.deploy(ringOf(f.policy, 'ring-1', RELEASE));
    const c = await f.adapter('work-after-crash').deploy(ringOf(f.policy, 'ring-1', RELEASE));
    expect([b.ref, c.ref]).toEqual([a.ref, a.ref]);
    const r1 = await first.rollback(ringOf(f.policy, 'ring-1', RELEASE));
    const r2 = await f.adapter('work-after-crash').rollback(ringOf(f.policy, 'ring-1', RELEASE));
    expect(r2.ref).toBe(r1.ref);
    expect((await log(f.remote, f.env)).length).toBe(3);
    expect(f.lines).toContain(`webapp v2.1.0: deploy ring-1 (ap-south-1): already on main as ${a.ref.slice(0, 7)}`);
  });

  it('reuses an existing clone and drops a local commit that never reached the remote', async () => {
    await f.adapter().deploy(ringOf(f.policy, 'ring-1', RELEASE));
    await git(join(f.dir, 'work'), ['commit', '--allow-empty', '-m', 'half-done work from a crashed run'], f.env);
    const two = await f.adapter().deploy(ringOf(f.policy, 'ring-2', RELEASE));
    expect(await git(f.remote, ['log', '--format=%s', 'main'], f.env)).not.toContain('half-done');
    expect(two.ref).toBe(await git(f.remote, ['rev-parse', 'main'], f.env));
  });

  it('refuses a rollback whose revert conflicts with later changes, and pushes nothing', async () => {
    const delivery = f.adapter();
    await delivery.deploy(ringOf(f.policy, 'ring-2', RELEASE));
    const other = join(f.dir, 'hotfix');
    await git(f.dir, ['clone', '--quiet', f.remote, other], f.env);
    await writeFile(join(other, APPSET), (await readFile(join(other, APPSET), 'utf8')).replace('release/v2.1.0', 'release/v2.1.1'));
    await git(other, ['commit', '--quiet', '-am', 'eu-west-1: hotfix v2.1.1'], f.env);
    await git(other, ['push', '--quiet'], f.env);
    const hotfix = await git(f.remote, ['rev-parse', 'main'], f.env);

    const e = await rejection(delivery.rollback(ringOf(f.policy, 'ring-2', RELEASE)));
    expect(e.message).toBe(`rollback of ring-2 conflicts with later changes to ${APPSET} (commit ${hotfix.slice(0, 7)} "eu-west-1: hotfix v2.1.1"): resolve by hand; nothing was pushed`);
    expect(e.retryable).toBe(false);
    expect(await git(f.remote, ['rev-parse', 'main'], f.env)).toBe(hotfix);
    expect(existsSync(join(f.dir, 'work', '.git', 'REVERT_HEAD'))).toBe(false);
    await delivery.deploy(ringOf(f.policy, 'ring-3', RELEASE));
    expect(await show(f.remote, APPSET, f.env)).toContain('revision: release/v2.1.1');
  });

  it('records the rollback of a ring that was never deployed as an empty commit that says so', async () => {
    const { ref } = await f.adapter().rollback(ringOf(f.policy, 'ring-3', RELEASE));
    expect(await git(f.remote, ['log', '-1', '--format=%B', ref], f.env)).toBe(
      'webapp v2.1.0: rollback ring-3 (us-east-1)\n\nNothing to revert: ring-3 has no deploy commit for release webapp-v2.1.0.\n\nMeridian-Release: webapp-v2.1.0\nMeridian-Step: ring-3/rollback',
    );
    expect(await show(f.remote, APPSET, f.env)).toBe(seed);
  });

  it('will not seed over an existing demo repository', async () => {
    await expect(initDemoRepo(join(f.dir, 'remote'), f.policy, 'applicationset-revision', { env: f.env })).rejects.toThrow(`${f.remote} already exists: give the demo an empty directory`);
  });

  it('lists the history with each commit\'s release and step', async () => {
    const delivery = f.adapter();
    const { ref } = await delivery.deploy(ringOf(f.policy, 'ring-1', RELEASE));
    const history = await delivery.history();
    expect(history[0]).toEqual({ id: ref, subject: 'webapp v2.1.0: deploy ring-1 (ap-south-1)', release: 'webapp-v2.1.0', step: 'ring-1/deploy' });
    expect(history[1]).toMatchObject({ release: null, step: null });
  });
});

describe('each layout, deployed and rolled back', () => {
  it('kustomize-overlay sets the image tag in the ring\'s overlay and the revert restores it', async () => {
    const f = await fixture('kustomize-overlay');
    const file = 'deploy/overlays/ring-2/kustomization.yaml';
    const before = await show(f.remote, file, f.env);
    const delivery = f.adapter();
    await delivery.deploy(ringOf(f.policy, 'ring-2', { ...RELEASE, image: 'v2.1.0-rc1' }));
    expect(await show(f.remote, file, f.env)).toBe(before.replace('newTag: v2.0.0', 'newTag: v2.1.0-rc1'));
    expect(await show(f.remote, 'deploy/overlays/ring-1/kustomization.yaml', f.env)).toContain('newTag: v2.0.0');
    await delivery.rollback(ringOf(f.policy, 'ring-2', RELEASE));
    expect(await show(f.remote, file, f.env)).toBe(before);
  });

  it('sync-wave sets the revision and keeps the ring-numbered wave', async () => {
    const f = await fixture('sync-wave');
    const before = await show(f.remote, APPSET, f.env);
    await f.adapter().deploy(ringOf(f.policy, 'ring-3', RELEASE));
    expect(await show(f.remote, APPSET, f.env)).toBe(revised(before, { 'us-east-1': 'release/v2.1.0' }));
    expect(before).toMatch(/cluster: us-east-1\n.*\n.*\n\s+wave: "3"/);
  });

  it('refuses an overlay without kustomization.yaml, naming what it expected, and pushes nothing', async () => {
    const f = await fixture('kustomize-overlay');
    const policy = { ...f.policy, spec: { ...f.policy.spec, delivery: { ...f.policy.spec.delivery, gitops: { ...f.policy.spec.delivery.gitops!, overlays: 'deploy/clusters/{{ring}}' } } } };
    const tip = await git(f.remote, ['rev-parse', 'main'], f.env);
    const e = await rejection(new GitOpsDelivery(policy, { workDir: join(f.dir, 'work'), env: f.env }).deploy(ringOf(policy, 'ring-2', RELEASE)));
    expect(e.message).toBe('deploy/clusters/ring-2: no kustomization.yaml (expected the overlay of ring-2 at deploy/clusters/ring-2/kustomization.yaml)');
    expect(e.retryable).toBe(false);
    expect(await git(f.remote, ['rev-parse', 'main'], f.env)).toBe(tip);
  });
});
