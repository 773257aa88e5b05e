/**
 * @module A real server for browser tests on the simulated fleet: the API with the dashboard
 * mounted, on loopback, over the real Controller, a MemoryStore, a SimulatedClock and one
 * simulated fleet (src/sim) running a scenario with its faults, so that a release fails as it
 * would under `meridian serve --scenario`, in virtual time the test moves. `restart()` stops the
 * HTTP server and the controller and starts new ones on the same port, store and fleet, as a
 * restarted `meridian serve` would (the fleet stands for the world, which does not restart).
 */
import { loopbackDashboard, peopleAuth } from '../../../src/api/dashboard/test-server.test-helper.ts';
import { PEOPLE, type Person } from '../../../src/api/test-server.test-helper.ts';
import { DAY } from '../../../src/policy/duration.ts';
import { loadPolicy } from '../../../src/policy/load.ts';
import { Controller } from '../../../src/runtime/controller.ts';
import { MemoryStore } from '../../../src/runtime/memory-store.ts';
import { SimulatedClock } from '../../../src/runtime/simulated-clock.ts';
import { createFleet } from '../../../src/sim/fleet.ts';
import { loadScenario } from '../../../src/sim/scenario.ts';

export interface SimDashboard {
  url: string;
  controller: Controller;
  clock: SimulatedClock;
  tokens: Record<Person, string>;
  /** Errors the controller met in the background. */
  errors: string[];
  /** Move virtual time on, letting everything due settle. */
  advance(ms: number): Promise<void>;
  /** Start a release of the scenario's version as alice. */
  startRelease(): Promise<string>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimDashboard(policyText: string, scenarioText: string): Promise<SimDashboard> {
  const { policy } = loadPolicy(policyText, 'policy.yaml');
  const { scenario } = loadScenario(scenarioText, 'scenario.yaml', policy);
  const { start, release } = scenario.spec;
  const clock = new SimulatedClock(start);
  const fleet = createFleet(policy, scenario, clock);
  const ports = { delivery: fleet, health: fleet, metrics: fleet, traffic: fleet, hooks: fleet };
  const store = new MemoryStore();
  for (const r of policy.spec.regions) await store.setRegionVersion(policy.spec.service.name, r.name, release.previous, start - DAY);
  const { tokens, auth } = peopleAuth();
  const errors: string[] = [];
  const served = await loopbackDashboard(
    () => new Controller({ policy, policyText, ports, store, clock, onError: (e) => errors.push(String(e)) }),
    auth, clock, () => {},
  );
  const controller = (): Controller => served.controller();

  return {
    url: served.url,
    get controller() { return controller(); },
    clock, tokens, errors,
    advance: (ms) => clock.advance(ms, () => controller().idle()),
    startRelease: async () => (await controller().start({ version: release.version }, { ...PEOPLE.alice, groups: [] })).id,
    async restart() {
      await served.stop();
      await served.start();
    },
    close: served.stop,
  };
}
