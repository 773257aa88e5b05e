/**
 * @module The service `meridian serve` runs, composed in one place from options: the store
 * (open-store.ts), the ports the policy names (wiring.ts, simulated by default and scaled in time),
 * the controller, the leader's terms and the HTTP app (API, dashboard, /healthz, /metrics). With a
 * shared store (PostgreSQL) several replicas take turns: the one holding the leader lock runs
 * releases; the others serve reads from the store, refuse changes with NotLeaderError naming the
 * leader, check for the lock every second and take over when the leader's connection ends. The
 * command only parses flags and prints; nothing here parses a flag.
 */
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../api/app.ts';
import { tokensFileAuth } from '../api/auth.ts';
import { answerClientErrors } from '../api/client-errors.ts';
import { dashboardRoutes } from '../api/dashboard/index.ts';
import { isFinished } from '../engine/actions.ts';
import { NotLeaderError, UsageError } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/schema.ts';
import type { Clock, Timers } from '../ports.ts';
import { loadScenario } from '../sim/scenario.ts';
import type { ReleaseController } from './controller-types.ts';
import { Controller } from './controller.ts';
import { leaderLock, openStore, type StoreLocation } from './open-store.ts';
import { RealClock, ScaledClock } from './real-clock.ts';
import { ReplicaController } from './replica-controller.ts';
import { defaultPolicy, wirePorts, type Wiring } from './wiring.ts';

/** A file's text and the name to give it in messages. */
export interface Source {
  text: string;
  file: string;
}

export interface ServiceOptions {
  /** The policy in force, as text; default: the embedded three-region default. */
  policy?: Source;
  /** Adjust the loaded policy (the demo points its delivery at a local GitOps repository). */
  transformPolicy?: (policy: Policy) => Policy;
  /** Where releases are kept. Replicas sharing a PostgreSQL database take turns leading. */
  store: StoreLocation;
  /** How often (ms) a replica on a shared store checks that it still leads, or tries to. Default 1000. */
  leaderCheckMs?: number;
  /** 0: any free port. */
  port: number;
  host: string;
  /** The API tokens file, read again when it changes. */
  tokensFile: string;
  /** Simulated providers run this many times faster than real time. */
  timeScale: number;
  /** How the simulated fleet behaves; default: no faults. */
  scenario?: Source;
  /** Where GitOps delivery keeps its working clone. */
  workDir: string;
  env?: NodeJS.ProcessEnv;
  /** Where the service reports what happens while it runs (takeovers, background errors). */
  log: (line: string) => void;
}

export interface RunningService {
  url: string;
  controller: ReleaseController;
  /** What it serves, one line each, for the command to print: the URL first, then ports, store, leader, tokens, time. */
  describe: string[];
  /** Whether this replica runs releases now (always on a store nothing shares; the lock holder's otherwise). */
  isLeader(): boolean;
  close(): Promise<void>;
}

const LEADER_CHECK_MS = 1000;

/** One term as leader: what runs releases until the process ends or the lock is lost. */
interface Term {
  controller: Controller;
  clock: Clock & Timers;
  resumed: number;
}

