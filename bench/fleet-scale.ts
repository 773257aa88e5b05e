/**
 * @module Fleet scale (npm run bench:fleet): many releases at once through the code `meridian
 * simulate --config` runs (one Controller, one virtual clock, the simulated fleet), on a generated
 * fleet of REGIONS regions × CLUSTERS clusters and SERVICES services of 5 rings each (internal, a
 * one-region canary, then three waves), with webapp-like gates: error rate and p99 thresholds and
 * an error-rate comparison with the stable regions. Every release is a full multi-day rollout.
 * Prints wall time, peak RSS, decisions (engine inputs) per release and the outcome.
 *
 *   npm run bench:fleet                          # 200 services × 25 regions × 20 clusters
 *   BENCH_SERVICES=10 BENCH_REGIONS=5 BENCH_CLUSTERS=1 npm run bench:fleet
 *   npm run bench:fleet -- --growth              # the growth table (releases × clusters)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/policy/fleet.ts';
import { loadFleetScenario } from '../src/sim/fleet-scenario.ts';
import { runFleetSimulation } from '../src/runtime/fleet-simulation.ts';

const ZONES = ['UTC', 'Asia/Kolkata', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];

/** A Fleet of `regions` regions (the first internal) with `clusters` clusters each. */
export function fleetText(regions: number, clusters: number): string {
  const production = regions - 1;
  const share = (1 / production).toFixed(6);
  const last = (1 - Number(share) * (production - 1)).toFixed(6);
  const lines = ['apiVersion: meridian.dev/v1alpha1', 'kind: Fleet', 'metadata: { name: prod }', 'spec:', '  windows: { deploy: always }', '  regions:'];
  for (let i = 0; i < regions; i++) {
    const cs = Array.from({ length: clusters }, (_, j) => `{ name: r${i}-c${j} }`).join(', ');
    if (i === 0) lines.push(`    - { name: internal, internal: true, timezone: UTC, clusters: [${cs}] }`);
    else lines.push(`    - { name: r${i}, timezone: ${ZONES[i % ZONES.length]}, userShare: ${i === production ? last : share}, capacity: 2, clusters: [${cs}] }`);
  }
  return `${lines.join('\n')}\n`;
}

/** A service on the fleet: internal, a one-region canary, then three waves of the rest. */
export function serviceText(name: string, regions: number): string {
  const prod = Array.from({ length: regions - 1 }, (_, i) => `r${i + 1}`);
  const rest = prod.slice(1);
  const a = Math.max(1, Math.floor(rest.length / 4));
  const b = Math.max(1, Math.floor(rest.length / 3));
  const waves = [rest.slice(0, a), rest.slice(a, a + b), rest.slice(a + b)].filter((w) => w.length > 0);
  const ring = (n: number, rs: string[], bake: string, gates: string) => `    - { name: ring-${n}, regions: [${rs.join(', ')}], bake: ${bake}, gates: [${gates}], evidence: { coverPeak: false } }`;
  return [
    'apiVersion: meridian.dev/v1alpha1', 'kind: ReleasePolicy', `metadata: { name: ${name} }`, 'spec:', `  service: { name: ${name}, tier: 2 }`, '  fleet: prod', '  rings:',
    ring(0, ['internal'], '2h', 'error-rate, p99'),
    ring(1, [prod[0]!], '24h', 'error-rate, p99, vs-stable'),
    ...waves.map((w, i) => ring(i + 2, w, '12h', i < waves.length - 1 ? 'error-rate, p99, vs-stable' : 'error-rate, p99')),
    '  gates:',
    '    error-rate: { metric: error_rate, max: 0.01 }',
    '    p99: { metric: p99_latency_ms, max: 400 }',
    '    vs-stable: { compare: { metric: error_rate, baseline: stable-regions, maxRatio: 0.5 } }',
    '',
  ].join('\n');
}

export function scenarioText(services: string[]): string {
  return [
    'apiVersion: meridian.dev/v1alpha1', 'kind: FleetScenario', 'metadata: { name: scale }', 'spec:', '  start: "2026-03-02T00:00:00Z"', '  horizon: 14d', '  seed: 1',
    '  baseline: { errorRate: 0.002, p99LatencyMs: 120, cpu: 0.4, memory: 0.6, noise: 0.1 }', '  releases:',
    ...services.map((s) => `    - { service: ${s}, version: v2.0.0, previous: v1.0.0, at: "+0m" }`), '',
  ].join('\n');
}

interface Result { services: number; regions: number; clusters: number; wallMs: number; peakRssMb: number; decisions: number; completed: number }

async function run(services: number, regions: number, clusters: number): Promise<Result> {
  const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
  const config = loadConfig([{ file: 'fleet.yaml', text: fleetText(regions, clusters) }, ...names.map((n) => ({ file: `${n}.yaml`, text: serviceText(n, regions) }))]);
  const scenario = loadFleetScenario(scenarioText(names), 'scale.yaml', config).scenario;
  const t = performance.now();
  const result = await runFleetSimulation(config, scenario);
  const wallMs = performance.now() - t;
  // The process's high-water mark, as the kernel keeps it: the run never yields to a timer, so
  // sampling memoryUsage() on an interval would only ever see the start and the end.
  const peak = process.resourceUsage().maxRSS * 1024;
  const decisions = result.inputs.reduce((n, i) => n + i, 0);
  const completed = result.releases.filter((r) => r.outcome === 'completed').length;
  return { services, regions, clusters: regions * clusters, wallMs, peakRssMb: peak / 2 ** 20, decisions, completed };
}

const line = (r: Result) => `${String(r.services).padStart(8)} ${String(r.regions).padStart(7)} ${String(r.clusters).padStart(8)} ${(r.wallMs / 1000).toFixed(1).padStart(8)} s ${r.peakRssMb.toFixed(0).padStart(7)} MB ${(r.decisions / r.services).toFixed(0).padStart(9)} ${`${r.completed}/${r.services}`.padStart(9)}`;
const header = `${'releases'.padStart(8)} ${'regions'.padStart(7)} ${'clusters'.padStart(8)} ${'wall'.padStart(10)} ${'peak RSS'.padStart(10)} ${'inputs/rel'.padStart(9)} ${'completed'.padStart(9)}`;

const main = import.meta.url === `file://${process.argv[1]}`;
if (!main) {
  // Imported for its generators.
} else if (process.argv.includes('--growth')) {
  // Each size in a process of its own, so one run's peak memory is not another's.
  console.log(header);
  for (const [regions, clusters] of [[5, 1], [25, 2], [25, 20]] as const) {
    for (const services of [1, 10, 50, 200]) {
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--row'], {
        env: { ...process.env, BENCH_SERVICES: String(services), BENCH_REGIONS: String(regions), BENCH_CLUSTERS: String(clusters) }, encoding: 'utf8',
      });
      process.stdout.write(child.stdout || `${services} × ${regions} × ${clusters}: ${child.stderr}\n`);
    }
  }
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} else {
  const env = (k: string, d: number) => Number(process.env[k] ?? d);
  if (!process.argv.includes('--row')) console.log(header);
  console.log(line(await run(env('BENCH_SERVICES', 200), env('BENCH_REGIONS', 25), env('BENCH_CLUSTERS', 20))));
}
