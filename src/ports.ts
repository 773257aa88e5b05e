/**
 * @module The interfaces the core needs from the world. Each has several implementations: the
 * simulated fleet (src/sim) and the real adapters (src/adapters/*). The engine never knows which.
 * Times are epoch milliseconds. Ports throw AdapterError (errors.ts) on failure.
 */

/** Time, injected. The simulated clock moves only when told to, and never backwards. */
export interface Clock {
  now(): number;
}

/** A cluster as delivery and health see it. */
export interface ClusterTarget {
  name: string;
  region: string;
  server?: string;
  labels: Record<string, string>;
}

/** One ring of one release, as delivery and health are asked about it. */
export interface RingTarget {
  releaseId: string;
  service: string;
  ring: string;
  ringIndex: number;
  version: string;
  previousVersion: string;
  revision?: string;
  image?: string;
  clusters: ClusterTarget[];
}

export interface DeliveryResult {
  /** What was applied: a commit id for GitOps, a token for the simulator. */
  ref: string;
}

/** Puts a version on a ring's clusters, or takes it back. Idempotent per (release, ring, step). */
export interface Delivery {
  deploy(target: RingTarget): Promise<DeliveryResult>;
  rollback(target: RingTarget): Promise<DeliveryResult>;
}

export interface HealthReport {
  /** Every cluster runs what was applied last (`ref`) and is healthy. */
  healthy: boolean;
  /** A cluster reported a hard failure (Degraded, failed sync): no point waiting. */
  failed: boolean;
  detail: string;
}

/** Tells whether what delivery applied is really running and healthy. */
export interface Health {
  status(target: RingTarget, ref: string): Promise<HealthReport>;
  /** Per-region liveness, for failover (the scenario's `outage`). */
  regionUp?(region: string): Promise<boolean>;
}

export interface MetricQuery {
  metric: string;
  region: string;
  ring: string;
  version: string;
}

/** Reads gate metrics. `null` (or an empty series) means no data: inconclusive, never a pass. */
export interface Metrics {
  /** The metric's value over [from, to): a rate or mean over that window. */
  value(q: MetricQuery, from: number, to: number): Promise<number | null>;
  /** Samples every `step` over [from, to), for comparisons. Missing points are left out. */
  series(q: MetricQuery, from: number, to: number, step: number): Promise<number[]>;
}

/** Global load balancer weights per region (0 = drained). */
export interface Traffic {
  weights(): Promise<Record<string, number>>;
  setWeights(weights: Record<string, number>): Promise<void>;
}

export interface HookContext {
  releaseId: string;
  service: string;
  version: string;
  /** What the hook is for: `replication.pause`, `flag.enable`, ... */
  step: string;
}

/** Runs a policy hook (command or webhook). Throws AdapterError when it fails. */
export interface Hooks {
  run(hook: { command?: string[]; webhook?: { url: string; method: string } }, context: HookContext): Promise<void>;
}
