/**
 * @module The API under load (npm run bench:api): a real `meridian serve --config DIR` process (the
 * fleet of examples/fleet deploying at any hour, SERVICES copies of examples/fleet/profile.yaml,
 * SQLite, simulated providers at TIME_SCALE× real time), one release started per service through
 * the API, then a load generator in a second process (autocannon at a fixed rate over keep-alive
 * connections, a viewer's token, `Accept-Encoding: gzip` as a browser sends it) against
 * `GET /api/v1/releases/{id}` (a random release of the hundred each request) and
 * `GET /api/v1/releases?limit=50`, one after the other. Prints per endpoint the rate achieved, the
 * latency percentiles, errors and non-2xx answers, the server's CPU, event-loop delay and own timing
 * (http_request_duration_seconds) over the run, the engine inputs the releases recorded meanwhile,
 * and the machine's load average before and during (the 2-core machines this runs on are often
 * shared, so read every figure with its load).
 *
 *   npm run bench:api
 *   BENCH_RATE=2000 BENCH_DURATION=20 npm run bench:api
 *   BENCH_PROFILE=/tmp/prof npm run bench:api     # the server under node --cpu-prof: where its time went during the runs
 *   BENCH_DB_DIR=/dev/shm npm run bench:api       # the SQLite file on tmpfs: what the disk's flushes cost
 *
 * Settings (environment): BENCH_SERVICES (100), BENCH_RATE (requests/s, 1000), BENCH_DURATION
 * (seconds per endpoint, 15), BENCH_CONNECTIONS (10, autocannon's default), BENCH_TIME_SCALE (60: ring-0's 30-minute bake
 * passes in 30 s and ring-1's day lasts 24 minutes, so every release is live, baking and gating
 * throughout, and none finishes), BENCH_ENCODING (gzip), BENCH_PROFILE (a directory), BENCH_DB_DIR
 * (where the SQLite file goes; default the temporary directory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { hashToken, newToken } from '../src/api/tokens.ts';

const ROOT = resolve(import.meta.dirname, '..');
const THIS_FILE = join(ROOT, 'bench/api-load.ts');

/** What the generator process is asked to do. */
interface LoadJob {
  url: string;
  token: string;
  paths: string[];
  rate: number;
  duration: number;
  connections: number;
  encoding: string;
}

/** What the generator process reports (latencies in ms). */
interface LoadResult {
  duration: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU seconds the generator itself used. */
  cpu: number;
}

async function generate(job: LoadJob): Promise<LoadResult> {
  interface Request { path?: string }
  type Autocannon = (opts: Record<string, unknown>) => Promise<{
    duration: number; errors: number; timeouts: number; non2xx: number;
    requests: { total: number };
    latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  }>;
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const cpu0 = process.cpuUsage();
  const r = await autocannon({
    url: job.url, connections: job.connections, duration: job.duration, overallRate: job.rate,
    headers: { authorization: `Bearer ${job.token}`, 'accept-encoding': job.encoding },
    requests: [{ method: 'GET', setupRequest: (req: Request) => ({ ...req, path: job.paths[Math.floor(Math.random() * job.paths.length)] }) }],
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    duration: r.duration, total: r.requests.total, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx,
    latency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
    cpu: (cpu.user + cpu.system) / 1e6,
  };
}

function runGenerator(job: LoadJob): Promise<LoadResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', THIS_FILE, '--generate', JSON.stringify(job)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.once('error', fail);
    child.once('close', (code) => {
      if (code !== 0) return fail(new Error(`the load generator exited with ${code}: ${out}`));
      ok(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult);
    });
  });
}

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: expected a number above 0`);
  return n;
};

/** The server process: `node [--cpu-prof] bin/meridian.js serve ...`, ready once it prints where it serves. */
async function startServer(dir: string, db: string, timeScale: number, profileDir: string | undefined): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    join(ROOT, 'bin/meridian.js'), 'serve', '--config', 'config', '--port', '0', '--tokens', 'tokens.json', '--db', db, '--time-scale', String(timeScale),
  ];
  // Profiled, it runs from the TypeScript sources, so the profile names src/ files rather than a bundle's chunks.
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...(profileDir ? { MERIDIAN_FROM_SOURCE: '1' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`meridian serve did not start within 60 s:\n${out}`)), 60_000);
    const seen = (s: string): void => {
      out += s;
      const m = /meridian serving .+? at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    child.stdout!.setEncoding('utf8').on('data', seen);
    child.stderr!.setEncoding('utf8').on('data', seen);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`meridian serve exited (${signal ?? code}) before serving:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

