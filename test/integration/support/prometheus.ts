/** @module Support for the Prometheus integration tests: find `prometheus` and `promtool` (Debian's
 * package `prometheus`), turn OpenMetrics text into TSDB blocks with `promtool tsdb
 * create-blocks-from openmetrics`, start a real Prometheus on those blocks (a free loopback port, a
 * config with no scrape targets, a retention long enough to keep history from 2026), wait for
 * /-/ready with bounded polling, and stop it. Several histories in one server: each carries its own
 * labels (withLabels) and each policy's queries select them (selectingLabels).
 * Also: synthetic minute-by-minute history for the example policy's regions, and that policy pointed
 * at a given Prometheus. No fixed sleeps.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadPolicy } from '../../../src/policy/load.ts';
import type { Policy } from '../../../src/policy/schema.ts';
import { escapeLabelValue, formatOpenMetrics, type MinuteSample } from '../../../src/sim/openmetrics.ts';
import { hashString, noise } from '../../../src/sim/random.ts';

const run = promisify(execFile);

export const EXAMPLE_POLICY = new URL('../../../examples/prometheus/webapp-prometheus.yaml', import.meta.url).pathname;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  for (const d of dirs) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // not here
    }
  }
  return null;
}

export const PROMETHEUS = findBinary('prometheus');
export const PROMTOOL = findBinary('promtool');
export const INSTALLED = PROMETHEUS !== null && PROMTOOL !== null;
const CI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * `describe` when Prometheus is installed; under CI=true without it, a suite whose one test fails and
 * says what to install; elsewhere `describe.skip` after one visible line.
 */
export function describePrometheus(name: string, body: () => void, opts: { concurrent?: boolean } = {}): void {
  if (INSTALLED) {
    (opts.concurrent ? describe.concurrent : describe)(name, body);
  } else if (CI) {
    describe(name, () => {
      it('needs prometheus and promtool', () => {
        throw new Error('CI=true but prometheus/promtool are not installed: the CI image needs the Debian package prometheus (apt-get install -y prometheus)');
      });
    });
  } else {
    console.warn(`skipping: prometheus not installed (apt-get install -y prometheus): ${name}`);
    describe.skip(name, body);
  }
}

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrometheusInstance {
  url: string;
  /** Stop the server (idempotent); its data stays until dispose(). */
  stop(): Promise<void>;
  /** Stop and delete the data directory. */
  dispose(): Promise<void>;
}

export interface BlockOptions {
  /** Blocks up to this long (e.g. '162h'; promtool rounds it down to 2h × 3ⁿ) instead of 2 hours: fewer blocks for a query to open. */
  maxBlockDuration?: string;
}

