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
import { clockRoutes } from '../api/clock.ts';
import { tokensFileAuth, withSessions } from '../api/auth.ts';
import { discover, startSignIn, type OidcSetup } from '../api/oidc/index.ts';
import { answerClientErrors } from '../api/client-errors.ts';
import { dashboardRoutes } from '../api/dashboard/index.ts';
import { join } from 'node:path';
import { ConflictError, NotLeaderError, UsageError } from '../errors.ts';
import type { FleetConfig, ServicePolicy } from '../policy/fleet-config.ts';
import { loadPolicy } from '../policy/load.ts';
import { listSome } from '../policy/source.ts';
import type { Policy } from '../policy/schema.ts';
import type { Clock, Timers } from '../ports.ts';
import { loadScenario, type Scenario } from '../sim/scenario.ts';
import type { Actor, ReleaseController } from './controller-types.ts';
import type { RuntimePorts } from './effects.ts';
import { Controller } from './controller.ts';
import { leaderLock, openStore, type StoreLocation } from './open-store.ts';
import { RealClock, ScaledClock } from './real-clock.ts';
import { clockStart, newestRecorded } from './service-clock.ts';
import { ReplicaController } from './replica-controller.ts';
import { NotificationSenders } from '../adapters/notify/index.ts';
import { Notifier } from './notifier.ts';
import { sinkVariables } from './notifier-env.ts';
import { sinkLabel } from '../policy/notifications.ts';
import { defaultPolicy, wirePorts, type Wiring } from './wiring.ts';

/** A file's text and the name to give it in messages. */
export interface Source {
  text: string;
  file: string;
}

export interface ServiceOptions {
  /** The policy in force, as text; default: the embedded three-region default. */
  policy?: Source;
  /**
   * Every service of a configuration directory (`serve --config DIR`), read afresh on each call:
   * at start and on every reload. Throws PolicyError (every problem) or UsageError.
   */
  config?: () => FleetConfig;
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
  /** The base of the dashboard links that notifications carry (serve --public-url); default the URL served. */
  publicUrl?: string;
  /** The clock notification retries wait on; default the wall clock, whatever the time scale (receivers are real). */
  notifierClock?: Clock & Timers;
  /** Dashboard sign-in through an OpenID Connect provider (serve --oidc-issuer ...); absent: tokens only. */
  oidc?: OidcSetup;
  /** The wall clock dashboard sessions expire by (tests); default Date.now. */
  sessionClock?: () => number;
}

export interface RunningService {
  url: string;
  controller: ReleaseController;
  /**
   * Read the configuration again and put it in force, all or nothing: on any error the old one
   * stays and the error (PolicyError with every problem) is thrown. ConflictError when the server
   * runs the embedded default (nothing to read again). A replica that does not lead takes it for
   * what it serves and for when it leads; only the leader writes the reload to the audit log.
   */
  reload(actor: Actor): Promise<{ services: string[] }>;
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
  /** The ports of each service, as wired for this term. */
  wirings: Map<string, Wiring>;
}

/** One line per port for one service; for several, which implementation serves each port of how many. */
function describeWirings(config: FleetConfig, wirings: Map<string, Wiring>): string[] {
  if (config.services.length === 1) return wirings.get(config.services[0]!.service)?.describe ?? [];
  const counts = new Map<string, number>();
  for (const w of wirings.values()) for (const line of w.describe) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [`services: ${listSome(config.services.map((s) => s.service), { max: 10 })}`, ...[...counts].map(([line, n]) => `${line} (${n} of ${wirings.size} services)`)];
}

/** What the service says about notifications when it starts: how many sinks, and where their links point. */
function notificationLines(config: FleetConfig, publicUrl: string): string[] {
  const sinks = new Set(config.services.flatMap((s) => s.policy.spec.notifications.map(sinkLabel)));
  return sinks.size === 0 ? [] : [`  notifications: ${sinks.size} sink(s); release links under ${publicUrl.replace(/\/+$/, '')}/releases/`];
}

/** Start everything the service runs; resolves once it listens. */
/** The configuration the options name: a directory's, one policy file's, or the embedded default. */
function readServices(opts: ServiceOptions): FleetConfig {
  const raw = ((): FleetConfig => {
    if (opts.config) return opts.config();
    const loaded = opts.policy ? { ...loadPolicy(opts.policy.text, opts.policy.file), ...opts.policy } : defaultPolicy();
    return { services: [{ service: loaded.policy.spec.service.name, policy: loaded.policy, text: loaded.text, file: loaded.file, fleet: null }], fleets: [] };
  })();
  const transform = opts.transformPolicy;
  return transform ? { ...raw, services: raw.services.map((s) => ({ ...s, policy: transform(s.policy) })) } : raw;
}

