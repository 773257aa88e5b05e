/**
 * @module Support for the HAProxy integration test: find the haproxy binary, start one tiny HTTP
 * server per region on loopback (each answers `{ region, version }`), start a real HAProxy on
 * examples/haproxy/haproxy.cfg as a child process (foreground, `-db`, its stats socket in a
 * temporary directory), wait for it with bounded polling, send a bounded stream of requests, and
 * stop everything. Loopback only; no fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { HaproxyRuntimeApi } from '../../../src/adapters/haproxy/runtime-api.ts';

export const EXAMPLE_CONFIG = new URL('../../../examples/haproxy/haproxy.cfg', import.meta.url).pathname;

/** The haproxy binary: $HAPROXY_BIN, else the first on PATH, else Debian's /usr/sbin/haproxy; null when none. */
export function findHaproxy(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  const candidates = [...(env.HAPROXY_BIN ? [env.HAPROXY_BIN] : []), ...dirs.map((d) => join(d, 'haproxy'))];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RegionServers {
  /** `127.0.0.1:PORT` per region. */
  addresses: Record<string, string>;
  /** Requests each region's server answered. */
  hits: Record<string, number>;
  close(): Promise<void>;
}

/** One HTTP server per region on 127.0.0.1, answering every request with `{ region, version }`. */
export async function startRegions(regions: readonly string[], version: string): Promise<RegionServers> {
  const servers: Server[] = [];
  const addresses: Record<string, string> = {};
  const hits: Record<string, number> = {};
  for (const region of regions) {
    hits[region] = 0;
    const server = createServer((req, res) => {
      hits[region] = (hits[region] ?? 0) + 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ region, version }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    addresses[region] = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    addresses,
    hits,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** The environment variable examples/haproxy/haproxy.cfg reads a region's address from. */
export const regionVariable = (region: string): string => `MERIDIAN_${region.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

export interface RunningHaproxy {
  /** The stats socket (a UNIX socket path). */
  socket: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The further frontends asked for, by name (`MERIDIAN_FRONTEND_<NAME>`): `http://127.0.0.1:PORT`. */
  urls: Record<string, string>;
  /** What HAProxy printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, failed: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    const reason = failed();
    if (reason) throw new Error(reason);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Start `haproxy -f examples/haproxy/haproxy.cfg -db` with the stats socket in a fresh temporary
 * directory, the frontend on a free loopback port and the region servers' addresses; resolve once
 * the stats socket answers (HAProxy binds every listener before it serves any). `frontends` names
 * further frontends the configuration binds (`MERIDIAN_FRONTEND_EU` for `EU`), each on a free port.
 */
export async function startHaproxy(binary: string, regions: Record<string, string>, config = EXAMPLE_CONFIG, frontends: readonly string[] = []): Promise<RunningHaproxy> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-haproxy-'));
    const socket = join(dir, 'admin.sock');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', MERIDIAN_STATS_SOCKET: socket, MERIDIAN_FRONTEND: `127.0.0.1:${port}` };
    for (const [region, address] of Object.entries(regions)) env[regionVariable(region)] = address;
    const urls: Record<string, string> = {};
    for (const name of frontends) {
      const p = await freePort();
      env[`MERIDIAN_FRONTEND_${name}`] = `127.0.0.1:${p}`;
      urls[name] = `http://127.0.0.1:${p}`;
    }
    const child = spawn(binary, ['-f', config, '-db'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
    let spawnError: Error | null = null;
    child.on('error', (e) => { spawnError = e; });
    const running: RunningHaproxy = {
      socket,
      url: `http://127.0.0.1:${port}`,
      urls,
      output: () => output,
      stop: async () => {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    const api = new HaproxyRuntimeApi({ socket, timeoutMs: 1_000 });
    try {
      await until(
        'HAProxy did not answer on its stats socket',
        10_000,
        () => api.command('show info').then((info) => info.includes('Name: HAProxy'), () => false),
        () => {
          if (spawnError) return `could not start ${binary}: ${(spawnError as Error).message}`;
          if (child.exitCode !== null) return `HAProxy exited with code ${child.exitCode}:\n${output}`;
          return null;
        },
      );
      return running;
    } catch (e) {
      lastError = e;
      await running.stop();
      if (!/cannot bind|Address already in use/i.test(output)) break;
    }
  }
  throw lastError;
}

export interface Answer {
  /** Position in the stream, from 0. */
  seq: number;
  status: number;
  region: string | null;
  version: string | null;
  /** What the stream's controller said when the request was sent (see `stream`). */
  phase: string;
}

/** GET `url` on a fresh connection; the JSON answer's region and version. */
export function get(url: string, timeoutMs = 5_000): Promise<{ status: number; region: string | null; version: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        let parsed: { region?: unknown; version?: unknown } = {};
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          // not JSON: an HAProxy error page
        }
        resolve({
          status: res.statusCode ?? 0,
          region: typeof parsed.region === 'string' ? parsed.region : null,
          version: typeof parsed.version === 'string' ? parsed.version : null,
        });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Send `total` requests to `url`, `concurrency` at a time. After each answer, `onAnswer(count)` is
 * called with the number of answers so far (it may start work, such as a weight change, without
 * the stream waiting for it); each request records `phase()` as it was when the request was sent.
 */
export async function stream(options: {
  url: string;
  total: number;
  concurrency: number;
  phase: () => string;
  onAnswer?: (answered: number) => void;
}): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const seq = next++;
      const phase = options.phase();
      try {
        const r = await get(options.url);
        answers.push({ seq, phase, ...r });
      } catch (e) {
        answers.push({ seq, phase, status: 0, region: null, version: `failed: ${(e as Error).message}` });
      }
      options.onAnswer?.(answers.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return answers.sort((a, b) => a.seq - b.seq);
}

/** Answers per region among `answers`. */
export function countByRegion(answers: readonly Answer[], regions: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(regions.map((r) => [r, 0]));
  for (const a of answers) if (a.region !== null) counts[a.region] = (counts[a.region] ?? 0) + 1;
  return counts;
}
