/**
 * @module What the HTTP API, the dashboard and the CLI see of the controller: who acts, the
 * requests they make, and the view of a release (the `release status --json` shape and more).
 */
import type { AllowedActions } from '../engine/actions.ts';
import type { Phase, RingStatus } from '../engine/types.ts';
import type { Evaluation } from '../gates/types.ts';
import type { ChangeKind, Policy } from '../policy/schema.ts';
import type { AuditEntry } from '../ports.ts';
import type { ComparisonRow } from './region-table.ts';
import type { SimulationReport } from './report.ts';

export type Role = 'viewer' | 'operator' | 'admin';

/** A signed-in caller. */
export interface Actor {
  user: string;
  groups: string[];
  role: Role;
}

export interface StartRequest {
  version: string;
  revision?: string;
  image?: string;
  changes?: ChangeKind[];
  schemaPhase?: 'expand' | 'contract';
}

export interface RingView {
  name: string;
  regions: string[];
  userShare: number;
  status: RingStatus;
  verdict: 'passed' | 'failed' | 'not-started' | 'in-progress';
  deployedAt: string | null;
  healthyAt: string | null;
  bakeUntil: string | null;
  rolledBack: boolean;
  approvers: string[];
  bakeMinutes: number;
  /** While its bake's time is up but its evidence is short: what is missing (the last `ring.waiting` for evidence, with the count of then). */
  evidence: string | null;
}

/** What `GET /api/v1/releases/{id}/evaluations` filters by, as the query gives it (limit and cursor unparsed). */
export interface EvaluationQuery {
  ring?: string;
  gate?: string;
  region?: string;
  limit?: string;
  cursor?: string;
}

/** A page of a list and the cursor of the next. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last. */
  next: string | null;
}

export interface EvaluationView extends Omit<Evaluation, 'at'> {
  at: string;
  ring: string;
}

/** `release status ID --json` (cli.md) plus what the dashboard shows. */
export interface ReleaseView {
  id: string;
  service: string;
  version: string;
  previousVersion: string;
  phase: Phase;
  haltReason: string | null;
  startedAt: string;
  completedAt: string | null;
  rings: RingView[];
  /** Version per region. */
  versions: Record<string, string>;
  events: SimulationReport['events'];
  /** Every gate evaluation so far, oldest first. */
  evaluations: EvaluationView[];
  /** Share of global users on the new version now. */
  blastRadius: { userShare: number };
  /** What a person may do to the release now (the engine's answer). */
  actions: AllowedActions;
  /** Where the new version still runs once the release stopped short of GA, in plain words; null otherwise. */
  leftBehind: string | null;
}

export interface LiveEvent {
  releaseId: string;
  event: SimulationReport['events'][number];
}

export interface ReleaseController {
  readonly policy: Policy;
  /** The policy file's text, as loaded. */
  readonly policyText: string;
  start(req: StartRequest, actor: Actor): Promise<{ id: string }>;
  list(): Promise<ReleaseView[]>;
  /** NotFoundError when there is no such release. */
  get(id: string): Promise<ReleaseView>;
  /** The cross-region comparison table over the last hour. */
  comparison(id: string): Promise<ComparisonRow[]>;
  /** One page of the release's gate evaluations, oldest first (evaluation-page.ts). */
  evaluations(id: string, query: EvaluationQuery): Promise<Page<EvaluationView>>;
  /** ForbiddenError (and an audit entry) when the actor is not an approver of the ring. */
  approve(id: string, ring: string, actor: Actor): Promise<void>;
  /** ConflictError when the release cannot be resumed (e.g. a ring failed). */
  resume(id: string, actor: Actor): Promise<void>;
  abort(id: string, actor: Actor): Promise<void>;
  rollback(id: string, actor: Actor, ring?: string): Promise<void>;
  audit(): Promise<AuditEntry[]>;
  /** Record a refused request (authorisation) in the audit log. */
  recordRefusal(actor: string, action: string, target: string, detail: string): Promise<void>;
  /** Live engine events of one release, or of all ('*'); returns the unsubscribe function. */
  subscribe(id: string | '*', listener: (e: LiveEvent) => void): () => void;
  close(): Promise<void>;
}
