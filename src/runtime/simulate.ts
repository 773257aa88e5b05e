/**
 * @module Runs one release of a policy against the simulated fleet in virtual time: the same engine
 * and effect code as production, with the clock, metrics, health, delivery and traffic simulated.
 * A run is a pure function of (policy, scenario, seed).
 */
import type { EngineInput, ReleaseState } from '../engine/types.ts';
import type { Policy } from '../policy/schema.ts';
import type { Metrics } from '../ports.ts';
import { createFleet, type Fleet } from '../sim/fleet.ts';
import type { RuntimePorts } from './effects.ts';
import type { Scenario } from '../sim/scenario.ts';
import { SimulatedClock } from './simulated-clock.ts';
import { runInVirtualTime, type VirtualRunPorts } from './virtual-run.ts';

export interface SimulationRun {
  state: ReleaseState;
  /** When the run stopped: completion, rollback, halt, or the horizon. */
  endedAt: number;
  horizonAt: number;
  faultOnset: number | null;
  userMinutes: number;
  finalVersions: Record<string, string>;
  /** Evaluations performed, for reports and charts. */
  evaluations: number;
  /** The fleet's metrics, to read any window of the run afterwards. */
  metrics: Metrics;
}

export interface SimulationOptions {
  seed?: number;
  /** Called after every engine decision (progress display). */
  onProgress?: (state: ReleaseState, now: number) => void;
  /** Replace some of the fleet's ports (e.g. real GitOps delivery over the simulated fleet). */
  ports?: (fleet: Fleet) => Partial<RuntimePorts>;
  /** Every engine input of the run is appended here, in order (calibration reads the gate rounds). */
  record?: EngineInput[];
}

export async function runSimulation(policy: Policy, scenario: Scenario, opts: SimulationOptions = {}): Promise<SimulationRun> {
  const spec = scenario.spec;
  const seed = opts.seed ?? spec.seed;
  const horizonAt = spec.start + spec.horizon;
  const clock = new SimulatedClock(spec.start);
  const fleet = createFleet(policy, scenario, clock, { seed });
  const ports: VirtualRunPorts = {
    delivery: fleet, health: fleet, metrics: fleet, traffic: fleet, hooks: fleet,
    ...opts.ports?.(fleet),
    approvalsFor: (ring) => fleet.approvalsFor(ring),
  };
  const start: Extract<EngineInput, { type: 'start' }> = {
    type: 'start',
    at: spec.start,
    release: {
      id: `sim-${scenario.metadata.name}-${seed}`,
      service: policy.spec.service.name,
      version: spec.release.version,
      previousVersion: spec.release.previous,
      changes: spec.release.changes,
      schemaPhase: spec.release.schemaPhase,
    },
    versions: {},
  };
  const { state, evaluations } = await runInVirtualTime(policy, start, ports, clock, horizonAt, {
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.record ? { record: opts.record } : {}),
  });
  const finalState = state;
  const endedAt = clock.now();
  const accounting = fleet.accounting(horizonAt);
  const finalVersions: Record<string, string> = {};
  for (const r of policy.spec.regions) finalVersions[r.name] = fleet.versionOf(r.name);
  return { state: finalState, endedAt, horizonAt, faultOnset: accounting.faultOnset, userMinutes: accounting.userMinutes, finalVersions, evaluations, metrics: fleet };
}
