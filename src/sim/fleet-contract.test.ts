/**
 * @module The simulated fleet against the contracts of the ports it implements (src/ports-contract):
 * Delivery, Health, Metrics, Traffic and Hooks, over examples/webapp.yaml and a clock that moves
 * only when a fixture moves it.
 */
import { readFileSync } from 'node:fs';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { loadPolicy } from '../policy/load.ts';
import { productionRegions } from '../policy/model.ts';
import type { Clock, RingTarget } from '../ports.ts';
import { deliveryContract, type ContractRelease } from '../ports-contract/delivery-contract.test-helper.ts';
import { healthContract } from '../ports-contract/health-contract.test-helper.ts';
import { hooksContract } from '../ports-contract/hooks-contract.test-helper.ts';
import { metricsContract } from '../ports-contract/metrics-contract.test-helper.ts';
import { trafficContract } from '../ports-contract/traffic-contract.test-helper.ts';
import { createFleet, type Fleet } from './fleet.ts';
import { loadScenario } from './scenario.ts';

const { policy } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
const START = Date.parse('2026-03-02T03:30:00Z');
/** Longer than the deploy time (the policy's 5m): a step applied before it has landed after it. */
const LANDED = 10 * MINUTE;

/** A clock that moves only when told to. */
function stepClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => { now += ms; } };
}

function fleetWith(extra = ''): { fleet: Fleet; clock: ReturnType<typeof stepClock> } {
  const { scenario } = loadScenario(
    `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: contract }
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0 }
${extra}`,
    'contract.yaml',
    policy,
  );
  const clock = stepClock(START);
  return { fleet: createFleet(policy, scenario, clock), clock };
}

function targetOf(ring: string, release: ContractRelease): RingTarget {
  const ringIndex = policy.spec.rings.findIndex((r) => r.name === ring);
  const regions = new Set(policy.spec.rings[ringIndex]!.regions);
  return {
    releaseId: release.id, service: policy.spec.service.name, ring, ringIndex, version: release.version, previousVersion: release.previousVersion,
    clusters: policy.spec.regions.filter((r) => regions.has(r.name)).flatMap((r) => r.clusters.map((c) => ({ name: c.name, region: r.name, labels: c.labels }))),
  };
}

deliveryContract('the simulated fleet', async () => {
  const { fleet, clock } = fleetWith();
  return {
    delivery: fleet,
    rings: ['ring-1', 'ring-2'],
    target: targetOf,
    async runs(regions) {
      clock.advance(LANDED);
      return Object.fromEntries(regions.map((r) => [r, fleet.versionOf(r)]));
    },
  };
});

healthContract('the simulated fleet', async () => {
  const { fleet, clock } = fleetWith('  faults:\n    - { kind: outage, region: us-east-1, at: +0m, duration: 2h }\n');
  const target = targetOf('ring-2', { id: 'webapp-v2.1.0', version: 'v2.1.0', previousVersion: 'v2.0.0' });
  return {
    health: fleet,
    target,
    apply: async (step) => (await (step === 'deploy' ? fleet.deploy(target) : fleet.rollback(target))).ref,
    settle: async () => clock.advance(LANDED),
    regions: { up: 'eu-west-1', down: 'us-east-1' },
  };
});

metricsContract('the simulated fleet', async () => {
  const { fleet, clock } = fleetWith('  faults:\n    - { kind: metrics-gap, region: eu-west-1, at: +2h, duration: 30m }\n');
  await fleet.setWeights({ 'ap-south-1': 0 });
  clock.advance(4 * HOUR);
  const query = (region: string) => ({ metric: 'error_rate', region, ring: 'ring-2', version: 'v2.0.0' });
  return {
    metrics: fleet,
    data: { query: query('eu-west-1'), from: START + 30 * MINUTE, to: START + HOUR, about: 0.002 },
    gap: { from: START + 2 * HOUR, to: START + 2 * HOUR + 30 * MINUTE },
    idle: { query: query('ap-south-1'), from: START + 30 * MINUTE, to: START + HOUR },
  };
});

trafficContract('the simulated fleet', async () => ({
  traffic: fleetWith().fleet,
  regions: productionRegions(policy).map((r) => r.name),
  internal: 'internal',
}));

const SECRET = 'c2ltdWxhdGVkLWhvb2stdG9rZW4tZm9yLWNvbnRyYWN0';

hooksContract('the simulated fleet', async () => {
  const { fleet } = fleetWith('  failHooks: [replication.pause]\n');
  const context = (step: string) => ({ releaseId: 'webapp-v2.1.0', service: 'webapp', version: 'v2.1.0', step });
  return {
    hooks: fleet,
    passing: { hook: { command: ['true'] }, context: context('flag.enable') },
    failing: { hook: { command: ['sh', '-c', `echo ${SECRET} >&2; exit 3`] }, context: context('replication.pause'), says: 'failed' },
    secret: SECRET,
  };
});
