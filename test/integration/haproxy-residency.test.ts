/**
 * @module Integration test of drains inside residency zones through a real HAProxy: the four
 * regions of examples/residency.yaml behind examples/haproxy/residency.cfg (a frontend and a backend
 * per zone), driven by the runtime's own drain and restore effects. Draining eu-west-1 mid-stream
 * moves its users to eu-central-1 and nowhere else; draining eu-central-1 is refused (the EU cannot
 * absorb it, the US capacity is across the boundary) and HAProxy is not touched.
 * Fails when CI=true and haproxy is missing; elsewhere it is skipped with one warning.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyTraffic } from '../../src/adapters/haproxy/traffic.ts';
import { initialState } from '../../src/engine/decide.ts';
import type { EngineInput, ReleaseState } from '../../src/engine/types.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/schema.ts';
import { perform, type RuntimePorts } from '../../src/runtime/effects.ts';
import { countByRegion, findHaproxy, startHaproxy, startRegions, stream, type RegionServers, type RunningHaproxy } from './support/haproxy.ts';

const CONFIG = new URL('../../examples/haproxy/residency.cfg', import.meta.url).pathname;
const EXAMPLE = readFileSync(new URL('../../examples/residency.yaml', import.meta.url), 'utf8');
const EU = ['eu-west-1', 'eu-central-1'];
const US = ['us-west-2', 'us-east-1'];
const VERSION = 'v2.0.0';

/** examples/residency.yaml with its traffic on the HAProxy listening on `socket`, one backend per zone. */
function policyOn(socket: string): Policy {
  const traffic = `  traffic:\n    provider: haproxy\n    minHeadroom: 1.3\n    failover: automatic\n    haproxy: { socket: "${socket}", backends: { EU: eu-regions, US: us-regions } }\n`;
  const text = EXAMPLE.replace(/ {2}traffic:\n {4}minHeadroom: 1\.3\n {4}failover: automatic\n/, traffic);
  expect(text).not.toBe(EXAMPLE);
  return loadPolicy(text, 'examples/residency.yaml').policy;
}

const binary = findHaproxy();
if (!binary && process.env.CI !== 'true') console.warn('skipping test/integration/haproxy-residency.test.ts: haproxy is not installed (apt-get install haproxy)');
const suite = binary || process.env.CI === 'true' ? describe : describe.skip;

