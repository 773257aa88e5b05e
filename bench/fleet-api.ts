/**
 * @module The API of one server for a whole fleet (npm run bench:fleet-api): N services on one
 * controller (the fleet of examples/fleet, simulated ports, virtual time), every service releasing
 * at once until each release completes, then the size and the median time of the answers a
 * dashboard and scripts ask for: `GET /api/v1/releases` (a page), `GET /api/v1/releases/{id}` (a
 * finished multi-day release), `GET /api/v1/services`, and the heap that the releases keep.
 * In-process through the HTTP app (no sockets), so it times Meridian, not the network.
 * `BENCH_SERVICES=N` (default 100).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/api/app.ts';
import type { Auth } from '../src/api/auth.ts';
import { fakeWorld } from '../src/engine/fake-ports.test-helper.ts';
import { loadConfig } from '../src/policy/fleet.ts';
import type { Actor } from '../src/runtime/controller-types.ts';
import { Controller } from '../src/runtime/controller.ts';
import { MemoryStore } from '../src/runtime/memory-store.ts';
import { SimulatedClock } from '../src/runtime/simulated-clock.ts';
import { HOUR } from '../src/policy/duration.ts';

const services = Number(process.env.BENCH_SERVICES ?? 100);
const root: Actor = { user: 'bench', groups: ['release-team'], role: 'admin' };
const auth: Auth = { authenticate: () => root };

// Deploys at any hour and no limit per region: every release runs to its end at once.
const fleet = readFileSync('examples/fleet/fleet.yaml', 'utf8').replace('deploy: business-hours', 'deploy: always').replace(/\n {2}concurrency:\n {4}perRegion: \d+/, '');
const profile = readFileSync('examples/fleet/profile.yaml', 'utf8');
const files = [{ file: 'fleet.yaml', text: fleet }, ...Array.from({ length: services }, (_, i) => ({ file: `svc-${i}.yaml`, text: profile.replace(/name: profile/g, `name: svc-${i}`) }))];
const config = loadConfig(files);
const clock = new SimulatedClock(Date.parse('2026-03-02T00:00:00Z'));
const store = new MemoryStore();
const controller = new Controller({ config, store, clock, portsFor: (s) => fakeWorld(s.policy, clock) });
const app = createApp(controller, auth, { processMetrics: false, log: () => {} });

const t0 = performance.now();
const ids: string[] = [];
for (const s of config.services) ids.push((await controller.start({ service: s.service, version: 'v2' }, root)).id);
const ringHours = config.services[0]!.policy.spec.rings.reduce((h, r) => h + r.bake / HOUR, 0);
await clock.advance((ringHours + 6) * HOUR, () => controller.idle());
const ran = performance.now() - t0;
const finished = (await Promise.all(ids.map((id) => controller.get(id)))).filter((v) => v.phase === 'completed').length;

async function measure(path: string, runs = 50): Promise<{ bytes: number; gzip: number; ms: number }> {
  const get = (encoding: string) => app.fetch(new Request(`http://bench${path}`, { headers: { authorization: 'Bearer x', 'accept-encoding': encoding } }));
  const plain = await get('identity');
  if (plain.status !== 200) throw new Error(`${path}: ${plain.status} ${await plain.text()}`);
  const bytes = (await plain.arrayBuffer()).byteLength;
  const gzip = (await (await get('gzip')).arrayBuffer()).byteLength;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await (await get('gzip')).arrayBuffer();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { bytes, gzip, ms: times[Math.floor(times.length / 2)]! };
}

globalThis.gc?.();
const heap = process.memoryUsage().heapUsed;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${services} services, ${finished} of ${ids.length} releases completed over ${ringHours + 6} virtual hours in ${(ran / 1000).toFixed(1)} s; heap ${(heap / 2 ** 20).toFixed(0)} MB`);
for (const path of ['/api/v1/releases', '/api/v1/releases?limit=500', `/api/v1/releases/${ids[0]}`, '/api/v1/services', `/api/v1/releases/${ids[0]}/evaluations?limit=500`]) {
  const m = await measure(path);
  console.log(`GET ${path.replace(ids[0]!, '{id}').padEnd(52)} ${kb(m.bytes).padStart(10)} (${kb(m.gzip).padStart(9)} gzip)  median ${m.ms.toFixed(2)} ms`);
}
await controller.close();
