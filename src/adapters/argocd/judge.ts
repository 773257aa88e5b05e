/**
 * @module Judges one Argo CD Application, as the REST API returns it, against the commit Meridian
 * pushed: done (synced to that commit, healthy, nothing in flight), failed, or neither, with a
 * one-line reason. Pure: no I/O, no clock; malformed input is a reason, never a crash.
 *
 * Why "Synced + Healthy" is not enough. Argo CD's own progressive sync has shipped this bug class:
 *
 * - argoproj/argo-cd#29410 (ApplicationSet progressive syncs: step completion evaluated against
 *   stale app status): when a commit lands, an Application that still reports Synced/Healthy from
 *   the PREVIOUS revision, because it has not yet been re-compared, is counted as done, so later
 *   steps start first (in the report, the prod cohort rolled before dev ever synced). A fix
 *   proposed for it (argo-cd PR 29418) checks that the status was computed against what is now
 *   desired (`status.sync.comparedTo`) before trusting Synced/Healthy.
 * - argoproj/argo-cd#22852 (RollingSync does not enforce step order on remote clusters): a race in
 *   which the ApplicationSet controller reads an Application's status from a stale cache and moves
 *   the next step on while the current one is still syncing. Maintainers (via #22558) note that
 *   sync and health are written asynchronously with no rollup saying "all of this is now current",
 *   and call it not easily addressable: fixes there only make it less likely.
 *
 * So we never take status as done unless it is provably about the pushed commit and settled:
 * - `status.sync.revision` (or, for multi-source apps, `status.sync.revisions`) is the pushed
 *   commit: an older revision reported as Synced/Healthy is stale, not done (so is a newer one:
 *   Argo CD cannot tell us whether it contains ours, so the progress deadline decides);
 * - no operation is in flight: `status.operationState.phase` Running/Terminating, or a requested
 *   top-level `operation` not yet finished, means Healthy may describe the old pods (an
 *   operationState without a readable phase counts as in flight: we cannot tell);
 * - if the last sync operation was to the pushed commit, `status.reconciledAt` is not before its
 *   `finishedAt` (the controller requests a fresh comparison when an operation completes; until it
 *   lands, sync and health were computed before the sync's result);
 * - `status.sync.status` is Synced and `status.health.status` is Healthy.
 * An `operationState` whose `syncResult.revision` is another commit is stale: its phase neither
 * fails nor completes the pushed commit.
 *
 * `failed` only on evidence about the pushed commit: its sync operation ended Failed/Error, or the
 * Application is Degraded at that commit with nothing in flight. Anything else waits; the engine's
 * progress deadline turns a ring that never gets healthy into a failure.
 *
 * Every text the reason copies from the Application (operation and health messages, statuses,
 * revisions) is Argo CD's, so it passes through ../redact.ts with the secrets the caller knows:
 * redacted first, then shortened, so no part of a token survives a cut.
 */
import { excerpt, type Known } from '../redact.ts';

export interface Judgement {
  /** Synced to the pushed commit, Healthy, nothing in flight, status fresh. */
  done: boolean;
  /** Hard failure for the pushed commit: no point waiting. */
  failed: boolean;
  /** One line a person reads: why not done, or what done means here. */
  reason: string;
}

/** Argo CD operation phases (gitops-engine sync/common). */
const IN_FLIGHT = new Set(['Running', 'Terminating']);
const FAILED_PHASES = new Set(['Failed', 'Error']);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : []);

/** A commit as people read it: the first 7 characters of a SHA, anything else as given. */
export function shortRevision(rev: string): string {
  return /^[0-9a-f]{8,}$/i.test(rev) ? rev.slice(0, 7) : rev;
}

/**
 * Whether Argo CD's revision is the pushed commit. Argo CD reports full SHAs; `ref` may be a full
 * SHA or an abbreviation of at least 7 hex digits. Anything else must match exactly.
 */
export function sameRevision(reported: string, ref: string): boolean {
  const a = reported.trim().toLowerCase();
  const b = ref.trim().toLowerCase();
  if (a === '' || b === '') return false;
  if (a === b) return true;
  const hex = /^[0-9a-f]+$/;
  return hex.test(a) && hex.test(b) && b.length >= 7 && a.startsWith(b);
}

/** How long a message copied from the Application may be, and a whole reason. */
const MESSAGE_CHARS = 160;
const REASON_CHARS = 400;

const notDone = (reason: string): Judgement => ({ done: false, failed: false, reason });
const failedWith = (reason: string): Judgement => ({ done: false, failed: true, reason });

interface Operation {
  phase: string | undefined;
  message: string | undefined;
  /** The revisions the operation synced, or was asked to sync. Empty when unknown. */
  revisions: string[];
  finishedAt: string | undefined;
}

