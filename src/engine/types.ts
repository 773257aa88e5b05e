/**
 * @module The release state, the events the engine consumes and the effects it asks for. All plain
 * data: a release's state is the fold of its recorded inputs through decide().
 */
import type { Evaluation } from '../gates/types.ts';
import type { TrackerState } from '../gates/tracker.ts';
import type { ChangeKind } from '../policy/schema.ts';
import type { HealthReport } from '../ports.ts';

export type ResumeTo = 'deploy' | 'bake' | 'rollback' | 'hook';

export type Phase = 'running' | 'waiting' | 'halted' | 'rolling-back' | 'completed' | 'rolled-back' | 'aborted';

export type RingStatus =
  | 'pending'
  | 'awaiting-approval'
  | 'waiting-window'
  | 'deploying'
  | 'baking'
  | 'passed'
  | 'failed'
  | 'rolling-back'
  | 'rolled-back';

export interface RingState {
  name: string;
  status: RingStatus;
  /** When the ring started deploying. */
  deployedAt: number | null;
  healthyAt: number | null;
  bakeUntil: number | null;
  /** What delivery applied (a commit id); health is checked against it. */
  ref: string | null;
  rollbackRef: string | null;
  rollbackStartedAt: number | null;
  /**
   * The progress deadline of the deploy or rollback in flight: when delivery reported it applied
   * (the time git or an HTTP call took does not count), and the health checks since.
   */
  progress?: { since: number; checks: number } | null;
  approvedBy: string | null;
  /** While waiting for a deploy window: when it opens (null: waiting for room, see `held`). */
  waitUntil: number | null;
  /** The runtime gave the ring room to deploy (`claimed`): the next deploy attempt goes ahead. */
  claimed?: boolean;
  /** Why the runtime holds the ring back (a freeze a person started, a busy region); null when it does not. */
  held?: string | null;
  /** Evaluation times still to come, ascending. */
  schedule: number[];
  /** Trackers per `gate@region`. */
  trackers: Record<string, TrackerState>;
  failedGate: string | null;
  /** Bake time not observed (halted, or a gate without data): the bake ends that much later. */
  unobserved?: number;
  /** While the bake's time is up but its evidence is short: what is missing (evidence.ts). */
  evidence?: { key: string; detail: string } | null;
  /** When the ring passed its bake. */
  passedAt?: number | null;
  /** While a passed ring is watched by its gates: when it is evaluated next. */
  watchNext?: number | null;
  /** The ring's own outcome, kept when it is later rolled back. */
  verdict: 'passed' | 'failed' | null;
  rolledBack: boolean;
}

/** An event as people and programs read it (cli.md "Event types"). */
export interface ReleaseEvent {
  at: number;
  type: string;
  ring?: string;
  region?: string;
  detail?: string;
}

export interface ReleaseRequestData {
  id: string;
  /** Digest of the policy text the release started under (a restart under another policy must not resume it). */
  policyDigest?: string;
  service: string;
  version: string;
  previousVersion: string;
  revision?: string;
  image?: string;
  changes: ChangeKind[];
  schemaPhase: 'expand' | 'contract';
}

export interface ReleaseState {
  release: ReleaseRequestData;
  phase: Phase;
  startedAt: number;
  /** Index of the ring being worked on (rings.length when all passed). */
  current: number;
  rings: RingState[];
  /** Version each region runs, as far as the engine knows. */
  versions: Record<string, string>;
  events: ReleaseEvent[];
  /** Rings still to roll back, in order (downstream first). */
  rollbackQueue: string[];
  /** When the release last halted (halted time is not observed bake). */
  haltedAt?: number | null;
  /** Why the release is halted, when it is. */
  haltReason: string | null;
  /** What a resume retries; null when the release cannot be resumed (a ring failed). */
  resumeTo: ResumeTo | null;
  /** Hook steps done, in order: `replication.pause`, `replication.pause:eu` (a replication group), `flag.enable`, ... */
  hooksDone: string[];
  /** A hook step in flight, and what to do once it succeeds (`enter`: enter the current ring, after a replication group resumed early). */
  pendingHook: { step: string; then: 'deploy' | 'complete' | 'rollback' | 'enter' } | null;
  /** Regions drained (weight 0) because their ring failed (`onFailure.drain`); restored after rollback. */
  drained: string[];
  /** Regions in an outage (`traffic.failover: automatic`): drained, or refused for lack of headroom. */
  outages: Record<string, 'drained' | 'refused'>;
  /** When regional health was last asked (failover). */
  lastRegionCheck: number | null;
  /** Drains and restores asked for and not yet reported (asked again after a restart). */
  pendingTraffic: PendingTraffic[];
  detection: { at: number; ring: string; gate: string } | null;
  completedAt: number | null;
  /** Every ring passed and `spec.watch.afterComplete` runs: the release completes at this time. */
  watchUntil?: number | null;
}

