/**
 * @module A real server for browser tests on the simulated fleet: the API with the dashboard
 * mounted, on loopback, over the real Controller, a MemoryStore, a SimulatedClock and one
 * simulated fleet (src/sim) running a scenario with its faults, so that a release fails as it
 * would under `meridian serve --scenario`, in virtual time the test moves. `restart()` stops the
 * HTTP server and the controller and starts new ones on the same port, store and fleet, as a
 * restarted `meridian serve` would (the fleet stands for the world, which does not restart).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../../src/api/app.ts';
import { createAuth } from '../../../src/api/auth.ts';
import { dashboardRoutes } from '../../../src/api/dashboard/index.ts';
import { PEOPLE, type Person } from '../../../src/api/test-server.test-helper.ts';
import { hashToken, newToken, type TokenEntry } from '../../../src/api/tokens.ts';
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
  const tokens = {} as Record<Person, string>;
  const entries: TokenEntry[] = [];
  for (const [name, who] of Object.entries(PEOPLE)) {
    tokens[name as Person] = newToken();
    entries.push({ ...who, groups: [...who.groups], hash: hashToken(tokens[name as Person]) });
  }
  const auth = createAuth(entries);
  const errors: string[] = [];

  let controller: Controller;
  let server: Server;
  let port = 0;
  let running = false;
  const listen = async (): Promise<void> => {
    controller = new Controller({ policy, policyText, ports, store, clock, onError: (e) => errors.push(String(e)) });
    await controller.recover();
    const app = createApp(controller, auth, { processMetrics: false, log: () => {} });
    app.route('/', dashboardRoutes(controller, auth, { now: () => clock.now() }));
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    port = (server.address() as AddressInfo).port;
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    await controller.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    get controller() { return controller; },
    clock, tokens, errors,
    advance: (ms) => clock.advance(ms, () => controller.idle()),
    startRelease: async () => (await controller.start({ version: release.version }, { ...PEOPLE.alice, groups: [] })).id,
    async restart() {
      await stop();
      await listen();
    },
    close: stop,
  };
}
