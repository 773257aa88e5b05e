/** @module Support for the PostgreSQL integration tests: find the server binaries (Debian's package
 * `postgresql`, under /usr/lib/postgresql/VERSION/bin), start a private cluster — `initdb` into a
 * temporary directory and `pg_ctl start` on a free loopback port, its unix socket in that directory,
 * run as the `postgres` OS user when the tests run as root (PostgreSQL refuses to run as root) —
 * with a password-protected role and database for meridian, and stop and remove it afterwards. A
 * watchdog stops the cluster and removes its directory when the test process dies without cleaning
 * up. Also `describePostgres`, which fails under CI=true when PostgreSQL is missing and skips with
 * one visible line elsewhere.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, it } from 'vitest';

const run = promisify(execFile);

/** The newest /usr/lib/postgresql/N/bin that has initdb, pg_ctl and postgres; null when none. */
function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    try {
      for (const name of ['initdb', 'pg_ctl', 'postgres']) accessSync(join(bin, name), constants.X_OK);
      return bin;
    } catch {
      // incomplete install of this version
    }
  }
  return null;
}

export const PG_BIN = findBinDir();
export const INSTALLED = PG_BIN !== null;
const CI = process.env.CI === 'true' || process.env.CI === '1';
const AS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * `describe` when PostgreSQL is installed; under CI=true without it, a suite whose one test fails and
 * says what to install; elsewhere `describe.skip` after one visible line.
 */
export function describePostgres(name: string, body: () => void): void {
  if (INSTALLED) {
    describe(name, body);
  } else if (CI) {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error('CI=true but PostgreSQL is not installed: the CI image needs the Debian package postgresql (apt-get install -y postgresql)');
      });
    });
  } else {
    console.warn(`skipping: PostgreSQL not installed (apt-get install -y postgresql): ${name}`);
    describe.skip(name, body);
  }
}

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Run a PostgreSQL program, as the postgres OS user when we are root. */
async function pgRun(program: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [cmd, argv] = AS_ROOT ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN!, program), ...args]] : [join(PG_BIN!, program), args];
  try {
    const { stdout, stderr } = await run(cmd, argv, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')} failed: ${err.stderr || err.stdout || err.message}`, { cause: e });
  }
}

export interface PostgresCluster {
  /** `postgresql://meridian:PASSWORD@127.0.0.1:PORT/meridian`: the role meridian owns the database. */
  url: string;
  /** The role's password (for tests that check it is never printed). */
  password: string;
  port: number;
  /** The directory of the server's unix socket (superuser connections: see adminClient). */
  socketDir: string;
  /** A new database owned by meridian; the URL to it. */
  createDatabase(name: string): Promise<string>;
  /** Stop the server and remove its directory (idempotent). */
  stop(): Promise<void>;
}

/**
 * Stops the cluster and removes its directory when this shell's standard input closes: when stop()
 * ends the pipe, and also when the test process dies without cleaning up.
 */
const WATCHDOG = [
  'cat >/dev/null',
  'if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$1" -D "$2" -m immediate -w stop >/dev/null 2>&1; else "$1" -D "$2" -m immediate -w stop >/dev/null 2>&1; fi',
  'rm -rf "$3"',
].join('\n');

/** Start a private PostgreSQL cluster on loopback; resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresCluster> {
  if (!INSTALLED) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'meridian-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  const logFile = join(dir, 'postgres.log');
  // The watchdog first, so that nothing below can leave a server or a directory behind.
  const watchdog = spawn('sh', ['-c', WATCHDOG, 'pg-watchdog', join(PG_BIN!, 'pg_ctl'), data, dir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.stdin!.on('error', () => {});
  watchdog.unref();
  const gone = new Promise<void>((resolve) => watchdog.once('exit', () => resolve()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      watchdog.ref();
      watchdog.stdin!.end();
    }
    await gone;
  };
  try {
    if (AS_ROOT) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    await pgRun('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const password = `pw-${Math.random().toString(36).slice(2)}-${process.pid}`;
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      mkdirSync(socketDir, { recursive: true });
      if (AS_ROOT) chownSync(socketDir, uidOf('postgres'), gidOf('postgres'));
      const serverOptions = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
      try {
        await pgRun('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
      } catch (e) {
        lastError = new Error(`${(e as Error).message}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : ''}`);
        continue;
      }
      const admin = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE meridian LOGIN PASSWORD '${password}'`);
        await admin.query('CREATE DATABASE meridian OWNER meridian');
      } finally {
        await admin.end();
      }
      const urlFor = (db: string): string => `postgresql://meridian:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
      return {
        url: urlFor('meridian'),
        password,
        port,
        socketDir,
        createDatabase: async (name) => {
          const c = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
          await c.connect();
          try {
            await c.query(`CREATE DATABASE ${name} OWNER meridian`);
          } finally {
            await c.end();
          }
          return urlFor(name);
        },
        stop,
      };
    }
    throw lastError;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A superuser client on the cluster's unix socket. */
export async function adminClient(cluster: PostgresCluster, database = 'meridian'): Promise<pg.Client> {
  const c = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database });
  await c.connect();
  return c;
}

function idField(name: string, field: 2 | 3): number {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`there is no ${name} user to run PostgreSQL as (the Debian package postgresql creates it)`);
  return Number(line.split(':')[field]);
}
const uidOf = (name: string): number => idField(name, 2);
const gidOf = (name: string): number => idField(name, 3);
