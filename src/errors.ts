/**
 * @module The error family. Every error a person can cause has a class here; the CLI maps them to
 * exit codes and the HTTP API to status codes, each in one place. A failing ring is not an error:
 * it is an outcome in the release state.
 */

/** One located problem in an input file: `FILE:LINE:COL: PATH: MESSAGE`. */
export interface Located {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatLocated(l: Located): string {
  const where = l.path ? `${l.path}: ` : '';
  return `${l.file}:${l.line}:${l.col}: ${where}${l.message}`;
}

export abstract class MeridianError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input (policy, scenario, release file) is invalid. Carries every problem found, not just the first. */
export class PolicyError extends MeridianError {
  readonly problems: readonly Located[];
  constructor(problems: readonly Located[]) {
    super(problems.map(formatLocated).join('\n'));
    this.problems = problems;
  }
}

/** The command line or a request was malformed: unknown flag, missing or unreadable file. */
export class UsageError extends MeridianError {}

export class NotFoundError extends MeridianError {}

export class ConflictError extends MeridianError {}

export class ForbiddenError extends MeridianError {}

export class UnauthorizedError extends MeridianError {}

/**
 * A change asked of a replica that does not lead: only the replica holding the leader lock runs
 * releases. `leader` names the one that does (`HOST:PID`), or is null when none is known; the
 * request may be retried there.
 */
export class NotLeaderError extends MeridianError {
  readonly leader: string | null;
  constructor(leader: string | null) {
    super(`this replica is not the leader; the leader is ${leader ?? 'unknown (no replica holds the leader lock right now)'}`);
    this.leader = leader;
  }
}

/** A technology behind a port failed. `retryable` says whether trying again may help. */
export class AdapterError extends MeridianError {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** The error for a refusal the engine or the controller decided (`{ kind, message }`). */
export function refusalError(r: { kind: 'invalid' | 'not-found' | 'forbidden' | 'conflict'; message: string }): MeridianError {
  switch (r.kind) {
    case 'invalid': return new UsageError(r.message);
    case 'not-found': return new NotFoundError(r.message);
    case 'forbidden': return new ForbiddenError(r.message);
    case 'conflict': return new ConflictError(r.message);
  }
}

const audited = new WeakSet<object>();

/** Mark a refusal as already written to the audit log, so the edge that answers it does not write it again. */
export function markAudited<E extends Error>(e: E): E {
  audited.add(e);
  return e;
}

export function isAudited(e: unknown): boolean {
  return typeof e === 'object' && e !== null && audited.has(e);
}
