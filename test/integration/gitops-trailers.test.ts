/**
 * @module Integration tests of the Meridian trailers with real git: a version or revision holding
 * newlines cannot add trailers to a commit, another release's step is never taken as already on the
 * branch, a retried step is not written twice, a commit with duplicate Meridian trailers never counts
 * as a step, and a release id or ring name outside the safe characters is refused before anything is
 * written.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/errors.ts';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { git, ringOf, removeTempDirs, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';

afterAll(removeTempDirs);

/** A version that, written into a message as it is, ends with a paragraph of forged trailers. */
const FORGING = 'v2\n\nMeridian-Release: other-release\nMeridian-Step: ring-1/deploy\nX-Note';
const HOSTILE = { id: 'webapp-v2', version: FORGING, revision: 'release/v2\r\nMeridian-Step: ring-2/deploy' };

async function setup() {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
  const policy = await webappPolicy(remote);
  const lines: string[] = [];
  const delivery = (workDir = 'work') => new GitOpsDelivery(policy, { workDir: join(dir, workDir), env, logger: (l) => lines.push(l) });
  /** `release/step` of every commit on the bare repository's branch that carries Meridian trailers, one entry per trailer value. */
  const pairs = async () =>
    (await git(remote, ['log', '--format=%(trailers:key=Meridian-Release,valueonly,separator=%x2c)/%(trailers:key=Meridian-Step,valueonly,separator=%x2c)', 'main'], env))
      .split('\n').filter((l) => l !== '/');
  return { dir, env, remote, policy, lines, delivery, pairs };
}

async function rejection(p: Promise<unknown>): Promise<AdapterError> {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!(e instanceof AdapterError)) throw new Error(`expected an AdapterError, got ${String(e)}`);
  return e;
}

describe('commit trailers cannot be forged through a field', () => {
  it('writes a version with newlines on one line, adding no trailer', async () => {
    const s = await setup();
    const { ref } = await s.delivery().deploy(ringOf(s.policy, 'ring-1', HOSTILE));
    expect(await git(s.remote, ['log', '-1', '--format=%s', ref], s.env)).toBe(
      'webapp v2 Meridian-Release: other-release Meridian-Step: ring-1/deploy X-Note: deploy ring-1 (ap-south-1)',
    );
    expect(await git(s.remote, ['log', '-1', '--format=%(trailers:key=Meridian-Release,valueonly,separator=%x2c)|%(trailers:key=Meridian-Step,valueonly,separator=%x2c)', ref], s.env)).toBe(
      'webapp-v2|ring-1/deploy',
    );
    expect((await git(s.remote, ['log', '-1', '--format=%(trailers:only,unfold)', ref], s.env)).split('\n')).toEqual([
      'Meridian-Release: webapp-v2',
      'Meridian-Step: ring-1/deploy',
      'Meridian-Version: v2 Meridian-Release: other-release Meridian-Step: ring-1/deploy X-Note',
      'Meridian-Previous-Version: v2.0.0',
    ]);
  });

  it("does not report another release's ring as already on the branch", async () => {
    const s = await setup();
    const delivery = s.delivery();
    const forged = await delivery.deploy(ringOf(s.policy, 'ring-1', HOSTILE));
    const other = await delivery.deploy(ringOf(s.policy, 'ring-1', { id: 'other-release', version: 'v3.0.0' }));
    expect(other.ref).not.toBe(forged.ref);
    expect(other.ref).toBe(await git(s.remote, ['rev-parse', 'main'], s.env));
    expect(s.lines.filter((l) => l.includes('already on main'))).toEqual([]);
    expect(s.lines).toContain(`webapp v3.0.0: deploy ring-1 (ap-south-1): pushed ${other.ref.slice(0, 7)} to main`);
    expect(await s.pairs()).toEqual(['other-release/ring-1/deploy', 'webapp-v2/ring-1/deploy']);
  });

  it('finds its own step again on a retry and does not write the commit twice', async () => {
    const s = await setup();
    const first = await s.delivery().deploy(ringOf(s.policy, 'ring-1', HOSTILE));
    const again = await s.delivery().deploy(ringOf(s.policy, 'ring-1', HOSTILE));
    const fresh = await s.delivery('work-after-crash').deploy(ringOf(s.policy, 'ring-1', HOSTILE));
    expect([again.ref, fresh.ref]).toEqual([first.ref, first.ref]);
    expect(await s.pairs()).toEqual(['webapp-v2/ring-1/deploy']);
    expect(s.lines).toContain(`webapp v2 Meridian-Release: other-release Meridian-Step: ring-1/deploy X-Note: deploy ring-1 (ap-south-1): already on main as ${first.ref.slice(0, 7)}`);
  });

  it('never counts a commit with duplicate Meridian trailers as a step', async () => {
    const s = await setup();
    const other = join(s.dir, 'other');
    await git(s.dir, ['clone', '--quiet', s.remote, other], s.env);
    await git(other, ['commit', '--quiet', '--allow-empty', '-m', 'hand-made',
      '--trailer', 'Meridian-Release: webapp-v2.1.0', '--trailer', 'Meridian-Step: ring-1/deploy', '--trailer', 'Meridian-Release: another-release'], s.env);
    await git(other, ['push', '--quiet'], s.env);
    const planted = await git(s.remote, ['rev-parse', 'main'], s.env);

    const { ref } = await s.delivery().deploy(ringOf(s.policy, 'ring-1', { id: 'webapp-v2.1.0', version: 'v2.1.0' }));
    expect(ref).not.toBe(planted);
    expect(await git(s.remote, ['rev-parse', 'main^'], s.env)).toBe(planted);
    expect(s.lines.filter((l) => l.includes('already on main'))).toEqual([]);
  });

  it('refuses a release id or a ring name outside the safe characters, pushing nothing', async () => {
    const s = await setup();
    const tip = await git(s.remote, ['rev-parse', 'main'], s.env);
    const target = ringOf(s.policy, 'ring-1', { id: 'webapp-v2.1.0', version: 'v2.1.0' });
    const badId = await rejection(s.delivery().deploy({ ...target, releaseId: 'webapp\nMeridian-Step: ring-9/deploy' }));
    expect(badId.message).toBe(
      'release id "webapp\\nMeridian-Step: ring-9/deploy" cannot go into a Meridian-Release trailer: use only letters, digits, ".", "_" and "-" (at most 200, starting with a letter or digit); nothing was pushed',
    );
    expect(badId.retryable).toBe(false);
    const badRing = await rejection(s.delivery().rollback({ ...target, ring: 'ring-1 ' }));
    expect(badRing.message).toBe(
      'ring "ring-1 " cannot go into a Meridian-Step trailer: use only letters, digits, ".", "_" and "-" (at most 200, starting with a letter or digit); nothing was pushed',
    );
    expect(badRing.retryable).toBe(false);
    expect(await git(s.remote, ['rev-parse', 'main'], s.env)).toBe(tip);
  });
});
