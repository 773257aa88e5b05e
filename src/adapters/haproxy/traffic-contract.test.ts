/**
 * @module HaproxyTraffic against the Traffic contract (src/ports-contract) over the stand-in
 * runtime API of fake-haproxy.test-helper.ts: HAProxy 2.6's answers, not HAProxy. The same
 * contract runs against a real HAProxy in test/integration/haproxy-contract.test.ts.
 */
import { trafficContract } from '../../ports-contract/traffic-contract.test-helper.ts';
import { FakeHaproxy } from './fake-haproxy.test-helper.ts';
import { HaproxyTraffic } from './traffic.ts';

trafficContract('HaproxyTraffic over a stand-in HAProxy runtime API (not a real HAProxy)', async () => {
  const fake = await FakeHaproxy.start();
  return {
    traffic: new HaproxyTraffic({ socket: fake.socket, backend: fake.backend }),
    regions: fake.servers.map((s) => s.name),
    internal: 'internal',
    close: () => fake.stop(),
  };
});
