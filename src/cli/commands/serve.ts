/**
 * @module `meridian serve`: the controller as a service — durable releases in SQLite or PostgreSQL,
 * the HTTP API with authentication, the dashboard, /healthz and /metrics — on the adapters the
 * policy names (simulated ones by default, with --time-scale to speed them up). On PostgreSQL
 * several replicas may share the database: the one holding the leader lock runs releases; the
 * others serve the API read-only (changing requests get 503 `not-leader` naming the leader), check
 * for the lock every second and take over when the leader's connection ends.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Command } from 'commander';
import { LeaderLock, PostgresStore, redactUrl } from '../../adapters/postgres/index.ts';
import { postgresUrlProblem } from '../../adapters/postgres/url.ts';
import { SqliteStore } from '../../adapters/sqlite/index.ts';
import { createApp } from '../../api/app.ts';
import { tokensFileAuth } from '../../api/auth.ts';
import { answerClientErrors } from '../../api/client-errors.ts';
import { dashboardRoutes } from '../../api/dashboard/index.ts';
import { DEFAULT_TOKENS_FILE } from '../../api/tokens.ts';
import { isFinished } from '../../engine/actions.ts';
import { UsageError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import type { Store } from '../../ports.ts';
import type { Policy } from '../../policy/schema.ts';
import type { ReleaseController } from '../../runtime/controller-types.ts';
import { Controller } from '../../runtime/controller.ts';
import { ReplicaController } from '../../runtime/replica-controller.ts';
import { ScaledClock } from '../../runtime/real-clock.ts';
import { defaultPolicy, wirePorts, type Wiring } from '../../runtime/wiring.ts';
import { loadScenario } from '../../sim/scenario.ts';
import { EXIT } from '../exit-codes.ts';
import { readInput, type Io } from '../io.ts';

export interface ServeOptions {
  policyFile?: string;
  /** A policy given as text (the demo's), instead of a file. */
  policyText?: { text: string; file: string };
  /** Adjust the loaded policy (the demo points its delivery at a local GitOps repository). */
  transformPolicy?: (policy: Policy) => Policy;
  db: string;
  /**
   * A PostgreSQL URL: keep releases there instead of the SQLite file `db`. Replicas sharing it take
   * turns leading. The password in it is never printed.
   */
  postgres?: string;
  /** How often (ms) a replica on PostgreSQL checks that it still leads, or tries to. Default 1000. */
  leaderCheckMs?: number;
  port: number;
  host: string;
  tokensFile: string;
  timeScale: number;
  scenarioFile?: string;
  /** A scenario given as text (the demo's), instead of a file. */
  scenarioText?: { text: string; file: string };
  workDir: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface RunningServer {
  url: string;
  controller: ReleaseController;
  /** Whether this replica runs releases now (always on SQLite; the lock holder's on PostgreSQL). */
  isLeader(): boolean;
  close(): Promise<void>;
}

const LEADER_CHECK_MS = 1000;
/** Methods a replica that is not the leader still answers. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One term as leader: what runs releases until the process ends or the lock is lost. */
interface Term {
  controller: Controller;
  clock: ScaledClock;
  resumed: number;
}