/** Write `openMetrics` to `dir`/`name` and turn it into TSDB blocks in `dataDir`. */
export async function createBlocks(openMetrics: string, dir: string, dataDir: string, opts: BlockOptions & { name?: string } = {}): Promise<void> {
  const file = join(dir, opts.name ?? 'history.om');
  writeFileSync(file, openMetrics);
  const blocks = opts.maxBlockDuration ? [`--max-block-duration=${opts.maxBlockDuration}`] : [];
  try {
    await run(PROMTOOL!, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', ...blocks, file, dataDir], { maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`promtool tsdb create-blocks-from openmetrics failed: ${err.stderr || err.message}`, { cause: e });
  }
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = null as string | null; // set by the exit listener
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    if (exited) throw new Error(`prometheus ${exited} before it was ready:\n${log()}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(200, 20 * (attempt + 1))));
  }
  throw new Error(`prometheus was not ready within ${timeoutMs} ms:\n${log()}`);
}

/**
 * Runs `"$@"` (prometheus and its flags) and stops it when this shell's standard input closes:
 * when stop() ends the pipe, and also when the test process dies without cleaning up, so that no
 * Prometheus outlives the run that started it. The shell exits with Prometheus's status.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null &',
  'p=$!',
  '{ cat <&3 >/dev/null; kill -TERM "$p" 2>/dev/null; } &',
  'exec 3<&-',
  'wait "$p"',
].join('\n');

/** Instances still running, stopped for certain when the process exits. */
const live = new Set<{ pgid: number; dir: string }>();
process.once('exit', () => {
  for (const l of live) {
    try {
      process.kill(-l.pgid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(l.dir, { recursive: true, force: true });
  }
});

/**
 * A real Prometheus serving `history` (loaded as blocks before it starts): no scrape targets,
 * retention 100y so that blocks from March 2026 are never deleted, whatever today's date.
 *
 * `history` is one OpenMetrics text, or several as they are produced: each becomes blocks by its own
 * promtool run, started as soon as the text is there, so the runs overlap with producing the next.
 * Their blocks may overlap in time (Prometheus merges overlapping blocks when it reads), so the
 * texts' series must differ by their labels (withLabels).
 */
export async function startPrometheus(history: string | AsyncIterable<string>, opts: BlockOptions & { readyTimeoutMs?: number } = {}): Promise<PrometheusInstance> {
  if (!INSTALLED) throw new Error('prometheus and promtool are not installed (apt-get install -y prometheus)');
  const dir = mkdtempSync(join(tmpdir(), 'meridian-prometheus-'));
  const dataDir = join(dir, 'data');
  const blocks: BlockOptions = opts.maxBlockDuration ? { maxBlockDuration: opts.maxBlockDuration } : {};
  try {
    if (typeof history === 'string') {
      await createBlocks(history, dir, dataDir, blocks);
    } else {
      const runs: Array<Promise<void>> = [];
      try {
        for await (const text of history) {
          const created = createBlocks(text, dir, dataDir, { ...blocks, name: `history-${runs.length}.om` });
          created.catch(() => {}); // awaited below; until then a failure must not count as unhandled
          runs.push(created);
        }
      } finally {
        await Promise.allSettled(runs);
      }
      await Promise.all(runs);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, '# No scrape targets: this server only answers queries about imported history.\nscrape_configs: []\n');

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=100y',
      '--log.level=warn',
    ];
    // Its own process group, so that a last-resort SIGKILL reaches the shell, Prometheus and cat.
    const child = spawn('sh', ['-c', WATCHDOG, 'prometheus-watchdog', PROMETHEUS!, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const entry = { pgid: child.pid!, dir };
    live.add(entry);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.stdin!.on('error', () => {}); // the watchdog may be gone already
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return exited;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        const killer = setTimeout(() => {
          try {
            process.kill(-entry.pgid, 'SIGKILL');
          } catch {
            // gone
          }
        }, 15_000);
        await exited;
        clearTimeout(killer);
      } else {
        child.stdin!.end(); // the watchdog's cat, if still reading, ends too
      }
    };
    try {
      await waitReady(url, child, () => output, opts.readyTimeoutMs ?? 30_000);
      return {
        url,
        stop,
        dispose: async () => {
          await stop();
          live.delete(entry);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      lastError = e;
      await stop();
      live.delete(entry);
      if (!/address already in use/.test(output)) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/**
 * `openMetrics` with `labels` added to every sample, so that several histories can share one
 * Prometheus (startPrometheus) and each be selected by its labels (selectingLabels).
 */
export function withLabels(openMetrics: string, labels: Record<string, string>): string {
  const added = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return openMetrics
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
      if (!name) throw new Error(`not an OpenMetrics sample line: ${line}`);
      const rest = line.slice(name.length);
      if (rest.startsWith('{}')) return `${name}{${added}}${rest.slice(2)}`;
      if (rest.startsWith('{')) return `${name}{${added},${rest.slice(1)}`;
      return `${name}{${added}}${rest}`;
    })
    .join('\n');
}

/**
 * `queries` (spec.metrics.prometheus.queries) with `labels` added to every series selector, so that
 * each query reads only the history carrying them. A selector is a metric name followed by `{`; a
 * query with none is refused, since it would read every history in the server.
 */
export function selectingLabels(queries: Record<string, string>, labels: Record<string, string>): Record<string, string> {
  const added = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return Object.fromEntries(
    Object.entries(queries).map(([metric, query]) => {
      let selectors = 0;
      const scoped = query.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{(?!\{)/g, (_, name: string) => {
        selectors++;
        return `${name}{${added},`;
      });
      if (selectors === 0) throw new Error(`spec.metrics.prometheus.queries.${metric} has no series selector with braces to add ${added} to: ${query}`);
      return [metric, scoped];
    }),
  );
}

/**
 * `fetch` asking for uncompressed answers. On loopback, gzip is most of the cost of a small query's
 * answer (Prometheus compresses each one, the client inflates it); the answers are the same.
 */
export const uncompressedFetch: typeof fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('accept-encoding', 'identity');
  return fetch(input, { ...init, headers });
};

/** The example Prometheus policy, pointed at `url`, optionally edited (paths into the YAML document). */
export function examplePolicy(url: string, edits: Array<[Array<string | number>, unknown]> = []): { policy: Policy; text: string } {
  const doc = parseDocument(readFileSync(EXAMPLE_POLICY, 'utf8'));
  doc.setIn(['spec', 'metrics', 'prometheus', 'url'], url);
  for (const [path, value] of edits) doc.setIn(path, doc.createNode(value));
  const text = doc.toString();
  return { policy: loadPolicy(text, 'webapp-prometheus.yaml').policy, text };
}

export interface RegionHistory {
  /** Error rate at the minute starting at t; null for no data. */
  errorRate?: (t: number) => number | null;
  p99LatencyMs?: (t: number) => number | null;
  /** Relative noise (default 0.1). */
  noise?: number;
}

/**
 * Minute-by-minute history of the example regions over [from, to): error rate 0.2% and p99 120 ms
 * with 10% seeded noise unless a region says otherwise; traffic follows a daily cosine.
 */
export function syntheticHistory(from: number, to: number, regions: Record<string, RegionHistory> = {}): string {
  const names = ['internal', 'ap-south-1', 'eu-west-1', 'us-east-1'];
  const shares: Record<string, number> = { internal: 0.01, 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 };
  return formatOpenMetrics(names, from, to, (region, t): MinuteSample | null => {
    const h = regions[region] ?? {};
    const minute = Math.floor(t / MINUTE);
    const key = hashString(region);
    const jitter = (metric: number) => 1 + (h.noise ?? 0.1) * noise(20260302, key, metric, minute);
    const e = h.errorRate ? h.errorRate(t) : 0.002;
    const p = h.p99LatencyMs ? h.p99LatencyMs(t) : 120;
    if (e === null && p === null) return null;
    const weight = 1 + 0.5 * Math.cos((2 * Math.PI * (t % (24 * HOUR))) / (24 * HOUR));
    return {
      requests: shares[region]! * weight * 100_000 * 60,
      errorRate: e === null ? null : Math.max(0, e * jitter(0)),
      p99LatencyMs: p === null ? null : Math.max(0, p * jitter(1)),
      cpu: 0.4 * jitter(2),
      memory: 0.65 * jitter(3),
    };
  });
}
