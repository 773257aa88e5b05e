/**
 * @module A real Meridian HTTP server on loopback for tests: the real Controller over a MemoryStore,
 * a SimulatedClock and the fake ports, the small test policy BASE (ring-3 needs approval by alice or
 * group:release-team), and one token per kind of caller.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { BASE, T0, fakeWorld, policyOf, type FakeWorld } from '../engine/fake-ports.test-helper.ts';
import { Controller } from '../runtime/controller.ts';
import { MemoryStore } from '../runtime/memory-store.ts';
import { SimulatedClock } from '../runtime/simulated-clock.ts';
import { createApp, type AppOptions } from './app.ts';
import { createAuth } from './auth.ts';
import { hashToken, newToken, type TokenEntry } from './tokens.ts';

/** Who the tokens belong to. */
export const PEOPLE = {
  /** A listed approver of ring-3, and an operator. */
  alice: { user: 'alice', groups: [], role: 'operator' },
  /** A member of release-team (approvers of ring-3), and an operator. */
  dana: { user: 'dana', groups: ['release-team'], role: 'operator' },
  /** Read-only. */
  victor: { user: 'victor', groups: ['sre'], role: 'viewer' },
  /** An admin who is not an approver of anything. */
  root: { user: 'root', groups: ['ops'], role: 'admin' },
} as const satisfies Record<string, Omit<TokenEntry, 'hash'>>;

export type Person = keyof typeof PEOPLE;

export interface TestServer {
  url: string;
  controller: Controller;
  store: MemoryStore;
  clock: SimulatedClock;
  world: FakeWorld;
  tokens: Record<Person, string>;
  /** Lines the server logged. */
  logs: string[];
  /** Move the clock and let the controller finish what the timers started. */
  advance(ms: number): Promise<void>;
  /** fetch `path` on the server as `who` (no token when undefined). */
  call(path: string, init?: { method?: string; body?: unknown; as?: Person | undefined; raw?: string; token?: string }): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestServer(opts: AppOptions = {}): Promise<TestServer> {
  const policy = policyOf(BASE);
  const clock = new SimulatedClock(T0);
  const world = fakeWorld(policy, new SimulatedClock(T0));
  const logs: string[] = [];
  const store = new MemoryStore();
  const controller = new Controller({ policy, policyText: BASE, ports: world, store, clock, onError: (e) => logs.push(String(e)) });
  const tokens = {} as Record<Person, string>;
  const entries: TokenEntry[] = [];
  for (const [name, who] of Object.entries(PEOPLE)) {
    const token = newToken();
    tokens[name as Person] = token;
    entries.push({ ...who, groups: [...who.groups], hash: hashToken(token) });
  }
  const app = createApp(controller, createAuth(entries), { processMetrics: false, log: (l) => logs.push(l), ...opts });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, controller, store, clock, world, tokens, logs,
    advance: (ms) => clock.advance(ms, () => controller.idle()),
    async call(path, init = {}) {
      const headers: Record<string, string> = {};
      const token = init.token ?? (init.as ? tokens[init.as] : undefined);
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const method = init.method ?? 'GET';
      const sendsBody = method !== 'GET' && method !== 'HEAD' && (init.body !== undefined || init.raw !== undefined);
      if (sendsBody) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, {
        method, headers,
        ...(!sendsBody ? {} : init.raw !== undefined ? { body: init.raw } : { body: JSON.stringify(init.body) }),
      });
      const text = await res.text();
      let body: unknown = null;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, body, text, headers: res.headers };
    },
    async close() {
      await controller.close();
      const s = server as import('node:http').Server;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