/** A drain or restore asked for and not yet done. A restore that failed carries its failures and when it is tried again. */
export interface PendingTraffic {
  action: 'drain' | 'restore';
  region: string;
  cause: 'failure' | 'outage';
  failures?: number;
  retryAt?: number;
}

/** Inputs to decide(). `at` is the time the input happened. */
export type EngineInput =
  | { type: 'start'; at: number; release: ReleaseRequestData; versions: Record<string, string> }
  | { type: 'tick'; at: number }
  | { type: 'deployed'; at: number; ring: string; ref: string }
  | { type: 'deploy-failed'; at: number; ring: string; error: string }
  | { type: 'health'; at: number; ring: string; report: HealthReport }
  | { type: 'gates'; at: number; ring: string; evaluatedAt: number; evaluations: Evaluation[] }
  | { type: 'approval'; at: number; ring: string; by: string; groups: string[] }
  | { type: 'rolled-back'; at: number; ring: string; ref: string }
  | { type: 'rollback-failed'; at: number; ring: string; error: string }
  | { type: 'hook-done'; at: number; step: string }
  | { type: 'hook-failed'; at: number; step: string; error: string }
  | { type: 'traffic-done'; at: number; action: 'drained' | 'restored'; region: string; detail: string; cause?: 'failure' | 'outage' }
  | { type: 'traffic-refused'; at: number; region: string; reason: string; cause?: 'failure' | 'outage' }
  | { type: 'traffic-failed'; at: number; action: 'drain' | 'restore'; region: string; error: string; cause: 'failure' | 'outage' }
  | { type: 'regions-health'; at: number; up: Record<string, boolean> }
  | { type: 'resume'; at: number; by: string }
  | { type: 'abort'; at: number; by: string }
  | { type: 'rollback'; at: number; by: string; ring?: string }
  | { type: 'claimed'; at: number; ring: string }
  | { type: 'held'; at: number; ring: string; detail: string };

/** One metric check the runtime performs for an evaluation round. */
export interface GateCheck {
  gate: string;
  region: string;
  kind: 'interval' | 'hour' | 'compare' | 'requests';
  from: number;
  to: number;
  /** Regions whose samples form the baseline of a comparison gate. */
  baselineRegions?: string[];
}

export type Effect =
  | { type: 'deploy'; ring: string }
  | { type: 'rollback'; ring: string }
  | { type: 'check-health'; ring: string; ref: string }
  | { type: 'evaluate-gates'; ring: string; at: number; checks: GateCheck[] }
  | { type: 'request-approval'; ring: string; approvers: string[] }
  /** Ask for room to deploy a ring (freezes people started, the fleet's limit per region): answered with `claimed` or `held`. */
  | { type: 'claim'; ring: string }
  | { type: 'run-hook'; step: string }
  | { type: 'drain'; region: string; cause: 'failure' | 'outage' }
  | { type: 'restore'; region: string; cause: 'failure' | 'outage' }
  | { type: 'check-regions' }
  | { type: 'wake'; at: number };

/** Why a request is refused, as data: the API maps `kind` to a status code, people read `message`. */
export interface Refusal {
  kind: 'invalid' | 'not-found' | 'forbidden' | 'conflict';
  message: string;
}

export interface Decision {
  state: ReleaseState;
  effects: Effect[];
  /** Set when an operator input was refused; the state is unchanged (but for a recorded refused approval). */
  rejected?: Refusal;
}
