/**
 * @module `meridian serve`: the controller as a service — durable releases in SQLite, the HTTP API
 * with authentication, the dashboard, /healthz and /metrics — on the adapters the policy names
 * (simulated ones by default, with --time-scale to speed them up).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Command } from 'commander';
import { SqliteStore } from '../../adapters/sqlite/index.ts';
import { createApp } from '../../api/app.ts';
import { createAuth } from '../../api/auth.ts';
import { dashboardRoutes } from '../../api/dashboard/index.ts';
import { DEFAULT_TOKENS_FILE, readTokensFile } from '../../api/tokens.ts';
import { UsageError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import type { Store } from '../../ports.ts';
import type { Policy } from '../../policy/schema.ts';
import { Controller } from '../../runtime/controller.ts';
import { ScaledClock } from '../../runtime/real-clock.ts';
import { defaultPolicy, wirePorts } from '../../runtime/wiring.ts';
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
  controller: Controller;
  close(): Promise<void>;
}

/** Start everything `serve` runs; resolves once the server listens. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const source = opts.policyFile ? { text: readInput(opts.policyFile), file: opts.policyFile } : opts.policyText;
  const loaded = source ? { ...loadPolicy(source.text, source.file), ...source } : defaultPolicy();
  const policy = opts.transformPolicy ? opts.transformPolicy(loaded.policy) : loaded.policy;
  const scenarioSource = opts.scenarioFile ? { text: readInput(opts.scenarioFile), file: opts.scenarioFile } : opts.scenarioText;
  const scenario = scenarioSource ? loadScenario(scenarioSource.text, scenarioSource.file, policy).scenario : undefined;
  const tokens = readTokensFile(opts.tokensFile, { missingOk: true });
  const auth = createAuth(tokens);
  mkdirSync(dirname(resolve(opts.db)), { recursive: true });
  const store: Store = SqliteStore.open(opts.db);
  // Scaled time runs ahead of the wall clock: after a restart it goes on from the last recorded
  // moment, never back.
  const lastRecorded = Math.max(0, ...(await store.listReleases()).map((r) => r.updatedAt));
  const clock = new ScaledClock({ scale: opts.timeScale, start: Math.max(Date.now(), lastRecorded) });
  const wiring = wirePorts(policy, { clock, workDir: opts.workDir, ...(scenario ? { scenario } : {}), ...(opts.env ? { env: opts.env } : {}), log: opts.log });
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
      if (view.phase === 'completed' || view.phase === 'rolled-back' || view.phase === 'aborted') continue;
      for (const [region, version] of Object.entries(view.versions)) if (version === view.version) wiring.fleet.assume(region, version);
    }
  }
  const resumed = await controller.recover();
  const app = createApp(controller, auth, { log: opts.log });
  app.route('/', dashboardRoutes(controller, auth, { now: () => clock.now() }));

  const server: ServerType = await new Promise((ok, fail) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, () => ok(s));
    s.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE' ? new UsageError(`--port ${opts.port}: the port is already in use on ${opts.host}`) : e));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;

  opts.log(`meridian serving ${policy.spec.service.name} at ${url} (dashboard ${url}/, API ${url}/api/v1)`);
  for (const line of wiring.describe) opts.log(`  ${line}`);
  opts.log(`  store: SQLite at ${opts.db}${resumed ? `, ${resumed} release(s) resumed` : ''}`);
  opts.log(`  tokens: ${tokens.length} in ${opts.tokensFile}${tokens.length === 0 ? ' (create one: meridian token create --user NAME --role operator)' : ''}`);
  if (opts.timeScale !== 1) opts.log(`  time: ${opts.timeScale}x faster than real time (simulated providers only)`);

  let closed = false;
  return {
    url,
    controller,
    close: async () => {
      if (closed) return;
      closed = true;
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await controller.close();
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
    .option('--postgres <url>', 'a PostgreSQL store (not available in this version)')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--host <addr>', 'the address to listen on', '127.0.0.1')
    .option('--tokens <file>', 'the API tokens file (see meridian token create)', DEFAULT_TOKENS_FILE)
    .option('--time-scale <n>', 'run simulated providers N times faster than real time', '1')
    .option('--scenario <file>', 'how the simulated fleet behaves (default: no faults)')
    .option('--work-dir <dir>', 'where GitOps delivery keeps its working clone', '.meridian')
    .action(async (opts: { policy?: string; db: string; postgres?: string; port: string; host: string; tokens: string; timeScale: string; scenario?: string; workDir: string }) => {
      if (opts.postgres) throw new UsageError('--postgres: the PostgreSQL store is not available in this version; use --db FILE (SQLite)');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${opts.port}" is not a port number`);
      const running = await startServer({
        ...(opts.policy ? { policyFile: opts.policy } : {}),
        ...(opts.scenario ? { scenarioFile: opts.scenario } : {}),
        db: opts.db, port, host: opts.host, tokensFile: opts.tokens, workDir: join(opts.workDir),
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
