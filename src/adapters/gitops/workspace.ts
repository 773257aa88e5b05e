/**
 * @module The working clone the GitOps adapter owns: clone or fetch the policy's repository and
 * branch, reset to the remote tip, rebase a local commit onto it, push and tell a rejection because
 * the branch moved from any other failure. One adapter per work directory. Before each operation the
 * clone is recovered from a git that died: the adapter runs one operation at a time and auto gc
 * never detaches here, so a lock file present then is held by no live git and is removed; a clone
 * git cannot work in is cloned again (only a clone of the policy's repository is ever deleted).
 * After a step that ended well the clone is known to be clean at the commit it pushed, so the next
 * step only moves it to the new remote tip (or not at all when the branch did not move); after
 * anything else, or in a new process, the clone is reset and cleaned in full first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AdapterError } from '../../errors.ts';
import { parseGitVersion, type Git } from './git.ts';
import { cloneDamage, isCloneOf, lockFiles } from './recovery.ts';
import { FETCHED_STEP_REFS, readFetchHead, refComponent, STEP_REFS, stepRefspec, type RemoteState } from './step-index.ts';

export interface RepoSettings {
  repo: string;
  branch: string;
  remote: string;
}

/** A URL or `host:path` (scp-like) as git reads it; anything else is a local path. */
export function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\\]+:/.test(repo);
}

/** How often a commit lets git's automatic maintenance run (see Workspace.commitConfig). */
const MAINTENANCE_EVERY = 50;

const IDENTITY = { GIT_AUTHOR_NAME: 'Meridian', GIT_AUTHOR_EMAIL: 'meridian@localhost', GIT_COMMITTER_NAME: 'Meridian', GIT_COMMITTER_EMAIL: 'meridian@localhost' };

export class Workspace {
  private opened = false;
  private checked = false;
  /**
   * The commit HEAD is at when the clone is known to be exactly that commit on the branch (index and
   * work tree, nothing untracked, no rebase or revert in progress): set after a pushed step, cleared when
   * the next one starts changing the tree, and null in a new process or after a recovery.
   */
  private settledAt: string | null = null;
  /** False once the remote said it cannot push atomically; the index ref then goes in the same, non-atomic push. */
  private atomic = true;
  /** True once the remote refused a step ref: steps are then pushed without their index. */
  private indexRefused = false;
  /** Commits made by this process (see commitConfig). */
  private commits = 0;
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

