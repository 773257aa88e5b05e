/**
 * @module GitOps delivery against the Delivery and Health contracts (src/ports-contract) with real
 * git and a bare remote in a temporary directory, a fresh repository per test:
 * - GitOpsDelivery alone (what each region runs is what the ApplicationSet on the branch says);
 * - SimulatedApply, the demo's and `serve`'s delivery when health is simulated: every step a real
 *   commit, which the simulated fleet then applies as Argo CD would.
 */
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parse } from 'yaml';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { ringOf, removeTempDirs, show, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';
import type { Policy } from '../../src/policy/schema.ts';
import type { Clock } from '../../src/ports.ts';
import { deliveryContract, FIRST } from '../../src/ports-contract/delivery-contract.test-helper.ts';
import { healthContract } from '../../src/ports-contract/health-contract.test-helper.ts';
import { SimulatedApply } from '../../src/runtime/simulated-apply.ts';
import { createFleet } from '../../src/sim/fleet.ts';
import { loadScenario } from '../../src/sim/scenario.ts';

afterAll(removeTempDirs);

const APPSET = 'deploy/applicationset.yaml';
const START = Date.parse('2026-03-02T03:30:00Z');
/** Longer than the simulated deploy time (5m). */
const LANDED = 10 * 60_000;

async function repository() {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
  const policy = await webappPolicy(remote);
  let clones = 0;
  const delivery = () => new GitOpsDelivery(policy, { workDir: join(dir, `work-${++clones}`), env });
  return { env, remote, policy, delivery };
}

/** Each region's revision in the ApplicationSet on the remote's branch (every cluster of a region alike). */
async function revisions(remote: string, env: NodeJS.ProcessEnv, policy: Policy, regions: string[]): Promise<Record<string, string>> {
  const doc = parse(await show(remote, APPSET, env)) as { spec: { generators: Array<{ list?: { elements: Array<{ cluster: string; revision: string }> } }> } };
  const elements = doc.spec.generators.flatMap((g) => g.list?.elements ?? []);
  const revisionOf = (cluster: string) => elements.find((e) => e.cluster === cluster)?.revision;
  return Object.fromEntries(regions.map((region) => {
    const clusters = policy.spec.regions.find((r) => r.name === region)!.clusters.map((c) => revisionOf(c.name));
    if (new Set(clusters).size !== 1 || clusters[0] === undefined) throw new Error(`the clusters of ${region} disagree in ${APPSET}: ${clusters.join(', ')}`);
    return [region, clusters[0]];
  }));
}

/** The simulated fleet for `policy`, with us-east-1 down for the first two hours, and its clock. */
function fleetFor(policy: Policy) {
  const { scenario } = loadScenario(
    'apiVersion: meridian.dev/v1alpha1\nkind: Scenario\nmetadata: { name: contract }\nspec:\n  start: "2026-03-02T03:30:00Z"\n' +
      '  release: { version: v2.1.0, previous: v2.0.0 }\n  faults:\n    - { kind: outage, region: us-east-1, at: +0m, duration: 2h }\n',
    'contract.yaml',
    policy,
  );
  let now = START;
  const clock: Clock & { advance(ms: number): void } = { now: () => now, advance: (ms) => { now += ms; } };
  return { fleet: createFleet(policy, scenario, clock), clock };
}

/** SimulatedApply as runtime/wiring.ts builds it: the commit's step read back from the branch after a restart. */
function simulatedApply(git: GitOpsDelivery, fleet: ReturnType<typeof fleetFor>['fleet']): SimulatedApply {
  return new SimulatedApply(git, fleet, async (ref) => {
    const step = (await git.history(200)).find((c) => c.id === ref)?.step?.split('/')[1];
    return step === 'deploy' || step === 'rollback' ? step : null;
  });
}

deliveryContract('GitOpsDelivery with real git and a bare remote', async () => {
  const r = await repository();
  return {
    delivery: r.delivery(),
    rings: ['ring-1', 'ring-2'],
    target: (ring, release) => ringOf(r.policy, ring, release),
    runs: (regions) => revisions(r.remote, r.env, r.policy, regions),
    restart: () => r.delivery(),
  };
});

deliveryContract('SimulatedApply over real git and the simulated fleet', async () => {
  const r = await repository();
  const { fleet, clock } = fleetFor(r.policy);
  return {
    delivery: simulatedApply(r.delivery(), fleet),
    rings: ['ring-1', 'ring-2'],
    target: (ring, release) => ringOf(r.policy, ring, release),
    async runs(regions) {
      clock.advance(LANDED);
      return Object.fromEntries(regions.map((region) => [region, fleet.versionOf(region)]));
    },
    restart: () => simulatedApply(r.delivery(), fleet),
  };
});

healthContract('SimulatedApply over real git and the simulated fleet', async () => {
  const r = await repository();
  const { fleet, clock } = fleetFor(r.policy);
  const applied = simulatedApply(r.delivery(), fleet);
  const target = ringOf(r.policy, 'ring-2', FIRST);
  return {
    health: applied,
    target,
    apply: async (step) => (await (step === 'deploy' ? applied.deploy(target) : applied.rollback(target))).ref,
    settle: async () => clock.advance(LANDED),
    regions: { up: 'eu-west-1', down: 'us-east-1' },
  };
});
