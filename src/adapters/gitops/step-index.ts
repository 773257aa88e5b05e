/**
 * @module Finding a release's step commit without reading the whole history. The repository keeps an
 * index: one ref per step, `refs/meridian/steps/<release>/<ring>/<deploy|rollback>`, pointing at the
 * step's commit and pushed in the same atomic push as the branch, so the ref exists exactly when the
 * commit landed. A lookup fetches the release's refs with the branch (one fetch, a few refs whatever
 * the history's length) and trusts a ref only when its commit is on the branch and carries the step's
 * own trailers. A step the index does not know is looked for among the branch's newest commits (the
 * `versionsDepth` that versions() reads): steps pushed before the index existed, or through a remote
 * that refuses refs outside refs/heads.
 *
 * Why this and not a bound on the history alone (`--since`, the newest N commits): a release runs for
 * days while others keep committing, so any bound on the log can lose a step that was pushed before a
 * crash, and the step would then be written twice. The index cannot lose one: the atomic push lands
 * the commit and its ref together or neither (a crash before the push left nothing; a crash after it
 * left both, and the next lookup finds the ref). Concurrent writers cannot both record a step: the
 * branch moves only by fast-forward and the ref only from the value this writer saw (a lease), so the
 * second push is rejected, fetches, and finds the first one's step. A ref whose commit is no longer
 * on the branch (the branch was rewritten) is not trusted; the step is then looked for as without one.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logEntries, type LogEntry, type StepId } from './commits.ts';
import type { Git } from './git.ts';

/** Where the remote keeps the step index. */
export const STEP_REFS = 'refs/meridian/steps';
/** Where the working clone keeps the index of the release it works on (fetched with --prune: only that release's refs). */
export const FETCHED_STEP_REFS = 'refs/meridian/fetched';

/**
 * A release id or ring name (already limited to letters, digits, `.`, `_`, `-`) as one ref component:
 * itself when git accepts it, else `_` and its SHA-256 (a checked name never starts with `_`; the
 * commit's trailers, not the ref's name, say whose step it is).
 */
export function refComponent(name: string): string {
  const valid = name !== '' && !name.includes('..') && !name.endsWith('.') && !name.endsWith('.lock');
  return valid ? name : `_${createHash('sha256').update(name).digest('hex')}`;
}

/** `<ring>/<kind>` of a step as ref components. */
function stepPath(id: StepId): string {
  const slash = id.step.lastIndexOf('/');
  return `${refComponent(id.step.slice(0, slash))}/${refComponent(id.step.slice(slash + 1))}`;
}

/** The remote's ref for a step: `refs/meridian/steps/<release>/<ring>/<kind>`. */
export function stepRef(id: StepId): string {
  return `${STEP_REFS}/${refComponent(id.release)}/${stepPath(id)}`;
}

/** The fetch refspec that brings a release's step refs into FETCHED_STEP_REFS. */
export function stepRefspec(release: string): string {
  return `+${STEP_REFS}/${refComponent(release)}/*:${FETCHED_STEP_REFS}/*`;
}

/** What a fetch saw on the remote: the branch's tip and the release's step refs (remote ref name → commit). */
export interface RemoteState {
  tip: string | null;
  steps: Map<string, string>;
}

/**
 * Parse .git/FETCH_HEAD (`<id> TAB <not-for-merge or nothing> TAB <what> of <url>`, one line per ref
 * the fetch matched, changed or not): the branch's line and the lines of refs under STEP_REFS.
 */
export function parseFetchHead(text: string, branch: string): RemoteState {
  const state: RemoteState = { tip: null, steps: new Map() };
  for (const line of text.split('\n')) {
    const [id = '', , what = ''] = line.split('\t');
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(id)) continue;
    if (what.startsWith(`branch '${branch}' of `)) state.tip = id;
    const ref = /^'([^']+)' of /.exec(what)?.[1];
    if (ref?.startsWith(`${STEP_REFS}/`)) state.steps.set(ref, id);
  }
  return state;
}

/** What the last fetch of `dir` saw, from its FETCH_HEAD; a missing file tells nothing (tip null). */
export async function readFetchHead(dir: string, branch: string): Promise<RemoteState> {
  const text = await readFile(join(dir, '.git', 'FETCH_HEAD'), 'utf8').catch(() => '');
  return parseFetchHead(text, branch);
}

/** Whether `id` is the step of `entry` (exactly one trailer pair, equal to it). */
function isStep(entry: LogEntry, id: StepId): boolean {
  return entry.step?.release === id.release && entry.step.step === id.step;
}

/**
 * The lookups of one attempt of a step: by the index first, then among the newest `depth` commits of
 * the branch (read at most once per attempt, however many steps are asked for).
 */
export class StepFinder {
  private window: Promise<LogEntry[]> | null = null;

  constructor(
    private readonly git: Git,
    private readonly dir: string,
    /** The remote-tracking ref of the branch, as the fetch left it. */
    private readonly tip: string,
    private readonly remote: RemoteState,
    private readonly depth: number,
  ) {}

  /** The commit of step `id` on the branch, or null when it has none. */
  async find(id: StepId): Promise<LogEntry | null> {
    const indexed = this.remote.steps.get(stepRef(id));
    if (indexed !== undefined) {
      // Already read (a rollback reads it for its own step): the newest commits are on the branch, with their trailers.
      const seen = this.window ? (await this.window).find((e) => e.id === indexed) : undefined;
      const found = seen ? (isStep(seen, id) ? seen : null) : await this.verified(indexed, id);
      if (found) return found;
    }
    this.window ??= logEntries(this.git, this.dir, this.tip, this.depth);
    return (await this.window).find((e) => isStep(e, id)) ?? null;
  }

  /** The indexed commit, when it carries the step's trailers and the branch contains it. */
  private async verified(commit: string, id: StepId): Promise<LogEntry | null> {
    const [entries, ancestor] = await Promise.all([
      logEntries(this.git, this.dir, commit, 1).catch(() => []),
      this.git.run(['merge-base', '--is-ancestor', commit, this.tip], this.dir, [0, 1, 128]),
    ]);
    const entry = entries[0];
    return entry && entry.id === commit && ancestor.code === 0 && isStep(entry, id) ? entry : null;
  }
}
