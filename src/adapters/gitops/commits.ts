/**
 * @module Meridian's commits in the GitOps repository: the message of a ring's deploy or rollback
 * (`webapp v2.1.0: deploy ring-2 (eu-west-1)` with `Meridian-Release` and `Meridian-Step`
 * trailers, and `Meridian-Version` / `Meridian-Previous-Version`), reading the step a commit records
 * from its trailers, and reading the history (finding a step's commit is step-index.ts). No field can
 * add a trailer: every field is written on one line, release ids and ring names are refused outside a
 * safe set of characters, and a commit counts as a step only when it carries exactly one of each
 * Meridian trailer.
 */
import { AdapterError } from '../../errors.ts';
import type { RingTarget } from '../../ports.ts';
import type { Git } from './git.ts';

export type StepKind = 'deploy' | 'rollback';

export const RELEASE_TRAILER = 'Meridian-Release';
export const STEP_TRAILER = 'Meridian-Step';
export const VERSION_TRAILER = 'Meridian-Version';
export const PREVIOUS_VERSION_TRAILER = 'Meridian-Previous-Version';

export interface StepId {
  release: string;
  /** `<ring>/<deploy|rollback>` */
  step: string;
}

export interface HistoryEntry {
  id: string;
  subject: string;
  /** The commit's release and step; null unless it carries exactly one Meridian-Release and one Meridian-Step. */
  release: string | null;
  step: string | null;
}

/** The versions a step commit records: what the ring runs after it, and (for a deploy) before it. */
export interface StepVersions {
  version?: string;
  previousVersion?: string;
}

/** Control characters (CR, LF, NUL, ESC, NEL, ...) and the Unicode line and paragraph separators. */
const BREAKS = /[\p{Cc}\u2028\u2029]+/gu;

/** `text` on one line: every run of control characters becomes one space; no line of it can be read as a trailer. */
export function oneLine(text: string): string {
  return text.replace(BREAKS, ' ').trim();
}

/** What a release id and a ring name may hold to be written as a trailer value and read back as itself. */
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const SAFE_RULE = 'use only letters, digits, ".", "_" and "-" (at most 200, starting with a letter or digit); nothing was pushed';

function refuseUnsafe(what: string, value: string, trailer: string): AdapterError {
  return new AdapterError(`${what} ${JSON.stringify(value)} cannot go into a ${trailer} trailer: ${SAFE_RULE}`, { retryable: false });
}

/** The trailer pair of a ring's step; refuses a release id or ring name outside the safe characters. */
export function stepId(target: RingTarget, kind: StepKind): StepId {
  if (!SAFE.test(target.releaseId)) throw refuseUnsafe('release id', target.releaseId, RELEASE_TRAILER);
  if (!SAFE.test(target.ring)) throw refuseUnsafe('ring', target.ring, STEP_TRAILER);
  return { release: target.releaseId, step: `${target.ring}/${kind}` };
}

/** `webapp v2.1.0: deploy ring-2 (eu-west-1)`: the regions of the ring, in order, once each; every field on one line. */
export function subject(target: RingTarget, kind: StepKind): string {
  const regions = [...new Set(target.clusters.map((c) => oneLine(c.region)))];
  return `${oneLine(target.service)} ${oneLine(target.version)}: ${kind} ${oneLine(target.ring)}${regions.length > 0 ? ` (${regions.join(', ')})` : ''}`;
}

/**
 * Arguments for `git commit`: subject, optional body paragraphs, each on one line, then the trailers.
 * `id` comes from stepId() (checked); the versions are made one line and left out when empty.
 */
