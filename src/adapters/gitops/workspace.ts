/**
 * @module The working clone the GitOps adapter owns: clone or fetch the policy's repository and
 * branch, reset to the remote tip, rebase a local commit onto it, push and tell a rejection because
 * the branch moved from any other failure. One adapter per work directory. Before each operation the
 * clone is recovered from a git that died: the adapter runs one operation at a time and auto gc
 * never detaches here, so a lock file present then is held by no live git and is removed; a clone
 * git cannot work in is cloned again (only a clone of the policy's repository is ever deleted).
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AdapterError } from '../../errors.ts';
import { parseGitVersion, type Git } from './git.ts';
import { cloneDamage, isCloneOf, lockFiles } from './recovery.ts';

export interface RepoSettings {
  repo: string;
  branch: string;
  remote: string;
}

/** A URL or `host:path` (scp-like) as git reads it; anything else is a local path. */
export function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\\]+:/.test(repo);
}

const IDENTITY = { GIT_AUTHOR_NAME: 'Meridian', GIT_AUTHOR_EMAIL: 'meridian@localhost', GIT_COMMITTER_NAME: 'Meridian', GIT_COMMITTER_EMAIL: 'meridian@localhost' };

export class Workspace {
  private opened = false;
  private checked = false;
  readonly remoteRef: string;
  readonly url: string;
  /** Absolute: git runs in it, and clones into it from its parent, so a relative path would be read from two places. */
  readonly dir: string;

  constructor(readonly git: Git, dir: string, readonly settings: RepoSettings, private readonly log: (line: string) => void = () => {}) {
    this.dir = resolve(dir);
    this.remoteRef = `refs/remotes/${settings.remote}/${settings.branch}`;
    this.url = isRemoteUrl(settings.repo) ? settings.repo : resolve(settings.repo);
  }

  private run(args: string[], allow?: number[]) {
    return this.git.run(args, this.dir, allow);
  }

  /** Clone on first use (or reuse an existing clone, recovered first), then bring the remote branch up to date. */
  async open(): Promise<void> {
    if (!this.checked) {
      await mkdir(dirname(this.dir), { recursive: true });
      const version = parseGitVersion(await this.git.out(['version'], dirname(this.dir)).catch(() => ''));
      if (version && (version[0] < 2 || (version[0] === 2 && version[1] < 32))) {
        throw new AdapterError(`git 2.32 or newer is needed for commit trailers (found ${version.join('.')})`, { retryable: false });
      }
      this.checked = true;
    }
    if (existsSync(join(this.dir, '.git'))) await this.recover();
    if (this.opened) return this.fetch();
    if (existsSync(join(this.dir, '.git'))) {
      const url = (await this.run(['remote', 'get-url', this.settings.remote], [0, 2])).stdout.trim();
      if (url === '') await this.run(['remote', 'add', this.settings.remote, this.url]);
      else if (url !== this.url) await this.run(['remote', 'set-url', this.settings.remote, this.url]);
      await this.fetch();
    } else {
      if (existsSync(this.dir) && readdirSync(this.dir).length > 0) {
        throw new AdapterError(`${this.dir} is not empty and not a git clone: give the GitOps adapter a work directory of its own`, { retryable: false });
      }
      const { branch, remote } = this.settings;
      const r = await this.git.run(['clone', '--quiet', '--origin', remote, '--branch', branch, '--single-branch', '--', this.url, this.dir], dirname(this.dir), [0, 128]);
      if (r.code !== 0) {
        if (/remote branch .* not found/i.test(r.stderr)) throw new AdapterError(this.git.redact(`branch ${branch} not found in ${this.url}`), { retryable: false });
        throw this.git.failure(['clone'], r, `git clone of ${this.url}`);
      }
    }
    await this.configure();
    this.opened = true;
  }

