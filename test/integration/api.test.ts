/**
 * @module The HTTP API over a real loopback server: the real Controller, a MemoryStore, a
 * SimulatedClock and the fake ports, with the test policy (ring-3 approved by alice or
 * group:release-team). Status codes, bodies and messages are asserted exactly.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../../src/api/test-server.test-helper.ts';
import type { Page, ReleaseSummary, ReleaseView } from '../../src/runtime/controller-types.ts';
import type { AuditEntry } from '../../src/ports.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

let s: TestServer;
beforeEach(async () => {
  s = await startTestServer();
});
afterEach(async () => {
  await s.close();
});

async function start(version = 'v2'): Promise<string> {
  const r = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version } });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}

async function view(id: string): Promise<ReleaseView> {
  const r = await s.call(`/api/v1/releases/${id}`, { as: 'victor' });
  expect(r.status).toBe(200);
  return r.body as ReleaseView;
}

async function audit(): Promise<AuditEntry[]> {
  return (await s.call('/api/v1/audit', { as: 'victor' })).body as AuditEntry[];
}

const statuses = (v: ReleaseView): string[] => v.rings.map((r) => `${r.name} ${r.status}`);

/** Start a release and let it run until ring-3 waits for approval (ring-2 passes at 14:03). */
async function awaitingApproval(): Promise<string> {
  const id = await start();
  await s.advance(4 * HOUR + 5 * MIN);
  expect(statuses(await view(id))).toEqual(['ring-0 passed', 'ring-1 passed', 'ring-2 passed', 'ring-3 awaiting-approval']);
  return id;
}

