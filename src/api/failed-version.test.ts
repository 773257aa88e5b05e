/**
 * @module Tests of a bad version staying out, through the HTTP API of a real loopback server: once a
 * ring of a release fails, starting the same version of that service again is a 409 that says where
 * and why it failed and how to go ahead anyway; `force: true` with a reason starts it, audited with
 * the reason, and the release says it was forced. Summaries mark a version recorded failed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../ports.ts';
import type { Page, ReleaseSummary, ReleaseView } from '../runtime/controller-types.ts';
import { startTestServer, type TestServer } from './test-server.test-helper.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

let s: TestServer;
/** The error rate every region reports: a bad version makes ring-0 fail its gate. */
let errorRate = 0.001;
beforeEach(async () => {
  s = await startTestServer();
  errorRate = 0.001;
  s.world.metrics.value = async () => errorRate;
});
afterEach(async () => {
  await s.close();
});

/** Start `version` (201), let ring-0 fail its error-rate gate and roll back: the release ends rolled-back. */
async function failedRelease(version = 'v2'): Promise<string> {
  errorRate = 0.05;
  const started = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version } });
  expect(started.status, started.text).toBe(201);
  const { id } = started.body as { id: string };
  await s.advance(HOUR);
  const view = (await s.call(`/api/v1/releases/${id}`, { as: 'victor' })).body as ReleaseView;
  expect(view.phase).toBe('rolled-back');
  errorRate = 0.001;
  return id;
}

/** The reason a ring-0 failure is recorded with, from the release's own ring.failed event. */
async function failure(id: string): Promise<{ at: string; reason: string }> {
  const view = (await s.call(`/api/v1/releases/${id}`, { as: 'victor' })).body as ReleaseView;
  const failed = view.events.find((e) => e.type === 'ring.failed')!;
  return { at: `${failed.at.slice(0, 16)}Z`, reason: `ring ring-0: gate ${failed.detail!.replace(/; downstream rings will not be deployed$/, '')}` };
}

