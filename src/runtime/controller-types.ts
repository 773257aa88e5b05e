/**
 * @module What the HTTP API, the dashboard and the CLI see of the controller: who acts, the
 * requests they make, and the view of a release (the `release status --json` shape and more).
 */
import type { AllowedActions } from '../engine/actions.ts';
import type { Phase, RingStatus } from '../engine/types.ts';
import type { Evaluation, GateResult } from '../gates/types.ts';
import type { ServicePolicy } from '../policy/fleet-config.ts';
import type { ChangeKind } from '../policy/schema.ts';
import type { AuditEntry } from '../ports.ts';
import type { FailureEvidence } from './failure-evidence.ts';
import type { ComparisonRow } from './region-table.ts';
import type { SimulationReport } from './report.ts';

export type Role = 'viewer' | 'operator' | 'admin';

/** A signed-in caller. */
export interface Actor {
  user: string;
  groups: string[];
  role: Role;
  /** The services an operator's writes are limited to (`token create --services`); absent: every service. */
  services?: string[];
  /** Signed in through the identity provider: its issuer and subject (`iss`, `sub`), and the display name (`name` claim) when it gave one. */
  idp?: { issuer: string; subject: string; name: string | null };
}

export interface StartRequest {
  /** Which service; may be left out when the server has one. */
  service?: string;
  version: string;
  revision?: string;
  image?: string;
  changes?: ChangeKind[];
  schemaPhase?: 'expand' | 'contract';
  /** Start a version recorded failed for the service all the same; needs `reason`. */
  force?: boolean;
  /** Why the failed version may go out again (with `force`): kept in the audit log and on the release. */
  reason?: string;
}

/** A commit of a ring's deploy or rollback, as delivery applied it. */
export interface CommitView {
  /** What delivery applied: a commit id with GitOps delivery, a token with the simulated one. */
  ref: string;
  /** The git commit id, when `ref` is one (GitOps delivery); null otherwise. */
  sha: string | null;
  /** `spec.delivery.gitops.commitUrl` with the sha, when the policy gives one. */
  url: string | null;
}

/** An Argo CD Application of one cluster of a ring (`spec.delivery.health.argocd`). */
export interface ApplicationView {
  name: string;
  cluster: string;
  region: string;
  /** `spec.delivery.health.argocd.appUrl` for this application, when the policy gives one. */
  url: string | null;
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
  /** A failed ring: the comparison table at its failure and the failing gate's chart around it, as recorded then (failure-evidence.ts); else null (always set by the controller's get). */
  failure?: FailureEvidence | null;
  /** The commit of its deploy once delivery applied it, else null (always set by releaseView). */
  deployCommit?: CommitView | null;
  /** The commit of its rollback once delivery applied it, else null (always set by releaseView). */
  rollbackCommit?: CommitView | null;
  /** Its Argo CD Applications, one per cluster, when health is Argo CD's; else empty (always set by releaseView). */
  applications?: ApplicationView[];
  /** When it deploys, is approved and ends its bake: recorded once past, else expected (release-eta.ts; `ReleaseView.etaAssumes`). */
  eta?: RingEta;
}