/** A bare node:http server answering 11 bytes, in a process of its own: what this machine and generator manage at best. */
async function startFloor(): Promise<{ child: ChildProcess; url: string }> {
  const code = `const s = require('node:http').createServer((q, r) => { r.writeHead(200, { 'content-type': 'application/json' }); r.end('{"ok":true}'); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((ok, fail) => {
    child.stdout!.setEncoding('utf8').once('data', (s: string) => ok(s.trim()));
    child.once('close', (c) => fail(new Error(`the bare server exited with ${c}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** CPU seconds (user + system) a process has used, from /proc; null where there is no /proc. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Samples of a Prometheus exposition text: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The server's own view of one route over a run: requests, mean time, share within 5, 10 and 50 ms. */
function serverSide(before: Map<string, number>, after: Map<string, number>, route: string): string {
  const key = (suffix: string, extra = '') => `http_request_duration_seconds_${suffix}{${extra}method="GET",route="${route}",status="200"}`;
  const diff = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  const count = diff(key('count')) + diff(key('count').replace('status="200"', 'status="304"'));
  if (count === 0) return 'no requests seen';
  const within = (le: string) => `${((diff(key('bucket', `le="${le}",`)) / diff(key('count'))) * 100).toFixed(1)}%`;
  return `${count} answered, mean ${((diff(key('sum')) / diff(key('count'))) * 1000).toFixed(2)} ms, ${within('0.005')} within 5 ms, ${within('0.01')} within 10 ms, ${within('0.05')} within 50 ms`;
}

/** The size of an answer on the wire, as sent (fetch would hand back the decompressed body). */
function wireBytes(url: string, token: string, encoding: string): Promise<number> {
  return new Promise((ok, fail) => {
    httpGet(url, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': encoding } }, (res) => {
      let n = 0;
      res.on('data', (b: Buffer) => { n += b.length; });
      res.on('end', () => (res.statusCode === 200 ? ok(n) : fail(new Error(`${url}: HTTP ${res.statusCode}`))));
    }).on('error', fail);
  });
}

/**
 * Engine inputs recorded so far, read beside the running server (WAL lets a reader in): the sum of
 * each release's last input number, since compaction deletes the rows a snapshot sums up.
 */
function inputsRecorded(db: string): number {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare('SELECT coalesce(sum(last), 0) AS n FROM (SELECT max(seq) AS last FROM inputs GROUP BY release_id)').get() as { n: number }).n;
  } finally {
    d.close();
  }
}

