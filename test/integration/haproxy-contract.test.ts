/**
 * @module HaproxyTraffic against the Traffic contract (src/ports-contract) on a real HAProxy: a
 * fresh HAProxy per test on examples/haproxy/haproxy.cfg (three region servers, weights 25/30/45),
 * driven through its stats socket. Fails when CI=true and haproxy is missing; elsewhere it is
 * skipped with one warning.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe } from 'vitest';
import { HaproxyTraffic } from '../../src/adapters/haproxy/traffic.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { productionRegions } from '../../src/policy/model.ts';
import { trafficContract } from '../../src/ports-contract/traffic-contract.test-helper.ts';
import { findHaproxy, startHaproxy, startRegions, type RegionServers } from './support/haproxy.ts';

const POLICY = new URL('../../examples/haproxy/policy.yaml', import.meta.url);
const { policy } = loadPolicy(readFileSync(POLICY, 'utf8'), 'examples/haproxy/policy.yaml');
const REGIONS = productionRegions(policy).map((r) => r.name);
const INTERNAL = policy.spec.regions.find((r) => r.internal)!.name;

const binary = findHaproxy();
if (!binary && process.env.CI !== 'true') console.warn('skipping test/integration/haproxy-contract.test.ts: haproxy is not installed (apt-get install haproxy)');
const suite = binary || process.env.CI === 'true' ? describe : describe.skip;

suite('HaproxyTraffic on a real HAProxy', () => {
  let regions: RegionServers | undefined;
  beforeAll(async () => {
    if (!binary) throw new Error('CI=true but haproxy is not installed: the CI image needs the Debian package haproxy (apt-get install -y haproxy)');
    regions = await startRegions(REGIONS, 'v2.0.0');
  }, 30_000);
  afterAll(async () => {
    await regions?.close();
  });

  trafficContract(`HaproxyTraffic on HAProxy (${binary ?? 'not installed'})`, async () => {
    const haproxy = await startHaproxy(binary!, regions!.addresses);
    const traffic = { ...policy.spec.traffic, haproxy: { socket: haproxy.socket, backend: 'regions' } };
    return {
      traffic: HaproxyTraffic.fromPolicy({ ...policy, spec: { ...policy.spec, traffic } }),
      regions: REGIONS,
      internal: INTERNAL,
      close: () => haproxy.stop(),
    };
  });
});