/** A ring's times, ISO instants; null where there is none (no approval) or none can be said (the release stopped short of the ring). */
export interface RingEta {
  deployAt: string | null;
  approvalAt: string | null;
  bakeEndsAt: string | null;
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

/** One line of `GET /api/v1/releases` (fleet.md "API"). */
export interface ReleaseSummary {
  id: string;
  service: string;
  version: string;
  previousVersion: string;
  phase: Phase;
  /** The ring being worked on; null once every ring passed or the release ended short of one. */
  currentRing: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Present when the version is recorded failed for the service: its newest failure (this release's or another's). */
  versionFailed?: VersionFailure;
}

/** A failure of a version: in which release, when, and what failed. */
export interface VersionFailure {
  releaseId: string;
  at: string;
  /** `ring ring-1: gate error-rate: ...` */
  reason: string;
}

/** A release started although its version had failed (`force` with a reason). */
export interface ForcedView {
  by: string;
  reason: string;
  /** The release in which the version had failed, when, and what failed. */
  failedRelease: string;
  failedAt: string;
  failedReason: string;
}

/** What `GET /api/v1/releases` filters by, as the query gives it. */
export interface ReleaseQuery {
  service?: string;
  phase?: string;
  limit?: string;
  cursor?: string;
}

/** One line of `GET /api/v1/services`. */
export interface ServiceRow {
  service: string;
  tier: number;
  fleet: string | null;
  /** What each region of the service runs, as recorded. */
  versions: Record<string, string>;
  /** The release in progress, else the latest; null when the service never had one. */
  release: ReleaseSummary | null;
}

/** A freeze a person started (stop the line), as the API shows it. */
export interface FreezeView {
  id: string;
  reason: string;
  /** Empty: every region. */
  regions: string[];
  /** Empty: every service. */
  services: string[];
  startedAt: string;
  startedBy: string;
}

export interface FreezeRequest {
  reason: string;
  regions?: string[];
  services?: string[];
}

/** An evaluation as the API shows it: what it said always in words; a comparison's samples stay in the recorded inputs. */
export interface EvaluationView extends Omit<Evaluation, 'at' | 'samples' | 'detail'> {
  at: string;
  ring: string;
  detail: string;
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
  /** Freezes (stop the line) that hold this release now. */
  freezes: FreezeView[];
  /**
   * Share of global users on the new version now; with residency zones, also each zone's share of
   * its own users on it (`zones`, absent for a policy without zones).
   */
  blastRadius: { userShare: number; zones?: Array<{ residency: string; userShare: number; regions: string[] }> };
  /** Gate evaluations made so far, by result (the evaluations themselves are paged at their own endpoint). */
  evaluationCounts: Record<GateResult, number>;
  /** What a person may do to the release now (the engine's answer). */
  actions: AllowedActions;
  /** Where the new version still runs once the release stopped short of GA, in plain words; null otherwise. */
  leftBehind: string | null;
  /** Set when the release was started although its version had failed (always set by releaseView, null otherwise). */
  forced?: ForcedView | null;
  /** When the release completed or is expected to (GA); null when it stopped short of it or is halted. Set with every ring's `eta`. */
  etaComplete?: string | null;
  /** What the expected times assume, in words. */
  etaAssumes?: string;
}

export interface LiveEvent {
  releaseId: string;
  event: SimulationReport['events'][number];
}

export interface ReleaseController {
  /** Every service the server releases, in the order of their files. */
  services(): readonly ServicePolicy[];
  /** UsageError naming the known services when there is no such service (or, for undefined, when there are several). */
  serviceOf(name: string | undefined): ServicePolicy;
  start(req: StartRequest, actor: Actor): Promise<{ id: string }>;
  /** One page of release summaries, newest first (fleet.md "API"). */
  list(query?: ReleaseQuery): Promise<Page<ReleaseSummary>>;
  /** Every service, what its regions run and its latest release. */
  serviceRows(): Promise<ServiceRow[]>;
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
  /** Freezes in force now (stop the line), oldest first. */
  freezes(): Promise<FreezeView[]>;
  /** Stop the line; UsageError naming the field for a missing reason or an unknown region or service. */
  startFreeze(req: FreezeRequest, actor: Actor): Promise<{ id: string }>;
  /** NotFoundError when no such freeze is in force. */
  endFreeze(id: string, actor: Actor): Promise<void>;
  audit(): Promise<AuditEntry[]>;
  /** Record a refused request (authorisation) in the audit log. */
  recordRefusal(actor: string, action: string, target: string, detail: string): Promise<void>;
  /** Live engine events of one release, or of all ('*'); returns the unsubscribe function. */
  subscribe(id: string | '*', listener: (e: LiveEvent) => void): () => void;
  close(): Promise<void>;
}