/** Start everything the service runs; resolves once it listens. */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const loaded = opts.policy ? { ...loadPolicy(opts.policy.text, opts.policy.file), ...opts.policy } : defaultPolicy();
  const policy = opts.transformPolicy ? opts.transformPolicy(loaded.policy) : loaded.policy;
  const scenario = opts.scenario ? loadScenario(opts.scenario.text, opts.scenario.file, policy).scenario : undefined;
  const auth = tokensFileAuth(opts.tokensFile, { log: opts.log });
  const tokens = auth.tokens();
  const opened = await openStore(opts.store);
  const store = opened.store;
  const wire = (clock: Clock): Wiring =>
    wirePorts(policy, { clock, workDir: opts.workDir, ...(scenario ? { scenario } : {}), ...(opts.env ? { env: opts.env } : {}), log: opts.log });
  /** The wall clock at 1x when `start` is not ahead of it; a clock scaled from `start` otherwise. */
  const clockFrom = (start: number): Clock & Timers =>
    (opts.timeScale === 1 && start <= Date.now() ? new RealClock() : new ScaledClock({ scale: opts.timeScale, start }));
  // Scaled time runs ahead of the wall clock: after a restart, or when another replica takes over,
  // it goes on from the last recorded moment, never back.
  const leaderClock = async (): Promise<Clock & Timers> => {
    const lastRecorded = Math.max(0, ...(await store.listReleases()).map((r) => r.updatedAt));
    return clockFrom(Math.max(Date.now(), lastRecorded));
  };
  let describePorts: string[] = [];

  /** Take over running releases: a clock, the ports, the controller, every unfinished release resumed. */
  const lead = async (): Promise<Term> => {
    const clock = await leaderClock();
    const wiring = wire(clock);
    describePorts = wiring.describe;
    if (wiring.fleet && scenario) {
      // The simulated fleet starts with every region on the scenario's previous version: say so.
      const service = policy.spec.service.name;
      const known = await store.regionVersions(service);
      if (Object.keys(known).length === 0) {
        for (const r of policy.spec.regions) await store.setRegionVersion(service, r.name, scenario.spec.release.previous, clock.now());
      }
    }
    const controller = new Controller({
      policy, policyText: loaded.text, ports: wiring.ports, store, clock,
      onError: (e) => opts.log(`error: ${e instanceof Error ? e.message : String(e)}`),
    });
    if (wiring.fleet) {
      // The simulated fleet lives in memory: before anything resumes, tell it what the recorded
      // releases already deployed.
      for (const view of await controller.list()) {
        if (isFinished(view.phase)) continue;
        for (const [region, version] of Object.entries(view.versions)) if (version === view.version) wiring.fleet.assume(region, version);
      }
    }
    await replica.setLeader(controller);
    try {
      const resumed = await controller.recover();
      return { controller, clock, resumed };
    } catch (e) {
      // Nothing half-led: the next check (holding the lock still) starts the term afresh.
      await replica.setLeader(null);
      await controller.close();
      throw e;
    }
  };

  // What a replica that does not lead reads with: ports and a clock of its own, made when first needed.
  let readerParts: { clock: Clock & Timers; wiring: Wiring } | null = null;
  const readerClock = (): Clock & Timers => {
    if (!readerParts) {
      const clock = clockFrom(Date.now());
      readerParts = { clock, wiring: wire(clock) };
      if (describePorts.length === 0) describePorts = readerParts.wiring.describe;
    }
    return readerParts.clock;
  };
  const reader = (): Controller => {
    const clock = readerClock();
    return new Controller({ policy, policyText: loaded.text, ports: readerParts!.wiring.ports, store, clock });
  };

  const lock = leaderLock(opts.store);
  /** Who leads instead of this replica, as far as the lock says; null when not known. */
  const leaderName = async (): Promise<string | null> => {
    try {
      return lock ? await lock.leader() : null;
    } catch {
      return null;
    }
  };
  const replica = new ReplicaController({ policy, policyText: loaded.text, reader, leader: leaderName });
  let term: Term | null = null;
  let leaderLine: string | null = null;
  if (!lock) {
    term = await lead();
  } else {
    try {
      if (await lock.acquire()) term = await lead();
    } catch (e) {
      opts.log(`leader: ${e instanceof Error ? e.message : String(e)}`);
    }
    leaderLine = term
      ? `leader: this replica (${lock.identity}) holds the leader lock and runs releases`
      : `leader: waiting for the leader lock (the leader is ${(await lock.leader().catch(() => null)) ?? 'not known yet'}); serving the API read-only until then`;
  }
  if (!term) readerClock();

  // Changes are taken only during a term, once its releases have resumed.
  const leadership = {
    assertLeads: async (): Promise<void> => {
      if (!term) throw new NotLeaderError(await leaderName());
    },
  };
  const app = createApp(replica, auth, { log: opts.log, leadership });
  app.route('/', dashboardRoutes(replica, auth, { now: () => (term ? term.clock : readerClock()).now() }));

  let server: ServerType;
  try {
    server = await new Promise((ok, fail) => {
      const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => ok(s));
      answerClientErrors(s);
      s.once('close', () => auth.close());
      s.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port}: the port is already in use on ${opts.host}`) : e));
    });
  } catch (e) {
    await replica.close();
    await term?.controller.close();
    await lock?.release();
    await opened.close();
    auth.close();
    throw e;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;

  const describe = [
    `meridian serving ${policy.spec.service.name} at ${url} (dashboard ${url}/, API ${url}/api/v1)`,
    ...describePorts.map((line) => `  ${line}`),
    `  store: ${opened.description}${term?.resumed ? `, ${term.resumed} release(s) resumed` : ''}`,
    ...(leaderLine ? [`  ${leaderLine}`] : []),
    `  tokens: ${tokens.length} in ${opts.tokensFile}${tokens.length === 0 ? ' (create one: meridian token create --user NAME --role operator)' : ''}`,
    ...(opts.timeScale !== 1 ? [`  time: ${opts.timeScale}x faster than real time (simulated providers only)`] : []),
  ];

  let closed = false;
  // On a shared store: the leader checks it still holds the lock (and stops running releases the
  // moment it does not); the others try to take it.
  let checking: Promise<void> | null = null;
  const check = (): Promise<void> => {
    if (!lock || closed) return Promise.resolve();
    checking ??= (async () => {
      try {
        if (term) {
          if (!(await lock.holdsLock())) {
            const ended = term;
            term = null;
            await replica.setLeader(null);
            opts.log('leader: this replica lost the leader lock; it stopped running releases and serves the API read-only');
            await ended.controller.close();
          }
        } else if (await lock.acquire()) {
          if (closed) return;
          term = await lead();
          opts.log(`leader: this replica (${lock.identity}) took the leader lock and runs releases${term.resumed ? `; ${term.resumed} release(s) resumed` : ''}`);
        }
      } catch (e) {
        opts.log(`leader: ${e instanceof Error ? e.message : String(e)}`);
      }
    })().finally(() => {
      checking = null;
    });
    return checking;
  };
  const timer = lock ? setInterval(() => void check(), opts.leaderCheckMs ?? LEADER_CHECK_MS) : null;
  lock?.onLost(() => void check());

  return {
    url,
    controller: replica,
    describe,
    isLeader: () => term !== null,
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await checking;
      await replica.close();
      if (term) await term.controller.close();
      term = null;
      // Only once nothing runs any more may another replica lead.
      await lock?.release();
      await opened.close();
    },
  };
}
