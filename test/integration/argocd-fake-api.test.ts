/**
 * @module The Argo CD health adapter over real HTTP against a small local server that answers with
 * the response shapes Argo CD documents (Application JSON, `{ error, code, message }` errors). It is
 * NOT a real Argo CD: it proves the adapter's requests, token handling, error messages and
 * judgement end to end, not Argo CD's behaviour.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArgoCdHealth } from '../../src/adapters/argocd/index.ts';
import { application, OLD, REF, type AppFixture } from '../../src/adapters/argocd/application-fixtures.test-helper.ts';
import { AdapterError } from '../../src/errors.ts';
import { PolicyDocument, type Policy } from '../../src/policy/schema.ts';
import type { ClusterTarget, RingTarget } from '../../src/ports.ts';

const TOKEN = 'argocd-api-token-7f3c9b1e5d2a4c68';
const TOKEN_ENV = 'MERIDIAN_ARGOCD_TOKEN';

type Answer = { status: number; body: string } | Record<string, unknown>;

/** A fake Argo CD API: GET /api/v1/applications/{name}, bearer-token checked, bodies from `apps`. */
interface FakeArgoCd {
  url: string;
  apps: Map<string, Answer>;
  /** What arrived, in order: path with query, and the Authorization header. */
  requests: { path: string; authorization: string | undefined }[];
  /** How an Application not in `apps` is answered: 404 as with a project given, 403 as without. */
  missing: 404 | 403;
  close(): Promise<void>;
}

function argoError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message, code, message }));
}

