/**
 * @module A real GitOps repository on the local disk for the demo and the tests: a bare remote
 * seeded with the policy's ApplicationSet (and overlays), every cluster on the previous version.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { Policy } from '../../policy/schema.ts';
import { Git } from './git.ts';
import type { Approach } from './layout.ts';
import { gitopsSettings, seedFiles } from './seed.ts';

export interface DemoRepoOptions {
  /** What every cluster runs before the release (default v2.0.0). */
  previousVersion?: string;
  /** The environment git runs with (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Create `DIR/gitops.git`, a bare repository seeded for `policy` and `approach`; returns its path. */
export async function initDemoRepo(dir: string, policy: Policy, approach?: Approach, options: DemoRepoOptions = {}): Promise<string> {
  const settings = gitopsSettings(policy, undefined, approach);
  const previousVersion = options.previousVersion ?? 'v2.0.0';
  const git = new Git(options.env ?? process.env);
  for (const [k, v] of [['GIT_AUTHOR_NAME', 'Meridian'], ['GIT_AUTHOR_EMAIL', 'meridian@localhost'], ['GIT_COMMITTER_NAME', 'Meridian'], ['GIT_COMMITTER_EMAIL', 'meridian@localhost']] as const) git.env[k] ??= v;
  const remote = join(dir, 'gitops.git');
  const seed = join(dir, 'gitops-seed');
  if (existsSync(remote)) throw new UsageError(`${remote} already exists: give the demo an empty directory`);
  await mkdir(dir, { recursive: true });
  await git.run(['init', '--quiet', '--bare', `--initial-branch=${settings.branch}`, remote], dir);
  await git.run(['init', '--quiet', `--initial-branch=${settings.branch}`, seed], dir);
  for (const [path, text] of Object.entries(seedFiles(policy, settings, previousVersion))) {
    await mkdir(dirname(join(seed, path)), { recursive: true });
    await writeFile(join(seed, path), text);
  }
  await git.run(['add', '--all'], seed);
  await git.run(['commit', '--quiet', '--no-verify', '-m', `${policy.spec.service.name}: GitOps repository (${settings.approach}), every cluster on ${previousVersion}`], seed);
  await git.run(['push', '--quiet', remote, `HEAD:refs/heads/${settings.branch}`], seed);
  await rm(seed, { recursive: true, force: true });
  return remote;
}

/** `policy` delivering through the repository at `remote` (paths and image from gitopsSettings). */
export function withDemoGitOps(policy: Policy, remote: string, approach?: Approach): Policy {
  const gitops = gitopsSettings(policy, remote, approach);
  return { ...policy, spec: { ...policy.spec, delivery: { ...policy.spec.delivery, gitops } } };
}