describe('the Meridian HTTP API', () => {
  it('says it is alive at /healthz, without a token', async () => {
    const r = await s.call('/healthz');
    expect([r.status, r.body]).toEqual([200, { ok: true }]);
  });

  it('starts a release for an operator: 201 with the new id, then lists it and shows it', async () => {
    const r = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2', revision: 'abc123', changes: ['app'] } });
    expect(r.status).toBe(201);
    const { id } = r.body as { id: string };
    expect(r.body).toEqual({ id });
    expect(id).toMatch(/^shop-v2-[0-9a-f]{8}$/);

    const one = await view(id);
    expect(one).toMatchObject({ id, service: 'shop', version: 'v2', phase: 'running', startedAt: '2026-03-02T10:00:00.000Z', completedAt: null });
    expect(statuses(one)).toEqual(['ring-0 deploying', 'ring-1 pending', 'ring-2 pending', 'ring-3 pending']);
    expect(one.events.slice(0, 2)).toEqual([
      { at: '2026-03-02T10:00:00.000Z', type: 'release.started', detail: 'shop v2 (from unknown)' },
      { at: '2026-03-02T10:00:00.000Z', type: 'ring.deploy.started', ring: 'ring-0', detail: 'v2 to internal' },
    ]);

    const list = await s.call('/api/v1/releases', { as: 'victor' });
    expect(list.status).toBe(200);
    expect((list.body as Page<ReleaseSummary>).items.map((v) => [v.id, v.phase, v.currentRing])).toEqual([[id, 'running', 'ring-0']]);
    expect((list.body as Page<ReleaseSummary>).next).toBeNull();
  });

  it('refuses a second start while a release of the service runs: 409 naming the running release', async () => {
    const id = await start('v2');
    const r = await s.call('/api/v1/releases', { method: 'POST', as: 'dana', body: { version: 'v3' } });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ error: { code: 'conflict', message: `service shop already has a release in progress: ${id} (phase running)` } });
  });

  it('refuses a viewer who starts a release (403) and records the refusal in the audit log', async () => {
    const r = await s.call('/api/v1/releases', { method: 'POST', as: 'victor', body: { version: 'v2' } });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: { code: 'forbidden', message: 'release.start requires the operator role; victor is a viewer' } });
    expect((await audit()).map(({ actor, action, target, outcome, detail }) => ({ actor, action, target, outcome, detail }))).toEqual([
      { actor: 'victor', action: 'release.start', target: 'shop', outcome: 'refused', detail: 'release.start requires the operator role; victor is a viewer' },
    ]);
    expect((await s.call('/api/v1/releases', { as: 'victor' })).body).toEqual({ items: [], next: null });
  });

  it('refuses a viewer who aborts, naming the release in the audit log', async () => {
    const id = await start();
    const r = await s.call(`/api/v1/releases/${id}/abort`, { method: 'POST', as: 'victor' });
    expect([r.status, r.body]).toEqual([403, { error: { code: 'forbidden', message: 'release.abort requires the operator role; victor is a viewer' } }]);
    expect((await audit()).at(-1)).toMatchObject({ actor: 'victor', action: 'release.abort', target: id, outcome: 'refused' });
    expect((await view(id)).phase).toBe('running');
  });

  it('answers 401 without a token and with an unknown one, on reads and on changes', async () => {
    const missing = { error: { code: 'unauthorized', message: 'missing bearer token (send Authorization: Bearer TOKEN)' } };
    const unknown = { error: { code: 'unauthorized', message: 'invalid or unknown token' } };
    for (const [method, path] of [['POST', '/api/v1/releases'], ['GET', '/api/v1/releases'], ['GET', '/api/v1/audit'], ['POST', '/api/v1/releases/x/approve']] as const) {
      const none = await s.call(path, { method, body: { version: 'v2' } });
      expect([none.status, none.body, none.headers.get('www-authenticate')]).toEqual([401, missing, 'Bearer realm="meridian"']);
      const bad = await s.call(path, { method, body: { version: 'v2' }, token: 'mrd_not-a-real-token' });
      expect([bad.status, bad.body]).toEqual([401, unknown]);
      const notBearer = await s.call(path, { method, body: { version: 'v2' }, token: '' });
      expect(notBearer.status).toBe(401);
    }
    expect(await s.controller.list()).toEqual({ items: [], next: null });
  });

  it('refuses approval by an admin who is not an approver of the ring (403), and records it', async () => {
    const id = await awaitingApproval();
    const r = await s.call(`/api/v1/releases/${id}/approve`, { method: 'POST', as: 'root', body: { ring: 'ring-3' } });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: { code: 'forbidden', message: 'root is not an approver of ring-3' } });
    expect((await audit()).at(-1)).toMatchObject({ actor: 'root', action: 'release.approve ring-3', target: id, outcome: 'refused', detail: 'root is not an approver of ring-3' });
    const v = await view(id);
    expect(v.rings[3]!.status).toBe('awaiting-approval');
    expect(v.events.at(-1)).toMatchObject({ type: 'approval.rejected', ring: 'ring-3', detail: 'root is not an approver of ring-3 (approvers: alice, group:release-team)' });
  });

  it('lets a member of an approving group approve (200); the ring then deploys and the release completes', async () => {
    const id = await awaitingApproval();
    const r = await s.call(`/api/v1/releases/${id}/approve`, { method: 'POST', as: 'dana', body: { ring: 'ring-3' } });
    expect(r.status).toBe(200);
    expect((r.body as ReleaseView).events.find((e) => e.type === 'approval.granted')).toMatchObject({ ring: 'ring-3', detail: 'by dana' });
    await s.advance(5 * MIN);
    const deploying = await view(id);
    expect(deploying.rings[3]).toMatchObject({ status: 'baking', deployedAt: '2026-03-02T14:05:00.000Z', bakeUntil: '2026-03-02T15:06:00.000Z' });
    expect(s.world.log).toContain('deploy ring-3 v2');
    await s.advance(2 * HOUR);
    const done = await view(id);
    expect([done.phase, done.completedAt, done.versions]).toEqual(['completed', '2026-03-02T15:06:00.000Z', { internal: 'v2', 'ap-south-1': 'v2', 'eu-west-1': 'v2', 'us-east-1': 'v2' }]);
    expect((await audit()).at(-1)).toMatchObject({ actor: 'dana', action: 'release.approve ring-3', target: id, outcome: 'ok' });
  });

  it('refuses approval of a ring that is not waiting for one: 409', async () => {
    const id = await start();
    const r = await s.call(`/api/v1/releases/${id}/approve`, { method: 'POST', as: 'alice', body: { ring: 'ring-3' } });
    expect([r.status, r.body]).toEqual([409, { error: { code: 'conflict', message: 'ring "ring-3" is not waiting for approval (it is pending)' } }]);
  });

  it('aborts a release for an operator; a second abort is a 409', async () => {
    const id = await start();
    const r = await s.call(`/api/v1/releases/${id}/abort`, { method: 'POST', as: 'dana' });
    expect(r.status).toBe(200);
    expect((r.body as ReleaseView).phase).toBe('aborted');
    const again = await s.call(`/api/v1/releases/${id}/abort`, { method: 'POST', as: 'dana' });
    expect([again.status, again.body]).toEqual([409, { error: { code: 'conflict', message: 'release is already aborted' } }]);
    // The service is free again.
    expect((await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v3' } })).status).toBe(201);
  });

  it('rolls back a ring on request and counts it in /metrics', async () => {
    const id = await start();
    await s.advance(2 * HOUR);
    const r = await s.call(`/api/v1/releases/${id}/rollback`, { method: 'POST', as: 'alice', body: { ring: 'ring-1' } });
    expect(r.status).toBe(200);
    await s.advance(10 * MIN);
    const v = await view(id);
    expect(v.rings[1]).toMatchObject({ name: 'ring-1', rolledBack: true, status: 'rolled-back' });
    expect(v.events.map((e) => `${e.type} ${e.ring ?? ''}`.trim())).toContain('ring.rollback.completed ring-1');
    expect(s.world.log).toContain('rollback ring-1 to unknown');
    expect((await s.call('/metrics')).text).toContain('\nmeridian_rollbacks_total 1\n');
  });

  it('resumes a halted release (operator) and refuses to resume a running one (409)', async () => {
    const id = await start();
    const deploy = s.world.delivery.deploy;
    s.world.delivery.deploy = async (t) => {
      s.world.delivery.deploy = deploy;
      throw new Error(`git push for ${t.ring} was rejected`);
    };
    await s.advance(HOUR + 5 * MIN);
    const halted = await view(id);
    expect([halted.phase, halted.haltReason]).toEqual(['halted', 'delivery of ring-1 failed: git push for ring-1 was rejected']);
    const r = await s.call(`/api/v1/releases/${id}/resume`, { method: 'POST', as: 'dana' });
    expect([r.status, (r.body as ReleaseView).phase]).toEqual([200, 'running']);
    await s.advance(5 * MIN);
    expect((await view(id)).rings[1]!.status).toBe('baking');
    const again = await s.call(`/api/v1/releases/${id}/resume`, { method: 'POST', as: 'dana' });
    expect([again.status, again.body]).toEqual([409, { error: { code: 'conflict', message: 'release is running, not halted' } }]);
  });

  it('answers 404 for an unknown release and an unknown route, in the error shape', async () => {
    const r = await s.call('/api/v1/releases/nope', { as: 'victor' });
    expect([r.status, r.body]).toEqual([404, { error: { code: 'not_found', message: 'release "nope" not found' } }]);
    const events = await s.call('/api/v1/releases/nope/events', { as: 'victor' });
    expect([events.status, events.body]).toEqual([404, { error: { code: 'not_found', message: 'release "nope" not found' } }]);
    const route = await s.call('/api/v1/frobnicate', { as: 'victor' });
    expect([route.status, route.body]).toEqual([404, { error: { code: 'not_found', message: 'no such route: GET /api/v1/frobnicate' } }]);
  });

  it('answers 400 naming the field for a bad body, and for a body that is not JSON', async () => {
    const r = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { versio: 'v2', changes: ['db'] } });
    expect([r.status, r.body]).toEqual([400, { error: { code: 'bad_request', message:
      'version: required (expected string); changes[0]: "db" is not one of app | infra | schema; versio: unknown field "versio" (did you mean "version"?)' } }]);
    const notJson = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', raw: '{"version": ' });
    expect([notJson.status, notJson.body]).toEqual([400, { error: { code: 'bad_request', message: 'request body is not valid JSON' } }]);
    const id = await start();
    const ring = await s.call(`/api/v1/releases/${id}/approve`, { method: 'POST', as: 'alice', body: {} });
    expect([ring.status, ring.body]).toEqual([400, { error: { code: 'bad_request', message: 'ring: required (expected string)' } }]);
    const huge = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', raw: JSON.stringify({ version: 'x'.repeat(70_000) }) });
    expect([huge.status, huge.body]).toEqual([400, { error: { code: 'bad_request', message: 'request body is larger than 64 KiB' } }]);
  });

  it('answers 400 with the rule when the controller refuses the release itself', async () => {
    const r = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2', changes: ['app', 'schema'] } });
    expect([r.status, r.body]).toEqual([400, { error: { code: 'bad_request', message:
      'a release with schema changes must not also carry app changes: release the schema change on its own (expand), then the code, then the contract step' } }]);
    expect((await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } })).status).toBe(201);
  });

  it('answers 500 "internal error" when something unexpected fails, with the details only in the server log', async () => {
    await s.store.close();
    const r = await s.call('/api/v1/releases', { as: 'victor' });
    expect([r.status, r.body]).toEqual([500, { error: { code: 'internal', message: 'internal error' } }]);
    expect(s.logs.join('\n')).toContain('meridian: GET /api/v1/releases failed: AdapterError: memory store is closed');
  });

  it('serves the policy in force and the cross-region comparison to viewers', async () => {
    const policy = await s.call('/api/v1/policy', { as: 'victor' });
    expect(policy.status).toBe(200);
    const body = policy.body as { policy: { spec: { service: { name: string } } }; source: string };
    expect(body.policy.spec.service.name).toBe('shop');
    expect(body.source).toBe(s.controller.services()[0]!.text);
    const id = await start();
    await s.advance(30 * MIN);
    const rows = await s.call(`/api/v1/releases/${id}/comparison`, { as: 'victor' });
    expect(rows.status).toBe(200);
    expect((rows.body as Array<{ region: string; version: string; status: string }>).map((r) => `${r.region} ${r.version} ${r.status}`))
      .toEqual(['internal v2 Watch', 'ap-south-1 unknown Baseline', 'eu-west-1 unknown Baseline', 'us-east-1 unknown Baseline']);
  });
});

