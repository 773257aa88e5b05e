/**
 * @module Runs every release of a FleetScenario at once on one simulated fleet in virtual time,
 * through the code `meridian serve` runs: one Controller over the whole configuration, a
 * MemoryStore and a SimulatedClock. So the fleet's `concurrency.perRegion`, the order held releases
 * go in, and freezes a person starts and ends (stop the line) act exactly as they do in
 * production. Each service gets a simulated fleet of its own (createFleet, as a single simulation
 * builds it) with the scenario's baseline, its release's faults and a seed of its own; releases
 * start at their times, approvals come `after` their request, freezes start and end at theirs.
 * Nothing runs per virtual minute but what the engine asks for: time jumps from one timer to the
 * next. A run is a pure function of (configuration, scenario, seed): the same inputs give the same
 * report, byte for byte.
 */
import { isFinished } from '../engine/actions.ts';
import { decide } from '../engine/decide.ts';
import type { EngineInput, ReleaseState } from '../engine/types.ts';
import { AdapterError, MeridianError, UsageError } from '../errors.ts';
import type { FleetConfig, ServicePolicy } from '../policy/fleet-config.ts';
import { createFleet, type Fleet } from '../sim/fleet.ts';
import { seedFor, serviceScenario, type FleetScenario, type FleetScenarioRelease } from '../sim/fleet-scenario.ts';
import type { Actor, LiveEvent } from './controller-types.ts';
import { Controller } from './controller.ts';
import type { RuntimePorts } from './effects.ts';
import { MemoryStore } from './memory-store.ts';
import { snapshotFromStore } from './release-snapshot.ts';
import { simulationReport, type SimulationReport } from './report.ts';
import { SimulatedClock } from './simulated-clock.ts';

/** One release of the run: what `simulate --json` prints for a single release, and which it was. */
export interface FleetReleaseReport extends SimulationReport {
  service: string;
  /** The simulation's name for the release: `sim-SCENARIO-SERVICE` (the same in every run). */
  id: string;
  version: string;
  previousVersion: string;
}

export interface FleetSimulation {
  /** In the scenario's order. */
  releases: FleetReleaseReport[];
  /** Engine inputs (decisions) recorded per release, in the same order: what the run cost. */
  inputs: number[];
  /** When the run stopped: every release settled (completed, rolled back, halted), or the horizon. */
  endedAt: number;
  horizonAt: number;
}

export interface FleetSimulationOptions {
  /** Replace the scenario's seed (each service's own seed is drawn from it). */
  seed?: number;
}

/** Who starts and ends the scenario's freezes. */
const SCENARIO_ACTOR: Actor = { user: 'scenario', groups: [], role: 'admin' };

/** Nothing more happens to a release in virtual time without a person: finished, or halted. */
const settled = (phase: string): boolean => isFinished(phase) || phase === 'halted';

/** The ports of a service the scenario does not release: never called, since nothing deploys it. */
function idlePorts(service: string): RuntimePorts {
  const none = (): never => {
    throw new AdapterError(`service ${service} has no release in this scenario, so it has no simulated fleet`, { retryable: false });
  };
  return {
    delivery: { deploy: none, rollback: none },
    health: { status: none },
    metrics: { value: none, series: none },
    traffic: { weights: none, setWeights: none },
    hooks: { run: none },
  };
}

interface Running {
  release: FleetScenarioRelease;
  service: ServicePolicy;
  fleet: Fleet;
  /** The controller's id, once started. */
  id: string | null;
}

/** The release's state, rebuilt from its latest snapshot and the inputs after it (as the controller loads a release). */
async function stateOf(store: MemoryStore, service: ServicePolicy, id: string): Promise<ReleaseState> {
  const snapshot = await store.latestSnapshot(id);
  let state = snapshot ? snapshotFromStore(snapshot.state).state : null;
  for (const { input } of await store.inputs(id, snapshot?.seq ?? 0)) state = decide(state, input as EngineInput, service.policy).state;
  return state!;
}

/** The store as the run sees it, counting what each release recorded: its inputs, and the evaluations in its gate rounds. */
function counting(store: MemoryStore): { store: MemoryStore; inputs: Map<string, number>; evaluations: Map<string, number> } {
  const inputs = new Map<string, number>();
  const evaluations = new Map<string, number>();
  const append = store.appendInput.bind(store);
  store.appendInput = async (id, seq, input, phase, at) => {
    await append(id, seq, input, phase, at);
    inputs.set(id, (inputs.get(id) ?? 0) + 1);
    const i = input as EngineInput;
    if (i.type === 'gates') evaluations.set(id, (evaluations.get(id) ?? 0) + i.evaluations.length);
  };
  return { store, inputs, evaluations };
}

