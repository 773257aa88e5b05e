/**
 * @module A real server for dashboard tests: the API (`createApp`) with the dashboard mounted at
 * the root, on loopback, over the real Controller, a MemoryStore, a SimulatedClock and the fake ports
 * with believable metrics per region (error rate, p99 latency, CPU, memory, QPS) that a test can
 * break. `restart()` stops the HTTP server and the controller and starts new ones on the same port
 * and store, as a restarted `meridian serve` would.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { BASE, T0, fakeWorld, policyOf, type FakeWorld } from '../../engine/fake-ports.test-helper.ts';
import type { MetricQuery } from '../../ports.ts';
import { Controller } from '../../runtime/controller.ts';
import { MemoryStore } from '../../runtime/memory-store.ts';
import { SimulatedClock } from '../../runtime/simulated-clock.ts';
import { createApp } from '../app.ts';
import { createAuth } from '../auth.ts';
import { PEOPLE, type Person } from '../test-server.test-helper.ts';
import { hashToken, newToken, type TokenEntry } from '../tokens.ts';
import { dashboardRoutes } from './index.ts';

export { PEOPLE, type Person };

/** A fault of the new version (v2): its error rate in `region` is `value` in [from, to). */
export interface Fault {
  region: string;
  from: number;
  to?: number;
  value: number;
}

const NORMAL: Record<string, (region: string, at: number) => number> = {
  error_rate: (region, at) => 0.002 + 0.0008 * Math.sin(at / 1_700_000 + region.length),
  p99_latency_ms: (region, at) => 118 + 9 * Math.sin(at / 2_300_000 + region.length),
  cpu: (region) => 0.38 + region.length / 200,
  memory: (region) => 0.61 + region.length / 300,
  qps: (region) => ({ 'ap-south-1': 640, 'eu-west-1': 910, 'us-east-1': 1380 })[region] ?? 40,
};

export interface DashboardServer {
  url: string;
  controller: Controller;
  clock: SimulatedClock;
  world: FakeWorld;
  tokens: Record<Person, string>;
  faults: Fault[];
  logs: string[];
  advance(ms: number): Promise<void>;
  /** Start a release of v2 as alice. */
  startRelease(): Promise<string>;
  restart(opts?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/** A token for each of PEOPLE, and the auth that knows their hashes. */
export function peopleAuth(): { tokens: Record<Person, string>; auth: ReturnType<typeof createAuth> } {
  const tokens = {} as Record<Person, string>;
  const entries: TokenEntry[] = [];
  for (const [name, who] of Object.entries(PEOPLE)) {
    tokens[name as Person] = newToken();
    entries.push({ ...who, groups: [...who.groups], hash: hashToken(tokens[name as Person]) });
  }
  return { tokens, auth: createAuth(entries) };
}

/** The API with the dashboard on loopback over a Controller `make` builds (and recovers) at each start, on the same port each time: a stop and a start are a restarted `meridian serve`. */
export interface LoopbackDashboard {
  url: string;
  controller(): Controller;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function loopbackDashboard(make: () => Controller, auth: ReturnType<typeof createAuth>, clock: SimulatedClock, log: (line: string) => void): Promise<LoopbackDashboard> {
  let controller: Controller;
  let server: Server;
  let port = 0;
  let running = false;
  const start = async (): Promise<void> => {
    controller = make();
    await controller.recover();
    const app = createApp(controller, auth, { processMetrics: false, log });
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
  await start();
  return { url: `http://127.0.0.1:${port}`, controller: () => controller, start, stop };
}

export async function startDashboardServer(): Promise<DashboardServer> {
  const policy = policyOf(BASE);
  const clock = new SimulatedClock(T0);
  const store = new MemoryStore();
  const faults: Fault[] = [];
  const logs: string[] = [];
  const metric = (region: string, at: number, q: MetricQuery): number | null => {
    if (q.metric === 'error_rate' && q.version === 'v2') {
      const fault = faults.find((f) => f.region === region && at >= f.from && (f.to === undefined || at < f.to));
      if (fault) return fault.value;
    }
    return NORMAL[q.metric]?.(region, at) ?? null;
  };
  const world = fakeWorld(policy, clock, { errorRate: metric });
  const { tokens, auth } = peopleAuth();
  for (const region of policy.spec.regions) await store.setRegionVersion(policy.spec.service.name, region.name, 'v1', T0 - 86_400_000);
  const served = await loopbackDashboard(
    () => new Controller({ policy, policyText: BASE, ports: world, store, clock, onError: (e) => logs.push(String(e)) }),
    auth, clock, (l) => logs.push(l),
  );
  const controller = (): Controller => served.controller();

  return {
    url: served.url,
    get controller() { return controller(); },
    clock, world, tokens, faults, logs,
    advance: (ms) => clock.advance(ms, () => controller().idle()),
    startRelease: async () => (await controller().start({ version: 'v2' }, { ...PEOPLE.alice, groups: [] })).id,
    async restart(opts = {}) {
      await served.stop();
      await new Promise((r) => setTimeout(r, opts.downMs ?? 0));
      await served.start();
    },
    close: served.stop,
  };
}