/** Now on the monotonic clock, in µs, as V8's CPU profiles stamp their samples. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const f2 = (n: number) => n.toFixed(2);
const load = () => loadavg().map(f2).join(' ');

async function main(): Promise<void> {
  const services = env('BENCH_SERVICES', 100);
  const rate = env('BENCH_RATE', 1000);
  const duration = env('BENCH_DURATION', 15);
  const connections = env('BENCH_CONNECTIONS', 10);
  const timeScale = env('BENCH_TIME_SCALE', 60);
  const encoding = process.env.BENCH_ENCODING ?? 'gzip';
  const profileDir = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : undefined;
  console.log(`load average before: ${load()} (1, 5, 15 min; ${cpus().length} cores)`);

  const dir = await mkdtemp(join(tmpdir(), 'meridian-api-load-'));
  const dbDir = process.env.BENCH_DB_DIR ? await mkdtemp(join(resolve(process.env.BENCH_DB_DIR), 'meridian-api-load-')) : dir;
  const db = join(dbDir, 'api.db');
  const config = join(dir, 'config');
  await mkdir(config);
  // Deploys at any hour, and no limit per region: with the example's perRegion: 2, all but two
  // releases would sit waiting, and the run would measure releases that do nothing.
  const fleet = (await readFile(join(ROOT, 'examples/fleet/fleet.yaml'), 'utf8')).replace('deploy: business-hours', 'deploy: always').replace(/\n {2}# At most two[^\n]*\n {2}concurrency:\n {4}perRegion: \d+\n?/, '\n');
  if (fleet.includes('concurrency:')) throw new Error('examples/fleet/fleet.yaml changed: its concurrency limit was not found to take out');
  await writeFile(join(config, 'fleet.yaml'), fleet);
  const profile = await readFile(join(ROOT, 'examples/fleet/profile.yaml'), 'utf8');
  const names = Array.from({ length: services }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  for (const name of names) await writeFile(join(config, `${name}.yaml`), profile.replace(/name: profile$/gm, `name: ${name}`));
  const tokens = { viewer: newToken(), operator: newToken() };
  await writeFile(join(dir, 'tokens.json'), JSON.stringify({
    tokens: [
      { user: 'bench-viewer', groups: [], role: 'viewer', hash: hashToken(tokens.viewer) },
      { user: 'bench-operator', groups: [], role: 'operator', hash: hashToken(tokens.operator) },
    ],
  }), { mode: 0o600 });
  if (profileDir) await mkdir(profileDir, { recursive: true });

  const server = await startServer(dir, db, timeScale, profileDir);
  const pid = server.child.pid!;
  const windows: Array<[number, number]> = [];
  const call = async (path: string, opts: { token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${opts.token ?? tokens.viewer}`, 'content-type': 'application/json' },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text}`);
    return text;
  };
  try {
    const t0 = Date.now();
    const ids: string[] = [];
    for (const service of names) ids.push((JSON.parse(await call('/api/v1/releases', { token: tokens.operator, body: { service, version: 'v2.0.0' } })) as { id: string }).id);
    console.log(`${services} services; ${ids.length} releases started through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s; time ${timeScale}x; SQLite at ${db}`);
    const summaries = async () => (JSON.parse(await call('/api/v1/releases?limit=500')) as { items: Array<{ phase: string; currentRing: string | null }> }).items;
    const phases = async (): Promise<string> => {
      const counts = new Map<string, number>();
      for (const s of await summaries()) counts.set(`${s.phase} ${s.currentRing ?? '-'}`, (counts.get(`${s.phase} ${s.currentRing ?? '-'}`) ?? 0) + 1);
      return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    };
    // Past ring-0's bake (30 virtual minutes): every release deploys ring-1, then bakes and gates it
    // for a virtual day. The runs measure that steady state, not the moment all hundred move at once.
    const settle = Date.now() + Math.max(60_000, (120 * 60_000) / timeScale);
    await new Promise((r) => setTimeout(r, (31 * 60_000) / timeScale));
    while ((await summaries()).some((s) => s.currentRing === 'ring-0') && Date.now() < settle) await new Promise((r) => setTimeout(r, 1000));
    await new Promise((r) => setTimeout(r, 3000));
    const sizes = async (path: string): Promise<string> => {
      const plain = await wireBytes(`${server.url}${path}`, tokens.viewer, 'identity');
      const zipped = await wireBytes(`${server.url}${path}`, tokens.viewer, 'gzip');
      return `${(plain / 1024).toFixed(1)} KB (${(zipped / 1024).toFixed(1)} KB gzip)`;
    };
    const scrape = async (): Promise<{ at: Map<string, number>; ms: number; bytes: number }> => {
      const t = performance.now();
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return { at: samples(text), ms: performance.now() - t, bytes: Buffer.byteLength(text) };
    };
    console.log(`releases: ${await phases()}`);
    console.log(`answers: GET /api/v1/releases/{id} ${await sizes(`/api/v1/releases/${ids[0]}`)}; GET /api/v1/releases?limit=50 ${await sizes('/api/v1/releases?limit=50')}`);

    const targets = [
      { name: 'GET /api/v1/releases/{id}', route: '/api/v1/releases/:id', paths: ids.map((id) => `/api/v1/releases/${id}`) },
      { name: 'GET /api/v1/releases?limit=50', route: '/api/v1/releases', paths: ['/api/v1/releases?limit=50'] },
    ];
    const rows: string[] = [];
    const floor = await startFloor();
    try {
      await runGenerator({ url: floor.url, token: 'none', paths: ['/'], rate, duration: 3, connections, encoding });
      const loadBefore = load();
      const r = await runGenerator({ url: floor.url, token: 'none', paths: ['/'], rate, duration, connections, encoding });
      console.log(`\nfloor, a bare node:http server answering 11 bytes: ${(r.total / r.duration).toFixed(0)} req/s; latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; load average before ${loadBefore}, after ${load()}`);
      rows.push(`| bare \`node:http\` server (the floor) | ${(r.total / r.duration).toFixed(0)} | ${r.latency.p50} | ${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} | ${r.errors + r.timeouts} / ${r.non2xx} | ${loadBefore.split(' ')[0]} |`);
    } finally {
      floor.child.kill('SIGTERM');
    }
    for (const target of targets) {
      const job: LoadJob = { url: server.url, token: tokens.viewer, paths: target.paths, rate, duration, connections, encoding };
      await runGenerator({ ...job, duration: 3 }); // warm-up, not counted
      const before = await scrape(); // also starts prom-client's event-loop delay histogram afresh
      const loadBefore = load();
      let loadPeak = 0;
      const sampler = setInterval(() => { loadPeak = Math.max(loadPeak, loadavg()[0]!); }, 1000);
      const inputs0 = inputsRecorded(db);
      const cpu0 = cpuSeconds(pid);
      const from = monotonicUs();
      const r = await runGenerator(job);
      windows.push([from, monotonicUs()]);
      const cpu1 = cpuSeconds(pid);
      const inputs = inputsRecorded(db) - inputs0;
      clearInterval(sampler);
      const loadAfter = load();
      const after = await scrape();
      const lag = (q: string) => f2((after.at.get(`nodejs_eventloop_lag_${q}_seconds`) ?? NaN) * 1000);
      const achieved = r.total / r.duration;
      const ok = achieved >= rate * 0.98 && r.latency.p99 < 50 && r.errors + r.timeouts + r.non2xx === 0;
      console.log([
        '',
        `${target.name}: ${rate} req/s asked for ${r.duration} s over ${connections} connections (${encoding})`,
        `  achieved ${achieved.toFixed(0)} req/s (${r.total} requests); latency p50 ${r.latency.p50} ms, p90 ${r.latency.p90} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, mean ${f2(r.latency.mean)} ms`,
        `  errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}  →  ${ok ? 'meets' : 'MISSES'} the target (the rate, p99 under 50 ms, no errors)`,
        `  server: ${cpu0 !== null && cpu1 !== null ? `${(((cpu1 - cpu0) / r.duration) * 100).toFixed(0)}% of a core` : 'CPU not known'}; event-loop delay (10 ms resolution) p50 ${lag('p50')} ms, p99 ${lag('p99')} ms, max ${lag('max')} ms`,
        `  its own timing: ${serverSide(before.at, after.at, target.route)}`,
        `  meanwhile the releases recorded ${inputs} engine inputs (${(inputs / r.duration).toFixed(0)}/s)`,
        `  generator: ${((r.cpu / r.duration) * 100).toFixed(0)}% of a core; load average before ${loadBefore}, after ${loadAfter} (1-min peak ${f2(loadPeak)})`,
        `  a /metrics scrape after it: ${after.ms.toFixed(0)} ms, ${(after.bytes / 1024).toFixed(0)} KB`,
      ].join('\n'));
      rows.push(`| \`${target.name}\` | ${achieved.toFixed(0)} | ${r.latency.p50} | ${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} | ${r.errors + r.timeouts} / ${r.non2xx} | ${loadBefore.split(' ')[0]} → ${f2(loadPeak)} |`);
    }
    const evaluations = JSON.parse(await call(`/api/v1/releases/${ids[0]}/evaluations?limit=500`)) as { items: unknown[]; next: string | null };
    console.log(`\nreleases after the runs: ${await phases()}; the first keeps ${evaluations.items.length}${evaluations.next ? '+' : ''} gate evaluations`);
    console.log(['', '| endpoint | req/s | p50 ms | p90 ms | p99 ms | max ms | errors / non-2xx | load (1 min) before → peak |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n'));
  } finally {
    const exited = new Promise<void>((r) => server.child.once('close', () => r()));
    server.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    const problems = server.output().split('\n').filter((l) => /error|warn/i.test(l));
    if (problems.length > 0) console.log(`\nthe server logged:\n${problems.slice(0, 20).join('\n')}`);
    await rm(dir, { recursive: true, force: true });
    if (dbDir !== dir) await rm(dbDir, { recursive: true, force: true });
  }
  if (profileDir) await printProfile(profileDir, pid, windows);
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

/** Where the main thread of `pid` spent its time during `windows`: by part, by function, by the nearest Meridian caller. */
async function printProfile(dir: string, pid: number, windows: Array<[number, number]>): Promise<void> {
  // Node names them CPU.DATE.TIME.PID.THREAD.SEQ.cpuprofile; thread 0 is the main thread.
  const file = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.0.`)).sort().at(-1);
  if (!file) return void console.log(`no CPU profile of process ${pid} in ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (n: ProfileNode) => {
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    return `${n.callFrame.functionName || '(anonymous)'}${url ? ` ${url}:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  const part = (url: string): string => {
    if (/better-sqlite3|src\/adapters\/sqlite/.test(url)) return 'SQLite store (better-sqlite3, synchronous)';
    if (/src\/(runtime|engine|gates|sim|plan|policy)\//.test(url)) return 'controller, engine, gates, simulated fleet';
    if (/src\/api\//.test(url)) return 'Meridian API (routes, views, middleware)';
    if (/node_modules\/(hono|@hono)\//.test(url)) return 'Hono and @hono/node-server';
    if (/node_modules\/prom-client\//.test(url)) return 'prom-client';
    if (/^node:zlib|zlib/.test(url)) return 'zlib';
    if (/^node:(_http|http|net|stream|internal\/streams|internal\/webstreams)/.test(url)) return 'Node HTTP, sockets and streams';
    if (/undici/.test(url)) return 'undici (Request, Response, Headers)';
    return 'other JavaScript';
  };
  const inWindow = (t: number) => windows.some(([a, b]) => t >= a && t <= b);
  const self = new Map<string, number>();
  const parts = new Map<string, number>();
  const callers = new Map<string, number>();
  const storeCalls = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let t = profile.startTime;
  let busy = 0;
  let span = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (!inWindow(t)) return;
    span += dt;
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') return;
    busy += dt;
    add(self, where(n), dt);
    let caller: string | null = null;
    let partName = n.callFrame.url ? part(n.callFrame.url) : null;
    let storeCall: string | null = null;
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x)!;
      const name = f.callFrame.functionName;
      if (partName === null && f.callFrame.url) partName = `${part(f.callFrame.url)}, in native code`;
      if (caller === null && name && f.callFrame.url.includes(`${ROOT}/src/`)) caller = where(f);
      // The Store method a sample is in (the first named one above the adapter's private helpers).
      if (storeCall === null && name && !name.startsWith('#') && f.callFrame.url.includes(`${ROOT}/src/adapters/`)) storeCall = name;
    }
    if (storeCall !== null) add(storeCalls, storeCall, dt);
    add(parts, partName ?? 'native: GC, HTTP parsing, timers', dt);
    add(callers, caller ?? 'no Meridian frame (HTTP parsing, GC, timers)', dt);
  });
  if (span === 0) return void console.log(`\n${file}: no samples fell in the load runs (is the profile from another boot?)`);
  const pct = (v: number) => `${((v / busy) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\nthe server's CPU profile (${join(dir, file)}) during the load runs: ${(span / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((busy / span) * 100).toFixed(0)}%)`);
  console.log('by part (self time):');
  for (const [k, v] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(v)}  ${k}`);
  console.log('by function (self time):');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(v)}  ${k}`);
  console.log('in the Store, by method (share of all busy time):');
  for (const [k, v] of [...storeCalls].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${pct(v)}  ${k}`);
  console.log('by the nearest named Meridian function on the stack:');
  for (const [k, v] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(v)}  ${k}`);
}

// The load generator is this file run again in a process of its own, so it never shares the
// server's event loop or this one's.
if (process.argv[2] === '--generate') {
  process.stdout.write(`${JSON.stringify(await generate(JSON.parse(process.argv[3]!) as LoadJob))}\n`);
} else {
  await main();
}