function handler(fake: Omit<FakeArgoCd, 'url' | 'close'>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/';
    fake.requests.push({ path, authorization: req.headers.authorization });
    const m = /^\/api\/v1\/applications\/([^/?]+)(\?.*)?$/.exec(path);
    if (req.method !== 'GET' || !m) return argoError(res, 404, 5, 'Not Found');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return argoError(res, 401, 16, 'invalid session: token signature is invalid');
    const name = decodeURIComponent(m[1]!);
    const namespace = new URLSearchParams(m[2] ?? '').get('appNamespace');
    const answer = fake.apps.get(namespace ? `${namespace}/${name}` : name);
    if (answer === undefined) {
      return fake.missing === 404
        ? argoError(res, 404, 5, `applications.argoproj.io "${name}" not found`)
        : argoError(res, 403, 7, 'permission denied');
    }
    if (typeof answer['status'] === 'number' && typeof answer['body'] === 'string') {
      res.writeHead(answer['status'], { 'content-type': 'application/json' });
      return void res.end(answer['body']);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function startFake(make: (h: ReturnType<typeof handler>) => Server = (h) => createHttpServer(h), scheme = 'http'): Promise<FakeArgoCd> {
  const state = { apps: new Map<string, Answer>(), requests: [] as FakeArgoCd['requests'], missing: 404 as 404 | 403 };
  const server = make(handler(state));
  const port = await listen(server);
  return Object.assign(state, {
    url: `${scheme}://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function policyFor(url: string, argocd: { application?: string; insecure?: boolean; tokenEnv?: string } = {}): Policy {
  return PolicyDocument.parse({
    apiVersion: 'meridian.dev/v1alpha1',
    kind: 'ReleasePolicy',
    metadata: { name: 'webapp' },
    spec: {
      service: { name: 'webapp' },
      regions: [{ name: 'eu-west-1', timezone: 'Europe/Dublin', clusters: [{ name: 'eu-west-1' }] }],
      rings: [{ name: 'canary', regions: ['eu-west-1'] }],
      delivery: {
        health: {
          provider: 'argocd',
          argocd: { url, tokenEnv: argocd.tokenEnv ?? TOKEN_ENV, application: argocd.application ?? 'webapp-{{cluster}}', ...(argocd.insecure ? { insecure: true } : {}) },
        },
      },
    },
  });
}

const cluster = (name: string, labels: Record<string, string> = {}): ClusterTarget => ({ name, region: name, labels });

function ring(clusters: ClusterTarget[], name = 'canary'): RingTarget {
  return { releaseId: 'rel-1', service: 'webapp', ring: name, ringIndex: 0, version: 'v2.1.0', previousVersion: 'v2.0.0', clusters };
}

const THREE = ring([cluster('eu-west-1'), cluster('us-east-1'), cluster('ap-south-1')]);

async function failureOf(p: Promise<unknown>): Promise<AdapterError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AdapterError) return e;
    throw e;
  }
  throw new Error('expected an AdapterError');
}

describe('Argo CD health against a fake Argo CD API (documented response shapes, not a real Argo CD)', () => {
  let fake: FakeArgoCd;
  const env = { [TOKEN_ENV]: TOKEN };
  const health = (p: Policy = policyFor(fake.url)): ArgoCdHealth => new ArgoCdHealth(p, { env });
  const serve = (fixtures: Record<string, AppFixture>): void => {
    for (const [name, f] of Object.entries(fixtures)) fake.apps.set(name, application({ name, ...f }));
  };
  /** Every message a person could see must leave the token out. */
  const assertNoToken = (...texts: string[]): void => {
    for (const t of texts) expect(t).not.toContain(TOKEN);
  };

  beforeAll(async () => {
    fake = await startFake();
  });
  afterEach(() => {
    fake.apps.clear();
    fake.requests.length = 0;
    fake.missing = 404;
  });
  afterAll(async () => {
    await fake.close();
  });

  it('is healthy when every Application is Synced and Healthy at the pushed revision', async () => {
    serve({
      'webapp-eu-west-1': { op: { phase: 'Succeeded' } },
      'webapp-us-east-1': { op: { phase: 'Succeeded' } },
      'webapp-ap-south-1': {},
    });
    expect(await health().status(THREE, REF)).toEqual({ healthy: true, failed: false, detail: 'all 3 clusters: Synced to 9e8d7c6 and Healthy' });
  });

  it('is not healthy while one Application still reports the old revision as Synced and Healthy (stale)', async () => {
    serve({ 'webapp-eu-west-1': { revision: OLD }, 'webapp-us-east-1': {}, 'webapp-ap-south-1': {} });
    expect(await health().status(THREE, REF)).toEqual({
      healthy: false,
      failed: false,
      detail: 'eu-west-1: stale: Synced and Healthy at 3f2a1bc, want 9e8d7c6 (Argo CD has not compared the pushed revision yet)',
    });
  });

  it('is not healthy while an Application is Synced to the pushed revision but Progressing', async () => {
    serve({ 'webapp-eu-west-1': {}, 'webapp-us-east-1': { health: 'Progressing' }, 'webapp-ap-south-1': {} });
    expect(await health().status(THREE, REF)).toEqual({ healthy: false, failed: false, detail: 'us-east-1: Synced to 9e8d7c6 but Progressing' });
  });

  it('is not healthy while a sync operation is Running, even though health says Healthy', async () => {
    serve({ 'webapp-eu-west-1': {}, 'webapp-us-east-1': {}, 'webapp-ap-south-1': { op: { phase: 'Running' }, health: 'Healthy' } });
    expect(await health().status(THREE, REF)).toEqual({ healthy: false, failed: false, detail: 'ap-south-1: sync operation Running' });
  });

  it('names every cluster that is not done, and why, on one line', async () => {
    serve({
      'webapp-eu-west-1': { sync: 'OutOfSync', revision: OLD },
      'webapp-us-east-1': { health: 'Progressing' },
      'webapp-ap-south-1': { op: { phase: 'Running' } },
    });
    expect((await health().status(THREE, REF)).detail).toBe(
      'eu-west-1: OutOfSync (at 3f2a1bc, want 9e8d7c6); us-east-1: Synced to 9e8d7c6 but Progressing; ap-south-1: sync operation Running',
    );
  });

  it('fails when an Application is Degraded at the pushed revision', async () => {
    serve({
      'webapp-eu-west-1': {},
      'webapp-us-east-1': { health: 'Degraded', healthMessage: 'Deployment "webapp" exceeded its progress deadline' },
      'webapp-ap-south-1': { health: 'Progressing' },
    });
    expect(await health().status(THREE, REF)).toEqual({
      healthy: false,
      failed: true,
      detail: 'us-east-1: Degraded at 9e8d7c6: Deployment "webapp" exceeded its progress deadline; ap-south-1: Synced to 9e8d7c6 but Progressing',
    });
  });

  it('fails when the sync operation to the pushed revision Failed', async () => {
    serve({ 'webapp-eu-west-1': { sync: 'OutOfSync', op: { phase: 'Failed', message: 'one or more objects failed to apply' } } });
    expect(await health().status(ring([cluster('eu-west-1')]), REF)).toEqual({
      healthy: false,
      failed: true,
      detail: 'eu-west-1: sync to 9e8d7c6 Failed: one or more objects failed to apply',
    });
  });

  it('renders the Application name per cluster from the template', async () => {
    const p = policyFor(fake.url, { application: '{{labels.team}}-{{ring}}-{{ region }}' });
    const target = ring([cluster('eu-west-1', { team: 'pay' }), cluster('us-east-1', { team: 'pay' })], 'ring-2');
    serve({ 'pay-ring-2-eu-west-1': {}, 'pay-ring-2-us-east-1': {} });
    const h = health(p);
    expect(h.applicationNames(target)).toEqual(['pay-ring-2-eu-west-1', 'pay-ring-2-us-east-1']);
    expect((await h.status(target, REF)).healthy).toBe(true);
    expect(fake.requests.map((r) => r.path).sort()).toEqual(['/api/v1/applications/pay-ring-2-eu-west-1', '/api/v1/applications/pay-ring-2-us-east-1']);
  });

  it('asks for an Application in another namespace when the template renders namespace/name', async () => {
    serve({ 'team-a/webapp-eu-west-1': {} });
    const h = health(policyFor(fake.url, { application: 'team-a/webapp-{{cluster}}' }));
    expect((await h.status(ring([cluster('eu-west-1')]), REF)).healthy).toBe(true);
    expect(fake.requests[0]!.path).toBe('/api/v1/applications/webapp-eu-west-1?appNamespace=team-a');
  });

  it('names the Application that Argo CD does not have (404)', async () => {
    serve({ 'webapp-us-east-1': {} });
    const e = await failureOf(health().status(ring([cluster('us-east-1'), cluster('eu-west-1')]), REF));
    expect(e.message).toBe(`Application "webapp-eu-west-1" not found in Argo CD at ${fake.url}`);
    expect(e.retryable).toBe(false);
  });

  it('says a 403 may mean a missing Application, as Argo CD answers both alike', async () => {
    fake.missing = 403;
    const e = await failureOf(health().status(ring([cluster('eu-west-1')]), REF));
    expect(e.message).toBe(
      `Argo CD at ${fake.url} refused the token from ${TOKEN_ENV} for Application "webapp-eu-west-1" (403 permission denied): ` +
        'it lacks permission to get it, or the Application does not exist (Argo CD answers both with 403)',
    );
    expect(e.retryable).toBe(false);
  });

  it('says the token was refused (401), without the token', async () => {
    serve({ 'webapp-eu-west-1': {} });
    const wrong = `${TOKEN}-revoked`;
    const h = new ArgoCdHealth(policyFor(fake.url), { env: { [TOKEN_ENV]: wrong } });
    const e = await failureOf(h.status(ring([cluster('eu-west-1')]), REF));
    expect(e.message).toBe(`Argo CD at ${fake.url} refused the token from ${TOKEN_ENV} (401 Unauthorized): it is invalid or expired`);
    expect(e.retryable).toBe(false);
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${wrong}`);
    expect(e.message).not.toContain(wrong);
    expect(String(e.stack)).not.toContain(wrong);
  });

  it('sends the bearer token, and no detail or error shows it', async () => {
    const seen: string[] = [];
    serve({ 'webapp-eu-west-1': { revision: OLD }, 'webapp-us-east-1': { health: 'Degraded' }, 'webapp-ap-south-1': { op: { phase: 'Running' } } });
    const report = await health().status(THREE, REF);
    seen.push(report.detail);
    fake.apps.set('webapp-us-east-1', { status: 500, body: JSON.stringify({ code: 2, message: `upstream said: Authorization: Bearer ${TOKEN}` }) });
    seen.push((await failureOf(health().status(THREE, REF))).message);
    fake.apps.set('webapp-us-east-1', { status: 200, body: `{"status": "${TOKEN}` });
    seen.push((await failureOf(health().status(THREE, REF))).message);
    fake.apps.delete('webapp-us-east-1');
    seen.push((await failureOf(health().status(THREE, REF))).message);

    expect(fake.requests.length).toBeGreaterThanOrEqual(12);
    for (const r of fake.requests) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]).toBe(`Argo CD at ${fake.url} failed reading Application "webapp-us-east-1" (500 Internal Server Error): upstream said: Authorization: Bearer [redacted]`);
    assertNoToken(...seen);
  });

  it('is retryable when Argo CD answers 5xx, and when it answers broken JSON', async () => {
    fake.apps.set('webapp-eu-west-1', { status: 503, body: JSON.stringify({ code: 14, message: 'the server is currently unable to handle the request' }) });
    const e = await failureOf(health().status(ring([cluster('eu-west-1')]), REF));
    expect(e.message).toBe(`Argo CD at ${fake.url} failed reading Application "webapp-eu-west-1" (503 Service Unavailable): the server is currently unable to handle the request`);
    expect(e.retryable).toBe(true);
    fake.apps.set('webapp-eu-west-1', { status: 200, body: '{"metadata": {"name": "webapp-eu' });
    const bad = await failureOf(health().status(ring([cluster('eu-west-1')]), REF));
    expect(bad.message).toMatch(/^Argo CD at http:\/\/127\.0\.0\.1:\d+ answered Application "webapp-eu-west-1" with invalid JSON \(.+\)$/);
    expect(bad.retryable).toBe(true);
  });

  it('is not healthy, with a clear reason, when an Application has no status yet', async () => {
    fake.apps.set('webapp-eu-west-1', { metadata: { name: 'webapp-eu-west-1' }, spec: {} });
    expect(await health().status(ring([cluster('eu-west-1')]), REF)).toEqual({
      healthy: false,
      failed: false,
      detail: 'eu-west-1: no status yet (Argo CD has not reconciled the Application)',
    });
  });

  it('throws an AdapterError when nothing listens (connection refused)', async () => {
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failureOf(health(policyFor(`http://127.0.0.1:${port}`)).status(ring([cluster('eu-west-1')]), REF));
    expect(e.message).toBe(`cannot connect to Argo CD at http://127.0.0.1:${port}: connection refused`);
    expect(e.retryable).toBe(true);
  });

  it('names the token variable when it is not set', async () => {
    const h = new ArgoCdHealth(policyFor(fake.url), { env: {} });
    const e = await failureOf(h.status(ring([cluster('eu-west-1')]), REF));
    expect(e.message).toBe(`Argo CD token: environment variable ${TOKEN_ENV} (spec.delivery.health.argocd.tokenEnv) is not set or empty`);
    expect(fake.requests).toHaveLength(0);
  });

  describe('over TLS with a self-signed certificate', () => {
    let hasOpenssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      hasOpenssl = false;
    }
    let tls: FakeArgoCd | undefined;
    let dir: string | undefined;

    beforeAll(async () => {
      if (!hasOpenssl) return;
      dir = mkdtempSync(join(tmpdir(), 'meridian-argocd-tls-'));
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], {
        stdio: 'ignore',
      });
      const options = { key: readFileSync(key), cert: readFileSync(cert) };
      tls = await startFake((h) => createHttpsServer(options, h), 'https');
      tls.apps.set('webapp-eu-west-1', application({ name: 'webapp-eu-west-1' }));
    });
    afterAll(async () => {
      await tls?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.skipIf(!hasOpenssl)('refuses the certificate unless insecure is set, and says how to proceed', async () => {
      const e = await failureOf(health(policyFor(tls!.url)).status(ring([cluster('eu-west-1')]), REF));
      expect(e.message).toBe(
        `cannot connect to Argo CD at ${tls!.url}: its TLS certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); ` +
          'add its CA with NODE_EXTRA_CA_CERTS, or set spec.delivery.health.argocd.insecure: true',
      );
      expect(e.retryable).toBe(false);
    });

    it.skipIf(!hasOpenssl)('accepts it with insecure: true, still sending the token', async () => {
      const report = await health(policyFor(tls!.url, { insecure: true })).status(ring([cluster('eu-west-1')]), REF);
      expect(report).toEqual({ healthy: true, failed: false, detail: 'eu-west-1: Synced to 9e8d7c6 and Healthy' });
      expect(tls!.requests.at(-1)!.authorization).toBe(`Bearer ${TOKEN}`);
    });
  });
});
