/**
 * @module GitOpsDelivery: the Delivery port over a real git repository. A ring's deploy is one
 * commit that edits the layout of the policy's approach; its rollback is one `git revert` of that
 * commit. Both carry Meridian-Release and Meridian-Step trailers, which make them idempotent: a
 * step already on the branch is returned, never written twice; it is found through the step index
 * (step-index.ts), a ref per step pushed atomically with the commit, so a step costs the same whatever
 * the history's length. A step is one fetch, one bounded log read beside the checkout and the edit,
 * one `git commit` and one push (about five git processes). A push rejected because the branch
 * moved is retried (fetch, rebase, re-check, push) after an exponential backoff with full jitter,
 * until a deadline of real time rather than a number of attempts, so many writers into one
 * repository all land. versions() reads back what each region runs from those commits.
 */
import { join } from 'node:path';
import { AdapterError } from '../../errors.ts';
import type { Policy } from '../../policy/schema.ts';
import type { Delivery, DeliveryResult, RingTarget } from '../../ports.ts';
import { commitArgs, history, laterChanges, logEntries, PREVIOUS_VERSION_TRAILER, single, stepId, subject, type HistoryEntry, type LogEntry, type StepId, type StepKind } from './commits.ts';
import { backoffDelay, realTimer, type Backoff, type Timer } from './backoff.ts';
import { Git } from './git.ts';
import { applyDeploy, overlayDir, type FileChange, type GitOpsSettings } from './layout.ts';
import { assertBuilds, kubectlStatus, type KubectlStatus } from './render.ts';
import { StepFinder, stepRef } from './step-index.ts';
import { regionVersions, VERSIONS_DEPTH } from './versions.ts';
import { Workspace } from './workspace.ts';

export interface GitOpsDeliveryOptions {
  /** The adapter's own working clone (created on first use). */
  workDir: string;
  /** The environment git runs with (default: process.env). MERIDIAN_GIT_TOKEN, if set, is the credential. */
  env?: NodeJS.ProcessEnv;
  /** Receives one line per thing worth knowing, credentials removed. */
  logger?: (line: string) => void;
  /** How long a step keeps retrying rejected pushes before giving up with a retryable error (default 60 s). */
  pushDeadlineMs?: number;
  /**
   * The least ceiling of the first wait after a rejected push (default 50 ms); the ceiling is at least
   * as long as the rejected attempt took, and doubles per attempt. Each wait is a uniform draw below it.
   */
  pushBackoffMs?: number;
  /** The ceiling no wait between pushes goes above (default 8 s). */
  pushBackoffMaxMs?: number;
  /** Where the push loop reads the time and waits (default real time; tests pass virtualTimer()). */
  timer?: Timer;
  /** The jitter's random numbers in [0, 1) (default Math.random). */
  random?: () => number;
  /**
   * How many of the branch's newest commits versions() reads (default 1,000); also how deep a step that
   * the step index does not know is looked for (see step-index.ts).
   */
  versionsDepth?: number;
  /** Told the arguments of every git command the adapter runs (tests and benchmarks count them). */
  onGit?: (args: readonly string[]) => void;
}

export const DEFAULT_PUSH_DEADLINE_MS = 60_000;

/** A step made ready in the work tree, not yet committed: a deploy's edited files, or the deploy commit a rollback reverts. */
type Prepared = { kind: 'deploy'; changes: FileChange[] } | { kind: 'rollback'; deploy: LogEntry | null };

