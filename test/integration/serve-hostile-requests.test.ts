/** @module Hostile requests against a real `meridian serve` process on a SQLite file: strings that
 * would reach the store, the audit log or a git commit are refused with 400 naming the field before
 * anything is written; refusals of a signed-in caller are answered in the error shape and audited
 * with credentials scrubbed, never a 500; requests without a valid token are counted in /metrics
 * and logged once; nothing survives a restart that should not.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import type { AuditEntry } from '../../src/ports.ts';
import type { Page, ReleaseSummary } from '../../src/runtime/controller-types.ts';
import { killAll, startServe, type ServeProcess } from './support/serve-process.ts';
import { shopPolicy } from './support/shop-policy.ts';

const POLICY = shopPolicy({ ring1: 'approval: { approvers: [olga] }' });

let dir: string;
let token: string;
const args = (): string[] => ['--policy', join(dir, 'policy.yaml'), '--db', join(dir, 'meridian.db'), '--tokens', join(dir, 'tokens.json'), '--port', '0', '--work-dir', join(dir, 'work')];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-hostile-'));
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  token = newToken();
  appendToken(join(dir, 'tokens.json'), { user: 'olga', groups: [], role: 'operator', hash: hashToken(token), createdAt: new Date().toISOString() });
});
afterEach(async () => { await killAll(); });
afterAll(async () => {
  await killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answer's JSON, read field by field by each test
async function call(server: ServeProcess, path: string, init: { method?: string; body?: string; auth?: string | null } = {}): Promise<{ status: number; body: any }> {
  const auth = init.auth === undefined ? `Bearer ${token}` : init.auth;
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(auth === null ? {} : { authorization: auth }), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

const post = (server: ServeProcess, path: string, body: unknown) => call(server, path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
const audit = async (server: ServeProcess): Promise<AuditEntry[]> => (await call(server, '/api/v1/audit')).body as AuditEntry[];

describe('meridian serve, given hostile requests', () => {
  it('refuses a version, revision or image tag outside its character set with 400 naming the field, and writes no release', async () => {
    const server = await startServe({ args: args(), cwd: dir });
    const cases: Array<[unknown, RegExp]> = [
      [{ version: 'v2.1.0?token=abc' }, /^version: may hold only letters, digits and \. _ \+ - \(starting with a letter or digit\), e\.g\. v2\.1\.0$/],
      [{ version: 'v2\n\nMeridian-Release: other' }, /^version: must not contain spaces, newlines or control characters$/],
      [{ version: 'v2.1.0', revision: 'release/../main' }, /^revision: is not a valid git ref/],
      [{ version: 'v2.1.0', image: 'v2 ; rm -rf /' }, /^image: must not contain spaces/],
      [{ version: 'x'.repeat(129) }, /^version: must be at most 128 characters$/],
    ];
    for (const [body, message] of cases) {
      const r = await post(server, '/api/v1/releases', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('bad_request');
      expect(r.body.error.message).toMatch(message);
    }
    const list = await call(server, '/api/v1/releases');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [], next: null });
    // Each refusal is in the audit log, with the credential-looking part scrubbed.
    const entries = await audit(server);
    expect(entries.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual(Array(cases.length).fill('olga release.start refused'));
    expect(JSON.stringify(entries)).not.toContain('token=abc');
    // The service is free: a good start gets 201.
    const ok = await post(server, '/api/v1/releases', { version: 'v2.1.0', revision: 'release/v2.1.0' });
    expect(ok.status).toBe(201);
    await server.stop('SIGTERM');
  });

  it('answers refusals with bodies that look like credentials in the error shape and audits them, never a 500', async () => {
    const server = await startServe({ args: args(), cwd: dir });
    const [release] = ((await call(server, '/api/v1/releases')).body as Page<ReleaseSummary>).items;
    const id = release!.id;
    const approve = await post(server, `/api/v1/releases/${id}/approve`, { ring: 'token=x' });
    expect(approve.status).toBe(404);
    expect(approve.body).toEqual({ error: { code: 'not_found', message: 'ring "token=x" is not in the policy' } });
    const rollback = await post(server, `/api/v1/releases/${id}/rollback`, { ring: 'token=x' });
    expect(rollback.status).toBe(404);
    const notJson = await post(server, `/api/v1/releases/${id}/abort`, '{"oops"');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toBe('request body is not valid JSON');
    const missing = await post(server, '/api/v1/releases/no-such-release/abort', {});
    expect(missing.status).toBe(404);

    const tail = (await audit(server)).slice(-4).map(({ actor, action, target, outcome, detail }) => ({ actor, action, target, outcome, detail }));
    expect(tail).toEqual([
      { actor: 'olga', action: 'release.approve token [redacted]', target: id, outcome: 'refused', detail: 'ring "token [redacted]" is not in the policy' },
      { actor: 'olga', action: 'release.rollback token [redacted]', target: id, outcome: 'refused', detail: 'ring "token [redacted]" is not in the policy' },
      { actor: 'olga', action: 'release.abort', target: id, outcome: 'refused', detail: 'request body is not valid JSON' },
      { actor: 'olga', action: 'release.abort', target: 'no-such-release', outcome: 'refused', detail: 'release "no-such-release" not found' },
    ]);
    expect(server.output()).not.toMatch(/failed: |internal error/);
    await server.stop('SIGTERM');
  });

  it('counts requests without a valid token in /metrics and logs them once a minute, without the token', async () => {
    const server = await startServe({ args: args(), cwd: dir });
    for (let i = 0; i < 3; i++) expect((await call(server, '/api/v1/releases', { auth: null })).status).toBe(401);
    expect((await call(server, '/api/v1/releases', { auth: 'Bearer mrd_not-a-real-token-at-all' })).status).toBe(401);
    const metrics = (await call(server, '/metrics', { auth: null })).body as string;
    expect(metrics).toContain('meridian_api_unauthenticated_total{reason="missing"} 3');
    expect(metrics).toContain('meridian_api_unauthenticated_total{reason="invalid"} 1');
    await server.waitForOutput(/refused GET \/api\/v1\/releases: no bearer token/);
    expect(server.output().match(/meridian: refused GET/g)).toHaveLength(1);
    expect(server.output()).not.toContain('mrd_not-a-real-token');
    await server.stop('SIGTERM');
  });

  it('comes back after a restart with the list, the release and its abort working', async () => {
    const server = await startServe({ args: args(), cwd: dir });
    const list = await call(server, '/api/v1/releases');
    expect(list.status).toBe(200);
    expect((list.body as Page<ReleaseSummary>).items.map((r) => r.version)).toEqual(['v2.1.0']);
    const id = (list.body as Page<ReleaseSummary>).items[0]!.id;
    const aborted = await post(server, `/api/v1/releases/${id}/abort`, {});
    expect(aborted.status).toBe(200);
    expect(aborted.body.phase).toBe('aborted');
    await server.stop('SIGTERM');
  });
});
