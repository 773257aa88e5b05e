/**
 * @module Integration tests of finding a release's steps with real git: each step is pushed with its
 * index ref in one atomic push, and is found again through it after thousands of later commits, by a
 * fresh adapter in a new work directory (as after a crash); a step with no index ref (pushed before
 * the index existed) is found among the newest versionsDepth commits; an index ref whose commit left
 * the branch is not trusted; remotes that cannot push atomically or refuse the refs still get every
 * step; and the git commands a step runs are counted, not timed.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitOpsDelivery, initDemoRepo, type GitOpsDeliveryOptions } from '../../src/adapters/gitops/index.ts';
import { fastImport, git, ringOf, removeTempDirs, tempDir, testEnv, unrelatedCommits, webappPolicy } from '../../src/adapters/gitops/testing.ts';

afterAll(removeTempDirs);

const RELEASE = { id: 'webapp-v2.1.0-5e1f', version: 'v2.1.0', revision: 'release/v2.1.0' };
const INDEX = 'refs/meridian/steps/webapp-v2.1.0-5e1f';

async function setup() {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
  const policy = await webappPolicy(remote);
  const lines: string[] = [];
  const commands: string[][] = [];
  const delivery = (workDir = 'work', options: Partial<GitOpsDeliveryOptions> = {}) =>
    new GitOpsDelivery(policy, { workDir: join(dir, workDir), env, logger: (l) => lines.push(l), onGit: (args) => commands.push([...args]), ...options });
  const other = join(dir, 'other');
  await git(dir, ['clone', '--quiet', remote, other], env);
  /** Someone else pushes `count` commits that are not Meridian steps. */
  const othersCommit = async (count: number): Promise<void> => {
    await git(other, ['pull', '--quiet', '--rebase'], env);
    await fastImport(other, unrelatedCommits(count), env);
    await git(other, ['push', '--quiet', 'origin', 'main'], env);
  };
  const tip = () => git(remote, ['rev-parse', 'main'], env);
  const count = async () => Number(await git(remote, ['rev-list', '--count', 'main'], env));
  return { dir, env, remote, policy, lines, commands, delivery, other, othersCommit, tip, count };
}

/** The commands a step ran, by git subcommand (`-c key=value` left out). */
function subcommands(commands: string[][]): string[] {
  return commands.map((args) => args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? '');
}