export class GitOpsDelivery implements Delivery {
  private readonly settings: GitOpsSettings;
  private readonly git: Git;
  private readonly ws: Workspace;
  private readonly deadlineMs: number;
  private readonly backoff: Backoff;
  private readonly timer: Timer;
  private readonly random: () => number;
  private readonly versionsDepth: number;
  private readonly logger: ((line: string) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private kubectl: Promise<KubectlStatus> | null = null;

  constructor(private readonly policy: Policy, opts: GitOpsDeliveryOptions) {
    const settings = policy.spec.delivery.gitops;
    if (!settings) throw new AdapterError('spec.delivery.gitops is not set: GitOps delivery needs at least repo', { retryable: false });
    this.settings = settings;
    this.git = new Git(opts.env ?? process.env, opts.onGit);
    this.ws = new Workspace(this.git, opts.workDir, settings, (line) => this.log(line));
    this.deadlineMs = Math.max(0, opts.pushDeadlineMs ?? DEFAULT_PUSH_DEADLINE_MS);
    const baseMs = Math.max(0, opts.pushBackoffMs ?? 50);
    this.backoff = { baseMs, maxMs: Math.max(baseMs, opts.pushBackoffMaxMs ?? 8_000) };
    this.timer = opts.timer ?? realTimer;
    this.random = opts.random ?? Math.random;
    this.versionsDepth = Math.max(1, opts.versionsDepth ?? VERSIONS_DEPTH);
    this.logger = opts.logger;
  }

  deploy(target: RingTarget): Promise<DeliveryResult> {
    return this.serial(() => this.land(target, 'deploy'));
  }

  rollback(target: RingTarget): Promise<DeliveryResult> {
    return this.serial(() => this.land(target, 'rollback'));
  }

  /** The branch's commits on the remote, newest first, with their Meridian trailers. */
  history(limit?: number): Promise<HistoryEntry[]> {
    return this.serial(async () => {
      await this.ws.open();
      return history(this.git, this.ws.dir, this.ws.remoteRef, limit);
    });
  }

  /**
   * What each region runs according to the branch: the newest Meridian deploy or rollback commit of
   * `service` per region among the newest `versionsDepth` commits (see versions.ts). A git that fails
   * gives {} and a log line, never an error: the caller then knows no more than before.
   */
  versions(service: string, regions: string[]): Promise<Record<string, string>> {
    return this.serial(async () => {
      try {
        await this.ws.open();
        return regionVersions(await logEntries(this.git, this.ws.dir, this.ws.remoteRef, this.versionsDepth, true), service, regions);
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        this.log(`gitops: could not read what ${service} runs in each region from ${this.ws.url}: ${reason}; treating every region as unknown`);
        return {};
      }
    });
  }

  private log(line: string): void {
    this.logger?.(this.git.redact(line));
  }

  /** One operation at a time on the working clone; every error leaves redacted. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work).catch((e: unknown) => {
      const message = this.git.redact(e instanceof Error ? e.message : String(e));
      throw new AdapterError(message, { retryable: e instanceof AdapterError ? e.retryable : false });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async land(target: RingTarget, kind: StepKind): Promise<DeliveryResult> {
    const id = stepId(target, kind);
    const title = subject(target, kind);
    const { branch } = this.settings;
    const index = stepRef(id);
    await this.ws.open(id.release);
    let committed = false;
    const started = this.timer.now();
    for (let attempt = 1; ; attempt++) {
      const attemptStarted = this.timer.now();
      if (attempt > 1) await this.ws.fetch(id.release);
      const remote = await this.ws.remoteState(id.release);
      const steps = new StepFinder(this.git, this.ws.dir, this.ws.remoteRef, remote, this.versionsDepth);
      let existing: LogEntry | null;
      if (!committed) {
        // The lookup (which only reads fetched commits) runs while the clone moves to the remote tip and the
        // edit is made; what it finds wins, and the unused edit is thrown away by the next step's reset.
        const [found, made] = await Promise.allSettled([steps.find(id), this.prepare(target, kind, steps, remote.tip)]);
        if (found.status === 'rejected') throw found.reason;
        existing = found.value;
        if (!existing) {
          if (made.status === 'rejected') throw made.reason;
          await this.commit(target, kind, id, title, made.value);
          committed = true;
        }
      } else {
        // After a rejection, the re-check and the rebase run side by side: the log only reads the fetched ref.
        const [found, onTip] = await both(steps.find(id), this.ws.rebaseOntoRemote());
        existing = found;
        if (!existing && !(onTip && (kind === 'rollback' || !(await this.deployWouldChange(target))))) {
          await this.commit(target, kind, id, title, await this.prepare(target, kind, steps, remote.tip));
        }
      }
      if (existing) {
        this.log(`${title}: already on ${branch} as ${existing.id.slice(0, 7)}`);
        return { ref: existing.id };
      }
      await this.checkBuilds();
      const [pushed, ref] = await both(this.ws.push({ ref: index, expected: remote.steps.get(index) }), this.ws.head());
      if (pushed === 'pushed') {
        this.ws.settle(ref);
        this.log(`${title}: pushed ${ref.slice(0, 7)} to ${branch}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        return { ref };
      }
      const elapsed = this.timer.now() - started;
      if (elapsed >= this.deadlineMs) {
        await this.ws.resetToRemote();
        throw new AdapterError(
          `${title}: the push to ${branch} was rejected ${attempt} ${attempt === 1 ? 'time' : 'times'} over ${seconds(elapsed)} because the branch kept moving (push deadline ${seconds(this.deadlineMs)}); nothing was pushed`,
          { retryable: true },
        );
      }
      // The waits scale with how long an attempt takes here (a loaded machine, a far remote): the first
      // ceiling is the larger of the configured base and this attempt's own duration.
      const unit = Math.max(this.backoff.baseMs, this.timer.now() - attemptStarted);
      const wait = Math.min(backoffDelay(attempt, { baseMs: unit, maxMs: this.backoff.maxMs }, this.random), this.deadlineMs - elapsed);
      this.log(`${title}: ${branch} moved while pushing (attempt ${attempt}); fetching and trying again in ${Math.round(wait)} ms`);
      await this.timer.sleep(wait);
    }
  }

  /** After a rebase: true when the ring's edit is no longer in the tree (and must be made again). */
  private async deployWouldChange(target: RingTarget): Promise<boolean> {
    const changes = await applyDeploy(this.ws.dir, this.settings, target);
    return changes.some((c) => c.changed);
  }

  /**
   * Move the clone to the remote tip `tip` and get the step ready without committing: a deploy's edit is
   * made in the work tree; a rollback looks up the deploy commit it reverts.
   */
  private async prepare(target: RingTarget, kind: StepKind, steps: StepFinder, tip: string | null): Promise<Prepared> {
    if (kind === 'rollback') {
      const [deploy] = await both(steps.find(stepId(target, 'deploy')), this.ws.moveToRemote(tip));
      return { kind, deploy };
    }
    await this.ws.moveToRemote(tip);
    return { kind, changes: await applyDeploy(this.ws.dir, this.settings, target) };
  }

  private commit(target: RingTarget, kind: StepKind, id: StepId, title: string, made: Prepared): Promise<void> {
    return made.kind === 'deploy' ? this.commitDeploy(target, id, title, made.changes) : this.commitRollback(target, id, title, made.deploy);
  }

  /** One `git commit` of the changed files as they are in the work tree (no separate `git add`). */
  private async commitDeploy(target: RingTarget, id: StepId, title: string, changes: FileChange[]): Promise<void> {
    const changed = changes.filter((c) => c.changed).map((c) => c.path);
    if (changed.length === 0) this.log(`${title}: ${changes.map((c) => c.path).join(', ')} already as deployed; recording the step in an empty commit`);
    const paths = changed.length > 0 ? ['--', ...changed] : [];
    await this.git.run([...this.ws.commitConfig(), ...commitArgs(id, title, [], { version: target.version, previousVersion: target.previousVersion }), ...paths], this.ws.dir);
  }

  private async commitRollback(target: RingTarget, id: StepId, title: string, deploy: LogEntry | null): Promise<void> {
    if (!deploy) {
      this.log(`${title}: no deploy commit of ${target.ring} for ${target.releaseId}; recording the step in an empty commit`);
      await this.git.run([...this.ws.commitConfig(), ...commitArgs(id, title, [`Nothing to revert: ${target.ring} has no deploy commit for release ${target.releaseId}.`])], this.ws.dir);
      return;
    }
    const deployed = deploy.id;
    const r = await this.git.run(['revert', '--no-commit', deployed], this.ws.dir, [0, 1]);
    if (r.code !== 0) {
      const files = (await this.git.out(['diff', '--name-only', '--diff-filter=U'], this.ws.dir)).split('\n').filter(Boolean);
      const later = files.length > 0 ? await laterChanges(this.git, this.ws.dir, deployed, 'HEAD', files) : [];
      await this.git.run(['revert', '--abort'], this.ws.dir, [0, 1, 128]);
      await this.ws.resetToRemote();
      if (files.length === 0) throw this.git.failure(['revert'], r);
      const commits = later.length === 0 ? '' : ` (${later.length === 1 ? 'commit' : 'commits'} ${later.join(', ')})`;
      throw new AdapterError(`rollback of ${target.ring} conflicts with later changes to ${files.join(', ')}${commits}: resolve by hand; nothing was pushed`, { retryable: false });
    }
    // What the ring runs after the revert: what ran before the deploy, as the deploy commit recorded it.
    const restored = single(deploy.trailers, PREVIOUS_VERSION_TRAILER) ?? target.previousVersion;
    await this.git.run([...this.ws.commitConfig(), ...commitArgs(id, title, [`This reverts commit ${deployed}.`], { version: restored })], this.ws.dir);
  }

  /** kustomize-overlay: every overlay the commit changes must build, when kubectl is there to tell. */
  private async checkBuilds(): Promise<void> {
    if (this.settings.approach !== 'kustomize-overlay') return;
    const changed = await this.ws.changedFiles();
    const dirs = [...new Set(this.policy.spec.rings.map((r) => overlayDir(this.settings, r.name, this.ws.dir)))].filter((d) => changed.some((f) => f.startsWith(`${d}/`)));
    if (dirs.length === 0) return;
    const first = this.kubectl === null;
    this.kubectl ??= kubectlStatus(this.git.env);
    const kubectl = await this.kubectl;
    if (!kubectl.usable) {
      if (first) this.log(kubectl.reason);
      return;
    }
    for (const dir of dirs) {
      try {
        await assertBuilds(join(this.ws.dir, dir), dir, this.git.env, (s) => this.git.redact(s));
      } catch (e) {
        await this.ws.resetToRemote();
        throw e;
      }
    }
  }
}

/** `1.0 s`, `12.3 s`: a duration as people read it in a message. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Both results once both have settled (so no git is left running behind a failure), or the first failure. */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}
