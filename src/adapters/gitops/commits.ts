/**
 * @module Meridian's commits in the GitOps repository: the message of a ring's deploy or rollback
 * (`webapp v2.1.0: deploy ring-2 (eu-west-1)` with `Meridian-Release` and `Meridian-Step`
 * trailers), finding the commit of a step by its trailers, and reading the history.
 */
import type { RingTarget } from '../../ports.ts';
import type { Git } from './git.ts';

export type StepKind = 'deploy' | 'rollback';

export const RELEASE_TRAILER = 'Meridian-Release';
export const STEP_TRAILER = 'Meridian-Step';

export interface StepId {
  release: string;
  /** `<ring>/<deploy|rollback>` */
  step: string;
}

export interface HistoryEntry {
  id: string;
  subject: string;
  release: string | null;
  step: string | null;
}

export function stepId(target: RingTarget, kind: StepKind): StepId {
  return { release: target.releaseId, step: `${target.ring}/${kind}` };
}

/** `webapp v2.1.0: deploy ring-2 (eu-west-1)`: the regions of the ring, in order, once each. */
export function subject(target: RingTarget, kind: StepKind): string {
  const regions = [...new Set(target.clusters.map((c) => c.region))];
  return `${target.service} ${target.version}: ${kind} ${target.ring}${regions.length > 0 ? ` (${regions.join(', ')})` : ''}`;
}

/** Arguments for `git commit`: subject, optional body paragraphs, then the two trailers. */
export function commitArgs(id: StepId, subjectLine: string, body: string[] = []): string[] {
  return [
    'commit', '--quiet', '--allow-empty', '--no-verify', '-m', subjectLine, ...body.flatMap((p) => ['-m', p]),
    '--trailer', `${RELEASE_TRAILER}: ${id.release}`, '--trailer', `${STEP_TRAILER}: ${id.step}`,
  ];
}

const FIELD = '%x1f';
const RECORD = '%x1e';
const FORMAT = ['%H', '%s', `%(trailers:key=${RELEASE_TRAILER},valueonly,separator=%x1d)`, `%(trailers:key=${STEP_TRAILER},valueonly,separator=%x1d)`].join(FIELD) + RECORD;

function parseLog(stdout: string): HistoryEntry[] {
  return stdout
    .split('\x1e')
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.trim() !== '')
    .map((r) => {
      const [id = '', subj = '', release = '', step = ''] = r.split('\x1f');
      const first = (v: string): string | null => v.split('\x1d')[0]?.trim() || null;
      return { id, subject: subj, release: first(release), step: first(step) };
    });
}

/** Commits reachable from `ref`, newest first. */
export async function history(git: Git, cwd: string, ref: string, limit?: number): Promise<HistoryEntry[]> {
  const args = ['log', `--format=${FORMAT}`, ...(limit ? [`--max-count=${limit}`] : []), ref, '--'];
  return parseLog((await git.run(args, cwd)).stdout);
}

/** The newest commit reachable from `ref` that carries exactly these two trailers, or null. */
export async function findStep(git: Git, cwd: string, ref: string, id: StepId): Promise<string | null> {
  const args = ['log', `--format=${FORMAT}`, '--fixed-strings', `--grep=${RELEASE_TRAILER}: ${id.release}`, ref, '--'];
  const found = parseLog((await git.run(args, cwd)).stdout).find((e) => e.release === id.release && e.step === id.step);
  return found?.id ?? null;
}

/** Commits after `since` up to `ref` that touched `files`, newest first, as `abc1234 "subject"`. */
export async function laterChanges(git: Git, cwd: string, since: string, ref: string, files: string[]): Promise<string[]> {
  const out = await git.out(['log', `--format=%H${FIELD}%s`, `${since}..${ref}`, '--', ...files], cwd);
  return out.split('\n').filter(Boolean).map((line) => {
    const [sha = '', subj = ''] = line.split('\x1f');
    return `${sha.slice(0, 7)} ${JSON.stringify(subj)}`;
  });
}
