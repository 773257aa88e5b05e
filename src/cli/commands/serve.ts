/**
 * @module `meridian serve`: parses the flags, starts the service (runtime/service.ts: durable
 * releases in SQLite or PostgreSQL, the HTTP API with authentication, the dashboard, /healthz and
 * /metrics, replicas on PostgreSQL taking turns leading), prints what it serves and stops it on
 * SIGINT or SIGTERM. Nothing else.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_TOKENS_FILE } from '../../api/tokens.ts';
import { UsageError } from '../../errors.ts';
import { readConfigSources } from '../../runtime/config-dir.ts';
import { singlePolicyConfig } from '../../policy/fleet.ts';
import { requireSinkVariables } from '../../runtime/notifier-env.ts';
import type { Actor } from '../../runtime/controller-types.ts';
import { storeUrlProblem } from '../../runtime/open-store.ts';
import { startService, type RunningService } from '../../runtime/service.ts';
import { EXIT } from '../exit-codes.ts';
import { readInput, type Io } from '../io.ts';
import { oidcSetup, SECRET_VARIABLE, type OidcFlags } from './serve-oidc.ts';

function positive(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`${flag} "${value}" must be a number above 0 and at most ${max}`);
  return n;
}

/** `--port N` as a port number (0: any free port), or a UsageError. */
export function portFlag(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${value}" is not a port number`);
  return port;
}

/** `--public-url URL` as the base of dashboard links (no trailing slash), or a UsageError. */
export function publicUrlFlag(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--public-url "${value.slice(0, 200)}" is not a URL (e.g. https://meridian.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--public-url "${value.slice(0, 200)}" is not an http or https URL`);
  if (url.username || url.password || url.search || url.hash) throw new UsageError('--public-url: give the address people open the dashboard at, without a user name, password, query or fragment');
  return url.href.replace(/\/+$/, '');
}

/** Who reloads on SIGHUP, as the audit log names it. */
const SIGNAL_ACTOR: Actor = { user: 'SIGHUP', groups: [], role: 'admin' };

/** Print what the service serves, then run until SIGINT or SIGTERM stops it. */
async function printAndRunUntilStopped(io: Io, running: RunningService): Promise<void> {
  for (const line of running.describe) io.err(`${line}\n`);
  // SIGHUP reads the configuration again: all of it, or (on any error) none of it.
  const hangup = (): void => {
    void running.reload(SIGNAL_ACTOR).then(
      ({ services }) => io.err(`meridian: configuration reloaded: ${services.length} service(s) (${services.join(', ')})\n`),
      (e: unknown) => io.err(`meridian: configuration not reloaded; the one in force stays:\n${e instanceof Error ? e.message : String(e)}\n`),
    );
  };
  process.on('SIGHUP', hangup);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      io.err('meridian: shutting down\n');
      void running.close().then(resolveStop);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', hangup);
}

export function registerServe(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('serve')
    .description('run the controller: durable releases, the HTTP API, the dashboard, /metrics')
    .option('--policy <file>', 'the policy in force (default: the embedded three-region default)')
    .option('--config <dir>', 'every service of a directory: Fleets and one ReleasePolicy per service (reloaded on SIGHUP)')
    .option('--db <file>', 'the SQLite database', 'meridian.db')
    .option('--postgres <url>', 'a PostgreSQL database instead (postgresql://USER[:PASSWORD]@HOST:PORT/DB; or PGPASSWORD): replicas sharing it take turns leading')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--host <addr>', 'the address to listen on', '127.0.0.1')
    .option('--tokens <file>', 'the API tokens file (see meridian token create)', DEFAULT_TOKENS_FILE)
    .option('--time-scale <n>', 'run simulated providers N times faster than real time', '1')
    .option('--scenario <file>', 'how the simulated fleet behaves (default: no faults)')
    .option('--work-dir <dir>', 'where GitOps delivery keeps its working clone', '.meridian')
    .option('--public-url <url>', 'where people open the dashboard, for the links notifications carry (default http://HOST:PORT)')
    .option('--oidc-issuer <url>', 'sign people in to the dashboard through this OpenID Connect provider')
    .option('--oidc-client-id <id>', 'the client registered there for Meridian (redirect URI: PUBLIC_URL/auth/callback)')
    .option('--oidc-client-secret-file <file>', `the client's secret, read from a file (or set ${SECRET_VARIABLE})`)
    .option('--oidc-roles <file>', 'which groups of the provider get which role (YAML; see the README)')
    .action(async (opts: { policy?: string; config?: string; db: string; postgres?: string; port: string; host: string; tokens: string; timeScale: string; scenario?: string; workDir: string; publicUrl?: string } & OidcFlags, cmd: Command) => {
      if (opts.postgres !== undefined && cmd.getOptionValueSource('db') === 'cli') throw new UsageError('--db and --postgres: give one store, not both');
      const urlProblem = opts.postgres === undefined ? null : storeUrlProblem(opts.postgres);
      if (urlProblem) throw new UsageError(`--postgres: ${urlProblem}`);
      if (opts.policy !== undefined && opts.config !== undefined) throw new UsageError('--policy and --config: give one, a policy file or a configuration directory');
      const configDir = opts.config;
      const port = portFlag(opts.port);
      const timeScale = positive('--time-scale', opts.timeScale, 100_000);
      const publicUrl = opts.publicUrl === undefined ? undefined : publicUrlFlag(opts.publicUrl);
      const policy = opts.policy ? { text: readInput(opts.policy), file: opts.policy } : undefined;
      const oidc = oidcSetup(opts, io.env);
      // Every ${NAME} a notification sink refers to must be set, at start and at every reload.
      if (policy) requireSinkVariables(singlePolicyConfig(policy.text, policy.file), process.env);
      const running = await startService({
        ...(policy ? { policy } : {}),
        ...(configDir !== undefined ? { config: () => requireSinkVariables(readConfigSources(configDir), process.env) } : {}),
        ...(publicUrl ? { publicUrl } : {}),
        ...(oidc ? { oidc } : {}),
        ...(opts.scenario ? { scenario: { text: readInput(opts.scenario), file: opts.scenario } } : {}),
        store: opts.postgres !== undefined ? { kind: 'postgres', url: opts.postgres } : { kind: 'sqlite', file: opts.db },
        port, host: opts.host, tokensFile: opts.tokens, workDir: join(opts.workDir), timeScale,
        log: (line) => io.err(`${line}\n`),
      });
      await printAndRunUntilStopped(io, running);
      done(EXIT.ok);
    });
}