function readOperation(status: Obj): Operation | undefined {
  const op = obj(status['operationState']);
  if (!op) return undefined;
  const result = obj(op['syncResult']);
  const requested = obj(obj(op['operation'])?.['sync']);
  const fromResult = [str(result?.['revision']), ...strs(result?.['revisions'])].filter((s): s is string => s !== undefined);
  const fromRequest = [str(requested?.['revision']), ...strs(requested?.['revisions'])].filter((s): s is string => s !== undefined);
  return {
    phase: str(op['phase']),
    message: str(op['message']),
    revisions: fromResult.length > 0 ? fromResult : fromRequest,
    finishedAt: str(op['finishedAt']),
  };
}

const revisionsInclude = (revisions: string[], ref: string): boolean => revisions.some((r) => sameRevision(r, ref));

/**
 * Judges one Application (the JSON body of `GET /api/v1/applications/{name}`) against `ref`, the
 * commit delivery pushed. `known` holds the secrets (the API token) its reason must leave out.
 */
export function judgeApplication(app: unknown, ref: string, known: Known = {}): Judgement {
  const withMessage = (base: string, message: string | undefined): string => (message ? `${base}: ${excerpt(message, known, MESSAGE_CHARS)}` : base);
  const judgement = judge(app, ref, withMessage);
  return { ...judgement, reason: excerpt(judgement.reason, known, REASON_CHARS) };
}

function judge(app: unknown, ref: string, withMessage: (base: string, message: string | undefined) => string): Judgement {
  const want = shortRevision(ref);
  if (!isObj(app)) return notDone('the response is not an Application object');
  const status = obj(app['status']);
  if (!status) return notDone('no status yet (Argo CD has not reconciled the Application)');

  const sync = obj(status['sync']);
  const syncStatus = str(sync?.['status']);
  const single = str(sync?.['revision']);
  const multi = strs(sync?.['revisions']);
  const reported = single !== undefined ? [single] : multi;
  const atRef = revisionsInclude(reported, ref);
  const health = obj(status['health']);
  const healthStatus = str(health?.['status']);
  const healthMessage = str(health?.['message']);
  const op = readOperation(status);
  const opUnreadable = status['operationState'] !== undefined && status['operationState'] !== null && op?.phase === undefined;
  const opForRef = op !== undefined && revisionsInclude(op.revisions, ref);
  const opAt = op && op.revisions.length > 0 ? op.revisions.map(shortRevision).join(', ') : undefined;

  // A finished operation for the pushed commit that failed: hard failure.
  if (op && opForRef && op.phase !== undefined && FAILED_PHASES.has(op.phase)) {
    return failedWith(withMessage(`sync to ${want} ${op.phase}`, op.message));
  }

  // Something is still being applied: whatever health says describes the pods of before.
  if (op?.phase !== undefined && IN_FLIGHT.has(op.phase)) {
    const to = opAt === undefined || opForRef ? '' : ` (to ${opAt}, not ${want})`;
    return notDone(withMessage(`sync operation ${op.phase}${to}`, op.message));
  }
  if (isObj(app['operation'])) return notDone('sync operation requested, not finished yet');
  if (opUnreadable) return notDone('operation state reported without a phase: cannot tell whether a sync is running');

  if (syncStatus === undefined) return notDone('no sync status reported yet');
  if (reported.length === 0) return notDone(`${syncStatus} but no revision reported (want ${want})`);

  const healthWord = healthStatus ?? 'no health status';
  if (!atRef) {
    const at = reported.map(shortRevision).join(', ');
    if (syncStatus === 'Synced') {
      const seen = healthStatus === 'Healthy' ? 'Synced and Healthy' : `Synced but ${healthWord}`;
      return notDone(`stale: ${seen} at ${at}, want ${want} (Argo CD has not compared the pushed revision yet)`);
    }
    return notDone(`${syncStatus} (at ${at}, want ${want})`);
  }

  if (syncStatus !== 'Synced') return notDone(`${syncStatus} at ${want} (not synced yet)`);

  // Synced to the pushed commit. Is that status newer than the sync that produced it?
  if (op && opForRef && op.finishedAt !== undefined) {
    const finished = Date.parse(op.finishedAt);
    const reconciledAtText = str(status['reconciledAt']);
    const reconciled = reconciledAtText === undefined ? Number.NaN : Date.parse(reconciledAtText);
    if (!Number.isNaN(finished) && !Number.isNaN(reconciled) && reconciled < finished) {
      return notDone(`stale: status reconciled at ${reconciledAtText}, before the sync to ${want} finished at ${op.finishedAt}`);
    }
  }

  if (healthStatus === 'Degraded') return failedWith(withMessage(`Degraded at ${want}`, healthMessage));
  if (healthStatus !== 'Healthy') return notDone(withMessage(`Synced to ${want} but ${healthWord}`, healthMessage));
  return { done: true, failed: false, reason: `Synced to ${want} and Healthy` };
}