export async function runFleetSimulation(config: FleetConfig, scenario: FleetScenario, opts: FleetSimulationOptions = {}): Promise<FleetSimulation> {
  const spec = scenario.spec;
  const seed = opts.seed ?? spec.seed;
  const horizonAt = spec.start + spec.horizon;
  const clock = new SimulatedClock(spec.start);
  // Inputs kept as given and compacted behind snapshots: the run rebuilds no release but from its snapshot.
  const counted = counting(new MemoryStore({ inputs: 'as-given', compact: true }));
  const store = counted.store;
  const services = new Map(config.services.map((s) => [s.service, s]));

  const runs: Running[] = spec.releases.map((release) => {
    const service = services.get(release.service);
    if (!service) throw new UsageError(`service "${release.service}" is not in the configuration`);
    const own = seedFor(seed, release.service);
    return { release, service, fleet: createFleet(service.policy, serviceScenario(scenario, release, own), clock, { seed: own }), id: null };
  });
  const byService = new Map(runs.map((r) => [r.release.service, r]));
  const byId = new Map<string, Running>();

  /** Errors the controller met in the background, and errors of the scenario's own actions: bugs, reported after the run. */
  const errors: unknown[] = [];
  const controller = new Controller({
    config, store, clock,
    portsFor: (s) => {
      const run = byService.get(s.service);
      if (!run) return idlePorts(s.service);
      const f = run.fleet;
      return { delivery: f, health: f, metrics: f, traffic: f, hooks: f };
    },
    onError: (e) => errors.push(e),
  });

  /** The scenario's actions under way (starts, approvals, freezes): the run settles them before time moves on. */
  const pending: Array<Promise<void>> = [];
  const act = (at: number, action: () => Promise<void>): void => {
    clock.at(at, () => {
      pending.push(action().catch((e: unknown) => { errors.push(e); }));
    });
  };
  const settle = async (): Promise<void> => {
    for (;;) {
      while (pending.length > 0) await Promise.all(pending.splice(0));
      await controller.idle();
      if (pending.length === 0) return;
    }
  };

  // Every region of a released service starts on its previous version, as `serve` seeds a simulated fleet.
  for (const r of runs) {
    for (const region of r.service.policy.spec.regions) await store.setRegionVersion(r.release.service, region.name, r.release.previous, spec.start);
  }

  let started = 0;
  /** Releases with an event since their phase was last read. */
  const dirty = new Set<string>();
  const open = new Set<string>();
  const unsubscribe = controller.subscribe('*', ({ releaseId, event }: LiveEvent) => {
    dirty.add(releaseId);
    if (event.type !== 'approval.requested' || !event.ring) return;
    const run = byId.get(releaseId);
    if (!run) return;
    const ring = event.ring;
    for (const a of run.fleet.approvalsFor(ring)) {
      const approver: Actor = { user: a.by, groups: a.groups, role: 'operator' };
      act(clock.now() + a.after, async () => {
        try {
          await controller.approve(releaseId, ring, approver);
        } catch (e) {
          // Refused (not an approver, or the ring moved on): the engine recorded what it means.
          if (!(e instanceof MeridianError) || e instanceof AdapterError) throw e;
        }
      });
    }
  });

  // Freezes first: one that starts when a release does holds it from its first ring.
  spec.freezes.forEach((f) => {
    let id: string | null = null;
    act(f.at, async () => {
      id = (await controller.startFreeze({ reason: f.reason, regions: f.regions, services: f.services }, SCENARIO_ACTOR)).id;
    });
    if (f.until !== null) act(f.until, async () => {
      if (id !== null) await controller.endFreeze(id, SCENARIO_ACTOR);
    });
  });

  for (const run of runs) {
    const r = run.release;
    act(r.at, async () => {
      const { id } = await controller.start(
        { service: r.service, version: r.version, changes: r.changes, schemaPhase: r.schemaPhase, ...(r.revision ? { revision: r.revision } : {}), ...(r.image ? { image: r.image } : {}) },
        { user: 'scenario', groups: [], role: 'operator' },
      );
      run.id = id;
      byId.set(id, run);
      open.add(id);
      dirty.add(id);
      started++;
    });
  }

  /** Read the phase of releases that changed; the run is over once every release started and settled. */
  const over = async (): Promise<boolean> => {
    for (const id of dirty) {
      const rec = await store.getRelease(id);
      if (rec && settled(rec.phase)) open.delete(id);
    }
    dirty.clear();
    return started === runs.length && open.size === 0;
  };

  try {
    await settle();
    while (!(await over()) && errors.length === 0) {
      const next = clock.nextAt();
      if (next === undefined || next > horizonAt) break;
      clock.runNext();
      await settle();
    }
  } finally {
    unsubscribe();
    await controller.close();
  }
  if (errors.length > 0) throw errors[0];
  const endedAt = clock.now();

  const releases: FleetReleaseReport[] = [];
  const inputs: number[] = [];
  for (const run of runs) {
    const state = await stateOf(store, run.service, run.id!);
    const evaluations = counted.evaluations.get(run.id!) ?? 0;
    // The start is recorded with the release, not appended.
    inputs.push((counted.inputs.get(run.id!) ?? 0) + 1);
    const accounting = run.fleet.accounting(horizonAt);
    const finalVersions: Record<string, string> = {};
    for (const r of run.service.policy.spec.regions) finalVersions[r.name] = run.fleet.versionOf(r.name);
    const report = simulationReport({ state, endedAt, horizonAt, faultOnset: accounting.faultOnset, userMinutes: accounting.userMinutes, finalVersions, evaluations, metrics: run.fleet });
    releases.push({ service: run.release.service, id: `sim-${scenario.name}-${run.release.service}`, version: run.release.version, previousVersion: run.release.previous, ...report });
  }
  await store.close();
  return { releases, inputs, endedAt, horizonAt };
}
