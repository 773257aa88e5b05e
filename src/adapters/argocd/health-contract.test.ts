/**
 * @module ArgoCdHealth against the Health contract (src/ports-contract) over a stand-in Argo CD
 * API: a loopback server answering `GET /api/v1/applications/{name}` with Application bodies in
 * the shapes Argo CD documents (application-fixtures.test-helper.ts). It is NOT Argo CD, which
 * cannot run here: it shows the adapter judges what such answers say the way every Health does,
 * not how Argo CD behaves. Each step the fixture applies is a new commit; the stand-in then
 * reports the ring's Applications out of sync, synced and healthy, or failing to sync it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PolicyDocument } from '../../policy/schema.ts';
import type { RingTarget } from '../../ports.ts';
import { healthContract } from '../../ports-contract/health-contract.test-helper.ts';
import { application, OLD } from './application-fixtures.test-helper.ts';
import { argoCdError, fakeArgoCdApi } from './fake-argocd-api.test-helper.ts';
import { ArgoCdHealth } from './health.ts';

const TOKEN_ENV = 'MERIDIAN_ARGOCD_TOKEN';
const env = { [TOKEN_ENV]: 'argocd-contract-token-5e1f0c2a9b7d4e36' };

function policyFor(url: string) {
  return PolicyDocument.parse({
    apiVersion: 'meridian.dev/v1alpha1',
    kind: 'ReleasePolicy',
    metadata: { name: 'webapp' },
    spec: {
      service: { name: 'webapp' },
      regions: [{ name: 'eu-west-1', timezone: 'Europe/Dublin', clusters: [{ name: 'eu-west-1a' }, { name: 'eu-west-1b' }] }],
      rings: [{ name: 'ring-2', regions: ['eu-west-1'] }],
      delivery: { health: { provider: 'argocd', argocd: { url, tokenEnv: TOKEN_ENV, application: 'webapp-{{cluster}}' } } },
    },
  });
}

const target: RingTarget = {
  releaseId: 'webapp-v2.1.0', service: 'webapp', ring: 'ring-2', ringIndex: 0, version: 'v2.1.0', previousVersion: 'v2.0.0',
  clusters: ['eu-west-1a', 'eu-west-1b'].map((name) => ({ name, region: 'eu-west-1', labels: {} })),
};

/** A loopback port on which nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The commit of the n-th step: 40 hex digits. */
const commit = (n: number): string => `${n.toString(16).padStart(8, '0')}${'c0ffee'.repeat(6)}`.slice(0, 40);

healthContract('ArgoCdHealth over a stand-in Argo CD API (documented response shapes, not a real Argo CD)', async () => {
  const apps = new Map<string, Record<string, unknown>>();
  const fake = await fakeArgoCdApi((name) => {
    const app = apps.get(name);
    return app ? { body: app } : argoCdError(404, 5, `applications.argoproj.io "${name}" not found`);
  });
  const names = target.clusters.map((c) => `webapp-${c.name}`);
  let steps = 0;
  let current = OLD;
  const every = (make: (name: string) => Record<string, unknown>) => names.forEach((name) => apps.set(name, make(name)));
  every((name) => application({ name, revision: current }));
  return {
    health: new ArgoCdHealth(policyFor(fake.url), { env }),
    target,
    async apply() {
      const before = current;
      current = commit(++steps);
      every((name) => application({ name, sync: 'OutOfSync', revision: before }));
      return current;
    },
    async settle() {
      every((name) => application({ name, revision: current, op: { phase: 'Succeeded', revision: current } }));
    },
    async breakIt() {
      apps.set(names[0]!, application({ name: names[0]!, sync: 'OutOfSync', revision: current, op: { phase: 'Failed', revision: current, message: 'one or more objects failed to apply' } }));
    },
    unreachable: new ArgoCdHealth(policyFor(`http://127.0.0.1:${await closedPort()}`), { env, timeoutMs: 2_000 }),
    close: () => fake.close(),
  };
});