  /**
   * Undo what a git that died left behind: remove its lock files (no git of ours runs now), and clone
   * again a clone git cannot work in. A damaged directory that is not a clone of the repository is refused.
   */
  private async recover(): Promise<void> {
    const gitDir = join(this.dir, '.git');
    for (const lock of await lockFiles(gitDir)) {
      await rm(join(gitDir, lock), { force: true });
      this.log(`gitops: removed a stale .git/${lock} left by a git that died`);
    }
    const damage = await cloneDamage(this.dir);
    if (damage === null) return;
    if (!(await isCloneOf(this.dir, this.url))) {
      throw new AdapterError(`${this.dir} is damaged (${damage}) and is not a clone of ${this.url}: remove it or give the GitOps adapter a work directory of its own`, { retryable: false });
    }
    this.log(`gitops: the working clone at ${this.dir} is damaged (${damage}); cloning it again`);
    await rm(this.dir, { recursive: true, force: true });
    this.opened = false;
  }

  /** Auto gc runs inside the command that starts it (never left running, holding locks), and commits have an identity. */
  private async configure(): Promise<void> {
    await this.run(['config', 'gc.autoDetach', 'false']);
    await this.useIdentity();
  }

  /** Commits are made as the identity in the environment or git config, else as Meridian <meridian@localhost>. */
  private async useIdentity(): Promise<void> {
    const name = (await this.run(['config', 'user.name'], [0, 1])).stdout.trim();
    const email = (await this.run(['config', 'user.email'], [0, 1])).stdout.trim();
    if (name && email) return;
    for (const [key, value] of Object.entries(IDENTITY)) this.git.env[key] ??= value;
  }

  /** Bring the remote-tracking ref up to date; writes no FETCH_HEAD and starts no background maintenance (this runs between rejected pushes). */
  async fetch(): Promise<void> {
    const { remote, branch } = this.settings;
    await this.run(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-auto-maintenance', remote, `+refs/heads/${branch}:${this.remoteRef}`]);
  }

  /** Throw away local state: any rebase or revert in progress, local commits, stray files. */
  async resetToRemote(): Promise<void> {
    if (existsSync(join(this.dir, '.git', 'rebase-merge')) || existsSync(join(this.dir, '.git', 'rebase-apply'))) {
      await this.run(['rebase', '--abort'], [0, 1, 128]);
    }
    await this.run(['checkout', '--quiet', '--force', '-B', this.settings.branch, this.remoteRef]);
    await this.run(['reset', '--quiet', '--hard', this.remoteRef]);
    await this.run(['clean', '--quiet', '-fdx']);
  }

  /** Rebase the local commit onto the remote tip; false (and nothing left in progress) when it does not apply cleanly. */
  async rebaseOntoRemote(): Promise<boolean> {
    const r = await this.run(['-c', 'maintenance.auto=false', 'rebase', '--quiet', this.remoteRef], [0, 1, 128]);
    if (r.code !== 0) {
      await this.run(['rebase', '--abort'], [0, 1, 128]);
      return false;
    }
    const [parent, tip] = (await this.run(['rev-parse', 'HEAD^', this.remoteRef], [0, 128])).stdout.trim().split('\n');
    return parent !== undefined && parent === tip;
  }

  async head(): Promise<string> {
    return this.git.out(['rev-parse', 'HEAD'], this.dir);
  }

  /** Files the local commit changes relative to the remote tip. */
  async changedFiles(): Promise<string[]> {
    return (await this.git.out(['diff', '--name-only', this.remoteRef, 'HEAD', '--'], this.dir)).split('\n').filter(Boolean);
  }

  /** Push HEAD to the branch: `moved` when rejected because the remote branch moved on. */
  async push(): Promise<'pushed' | 'moved'> {
    const args = ['push', '--porcelain', this.settings.remote, `HEAD:refs/heads/${this.settings.branch}`];
    const r = await this.run(args, [0, 1, 128]);
    if (r.code === 0) return 'pushed';
    const rejected = r.stdout.split('\n').find((l) => l.startsWith('!'));
    if (rejected && (/\[rejected\]/.test(rejected) || /\[remote rejected\].*(lock|failed to update ref|expected|incorrect old value)/i.test(rejected))) return 'moved';
    const reason = rejected ? { ...r, stderr: `${rejected.split('\t').slice(2).join(' ')}\n${r.stderr}` } : r;
    throw this.git.failure(args, reason, `git push to ${this.url}`);
  }
}