/** Start everything `serve` runs; resolves once the server listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const source = opts.policyFile ? { text: readInput(opts.policyFile), file: opts.policyFile } : opts.policyText;
  const loaded = source ? { ...loadPolicy(source.text, source.file), ...source } : defaultPolicy();
  const policy = opts.transformPolicy ? opts.transformPolicy(loaded.policy) : loaded.policy;
  const scenarioSource = opts.scenarioFile ? { text: readInput(opts.scenarioFile), file: opts.scenarioFile } : opts.scenarioText;
  const scenario = scenarioSource ? loadScenario(scenarioSource.text, scenarioSource.file, policy).scenario : undefined;
  const auth = tokensFileAuth(opts.tokensFile, { log: opts.log });
  const tokens = auth.tokens();
  let store: Store;
  let storeLine: string;
  if (opts.postgres) {
    store = await PostgresStore.open(opts.postgres);
    storeLine = `PostgreSQL at ${redactUrl(opts.postgres)}`;
  } else {
    mkdirSync(dirname(resolve(opts.db)), { recursive: true });
    store = SqliteStore.open(opts.db);
    storeLine = `SQLite at ${opts.db}`;
  }
  const wire = (clock: ScaledClock): Wiring =>
    wirePorts(policy, { clock, workDir: opts.workDir, ...(scenario ? { scenario } : {}), ...(opts.env ? { env: opts.env } : {}), log: opts.log });
  // Scaled time runs ahead of the wall clock: after a restart, or when another replica takes over,
  // it goes on from the last recorded moment, never back.
  const scaledClock = async (): Promise<ScaledClock> => {
    const lastRecorded = Math.max(0, ...(await store.listReleases()).map((r) => r.updatedAt));
    return new ScaledClock({ scale: opts.timeScale, start: Math.max(Date.now(), lastRecorded) });
  };
  let describePorts: string[] = [];

  /** Take over running releases: a clock, the ports, the controller, every unfinished release resumed. */
  const lead = async (): Promise<Term> => {
    const clock = await scaledClock();
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
  let readerParts: { clock: ScaledClock; wiring: Wiring } | null = null;
  const readerClock = (): ScaledClock => {
    if (!readerParts) {
      const clock = new ScaledClock({ scale: opts.timeScale });
      readerParts = { clock, wiring: wire(clock) };
      if (describePorts.length === 0) describePorts = readerParts.wiring.describe;
    }
    return readerParts.clock;
  };
  const reader = (): Controller => {
    const clock = readerClock();
    return new Controller({ policy, policyText: loaded.text, ports: readerParts!.wiring.ports, store, clock });
  };

  const lock = opts.postgres ? new LeaderLock(opts.postgres) : null;
  const notLeader = async (): Promise<string> => {
    let leader: string | null = null;
    try {
      leader = lock ? await lock.leader() : null;
    } catch {
      // Say what is known.
    }
    return `this replica is not the leader; the leader is ${leader ?? 'unknown (no replica holds the leader lock right now)'}`;
  };
  const replica = new ReplicaController({ policy, policyText: loaded.text, reader, notLeader });
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

  const app = createApp(replica, auth, { log: opts.log });
  app.route('/', dashboardRoutes(replica, auth, { now: () => (term ? term.clock : readerClock()).now() }));
  // A replica that does not lead answers every changing request of a signed-in caller with 503.
  const fetchAny = async (req: Request, env?: unknown): Promise<Response> => {
    if (!term && lock && !READS.has(req.method) && auth.authenticate(req.headers.get('authorization') ?? undefined)) {
      return Response.json({ error: { code: 'not-leader', message: await notLeader() } }, { status: 503 });
    }
    return app.fetch(req, env);
  };

  const server: ServerType = await new Promise((ok, fail) => {
    const s = serve({ fetch: fetchAny, port: opts.port, hostname: opts.host }, () => ok(s));
    answerClientErrors(s);
    s.once('close', () => auth.close());
    s.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port}: the port is already in use on ${opts.host}`) : e));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;

  opts.log(`meridian serving ${policy.spec.service.name} at ${url} (dashboard ${url}/, API ${url}/api/v1)`);
  for (const line of describePorts) opts.log(`  ${line}`);
  opts.log(`  store: ${storeLine}${term?.resumed ? `, ${term.resumed} release(s) resumed` : ''}`);
  if (leaderLine) opts.log(`  ${leaderLine}`);
  opts.log(`  tokens: ${tokens.length} in ${opts.tokensFile}${tokens.length === 0 ? ' (create one: meridian token create --user NAME --role operator)' : ''}`);
  if (opts.timeScale !== 1) opts.log(`  time: ${opts.timeScale}x faster than real time (simulated providers only)`);

  let closed = false;
  // On PostgreSQL: the leader checks it still holds the lock (and stops running releases the moment
  // it does not); the others try to take it.
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
      await store.close();
    },
  };
}

function positive(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`${flag} "${value}" must be a number above 0 and at most ${max}`);
  return n;
}

export function registerServe(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('serve')
    .description('run the controller: durable releases, the HTTP API, the dashboard, /metrics')
    .option('--policy <file>', 'the policy in force (default: the embedded three-region default)')
    .option('--db <file>', 'the SQLite database', 'meridian.db')
    .option('--postgres <url>', 'a PostgreSQL database instead (postgresql://USER[:PASSWORD]@HOST:PORT/DB; or PGPASSWORD): replicas sharing it take turns leading')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--host <addr>', 'the address to listen on', '127.0.0.1')
    .option('--tokens <file>', 'the API tokens file (see meridian token create)', DEFAULT_TOKENS_FILE)
    .option('--time-scale <n>', 'run simulated providers N times faster than real time', '1')
    .option('--scenario <file>', 'how the simulated fleet behaves (default: no faults)')
    .option('--work-dir <dir>', 'where GitOps delivery keeps its working clone', '.meridian')
    .action(async (opts: { policy?: string; db: string; postgres?: string; port: string; host: string; tokens: string; timeScale: string; scenario?: string; workDir: string }, cmd: Command) => {
      if (opts.postgres !== undefined && cmd.getOptionValueSource('db') === 'cli') throw new UsageError('--db and --postgres: give one store, not both');
      const urlProblem = opts.postgres === undefined ? null : postgresUrlProblem(opts.postgres);
      if (urlProblem) throw new UsageError(`--postgres: ${urlProblem}`);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${opts.port}" is not a port number`);
      const running = await startServer({
        ...(opts.policy ? { policyFile: opts.policy } : {}),
        ...(opts.scenario ? { scenarioFile: opts.scenario } : {}),
        db: opts.db, ...(opts.postgres !== undefined ? { postgres: opts.postgres } : {}), port, host: opts.host, tokensFile: opts.tokens, workDir: join(opts.workDir),
        timeScale: positive('--time-scale', opts.timeScale, 100_000),
        log: (line) => io.err(`${line}\n`),
      });
      await new Promise<void>((resolveStop) => {
        const stop = (): void => {
          io.err('meridian: shutting down\n');
          void running.close().then(resolveStop);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      done(EXIT.ok);
    });
}
