/** @module Tests of HaproxyTraffic against the fake runtime API: the commands sent, the weights read back, the refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { policyWith } from '../../policy/lint/test-helpers.ts';
import { FakeHaproxy } from './fake-haproxy.test-helper.ts';
import { HaproxyTraffic, weightCommands } from './traffic.ts';

const fakes: FakeHaproxy[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
});
async function haproxy(options: Parameters<typeof FakeHaproxy.start>[0] = {}): Promise<{ fake: FakeHaproxy; traffic: HaproxyTraffic }> {
  const fake = await FakeHaproxy.start(options);
  fakes.push(fake);
  return { fake, traffic: new HaproxyTraffic({ socket: fake.socket, backend: fake.backend }) };
}

async function failure(p: Promise<unknown>): Promise<AdapterError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AdapterError);
  return e as AdapterError;
}

const DRAIN_EU = { 'ap-south-1': 0.3864, 'eu-west-1': 0, 'us-east-1': 0.6136 };
const NORMAL = { 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 };

describe('HaproxyTraffic.setWeights', () => {
  it('reads the backend, then sets serving regions ready first and drains the others last, in one line', async () => {
    const { fake, traffic } = await haproxy();
    await traffic.setWeights(DRAIN_EU);
    expect(fake.lines).toEqual([
      'show servers state regions',
      'set weight regions/ap-south-1 161;set server regions/ap-south-1 state ready;set weight regions/us-east-1 256;set server regions/us-east-1 state ready;' +
        'set weight regions/eu-west-1 0;set server regions/eu-west-1 state drain',
    ]);
    expect(fake.servers).toEqual([
      { name: 'ap-south-1', weight: 161, admin: 0 },
      { name: 'eu-west-1', weight: 0, admin: 0x08 },
      { name: 'us-east-1', weight: 256, admin: 0 },
    ]);
  });

  it('brings a drained region back to ready with its weight', async () => {
    const { fake, traffic } = await haproxy();
    await traffic.setWeights(DRAIN_EU);
    await traffic.setWeights(NORMAL);
    expect(fake.servers).toEqual([
      { name: 'ap-south-1', weight: 142, admin: 0 },
      { name: 'eu-west-1', weight: 171, admin: 0 },
      { name: 'us-east-1', weight: 256, admin: 0 },
    ]);
  });

  it('changes nothing when a region has no server of its name, and lists the servers there are', async () => {
    const { fake, traffic } = await haproxy();
    const e = await failure(traffic.setWeights({ 'eu-west-1': 0, 'mars-1': 1 }));
    expect(e.message).toBe('HAProxy backend "regions" has no server named "mars-1" (its servers: ap-south-1, eu-west-1, us-east-1); each region needs a server of the same name');
    expect(e.retryable).toBe(false);
    expect(fake.lines).toEqual(['show servers state regions']);
  });

  it('refuses to leave no server serving', async () => {
    const { fake, traffic } = await haproxy();
    await traffic.setWeights({ 'ap-south-1': 0, 'eu-west-1': 0 });
    const e = await failure(traffic.setWeights({ 'us-east-1': 0 }));
    expect(e.message).toBe('refusing to give every server of HAProxy backend "regions" weight 0: nothing would serve users');
    expect(fake.serverNamed('us-east-1')).toEqual({ name: 'us-east-1', weight: 1, admin: 0 });
  });

  it('rejects a negative or non-numeric share before asking HAProxy anything it could change', async () => {
    const { traffic } = await haproxy();
    expect((await failure(traffic.setWeights({ 'eu-west-1': -0.1 }))).message).toBe('the weight of eu-west-1 must be a number ≥ 0 (got -0.1)');
    expect((await failure(traffic.setWeights({ 'eu-west-1': Number.NaN }))).message).toBe('the weight of eu-west-1 must be a number ≥ 0 (got NaN)');
  });

  it('passes on HAProxy refusing the change on a socket below level admin', async () => {
    const { traffic } = await haproxy({ level: 'user' });
    expect((await failure(traffic.setWeights(NORMAL))).message).toBe(
      'HAProxy refused "set weight regions/ap-south-1 142": Permission denied (declare the stats socket with "level admin")',
    );
  });

  it('reports every command HAProxy refused, e.g. a server removed since it was read', async () => {
    const { fake, traffic } = await haproxy();
    const original = fake.answer.bind(fake);
    fake.answer = (command) => (command.includes('/eu-west-1') ? 'No such server.\n' : original(command));
    expect((await failure(traffic.setWeights(DRAIN_EU))).message).toBe(
      'HAProxy refused 2 of 6 weight changes: HAProxy has no server regions/eu-west-1 ("No such server." to "set weight regions/eu-west-1 0"); ' +
        'HAProxy has no server regions/eu-west-1 ("No such server." to "set server regions/eu-west-1 state drain")',
    );
  });

  it('does nothing for no weights', async () => {
    const { fake, traffic } = await haproxy();
    await traffic.setWeights({});
    expect(fake.lines).toEqual([]);
  });
});

describe('HaproxyTraffic.weights', () => {
  it('reads each server weight back as its share of the backend, 0 when drained', async () => {
    const { traffic } = await haproxy();
    expect(await traffic.weights()).toEqual({ 'ap-south-1': 1 / 3, 'eu-west-1': 1 / 3, 'us-east-1': 1 / 3 });
    await traffic.setWeights(DRAIN_EU);
    expect(await traffic.weights()).toEqual({ 'ap-south-1': 161 / 417, 'eu-west-1': 0, 'us-east-1': 256 / 417 });
  });

  it('gives back the shares it was given, to within HAProxy’s 1/256 steps', async () => {
    const { traffic } = await haproxy();
    await traffic.setWeights(NORMAL);
    const back = await traffic.weights();
    for (const [region, share] of Object.entries(NORMAL)) expect(Math.abs(back[region]! - share)).toBeLessThan(1 / 256);
  });

  it('names a backend HAProxy does not have', async () => {
    const { fake } = await haproxy();
    const traffic = new HaproxyTraffic({ socket: fake.socket, backend: 'edge' });
    expect((await failure(traffic.weights())).message).toBe('HAProxy has no backend "edge" ("Can\'t find backend." to "show servers state edge")');
  });
});

describe('HaproxyTraffic', () => {
  it('is built from the policy’s spec.traffic.haproxy', async () => {
    const { fake } = await haproxy();
    const { policy } = policyWith((p) => {
      p.spec.traffic = { provider: 'haproxy', minHeadroom: 1.3, failover: 'manual', haproxy: { socket: fake.socket, backend: 'regions' } };
    });
    expect(HaproxyTraffic.fromPolicy(policy).backend).toBe('regions');
    expect(Object.keys(await HaproxyTraffic.fromPolicy(policy).weights())).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
    expect(() => HaproxyTraffic.fromPolicy(policyWith().policy)).toThrow(new AdapterError('spec.traffic.haproxy: { socket } is needed to drive HAProxy', { retryable: false }));
  });

  it('refuses a backend name that HAProxy could not have', () => {
    expect(() => new HaproxyTraffic({ socket: '/run/haproxy.sock', backend: 'regions;shutdown' })).toThrow(
      new AdapterError('"regions;shutdown" is not an HAProxy backend name (letters, digits, "-", "_", "." and ":" only)', { retryable: false }),
    );
  });
});

describe('weightCommands', () => {
  const servers = [
    { backendId: 1, backend: 'regions', id: 1, name: 'a', address: '127.0.0.1', operational: 2, admin: 0, weight: 10, initialWeight: 1 },
    { backendId: 1, backend: 'regions', id: 2, name: 'b', address: '127.0.0.1', operational: 2, admin: 0x08, weight: 0, initialWeight: 1 },
  ];

  it('leaves servers it is not given as they are', () => {
    expect(weightCommands('regions', servers, { b: 0.5 })).toEqual(['set weight regions/b 256', 'set server regions/b state ready']);
  });

  it('counts a server not named but still serving, so draining the other is allowed', () => {
    expect(weightCommands('regions', [servers[0]!, { ...servers[1]!, admin: 0, weight: 5 }], { b: 0 })).toEqual([
      'set weight regions/b 0',
      'set server regions/b state drain',
    ]);
  });
});

describe('HaproxyTraffic for residency zones', () => {
  it('drives a backend per zone from spec.traffic.haproxy.backends, each with the users of its regions', async () => {
    const { readFileSync } = await import('node:fs');
    const { loadPolicy } = await import('../../policy/load.ts');
    const text = readFileSync(new URL('../../../examples/residency.yaml', import.meta.url), 'utf8')
      .replace('  traffic:\n', '  traffic:\n    provider: haproxy\n    haproxy: { socket: /run/haproxy.sock, backends: { EU: eu-regions, US: us-regions } }\n');
    const traffic = HaproxyTraffic.fromPolicy(loadPolicy(text, 'residency.yaml').policy);
    expect(traffic.backends).toEqual([
      { backend: 'eu-regions', users: { 'eu-west-1': 0.12, 'eu-central-1': 0.3 } },
      { backend: 'us-regions', users: { 'us-west-2': 0.2, 'us-east-1': 0.38 } },
    ]);
  });

  it('refuses a zone backend name that HAProxy could not have', () => {
    expect(() => new HaproxyTraffic({ socket: '/run/haproxy.sock', zones: [{ backend: 'eu regions', regions: { 'eu-west-1': 1 } }] })).toThrow(
      new AdapterError('"eu regions" is not an HAProxy backend name (letters, digits, "-", "_", "." and ":" only)', { retryable: false }),
    );
  });
});