/** Reads server-sent events from a fetch response, a few at a time. */
class SseReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly #events: Array<{ id: string; data: unknown }> = [];
  readonly comments: string[] = [];

  constructor(res: Response) {
    this.#reader = res.body!.getReader();
  }

  /** The next `n` events (waiting for them), or fewer when the stream ends. */
  async take(n: number, opts: { comments?: number } = {}): Promise<Array<{ id: string; data: unknown }>> {
    while (this.#events.length < n || this.comments.length < (opts.comments ?? 0)) {
      const { value, done } = await this.#reader.read();
      if (done) break;
      this.#buffer += this.#decoder.decode(value, { stream: true });
      let end: number;
      while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        if (block.startsWith(':')) this.comments.push(block);
        else {
          const field = (name: string): string => block.split('\n').filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2)).join('\n');
          this.#events.push({ id: field('id'), data: JSON.parse(field('data')) });
        }
      }
    }
    return this.#events.splice(0, n);
  }

  stop(): Promise<void> {
    return this.#reader.cancel();
  }
}

const openEvents = (id: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${s.url}/api/v1/releases/${id}/events`, { headers: { authorization: `Bearer ${s.tokens.victor}`, ...headers } });

describe('server-sent events of a release', () => {
  const type = (e: { data: unknown }): string => {
    const d = e.data as { type: string; ring?: string };
    return `${d.type}${d.ring ? ` ${d.ring}` : ''}`;
  };

  it('sends the past events first, then live ones as the release moves, each with its position as id', async () => {
    const id = await start();
    const res = await openEvents(id);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    const sse = new SseReader(res);
    expect((await sse.take(2)).map((e) => `${e.id} ${type(e)}`)).toEqual(['0 release.started', '1 ring.deploy.started ring-0']);
    await s.advance(HOUR + 2 * MIN);
    const live = await sse.take(3);
    await sse.stop();
    expect(live.map((e) => `${e.id} ${type(e)}`)).toEqual(['2 ring.deploy.completed ring-0', '3 ring.passed ring-0', '4 ring.deploy.started ring-1']);
    expect(live[0]!.data).toEqual({ at: '2026-03-02T10:01:00.000Z', type: 'ring.deploy.completed', ring: 'ring-0', detail: 'healthy; baking 1h until 2026-03-02T11:01Z' });
  });

  it('sends only what a client missed when it reconnects with Last-Event-ID', async () => {
    const id = await start();
    await s.advance(HOUR + 2 * MIN);
    const sse = new SseReader(await openEvents(id, { 'last-event-id': '3' }));
    const events = await sse.take(2);
    await sse.stop();
    expect(events.map((e) => `${e.id} ${type(e)}`)).toEqual(['4 ring.deploy.started ring-1', '5 ring.deploy.completed ring-1']);
  });

  it('sends heartbeat comments and stops listening when the client goes away', async () => {
    await s.close();
    s = await startTestServer({ heartbeatMs: 20 });
    const id = await start();
    const unsubscribed = vi.fn();
    const subscribe = s.controller.subscribe.bind(s.controller);
    vi.spyOn(s.controller, 'subscribe').mockImplementation((which, listener) => {
      const off = subscribe(which, listener);
      return () => { unsubscribed(which); off(); };
    });
    const sse = new SseReader(await openEvents(id));
    const events = await sse.take(2, { comments: 2 });
    expect(events.map(type)).toEqual(['release.started', 'ring.deploy.started ring-0']);
    expect(sse.comments.slice(0, 2)).toEqual([': heartbeat', ': heartbeat']);
    await sse.stop();
    await vi.waitFor(() => expect(unsubscribed).toHaveBeenCalledWith(id));
  });

  it('needs a viewer token', async () => {
    const id = await start();
    const r = await s.call(`/api/v1/releases/${id}/events`);
    expect(r.status).toBe(401);
  });
});

describe('/metrics', () => {
  it('exposes release phases, ring durations, gate evaluations, rollbacks and API requests, without a token', async () => {
    const id = await start();
    await s.advance(HOUR + 5 * MIN);
    await s.call(`/api/v1/releases/${id}`, { as: 'victor' });
    await s.call('/api/v1/releases/nope', { as: 'victor' });
    const r = await s.call('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = r.text.split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      '# TYPE meridian_releases gauge',
      'meridian_releases{phase="running"} 1',
      'meridian_releases{phase="completed"} 0',
      '# TYPE meridian_ring_duration_seconds histogram',
      'meridian_ring_duration_seconds_sum{ring="ring-0"} 3660',
      'meridian_ring_duration_seconds_count{ring="ring-0"} 1',
      '# TYPE meridian_gate_evaluations_total counter',
      'meridian_gate_evaluations_total{result="fail"} 0',
      'meridian_gate_evaluations_total{result="inconclusive"} 0',
      'meridian_rollbacks_total 0',
      'meridian_api_requests_total{method="POST",route="/api/v1/releases",status="201"} 1',
      'meridian_api_requests_total{method="GET",route="/api/v1/releases/:id",status="200"} 1',
      'meridian_api_requests_total{method="GET",route="/api/v1/releases/:id",status="404"} 1',
    ]));
    const passes = Number(lines.find((l) => l.startsWith('meridian_gate_evaluations_total{result="pass"}'))!.split(' ')[1]);
    expect(passes).toBeGreaterThan(0);
  });
});

describe('tokens', () => {
  it('never appear in a response, the audit log, an event or the server log', async () => {
    const secrets = Object.values(s.tokens).flatMap((t) => [t, t.slice(4), createHash('sha256').update(t).digest('hex')]);
    const seen: string[] = [];
    const call: TestServer['call'] = async (path, init) => {
      const r = await s.call(path, init);
      seen.push(r.text, JSON.stringify([...r.headers]));
      return r;
    };
    const id = ((await call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } })).body as { id: string }).id;
    await call('/api/v1/releases', { method: 'POST', as: 'victor', body: { version: 'v2' } });
    await call('/api/v1/releases', { method: 'POST', token: s.tokens.alice.slice(0, -1), body: { version: 'v2' } });
    await call('/api/v1/releases', { method: 'POST', as: 'alice', raw: '{"version": ' });
    await s.advance(4 * HOUR + 5 * MIN);
    await call(`/api/v1/releases/${id}/approve`, { method: 'POST', as: 'root', body: { ring: 'ring-3' } });
    await call(`/api/v1/releases/${id}/approve`, { method: 'POST', as: 'alice', body: { ring: 'ring-3' } });
    await call(`/api/v1/releases/${id}/rollback`, { method: 'POST', as: 'dana', body: {} });
    await s.advance(HOUR);
    for (const path of ['/api/v1/releases', `/api/v1/releases/${id}`, '/api/v1/audit', '/api/v1/policy', '/metrics']) await call(path, { as: 'victor' });
    const sse = new SseReader(await openEvents(id));
    const events = await sse.take((await view(id)).events.length);
    await sse.stop();
    seen.push(JSON.stringify(events), JSON.stringify(await s.store.audit()), s.logs.join('\n'));
    expect((await s.store.audit()).length).toBeGreaterThanOrEqual(5);
    const everything = seen.join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