/** Start everything the service runs; resolves once it listens. */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  let config = readServices(opts);
  const scenarios = new Map<string, Scenario>();
  const scenarioFor = (s: ServicePolicy): Scenario | undefined => {
    if (!opts.scenario) return undefined;
    const known = scenarios.get(s.service);
    if (known) return known;
    const scenario = loadScenario(opts.scenario.text, opts.scenario.file, s.policy).scenario;
    scenarios.set(s.service, scenario);
    return scenario;
  };
  for (const s of config.services) scenarioFor(s);
  const auth = withSessions(tokensFileAuth(opts.tokensFile, { log: opts.log }));
  // A wrong issuer or client stops the start here, before the store is opened.
  const provider = opts.oidc ? await discover(opts.oidc).catch((e: unknown) => {
    auth.close();
    throw e;
  }) : null;
  const tokens = auth.tokens();
  const opened = await openStore(opts.store);
  const store = opened.store;
  // A store served in scaled time holds virtual times: refused at 1x, said on start otherwise (service-clock.ts).
  let clockNotice: string | null;
  try {
    clockNotice = clockStart({ timeScale: opts.timeScale, wallNow: Date.now(), newest: await newestRecorded(store), store: opts.store }).notice;
  } catch (e) {
    await opened.close();
    auth.close();
    throw e;
  }
  // Notifications of every release this replica runs (notifier.ts): delivered once the server listens.
  const env = opts.env ?? process.env;
  const notifier = new Notifier({
    clock: opts.notifierClock ?? new RealClock(),
    sender: new NotificationSenders({ env, secretVariables: () => sinkVariables(config) }),
    sinksOf: (name) => config.services.find((s) => s.service === name)?.policy.spec.notifications ?? [],
    hasSinks: () => config.services.some((s) => s.policy.spec.notifications.length > 0),
    release: async (id) => {
      const view = await replica.get(id);
      return { service: view.service, version: view.version };
    },
    log: opts.log,
  });
  /** Each service its own ports; a service of a fleet keeps its GitOps clone in a folder of its own. */
  const wire = (clock: Clock, s: ServicePolicy): Wiring => {
    const scenario = scenarioFor(s);
    const workDir = s.fleet === null ? opts.workDir : join(opts.workDir, 'services', s.service);
    return wirePorts(s.policy, { clock, workDir, ...(scenario ? { scenario } : {}), ...(opts.env ? { env: opts.env } : {}), log: opts.log });
  };
  /** The wall clock at 1x when `start` is not ahead of it; a clock scaled from `start` otherwise. */
  const clockFrom = (start: number): Clock & Timers =>
    (opts.timeScale === 1 && start <= Date.now() ? new RealClock() : new ScaledClock({ scale: opts.timeScale, start }));
  // Scaled time runs ahead of the wall clock: after a restart, or when another replica takes over,
  // it goes on from the last recorded moment, never back.
  const leaderClock = async (): Promise<Clock & Timers> => {
    const lastRecorded = (await newestRecorded(store)) ?? 0;
    return clockFrom(Math.max(Date.now(), lastRecorded));
  };
  let describePorts: string[] = [];

  /** The simulated fleet of a new service starts with every region on the scenario's previous version: say so. */
  const seedVersions = async (s: ServicePolicy, wiring: Wiring, now: number): Promise<void> => {
    const scenario = scenarioFor(s);
    if (!wiring.fleet || !scenario) return;
    const known = await store.regionVersions(s.service);
    if (Object.keys(known).length > 0) return;
    for (const r of s.policy.spec.regions) await store.setRegionVersion(s.service, r.name, scenario.spec.release.previous, now);
  };

  /** Take over running releases: a clock, the ports, the controller, every unfinished release resumed. */
  const lead = async (): Promise<Term> => {
    const clock = await leaderClock();
    const wirings = new Map<string, Wiring>();
    const portsFor = (s: ServicePolicy) => {
      const wiring = wire(clock, s);
      wirings.set(s.service, wiring);
      return wiring.ports;
    };
    const controller = new Controller({ config, portsFor, store, clock, onError: (e) => opts.log(`error: ${e instanceof Error ? e.message : String(e)}`) });
    controller.subscribe('*', notifier.accept);
    describePorts = describeWirings(config, wirings);
    for (const s of config.services) await seedVersions(s, wirings.get(s.service)!, clock.now());
    // The simulated fleets live in memory: before anything resumes, tell them what the recorded
    // releases already deployed.
    for (const rec of await store.activeReleases()) {
      const fleet = wirings.get(rec.service)?.fleet;
      if (!fleet) continue;
      const view = await controller.get(rec.id).catch(() => null);
      if (!view) continue;
      for (const [region, version] of Object.entries(view.versions)) if (version === view.version) fleet.assume(region, version);
    }
    await replica.setLeader(controller);
    try {
      const resumed = await controller.recover();
      return { controller, clock, resumed, wirings };
    } catch (e) {
      // Nothing half-led: the next check (holding the lock still) starts the term afresh.
      await replica.setLeader(null);
      await controller.close();
      throw e;
    }
  };

  // What a replica that does not lead reads with: ports and a clock of its own, made when first needed.
  let readerParts: { clock: Clock & Timers; ports: Map<string, RuntimePorts> } | null = null;
  const readerClock = (): Clock & Timers => {
    if (!readerParts) readerParts = { clock: clockFrom(Date.now()), ports: new Map() };
    return readerParts.clock;
  };
  const reader = (): Controller => {
    const clock = readerClock();
    const parts = readerParts!;
    const portsFor = (s: ServicePolicy): RuntimePorts => {
      let ports = parts.ports.get(s.service);
      if (!ports) {
        const wiring = wire(clock, s);
        ports = wiring.ports;
        parts.ports.set(s.service, ports);
        if (describePorts.length === 0) describePorts = wiring.describe;
      }
      return ports;
    };
    return new Controller({ config, portsFor, store, clock });
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
  const replica = new ReplicaController({ reader, leader: leaderName });
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
  if (!term) reader();

  // Changes are taken only during a term, once its releases have resumed.
  const leadership = {
    assertLeads: async (): Promise<void> => {
      if (!term) throw new NotLeaderError(await leaderName());
    },
  };
  // Defined below, once everything it reloads exists.
  let reload: RunningService['reload'] = () => Promise.reject(new ConflictError('the server is still starting'));
  const signIn = provider && opts.oidc ? startSignIn(provider, opts.oidc, {
    store, publicUrl: () => opts.publicUrl ?? url, log: opts.log, ...(opts.sessionClock ? { now: opts.sessionClock } : {}),
    audit: async (entry) => {
      await store.appendAudit({ at: (term ? term.clock : readerClock()).now(), outcome: 'ok', ...entry });
    },
  }) : null;
  const app = createApp(replica, auth, { log: opts.log, leadership, reload: (actor) => reload(actor), notifications: (id, query) => notifier.page(id, query), ...(signIn ? { signIn: signIn.signIn } : {}) });
  app.route('/', dashboardRoutes(replica, auth, { now: () => (term ? term.clock : readerClock()).now(), timeScale: opts.timeScale, notifications: (id) => notifier.entries(id) }));
  app.route('/api/v1', clockRoutes(auth, { now: () => (term ? term.clock : readerClock()).now(), timeScale: opts.timeScale }));

  let server: ServerType;
  try {
    server = await new Promise((ok, fail) => {
      const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => ok(s));
      answerClientErrors(s);
      s.once('close', () => auth.close());
      s.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port}: the port is already in use on ${opts.host}`) : e));
    });
  } catch (e) {
    signIn?.close();
    notifier.close();
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
  notifier.start(opts.publicUrl ?? url);

  const describe = [
    `meridian serving ${config.services.length === 1 ? config.services[0]!.service : `${config.services.length} services`} at ${url} (dashboard ${url}/, API ${url}/api/v1)`,
    ...describePorts.map((line) => `  ${line}`),
    `  store: ${opened.description}${term?.resumed ? `, ${term.resumed} release(s) resumed` : ''}`,
    ...(leaderLine ? [`  ${leaderLine}`] : []),
    `  tokens: ${tokens.length} in ${opts.tokensFile}${tokens.length === 0 ? ' (create one: meridian token create --user NAME --role operator)' : ''}`,
    ...(signIn ? [`  ${signIn.describe()}`] : []),
    ...notificationLines(config, opts.publicUrl ?? url),
    ...(clockNotice ? [`  ${clockNotice}`] : []),
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

  /** All or nothing: a configuration with any error leaves the one in force. */
  reload = async (actor: Actor): Promise<{ services: string[] }> => {
    if (!opts.config && !opts.policy) throw new ConflictError('this server runs the embedded default policy: there is nothing to read again (serve --config DIR or --policy FILE)');
    const next = readServices(opts);
    scenarios.clear();
    for (const s of next.services) scenarioFor(s);
    config = next;
    if (term) {
      const current = term;
      await current.controller.reload(next, actor);
      for (const s of next.services) {
        const wiring = current.wirings.get(s.service);
        if (wiring) await seedVersions(s, wiring, current.clock.now());
      }
    }
    if (readerParts) readerParts.ports.clear();
    return { services: next.services.map((s) => s.service) };
  };

  return {
    url,
    controller: replica,
    reload: (actor) => reload(actor),
    describe,
    isLeader: () => term !== null,
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      signIn?.close();
      notifier.close();
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