describe('the step index', () => {
  it('pushes each step with its index ref, in the same push as the branch', async () => {
    const s = await setup();
    const delivery = s.delivery();
    const deploy = await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    const back = await delivery.rollback(ringOf(s.policy, 'ring-1', RELEASE));
    expect(await git(s.remote, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/meridian'], s.env)).toBe(
      `${INDEX}/ring-1/deploy ${deploy.ref}\n${INDEX}/ring-1/rollback ${back.ref}`,
    );
    expect(back.ref).toBe(await s.tip());
  });

  it('finds a step again after 2,000 later commits, in a new work directory, through its index ref', { timeout: 60_000 }, async () => {
    const s = await setup();
    const deployed = await s.delivery().deploy(ringOf(s.policy, 'ring-1', RELEASE));
    await s.othersCommit(2000);
    const before = await s.count();

    // A new process after a crash between the push and recording it: a new adapter, a new clone.
    s.commands.length = 0;
    const again = await s.delivery('work-after-crash', { versionsDepth: 100 }).deploy(ringOf(s.policy, 'ring-1', RELEASE));
    expect(again.ref).toBe(deployed.ref);
    expect(await s.count()).toBe(before);
    expect(s.lines).toContain(`webapp v2.1.0: deploy ring-1 (ap-south-1): already on main as ${deployed.ref.slice(0, 7)}`);
    // Nothing read the whole history: no `git log` without a bound.
    const logs = s.commands.filter((args) => subcommands([args])[0] === 'log');
    expect(logs.every((args) => args.some((a) => a === '--max-count=1' || a === '--max-count=100'))).toBe(true);

    // The rollback finds the same deploy commit and reverts it.
    const back = await s.delivery('work-after-crash', { versionsDepth: 100 }).rollback(ringOf(s.policy, 'ring-1', RELEASE));
    expect(await git(s.remote, ['log', '-1', '--format=%b', back.ref], s.env)).toContain(`This reverts commit ${deployed.ref}.`);
    expect(await git(s.remote, ['show', `main:deploy/applicationset.yaml`], s.env)).not.toContain('release/v2.1.0');
  });

  it('finds a step that has no index ref among the newest versionsDepth commits, as an older Meridian pushed it', async () => {
    const s = await setup();
    await git(s.other, ['commit', '--quiet', '--allow-empty', '-m', 'webapp v2.1.0: deploy ring-1 (ap-south-1)',
      '--trailer', `Meridian-Release: ${RELEASE.id}`, '--trailer', 'Meridian-Step: ring-1/deploy'], s.env);
    await git(s.other, ['push', '--quiet', 'origin', 'main'], s.env);
    const old = await s.tip();
    await s.othersCommit(50);

    const found = await s.delivery('work', { versionsDepth: 100 }).deploy(ringOf(s.policy, 'ring-1', RELEASE));
    expect(found.ref).toBe(old);
    // Deeper than the bound it is not looked for: that is what versionsDepth says.
    const beyond = await s.delivery('work-shallow', { versionsDepth: 20 }).deploy(ringOf(s.policy, 'ring-1', RELEASE));
    expect(beyond.ref).not.toBe(old);
    expect(beyond.ref).toBe(await s.tip());
  });

  it('does not trust an index ref whose commit is no longer on the branch, and records the step again', async () => {
    const s = await setup();
    const seeded = await s.tip();
    const first = await s.delivery().deploy(ringOf(s.policy, 'ring-1', RELEASE));
    // Someone rewrites the branch back to before the deploy.
    await git(s.remote, ['update-ref', 'refs/heads/main', seeded], s.env);

    // (A commit made again in the same second, by the same identity, on the same parent would be the same commit.)
    const later = { ...s.env, GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' };
    const again = await s.delivery('work-2', { env: later }).deploy(ringOf(s.policy, 'ring-1', RELEASE));
    expect(again.ref).not.toBe(first.ref);
    expect(await git(s.remote, ['rev-parse', `${INDEX}/ring-1/deploy`], s.env)).toBe(again.ref);
    expect(await git(s.remote, ['rev-parse', 'main^'], s.env)).toBe(seeded);
  });

  it('pushes the ref in the same, non-atomic push to a remote that cannot push atomically, and says so once', async () => {
    const s = await setup();
    await git(s.remote, ['config', 'receive.advertiseAtomic', 'false'], s.env);
    const delivery = s.delivery();
    const one = await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE));
    expect(await git(s.remote, ['rev-parse', `${INDEX}/ring-1/deploy`], s.env)).toBe(one.ref);
    expect(s.lines.filter((l) => l.includes('cannot push atomically'))).toEqual([
      `gitops: ${s.remote} cannot push atomically; each step's index ref goes in the same push as its commit, not atomically`,
    ]);
  });

  it('pushes the branch alone to a remote that refuses the index refs, and still finds the step among the newest commits', async () => {
    const s = await setup();
    const hook = join(s.remote, 'hooks', 'update');
    await writeFile(hook, '#!/bin/sh\ncase "$1" in refs/meridian/*) echo "only branches here" >&2; exit 1;; esac\n');
    await chmod(hook, 0o755);
    const deployed = await s.delivery().deploy(ringOf(s.policy, 'ring-1', RELEASE));
    expect(deployed.ref).toBe(await s.tip());
    expect(await git(s.remote, ['for-each-ref', 'refs/meridian'], s.env)).toBe('');
    expect(s.lines.filter((l) => l.includes('refused'))).toEqual([
      `gitops: ${s.remote} refused ${INDEX}/ring-1/deploy (hook declined); steps are pushed without their index ref, and a step is then found again only among the branch's newest commits`,
    ]);
    expect((await s.delivery('work-2').deploy(ringOf(s.policy, 'ring-1', RELEASE))).ref).toBe(deployed.ref);
  });
});

describe('git commands per step', () => {
  it('runs a bounded number of git commands per step once the clone exists: fetch, one bounded log, checkout, commit, push', async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    await s.othersCommit(3);

    s.commands.length = 0;
    await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE));
    expect(subcommands(s.commands).sort()).toEqual(['checkout', 'commit', 'fetch', 'log', 'push']);

    // Straight after its own push the clone is already at the tip: not even a checkout.
    s.commands.length = 0;
    await delivery.deploy(ringOf(s.policy, 'ring-3', RELEASE));
    expect(subcommands(s.commands).sort()).toEqual(['commit', 'fetch', 'log', 'push']);

    // A rollback reverts instead of editing; its deploy commit is among the newest commits it read.
    s.commands.length = 0;
    await delivery.rollback(ringOf(s.policy, 'ring-3', RELEASE));
    expect(subcommands(s.commands).sort()).toEqual(['commit', 'fetch', 'log', 'push', 'revert']);

    // A step asked for again is answered from its index ref: its commit's trailers, and that it is on the branch.
    s.commands.length = 0;
    await delivery.deploy(ringOf(s.policy, 'ring-3', RELEASE));
    expect(subcommands(s.commands).sort()).toEqual(['fetch', 'log', 'merge-base']);
  });

  it('runs the same commands whatever the length of the history', { timeout: 60_000 }, async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    await s.othersCommit(3000);
    s.commands.length = 0;
    await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE));
    expect(subcommands(s.commands).sort()).toEqual(['checkout', 'commit', 'fetch', 'log', 'push']);
    expect(s.commands.find((args) => args[0] === 'log')).toContain('--max-count=1000');
  });
});
