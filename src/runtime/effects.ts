/**
 * @module Performs one engine effect through the ports and returns the input that reports its
 * result. Failures of a port become inputs too (deploy-failed, hook-failed, traffic-failed,
 * inconclusive gates):
 * the engine decides what they mean.
 */
import type { Effect, EngineInput, ReleaseState } from '../engine/types.ts';
import { AdapterError } from '../errors.ts';
import { planDrain } from '../plan/headroom.ts';
import { groupOfStep, replicationStep } from '../engine/replication.ts';
import { productionRegions, round } from '../policy/model.ts';
import type { Hook, Policy } from '../policy/schema.ts';
import type { Delivery, Health, Hooks, Metrics, Traffic } from '../ports.ts';
import { runGateChecks } from './gate-runner.ts';
import { ringTarget } from './targets.ts';

export interface RuntimePorts {
  delivery: Delivery;
  health: Health;
  metrics: Metrics;
  traffic: Traffic;
  hooks: Hooks;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function hookFor(policy: Policy, step: string): Hook | undefined {
  const d = policy.spec.data;
  // A replication group's step (`replication.pause:eu`) runs the replication hook; MERIDIAN_STEP names the group.
  const replication = replicationStep(step);
  if (replication?.group != null) return groupOfStep(policy, step) ? (replication.kind === 'pause' ? d.replication?.pause : d.replication?.resume) : undefined;
  switch (step) {
    case 'replication.pause': return d.replication?.pause;
    case 'replication.resume': return d.replication?.resume;
    case 'flag.enable': return d.featureFlag?.enable;
    case 'flag.disable': return d.featureFlag?.disable;
    default: return undefined;
  }
}

function formatWeights(w: Record<string, number>): string {
  return Object.entries(w).map(([r, v]) => `${r} ${round(v, 4)}`).join(', ');
}

function unavailable(state: ReleaseState): string[] {
  return [...state.drained, ...Object.keys(state.outages)];
}

async function drain(policy: Policy, state: ReleaseState, ports: RuntimePorts, region: string, cause: 'failure' | 'outage', at: number): Promise<EngineInput> {
  const before = await ports.traffic.weights();
  const serving = productionRegions(policy).map((r) => r.name).filter((r) => (before[r] ?? 0) > 0 && (r === region || !unavailable(state).includes(r)));
  if (!serving.includes(region)) serving.push(region);
  const plan = planDrain(policy, region, serving);
  if (!plan.allowed) return { type: 'traffic-refused', at, region, reason: plan.reason ?? 'refused', cause };
  const after: Record<string, number> = {};
  for (const r of productionRegions(policy)) after[r.name] = r.name === region ? 0 : (before[r.name] ?? 0) > 0 ? (r.userShare ?? 0) : 0;
  for (const s of plan.shifts) after[s.to] = (after[s.to] ?? 0) + s.share;
  await ports.traffic.setWeights(after);
  const why = cause === 'outage' ? 'region outage' : 'ring failed';
  return { type: 'traffic-done', at, action: 'drained', region, cause, detail: `${why}; before: ${formatWeights(before)}; after: ${formatWeights(after)}` };
}

async function restore(policy: Policy, state: ReleaseState, ports: RuntimePorts, region: string, cause: 'failure' | 'outage', at: number): Promise<EngineInput> {
  const before = await ports.traffic.weights();
  const after: Record<string, number> = {};
  const stillDrained = unavailable(state).filter((r) => r !== region);
  for (const r of productionRegions(policy)) after[r.name] = stillDrained.includes(r.name) ? 0 : (r.userShare ?? 0);
  await ports.traffic.setWeights(after);
  return { type: 'traffic-done', at, action: 'restored', region, cause, detail: `before: ${formatWeights(before)}; after: ${formatWeights(after)}` };
}

/** Delivery steps are idempotent, so a step that failed in a way worth retrying is tried again at once. */
const DELIVERY_ATTEMPTS = 3;

async function withRetry<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!(e instanceof AdapterError && e.retryable) || attempt >= DELIVERY_ATTEMPTS) throw e;
    }
  }
}

/** Perform `effect`; resolves to the input reporting its result, or null when there is none. */
export async function perform(policy: Policy, state: ReleaseState, ports: RuntimePorts, effect: Effect, now: () => number): Promise<EngineInput | null> {
  switch (effect.type) {
    case 'deploy':
      try {
        const { ref } = await withRetry(() => ports.delivery.deploy(ringTarget(policy, state, effect.ring)));
        return { type: 'deployed', at: now(), ring: effect.ring, ref };
      } catch (e) {
        return { type: 'deploy-failed', at: now(), ring: effect.ring, error: message(e) };
      }
    case 'rollback':
      try {
        const { ref } = await withRetry(() => ports.delivery.rollback(ringTarget(policy, state, effect.ring)));
        return { type: 'rolled-back', at: now(), ring: effect.ring, ref };
      } catch (e) {
        return { type: 'rollback-failed', at: now(), ring: effect.ring, error: message(e) };
      }
    case 'check-health':
      try {
        const report = await ports.health.status(ringTarget(policy, state, effect.ring), effect.ref);
        return { type: 'health', at: now(), ring: effect.ring, report };
      } catch (e) {
        return { type: 'health', at: now(), ring: effect.ring, report: { healthy: false, failed: false, detail: message(e) } };
      }
    case 'evaluate-gates': {
      const evaluations = await runGateChecks(
        {
          policy, metrics: ports.metrics, ring: effect.ring, version: state.release.version, previousVersion: state.release.previousVersion,
          // A comparison reads only the minutes its statistic has not folded yet.
          trackers: state.rings.find((r) => r.name === effect.ring)?.trackers ?? {},
          // What a pass read is said again when it is read (threshold.ts detailOf); the evaluation log keeps no words of a pass.
          describePasses: false,
        },
        effect.checks,
      );
      return { type: 'gates', at: now(), ring: effect.ring, evaluatedAt: effect.at, evaluations };
    }
    case 'run-hook': {
      const hook = hookFor(policy, effect.step);
      if (!hook) return { type: 'hook-failed', at: now(), step: effect.step, error: 'the policy defines no such hook' };
      try {
        await ports.hooks.run(hook, { releaseId: state.release.id, service: state.release.service, version: state.release.version, step: effect.step });
        return { type: 'hook-done', at: now(), step: effect.step };
      } catch (e) {
        return { type: 'hook-failed', at: now(), step: effect.step, error: message(e) };
      }
    }
    case 'drain':
    case 'restore':
      // A traffic provider that fails is reported, never waited on: rollbacks go on without it.
      try {
        return await (effect.type === 'drain' ? drain : restore)(policy, state, ports, effect.region, effect.cause, now());
      } catch (e) {
        return { type: 'traffic-failed', at: now(), action: effect.type, region: effect.region, cause: effect.cause, error: message(e) };
      }
    case 'check-regions': {
      const up: Record<string, boolean> = {};
      for (const r of productionRegions(policy)) {
        try {
          up[r.name] = (await ports.health.regionUp?.(r.name)) ?? true;
        } catch {
          up[r.name] = true; // unknown is not an outage: never drain on a failed health read
        }
      }
      return { type: 'regions-health', at: now(), up };
    }
    // Nothing outside this release holds it back: the room is there.
    case 'claim':
      return { type: 'claimed', at: now(), ring: effect.ring };
    case 'request-approval':
    case 'wake':
      return null;
  }
}