  /**
   * Clone on first use (or reuse an existing clone, recovered first), then bring the remote branch up
   * to date, with the step index of `release` when one is given (see fetch).
   */
  async open(release?: string): Promise<void> {
    if (!this.checked) {
      await mkdir(dirname(this.dir), { recursive: true });
      const version = parseGitVersion(await this.git.out(['version'], dirname(this.dir)).catch(() => ''));
      if (version && (version[0] < 2 || (version[0] === 2 && version[1] < 32))) {
        throw new AdapterError(`git 2.32 or newer is needed for commit trailers (found ${version.join('.')})`, { retryable: false });
      }
      this.checked = true;
    }
    if (existsSync(join(this.dir, '.git'))) await this.recover();
    if (this.opened) return this.fetch(release);
    if (existsSync(join(this.dir, '.git'))) {
      const url = (await this.run(['remote', 'get-url', this.settings.remote], [0, 2])).stdout.trim();
      if (url === '') await this.run(['remote', 'add', this.settings.remote, this.url]);
      else if (url !== this.url) await this.run(['remote', 'set-url', this.settings.remote, this.url]);
      await this.fetch(release);
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
      if (release !== undefined) await this.fetch(release);
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
      this.settledAt = null;
    }
    const damage = await cloneDamage(this.dir);
    if (damage === null) return;
    if (!(await isCloneOf(this.dir, this.url))) {
      throw new AdapterError(`${this.dir} is damaged (${damage}) and is not a clone of ${this.url}: remove it or give the GitOps adapter a work directory of its own`, { retryable: false });
    }
    this.log(`gitops: the working clone at ${this.dir} is damaged (${damage}); cloning it again`);
    await rm(this.dir, { recursive: true, force: true });
    this.opened = false;
    this.settledAt = null;
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

  /**
   * Bring the remote-tracking ref up to date; starts no background maintenance (this runs between
   * rejected pushes). With `release`, the same fetch brings that release's step refs (and prunes those
   * of any other release), and FETCH_HEAD records what the remote had (see remoteState); without, no
   * FETCH_HEAD is written.
   */
  async fetch(release?: string): Promise<void> {
    const { remote, branch } = this.settings;
    const steps = release === undefined ? ['--no-write-fetch-head'] : ['--prune'];
    await this.run(['fetch', '--quiet', '--no-tags', '--no-auto-maintenance', ...steps, remote, `+refs/heads/${branch}:${this.remoteRef}`, ...(release === undefined ? [] : [stepRefspec(release)])]);
  }

  /**
   * The branch's tip and the release's step refs as the last fetch(release) saw them: from FETCH_HEAD,
   * or, should it not name the branch, from the refs that fetch wrote.
   */
  async remoteState(release: string): Promise<RemoteState> {
    const state = await readFetchHead(this.dir, this.settings.branch);
    if (state.tip !== null) return state;
    const out = await this.git.out(['for-each-ref', '--format=%(objectname) %(refname)', this.remoteRef, FETCHED_STEP_REFS], this.dir);
    const fallback: RemoteState = { tip: null, steps: new Map() };
    for (const line of out.split('\n').filter(Boolean)) {
      const [id = '', ref = ''] = line.split(' ');
      if (ref === this.remoteRef) fallback.tip = id;
      else fallback.steps.set(`${STEP_REFS}/${refComponent(release)}${ref.slice(FETCHED_STEP_REFS.length)}`, id);
    }
    return fallback;
  }

  /**
   * Make the clone the remote tip `tip` (from remoteState), ready for a step's edit: nothing to do when it
   * is settled there already, one checkout when it is settled elsewhere, a full reset otherwise. The
   * clone stops counting as settled, since the caller changes it next.
   */
  async moveToRemote(tip: string | null): Promise<void> {
    const at = this.settledAt;
    this.settledAt = null;
    if (at !== null && tip !== null && at === tip) return;
    if (at !== null) await this.run(['checkout', '--quiet', '--force', '-B', this.settings.branch, this.remoteRef]);
    else await this.resetToRemote();
  }

  /**
   * Configuration for a step's `git commit`. After each commit git starts `git maintenance run --auto`, a
   * process of its own that only checks whether the clone needs packing; it is let run on the first commit
   * of a process and on every MAINTENANCE_EVERY-th after it, which keeps the clone packed at a fraction
   * of the cost.
   */
  commitConfig(): string[] {
    return this.commits++ % MAINTENANCE_EVERY === 0 ? [] : ['-c', 'maintenance.auto=false'];
  }

  /** The step ended well at `commit`, which is HEAD: the clone holds exactly it. */
  settle(commit: string): void {
    this.settledAt = commit;
  }

  /** Throw away local state: any rebase or revert in progress, local commits, stray files. */
  async resetToRemote(): Promise<void> {
    this.settledAt = null;
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

  /**
   * HEAD's commit id, read as git keeps it (gitrepository-layout: `.git/HEAD` names the branch, whose ref
   * a commit writes as a loose file), which saves a git process per step; asked of git when the clone
   * keeps its refs any other way (packed, reftable, a detached HEAD).
   */
  async head(): Promise<string> {
    const gitDir = join(this.dir, '.git');
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
    const ref = /^ref: (refs\/heads\/[^\s.][^\s]*)$/.exec(head)?.[1];
    const id = ref && !ref.includes('..') ? (await readFile(join(gitDir, ref), 'utf8').catch(() => '')).trim() : '';
    return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id) ? id : this.git.out(['rev-parse', 'HEAD'], this.dir);
  }

  /** Files the local commit changes relative to the remote tip. */
  async changedFiles(): Promise<string[]> {
    return (await this.git.out(['diff', '--name-only', this.remoteRef, 'HEAD', '--'], this.dir)).split('\n').filter(Boolean);
  }

  /**
   * Push HEAD to the branch and, in the same atomic push, to the step's index ref `index.ref`, which the
   * remote must have at `index.expected` (absent when undefined): `moved` when rejected because the
   * branch (or the ref) moved on. A remote that cannot push atomically gets both in one plain push; a
   * remote that refuses the ref but takes the branch alone gets the branch alone from then on (said once).
   */
  async push(index?: { ref: string; expected: string | undefined }): Promise<'pushed' | 'moved'> {
    const step = this.indexRefused ? undefined : index;
    const r = await this.pushOnce(step);
    if (r.outcome !== 'refused') return r.outcome;
    const alone = await this.pushOnce(undefined);
    if (alone.outcome === 'pushed') this.refuseIndex(r.line);
    if (alone.outcome === 'refused') throw new Error('unreachable: a push without an index ref has no index ref to refuse');
    return alone.outcome;
  }

  private async pushOnce(index: { ref: string; expected: string | undefined } | undefined): Promise<{ outcome: 'pushed' | 'moved' } | { outcome: 'refused'; line: PushLine }> {
    const { remote, branch } = this.settings;
    const args = ['push', '--porcelain', ...(index && this.atomic ? ['--atomic'] : []), remote, `HEAD:refs/heads/${branch}`];
    if (index) args.push(`HEAD:${index.ref}`, `--force-with-lease=${index.ref}:${index.expected ?? ''}`);
    const r = await this.run(args, [0, 1, 128]);
    if (index && this.atomic && r.code === 128 && /does not support --atomic/i.test(r.stderr)) {
      this.atomic = false;
      this.log(`gitops: ${this.url} cannot push atomically; each step's index ref goes in the same push as its commit, not atomically`);
      return this.pushOnce(index);
    }
    const lines = pushLines(r.stdout);
    const line = (ref: string) => lines.find((l) => l.to === ref);
    const took = (l: PushLine | undefined) => l !== undefined && l.flag !== '!';
    if (r.code === 0 || took(line(`refs/heads/${branch}`))) {
      const refused = index ? line(index.ref) : undefined;
      if (refused && !took(refused)) this.refuseIndex(refused);
      return { outcome: 'pushed' };
    }
    // With --atomic every ref fails when one does; the lines that say only that are not the cause. When the
    // remote's transaction failed as a whole, its own message (on stderr) says why.
    const causes = lines.filter((l) => l.flag === '!' && !/atomic (push|transaction) fail/i.test(l.summary));
    if (causes.some((l) => /\[rejected\]/.test(l.summary) || (/\[remote rejected\]/.test(l.summary) && MOVED.test(l.summary)))) return { outcome: 'moved' };
    if (causes.length === 0 && lines.some((l) => l.flag === '!') && r.stderr.split('\n').some((l) => /^remote: /.test(l) && MOVED.test(l))) return { outcome: 'moved' };
    const refused = index ? causes.find((l) => l.to === index.ref) : undefined;
    if (refused) return { outcome: 'refused', line: refused };
    const cause = causes[0] ?? lines.find((l) => l.flag === '!');
    const reason = cause ? { ...r, stderr: `${cause.summary}\n${r.stderr}` } : r;
    throw this.git.failure(args, reason, `git push to ${this.url}`);
  }

  private refuseIndex(line: PushLine): void {
    if (this.indexRefused) return;
    this.indexRefused = true;
    const why = line.summary.replace(/^\[remote rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1');
    this.log(`gitops: ${this.url} refused ${line.to} (${why}); steps are pushed without their index ref, and a step is then found again only among the branch's newest commits`);
  }
}

/** What the remote says when a ref it was to update had moved on while the push ran. */
const MOVED = /lock|failed to update ref|expected|incorrect old value/i;

interface PushLine {
  /** ` ` fast-forward, `+` forced, `-` deleted, `*` new, `=` up to date, `!` rejected. */
  flag: string;
  to: string;
  summary: string;
}

/** The ref lines of `git push --porcelain`: `<flag> TAB <from>:<to> TAB <summary>`. */
function pushLines(stdout: string): PushLine[] {
  return stdout.split('\n').flatMap((line) => {
    const [flag = '', spec = '', summary = ''] = line.split('\t');
    const colon = spec.lastIndexOf(':');
    return flag.length === 1 && colon >= 0 ? [{ flag, to: spec.slice(colon + 1), summary }] : [];
  });
}