suite('drains inside residency zones through a real HAProxy', () => {
  let regions: RegionServers | undefined;
  let haproxy: RunningHaproxy | undefined;
  let policy: Policy;
  let traffic: HaproxyTraffic;
  let ports: RuntimePorts;
  let state: ReleaseState;
  const at = Date.parse('2026-03-04T08:45:00Z');

  beforeAll(async () => {
    if (!binary) throw new Error('CI=true but haproxy is not installed: the CI image needs the Debian package haproxy (apt-get install -y haproxy)');
    regions = await startRegions([...EU, ...US], VERSION);
    haproxy = await startHaproxy(binary, regions.addresses, CONFIG, ['EU', 'US']);
    policy = policyOn(haproxy.socket);
    traffic = HaproxyTraffic.fromPolicy(policy);
    const unused = () => { throw new Error('not used by traffic effects'); };
    ports = { traffic, delivery: { deploy: unused, rollback: unused }, health: { status: unused }, metrics: { value: unused, series: unused }, hooks: { run: unused } } as unknown as RuntimePorts;
    state = initialState(policy, { id: 'accounts-v2.1.0', service: 'accounts', version: 'v2.1.0', previousVersion: VERSION, changes: ['app'], schemaPhase: 'expand' }, {}, at);
  }, 30_000);

  afterAll(async () => {
    await haproxy?.stop();
    await regions?.close();
  });

  const effect = (type: 'drain' | 'restore', region: string): Promise<EngineInput | null> => perform(policy, state, ports, { type, region, cause: 'failure' }, () => at);

  it('reads the two backends back as global user shares', async () => {
    const w = await traffic.weights();
    expect(Object.keys(w)).toEqual([...EU, ...US]);
    for (const [region, share] of Object.entries({ 'eu-west-1': 0.12, 'eu-central-1': 0.3, 'us-west-2': 0.2, 'us-east-1': 0.38 })) expect(w[region]).toBeCloseTo(share, 10);
  });

  it('drains eu-west-1 into eu-central-1 alone mid-stream, the US untouched, and restores it', async () => {
    let phase = 'before';
    let failure: unknown = null;
    let drain = null as Promise<EngineInput | null> | null;
    let restore = null as Promise<EngineInput | null> | null;
    const hitsBefore = { ...regions!.hits };
    const [eu, us] = await Promise.all([
      stream({
        url: haproxy!.urls.EU!,
        total: 420,
        concurrency: 4,
        phase: () => phase,
        onAnswer: (answered) => {
          if (answered >= 120 && drain === null) {
            phase = 'draining';
            drain = effect('drain', 'eu-west-1').then((r) => { phase = 'drained'; return r; }, (e: unknown) => { failure = e; return null; });
          }
          if (answered >= 270 && restore === null && phase === 'drained') {
            phase = 'restoring';
            state = { ...state, drained: ['eu-west-1'] };
            restore = effect('restore', 'eu-west-1').then((r) => { phase = 'restored'; return r; }, (e: unknown) => { failure = e; return null; });
          }
        },
      }),
      stream({ url: haproxy!.urls.US!, total: 200, concurrency: 2, phase: () => 'us' }),
    ]);
    const drained = await drain;
    const restored = await restore;
    expect(failure).toBeNull();
    state = { ...state, drained: [] };

    expect(drained).toMatchObject({ type: 'traffic-done', action: 'drained', region: 'eu-west-1' });
    expect((drained as { detail: string }).detail).toMatch(/; after: eu-west-1 0, eu-central-1 0\.42, us-west-2 0\.2, us-east-1 0\.38$/);
    expect(restored).toMatchObject({ type: 'traffic-done', action: 'restored', region: 'eu-west-1' });

    // Every request answered by a region of its zone; the EU frontend never reached the US, nor the US the EU.
    expect([...eu, ...us].filter((a) => a.status !== 200 || a.version !== VERSION)).toEqual([]);
    expect(eu.filter((a) => !EU.includes(a.region ?? ''))).toEqual([]);
    expect(us.filter((a) => !US.includes(a.region ?? ''))).toEqual([]);
    const served = Object.fromEntries([...EU, ...US].map((r) => [r, regions!.hits[r]! - hitsBefore[r]!]));
    expect(served).toEqual(countByRegion([...eu, ...us], [...EU, ...US]));

    const of = (p: string) => eu.filter((a) => a.phase === p);
    expect(of('drained').length).toBeGreaterThan(100);
    expect(countByRegion(of('drained'), EU)).toEqual({ 'eu-west-1': 0, 'eu-central-1': of('drained').length });
    expect(countByRegion(of('before'), EU)['eu-west-1']).toBeGreaterThan(0);
    expect(countByRegion(of('restored'), EU)['eu-west-1']).toBeGreaterThan(0);
    // The US kept its 20:38 split throughout.
    expect(countByRegion(us, US)['us-west-2']! / us.length).toBeCloseTo(20 / 58, 1);
  });

  it('refuses to drain eu-central-1 across the boundary, naming the zone and its numbers, and changes no weight', async () => {
    const before = await traffic.servers('eu-regions');
    expect(await effect('drain', 'eu-central-1')).toEqual({
      type: 'traffic-refused',
      at,
      region: 'eu-central-1',
      cause: 'failure',
      reason: 'draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.12; us-west-2 and us-east-1 are outside EU',
    });
    expect(await traffic.servers('eu-regions')).toEqual(before);
    const answers = await stream({ url: haproxy!.urls.EU!, total: 40, concurrency: 2, phase: () => 'after' });
    expect(countByRegion(answers, EU)['eu-central-1']).toBeGreaterThan(0);
  });
});
