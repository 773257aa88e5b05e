/**
 * @module Integration test of the HAProxy traffic adapter against a real HAProxy: three region
 * servers behind examples/haproxy/haproxy.cfg, a stream of 600 requests, eu-west-1 drained in the
 * middle of it with the weights planDrain computes for examples/haproxy/policy.yaml, then restored.
 * Fails when CI=true and haproxy is missing; elsewhere it is skipped with one warning.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyTraffic } from '../../src/adapters/haproxy/traffic.ts';
import { AdapterError } from '../../src/errors.ts';
import { sharesAfterDrain } from '../../src/plan/front-door.ts';
import { planDrain } from '../../src/plan/headroom.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { productionRegions } from '../../src/policy/model.ts';
import { countByRegion, findHaproxy, startHaproxy, startRegions, stream, type RegionServers, type RunningHaproxy } from './support/haproxy.ts';

const POLICY = new URL('../../examples/haproxy/policy.yaml', import.meta.url);
const { policy } = loadPolicy(readFileSync(POLICY, 'utf8'), 'examples/haproxy/policy.yaml');
const REGIONS = productionRegions(policy).map((r) => r.name);
const DRAINED = 'eu-west-1';
const VERSION = 'v2.0.0';

const binary = findHaproxy();
if (!binary && process.env.CI !== 'true') console.warn('skipping test/integration/haproxy.test.ts: haproxy is not installed (apt-get install haproxy)');
const suite = binary || process.env.CI === 'true' ? describe : describe.skip;

suite('draining a region through a real HAProxy', () => {
  let regions: RegionServers | undefined;
  let haproxy: RunningHaproxy | undefined;
  let traffic: HaproxyTraffic;

  beforeAll(async () => {
    if (!binary) throw new Error('CI=true but haproxy is not installed: the CI image needs the Debian package haproxy (apt-get install -y haproxy)');
    regions = await startRegions(REGIONS, VERSION);
    haproxy = await startHaproxy(binary, regions.addresses);
    traffic = new HaproxyTraffic({ socket: haproxy.socket, backend: 'regions' });
  }, 30_000);

  afterAll(async () => {
    await haproxy?.stop();
    await regions?.close();
  });

  it('reads the configured weights back as the regions’ user shares', async () => {
    expect(await traffic.weights()).toEqual({ 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 });
  });

  it('refuses a region the backend has no server for, and changes nothing', async () => {
    const e = await traffic.setWeights({ 'eu-west-1': 0, 'mars-1': 1 }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AdapterError);
    expect((e as AdapterError).message).toBe(
      'HAProxy backend "regions" has no server named "mars-1" (its servers: ap-south-1, eu-west-1, us-east-1); each region needs a server of the same name',
    );
    expect(await traffic.weights()).toEqual({ 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 });
  });

  it('moves every new request off the drained region mid-stream, fails none, and brings them back on restore', async () => {
    const plan = planDrain(policy, DRAINED);
    expect(plan).toEqual({ allowed: true, reason: null, shifts: [{ to: 'ap-south-1', share: 0.1364 }, { to: 'us-east-1', share: 0.1636 }] });
    const drainShares = sharesAfterDrain(policy, DRAINED, plan);
    const normalShares = Object.fromEntries(productionRegions(policy).map((r) => [r.name, r.userShare ?? 0]));

    let phase = 'before';
    let failure: unknown = null;
    // Set by the stream's callback, so declared as the union (not narrowed to null here).
    let drain = null as Promise<void> | null;
    let restore = null as Promise<void> | null;
    const read: Record<string, { weights: Record<string, number>; admin: Record<string, number> }> = {};
    const readBack = async (when: string): Promise<void> => {
      const servers = await traffic.servers();
      read[when] = { weights: await traffic.weights(), admin: Object.fromEntries(servers.map((s) => [s.name, s.admin])) };
    };
    const hitsBefore = { ...regions!.hits };

    const answers = await stream({
      url: haproxy!.url,
      total: 600,
      concurrency: 4,
      phase: () => phase,
      onAnswer: (answered) => {
        if (answered >= 200 && drain === null) {
          phase = 'draining';
          drain = traffic.setWeights(drainShares).then(() => readBack('drained')).then(() => { phase = 'drained'; }, (e: unknown) => { failure = e; });
        }
        if (answered >= 400 && restore === null && phase === 'drained') {
          phase = 'restoring';
          restore = traffic.setWeights(normalShares).then(() => readBack('restored')).then(() => { phase = 'restored'; }, (e: unknown) => { failure = e; });
        }
      },
    });
    await drain;
    await restore;
    expect(failure).toBeNull();

    // Every request answered 200 by a region server; HAProxy sent each where the answer says.
    expect(answers).toHaveLength(600);
    expect(answers.filter((a) => a.status !== 200 || a.version !== VERSION || a.region === null)).toEqual([]);
    const served = Object.fromEntries(REGIONS.map((r) => [r, regions!.hits[r]! - hitsBefore[r]!]));
    expect(served).toEqual(countByRegion(answers, REGIONS));

    const of = (p: string) => answers.filter((a) => a.phase === p);
    const [before, drained, restored] = [of('before'), of('drained'), of('restored')];
    expect(before.length).toBeGreaterThanOrEqual(200);
    expect(drained.length).toBeGreaterThan(150);
    expect(restored.length).toBeGreaterThan(150);
    const share = (list: typeof answers, region: string) => countByRegion(list, REGIONS)[region]! / list.length;

    // Before: the configured weights 25/30/45.
    expect(share(before, DRAINED)).toBeCloseTo(0.3, 1);
    // Drained: nothing sent after the change reached eu-west-1; the others split 161:256.
    expect(countByRegion(drained, REGIONS)[DRAINED]).toBe(0);
    expect(share(drained, 'ap-south-1')).toBeCloseTo(161 / 417, 1);
    expect(share(drained, 'us-east-1')).toBeCloseTo(256 / 417, 1);
    // Restored: eu-west-1 is back with about its weight, 171 of 569.
    expect(countByRegion(restored, REGIONS)[DRAINED]).toBeGreaterThan(0);
    expect(share(restored, DRAINED)).toBeCloseTo(171 / 569, 1);

    expect(read.drained).toEqual({
      weights: { 'ap-south-1': 161 / 417, 'eu-west-1': 0, 'us-east-1': 256 / 417 },
      admin: { 'ap-south-1': 0, 'eu-west-1': 0x08, 'us-east-1': 0 },
    });
    expect(read.restored).toEqual({
      weights: { 'ap-south-1': 142 / 569, 'eu-west-1': 171 / 569, 'us-east-1': 256 / 569 },
      admin: { 'ap-south-1': 0, 'eu-west-1': 0, 'us-east-1': 0 },
    });
  });
});