export function commitArgs(id: StepId, subjectLine: string, body: string[] = [], versions: StepVersions = {}): string[] {
  const optional = ([[VERSION_TRAILER, versions.version], [PREVIOUS_VERSION_TRAILER, versions.previousVersion]] as const)
    .map(([key, value]) => [key, oneLine(value ?? '')] as const)
    .filter(([, value]) => value !== '')
    .flatMap(([key, value]) => ['--trailer', `${key}: ${value}`]);
  return [
    'commit', '--quiet', '--allow-empty', '--no-verify', '-m', oneLine(subjectLine), ...body.flatMap((p) => ['-m', oneLine(p)]),
    '--trailer', `${RELEASE_TRAILER}: ${id.release}`, '--trailer', `${STEP_TRAILER}: ${id.step}`, ...optional,
  ];
}

/** The trailers of a commit as git parsed them (`%(trailers:only,unfold,separator=%x1d)`): lower-cased key → every value. */
export type Trailers = Map<string, string[]>;

export function parseTrailers(text: string): Trailers {
  const out: Trailers = new Map();
  for (const entry of text.split('\x1d')) {
    const colon = entry.indexOf(':');
    if (colon <= 0) continue;
    const key = entry.slice(0, colon).trim().toLowerCase();
    out.set(key, [...(out.get(key) ?? []), entry.slice(colon + 1).trim()]);
  }
  return out;
}

/** The one value of a Meridian trailer, or undefined when it is missing or there is more than one. */
export function single(trailers: Trailers, key: string): string | undefined {
  const values = trailers.get(key.toLowerCase()) ?? [];
  return values.length === 1 ? values[0] : undefined;
}

/**
 * The step a commit records: exactly one Meridian-Release and one Meridian-Step, and no Meridian
 * trailer given twice. Anything else (a forged or duplicated trailer) is not a step.
 */
export function stepOf(trailers: Trailers): StepId | null {
  for (const [key, values] of trailers) if (key.startsWith('meridian-') && values.length !== 1) return null;
  const release = single(trailers, RELEASE_TRAILER);
  const step = single(trailers, STEP_TRAILER);
  return release && step ? { release, step } : null;
}

const FIELD = '%x1f';
const RECORD = '%x1e';
const FORMAT = ['%H', '%s', '%(trailers:only,unfold,separator=%x1d)'].join(FIELD) + RECORD;

export interface LogEntry {
  id: string;
  subject: string;
  trailers: Trailers;
  step: StepId | null;
}

function parseLog(stdout: string): LogEntry[] {
  return stdout
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.trim() !== '')
    .map((r) => {
      const [id = '', subj = '', trailers = ''] = r.split('\x1f');
      const parsed = parseTrailers(trailers);
      return { id, subject: subj, trailers: parsed, step: stepOf(parsed) };
    });
}

/** Commits reachable from `ref`, newest first (children before their parents with `topo`), with their trailers. */
export async function logEntries(git: Git, cwd: string, ref: string, limit?: number, topo = false): Promise<LogEntry[]> {
  const args = ['log', `--format=${FORMAT}`, ...(topo ? ['--topo-order'] : []), ...(limit ? [`--max-count=${limit}`] : []), ref, '--'];
  return parseLog((await git.run(args, cwd)).stdout);
}

/** Commits reachable from `ref`, newest first. */
export async function history(git: Git, cwd: string, ref: string, limit?: number): Promise<HistoryEntry[]> {
  return (await logEntries(git, cwd, ref, limit)).map((e) => ({ id: e.id, subject: e.subject, release: e.step?.release ?? null, step: e.step?.step ?? null }));
}

/** Commits after `since` up to `ref` that touched `files`, newest first, as `abc1234 "subject"`. */
export async function laterChanges(git: Git, cwd: string, since: string, ref: string, files: string[]): Promise<string[]> {
  const out = await git.out(['log', `--format=%H${FIELD}%s`, `${since}..${ref}`, '--', ...files], cwd);
  return out.split('\n').filter(Boolean).map((line) => {
    const [sha = '', subj = ''] = line.split('\x1f');
    return `${sha.slice(0, 7)} ${JSON.stringify(subj)}`;
  });
}