describe('starting a version that failed', () => {
  it('is refused with 409, saying where, when and why it failed and how to start it anyway', async () => {
    const id = await failedRelease();
    const { at, reason } = await failure(id);
    expect(reason).toMatch(/^ring ring-0: gate error-rate: /);
    const again = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: {
        code: 'conflict',
        message: `shop v2 failed in release ${id} (${reason}) on ${at}; to start it again, say force with a reason (meridian release start --service shop --version v2 --force --reason "...")`,
      },
    });
    // Nothing was created, and the refusal is in the audit log once.
    const list = (await s.call('/api/v1/releases', { as: 'victor' })).body as Page<ReleaseSummary>;
    expect(list.items.map((r) => r.id)).toEqual([id]);
    const audit = (await s.call('/api/v1/audit', { as: 'victor' })).body as AuditEntry[];
    expect(audit.filter((a) => a.outcome === 'refused').map((a) => `${a.actor} ${a.action} ${a.target}`)).toEqual(['alice release.start shop']);
  });

  it('still lets another version of the service start', async () => {
    await failedRelease();
    const next = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2.0.1' } });
    expect(next.status, next.text).toBe(201);
  });

  it('does not count an operator abort of a healthy release as a failure', async () => {
    const started = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } });
    const { id } = started.body as { id: string };
    await s.advance(30 * MIN);
    expect((await s.call(`/api/v1/releases/${id}/abort`, { method: 'POST', as: 'alice', body: {} })).status).toBe(200);
    const again = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2' } });
    expect(again.status, again.text).toBe(201);
  });

  it('starts with force: true and a reason: audited with the reason, and the release says it was forced', async () => {
    const id = await failedRelease();
    const { reason: why } = await failure(id);
    const forced = await s.call('/api/v1/releases', { method: 'POST', as: 'dana', body: { version: 'v2', force: true, reason: 'the error spike was the payments provider (INC-4711), not v2' } });
    expect(forced.status, forced.text).toBe(201);
    const { id: next } = forced.body as { id: string };
    const audit = (await s.call('/api/v1/audit', { as: 'victor' })).body as AuditEntry[];
    const entry = audit.find((a) => a.target === next && a.action === 'release.start')!;
    expect([entry.actor, entry.outcome, entry.detail]).toEqual(['dana', 'ok', `shop v2, forced although it failed in release ${id}: the error spike was the payments provider (INC-4711), not v2`]);
    const view = (await s.call(`/api/v1/releases/${next}`, { as: 'victor' })).body as ReleaseView;
    expect(view.forced).toEqual({ by: 'dana', reason: 'the error spike was the payments provider (INC-4711), not v2', failedRelease: id, failedAt: expect.any(String), failedReason: why });
    expect(view.events.slice(0, 2).map((e) => [e.type, e.detail])).toEqual([
      ['release.started', 'shop v2 (from unknown)'],
      ['release.forced', `by dana although v2 failed in release ${id}; reason: the error spike was the payments provider (INC-4711), not v2`],
    ]);
  });

  it('starts a version that never failed, force or not, as an ordinary start', async () => {
    const r = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v2', force: true, reason: 'to be sure' } });
    expect(r.status, r.text).toBe(201);
    const { id } = r.body as { id: string };
    const view = (await s.call(`/api/v1/releases/${id}`, { as: 'victor' })).body as ReleaseView;
    expect([view.forced, view.events.map((e) => e.type)]).toEqual([null, ['release.started', 'ring.deploy.started']]);
    const audit = (await s.call('/api/v1/audit', { as: 'victor' })).body as AuditEntry[];
    expect(audit.map((a) => `${a.action} ${a.detail}`)).toEqual(['release.start shop v2']);
  });

  it('refuses force without a reason, a reason without force, and a reason that is too long or carries a credential (400), writing nothing', async () => {
    const id = await failedRelease();
    const cases: Array<[unknown, string]> = [
      [{ version: 'v2', force: true }, 'reason: required with force: true (say why the failed version may go out again)'],
      [{ version: 'v2', force: true, reason: '   ' }, 'reason: must say why the failed version may go out again'],
      [{ version: 'v2', reason: 'because' }, 'reason: is given only with force: true'],
      [{ version: 'v2', force: true, reason: 'x'.repeat(501) }, 'reason: must be at most 500 characters'],
      [{ version: 'v2', force: true, reason: 'see https://ci.example/run?token=abc' }, 'reason: looks like it carries a credential; leave secrets out of a reason'],
      [{ version: 'v2', force: true, reason: 'two\nlines' }, 'reason: must not contain newlines or control characters'],
      [{ version: 'v2', force: 'yes', reason: 'because' }, 'force: expected boolean, got "yes"'],
    ];
    for (const [body, message] of cases) {
      const r = await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body });
      expect([r.status, (r.body as { error: { message: string } }).error.message], JSON.stringify(body)).toEqual([400, message]);
    }
    const list = (await s.call('/api/v1/releases', { as: 'victor' })).body as Page<ReleaseSummary>;
    expect(list.items.map((r) => r.id)).toEqual([id]);
    const audit = (await s.call('/api/v1/audit', { as: 'victor' })).body as AuditEntry[];
    expect(audit.map((a) => a.detail).join('\n')).not.toContain('token=abc');
  });
});

describe('release summaries', () => {
  it('mark a release whose version is recorded failed for its service', async () => {
    const id = await failedRelease();
    const ok = (await s.call('/api/v1/releases', { method: 'POST', as: 'alice', body: { version: 'v3' } })).body as { id: string };
    const { at, reason } = await failure(id);
    const list = (await s.call('/api/v1/releases', { as: 'victor' })).body as Page<ReleaseSummary>;
    const byId = new Map(list.items.map((r) => [r.id, r]));
    expect(byId.get(id)!.versionFailed).toEqual({ releaseId: id, at: expect.stringMatching(new RegExp(`^${at.slice(0, 16)}`)), reason });
    expect(byId.get(ok.id)!.versionFailed).toBeUndefined();
  });
});
