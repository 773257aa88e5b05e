/**
 * @module The Store contract: the tests every Store implementation must pass, run from each
 * implementation's own test file (`storeContract('MemoryStore', async () => new MemoryStore())`).
 * Only the port is used, so a new store gets the whole suite by adding one line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { FailedVersionRecord, FreezeRecord, NewAuditEntry, ReleaseRecord, Store } from '../ports.ts';
import { GENESIS, auditHash, verifyAuditChain } from './audit-chain.ts';
import { sessionContract } from './session-contract.test-helper.ts';

export interface StoreContractOptions {
  /**
   * Change audit entry `seq` behind the store's back, where it keeps its data (a raw SQL UPDATE for
   * a database). Stores that cannot be reached around their API leave it out and skip that test.
   */
  tamperAudit?: (store: Store, seq: number, detail: string) => Promise<void>;
  /**
   * Close `store` and open another on the same data (the same file, the same schema). Stores that
   * keep nothing past close leave it out and skip the durability tests.
   */
  reopen?: (store: Store) => Promise<Store>;
}

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
const MIN = 60_000;

/** The rejection of `p`, which must reject. */
export async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject, and it resolved');
}

function release(id: string, service = 'webapp', createdAt = T0) {
  return { id, service, version: 'v2.1.0', createdAt, request: { version: 'v2.1.0', changes: ['app'] } };
}

function entry(n: number, over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return { at: T0 + n * MIN, actor: 'alice', action: 'release.start', target: `webapp-${n}`, outcome: 'ok', detail: `webapp v2.1.${n}`, ...over };
}

function freeze(id: string, startedAt = T0, over: Partial<FreezeRecord> = {}): FreezeRecord {
  return { id, reason: 'incident 4711', regions: [], services: [], startedAt, startedBy: 'alice', endedAt: null, endedBy: null, ...over };
}

function freezeAudit(action: 'freeze.start' | 'freeze.end', id: string, at = T0, over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return { at, actor: 'alice', action, target: id, outcome: 'ok', detail: 'incident 4711', ...over };
}

function failed(releaseId: string, at = T0, over: Partial<FailedVersionRecord> = {}): FailedVersionRecord {
  return { service: 'checkout', version: '2.4.1', releaseId, at, reason: 'ring canary: gate error-rate: error_rate 0.05 > max 0.01', ...over };
}

const ids = (records: ReleaseRecord[]): string[] => records.map((r) => r.id);

export function storeContract(name: string, make: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`${name} (the Store contract)`, () => {
    const open: Store[] = [];
    async function fresh(): Promise<Store> {
      const s = await make();
      open.push(s);
      return s;
    }
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });
    async function reopen(s: Store): Promise<Store> {
      const again = await options.reopen!(s);
      open.push(again);
      return again;
    }

    describe('releases', () => {
      it('records a new release as running, with its creation time as the last update', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        expect(await s.getRelease('webapp-1')).toEqual({ id: 'webapp-1', service: 'webapp', version: 'v2.1.0', createdAt: T0, updatedAt: T0, phase: 'running' });
      });

      it('answers null for a release it does not know', async () => {
        const s = await fresh();
        expect(await s.getRelease('nope')).toBeNull();
      });

      it('lists releases newest first, the greater id first among equal times, whatever order they were created in', async () => {
        const s = await fresh();
        await s.createRelease(release('a', 'svc-a', T0));
        await s.createRelease(release('c', 'svc-c', T0 + 2 * MIN));
        await s.createRelease(release('d', 'svc-d', T0 + MIN));
        await s.createRelease(release('b', 'svc-b', T0 + MIN));
        expect(ids(await s.listReleases())).toEqual(['c', 'd', 'b', 'a']);
        expect(ids(await s.activeReleases())).toEqual(['c', 'd', 'b', 'a']);
      });

      it('refuses a second unfinished release of a service, naming the one in progress and its phase', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        const first = await refusal(s.createRelease(release('webapp-2')));
        expect(first).toBeInstanceOf(ConflictError);
        expect(first.message).toBe('service webapp already has a release in progress: webapp-1 (phase running)');
        await s.appendInput('webapp-1', 1, { type: 'start' }, 'waiting', T0 + MIN);
        expect((await refusal(s.createRelease(release('webapp-2')))).message).toBe('service webapp already has a release in progress: webapp-1 (phase waiting)');
        expect(await s.getRelease('webapp-2')).toBeNull();
      });

      it('lets exactly one of two concurrent starts of a service win', async () => {
        const s = await fresh();
        const results = await Promise.allSettled([s.createRelease(release('webapp-1')), s.createRelease(release('webapp-2'))]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect((await s.listReleases()).length).toBe(1);
      });

      it('lets other services start while one is in progress', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        await s.createRelease(release('billing-1', 'billing'));
        expect((await s.activeReleases()).map((r) => r.id).sort()).toEqual(['billing-1', 'webapp-1']);
      });

      it('frees the service once its release is completed, rolled back or aborted', async () => {
        const s = await fresh();
        let n = 0;
        for (const phase of ['completed', 'rolled-back', 'aborted']) {
          n += 1;
          await s.createRelease(release(`webapp-${n}`, 'webapp', T0 + n * MIN));
          await s.appendInput(`webapp-${n}`, 1, { type: 'start' }, phase, T0 + n * MIN);
        }
        await s.createRelease(release('webapp-4', 'webapp', T0 + 4 * MIN));
        expect((await s.activeReleases()).map((r) => r.id)).toEqual(['webapp-4']);
      });

      it('refuses an id that is taken, even by a finished release', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        await s.appendInput('webapp-1', 1, { type: 'start' }, 'completed', T0);
        const e = await refusal(s.createRelease(release('webapp-1')));
        expect(e).toBeInstanceOf(ConflictError);
        expect(e.message).toBe('release webapp-1 already exists');
      });

      it('writes a release with its first input and its audit entry in one transaction', async () => {
        const s = await fresh();
        await s.appendAudit(entry(1));
        await s.createRelease({ ...release('webapp-2'), first: { input: { type: 'start', n: 1 }, phase: 'waiting' }, audit: entry(2) });
        expect(await s.getRelease('webapp-2')).toMatchObject({ phase: 'waiting', updatedAt: T0 });
        expect(await s.inputs('webapp-2')).toEqual([{ seq: 1, input: { type: 'start', n: 1 } }]);
        await s.appendInput('webapp-2', 2, { type: 'tick' }, 'running', T0 + MIN);
        const audit = await s.audit();
        expect(audit.map((a) => a.target)).toEqual(['webapp-1', 'webapp-2']);
        expect(verifyAuditChain(audit)).toEqual({ ok: true, count: 2 });
      });

      it('leaves nothing behind when the audit entry of a new release is refused', async () => {
        const s = await fresh();
        const hostile = entry(1, { detail: 'webapp v2.1.0?token=abc' });
        const e = await refusal(s.createRelease({ ...release('webapp-1'), first: { input: { type: 'start' }, phase: 'running' }, audit: hostile }));
        expect(e.message).toContain("looks like it contains 'token='");
        expect(await s.getRelease('webapp-1')).toBeNull();
        expect(await s.listReleases()).toEqual([]);
        expect(await s.inputs('webapp-1')).toEqual([]);
        expect(await s.audit()).toEqual([]);
        // The service is not held by a half-written release.
        await s.createRelease(release('webapp-2'));
        expect((await s.activeReleases()).map((r) => r.id)).toEqual(['webapp-2']);
      });

      it('lists as active only the releases not completed, rolled back or aborted', async () => {
        const s = await fresh();
        const phases = ['running', 'waiting', 'halted', 'rolling-back', 'completed', 'rolled-back', 'aborted'];
        for (const [i, phase] of phases.entries()) {
          await s.createRelease(release(`r-${phase}`, `svc-${i}`, T0 + i * MIN));
          await s.appendInput(`r-${phase}`, 1, { type: 'start' }, phase, T0 + i * MIN);
        }
        expect((await s.activeReleases()).map((r) => r.phase)).toEqual(['rolling-back', 'halted', 'waiting', 'running']);
      });
    });

    describe('release pages', () => {
      /** 8 releases of 3 services, 4 of them created at the same moment; newest first they are h g f e d c b a. */
      async function eight(s: Store): Promise<void> {
        const plan: Array<[string, string, number, string]> = [
          ['a', 'web', T0, 'completed'],
          ['b', 'api', T0 + MIN, 'aborted'],
          ['e', 'web', T0 + 2 * MIN, 'completed'],
          ['c', 'api', T0 + 2 * MIN, 'rolled-back'],
          ['d', 'db', T0 + 2 * MIN, 'completed'],
          ['f', 'db', T0 + 2 * MIN, 'halted'],
          ['g', 'api', T0 + 3 * MIN, 'waiting'],
          ['h', 'web', T0 + 4 * MIN, 'running'],
        ];
        for (const [id, service, at, phase] of plan) {
          await s.createRelease(release(id, service, at));
          await s.appendInput(id, 1, { type: 'start' }, phase, at);
        }
      }
      const key = (r: ReleaseRecord | undefined) => ({ createdAt: r!.createdAt, id: r!.id });

      it('gives at most limit records, and without one all of them', async () => {
        const s = await fresh();
        await eight(s);
        expect(ids(await s.listReleases({ limit: 3 }))).toEqual(['h', 'g', 'f']);
        expect(ids(await s.listReleases({ limit: 100 }))).toEqual(['h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']);
        expect(ids(await s.listReleases({}))).toEqual(['h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']);
        expect(await s.listReleases({ limit: 0 })).toEqual([]);
      });

      it('pages through every release once, breaking ties on createdAt by id across page boundaries', async () => {
        const s = await fresh();
        await eight(s);
        const pages: string[][] = [];
        let after: { createdAt: number; id: string } | undefined;
        for (;;) {
          const page = await s.listReleases({ limit: 3, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          pages.push(ids(page));
          after = key(page[page.length - 1]);
        }
        expect(pages).toEqual([['h', 'g', 'f'], ['e', 'd', 'c'], ['b', 'a']]);
        // A page ending inside the group created at one moment goes on with the next id down.
        expect(ids(await s.listReleases({ after: { createdAt: T0 + 2 * MIN, id: 'e' }, limit: 2 }))).toEqual(['d', 'c']);
      });

      it('takes after as a key, strictly after it in the order, not as a release it must know', async () => {
        const s = await fresh();
        await eight(s);
        expect(ids(await s.listReleases({ after: { createdAt: T0 + 2 * MIN, id: 'dd' } }))).toEqual(['d', 'c', 'b', 'a']);
        expect(ids(await s.listReleases({ after: { createdAt: T0 + 2 * MIN + 1, id: '' } }))).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
        expect(ids(await s.listReleases({ after: { createdAt: T0 + 10 * MIN, id: 'a' }, limit: 1 }))).toEqual(['h']);
      });

      it('answers [] for an after at or past the end', async () => {
        const s = await fresh();
        await eight(s);
        expect(await s.listReleases({ after: { createdAt: T0, id: 'a' } })).toEqual([]);
        expect(await s.listReleases({ after: { createdAt: T0 - MIN, id: 'z' }, limit: 5 })).toEqual([]);
        expect(await s.listReleases({ service: 'db', after: { createdAt: T0 + 2 * MIN, id: 'd' } })).toEqual([]);
      });

      it('filters by service, exactly', async () => {
        const s = await fresh();
        await eight(s);
        await s.createRelease(release('i', 'web-2', T0 + 5 * MIN));
        await s.createRelease(release('j', 'WEB', T0 + 5 * MIN));
        expect(ids(await s.listReleases({ service: 'web' }))).toEqual(['h', 'e', 'a']);
        expect(ids(await s.listReleases({ service: 'api', limit: 2 }))).toEqual(['g', 'c']);
        expect(ids(await s.listReleases({ service: 'api', after: { createdAt: T0 + 2 * MIN, id: 'c' } }))).toEqual(['b']);
        expect(await s.listReleases({ service: 'we' })).toEqual([]);
      });

      it('filters by any of the phases given; an empty list filters nothing', async () => {
        const s = await fresh();
        await eight(s);
        expect(ids(await s.listReleases({ phases: ['completed'] }))).toEqual(['e', 'd', 'a']);
        expect(ids(await s.listReleases({ phases: ['running', 'waiting', 'halted'] }))).toEqual(['h', 'g', 'f']);
        expect(ids(await s.listReleases({ phases: ['rolling-back'] }))).toEqual([]);
        expect(ids(await s.listReleases({ phases: [] }))).toEqual(['h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']);
        const [h] = await s.listReleases({ phases: ['running'] });
        expect(h).toEqual({ id: 'h', service: 'web', version: 'v2.1.0', createdAt: T0 + 4 * MIN, updatedAt: T0 + 4 * MIN, phase: 'running' });
      });

      it('combines service, phases, after and limit', async () => {
        const s = await fresh();
        await eight(s);
        const finished = ['completed', 'rolled-back', 'aborted'];
        expect(ids(await s.listReleases({ phases: finished, limit: 2 }))).toEqual(['e', 'd']);
        expect(ids(await s.listReleases({ phases: finished, after: { createdAt: T0 + 2 * MIN, id: 'd' }, limit: 2 }))).toEqual(['c', 'b']);
        expect(ids(await s.listReleases({ service: 'db', phases: finished }))).toEqual(['d']);
        expect(ids(await s.listReleases({ service: 'web', phases: ['completed'], after: { createdAt: T0 + 2 * MIN, id: 'e' }, limit: 5 }))).toEqual(['a']);
      });

      it('refuses a limit that is not a whole number from 0, naming it', async () => {
        const s = await fresh();
        await eight(s);
        for (const limit of [-1, 1.5, Number.NaN]) {
          const e = await refusal(s.listReleases({ limit }));
          expect(e).toBeInstanceOf(TypeError);
          expect(e.message).toBe(`release list limit must be a whole number from 0, not ${String(limit)}`);
        }
      });
    });

    describe('freezes', () => {
      it('has none in force at first', async () => {
        const s = await fresh();
        expect(await s.activeFreezes()).toEqual([]);
      });

      it('keeps freezes exactly as given, in force oldest first and by id among equal times', async () => {
        const s = await fresh();
        const eu = freeze('f-2', T0 + MIN, { reason: 'eu incident: "db", failover', regions: ['eu-west-1', 'eu-central-1'], services: [] });
        const shop = freeze('f-1', T0 + MIN, { regions: [], services: ['checkout', 'cart.v2', 'search_api'], startedBy: 'bob' });
        const all = freeze('f-9', T0, { reason: '' });
        await s.createFreeze(eu, freezeAudit('freeze.start', 'f-2', T0 + MIN));
        await s.createFreeze(shop, freezeAudit('freeze.start', 'f-1', T0 + MIN));
        await s.createFreeze(all, freezeAudit('freeze.start', 'f-9', T0));
        expect(await s.activeFreezes()).toEqual([all, shop, eu]);
      });

      it('writes the audit entry of each start and end in the chain, as given', async () => {
        const s = await fresh();
        await s.appendAudit(entry(1));
        await s.createFreeze(freeze('f-1', T0 + MIN), freezeAudit('freeze.start', 'f-1', T0 + MIN, { detail: 'incident 4711 (regions: all; services: all)' }));
        expect(await s.endFreeze('f-1', T0 + 5 * MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + 5 * MIN, { actor: 'bob' }))).toBe(true);
        const audit = await s.audit();
        expect(audit.map((a) => [a.seq, a.actor, a.action, a.target, a.at])).toEqual([
          [1, 'alice', 'release.start', 'webapp-1', T0 + MIN],
          [2, 'alice', 'freeze.start', 'f-1', T0 + MIN],
          [3, 'bob', 'freeze.end', 'f-1', T0 + 5 * MIN],
        ]);
        expect(audit[1]!.detail).toBe('incident 4711 (regions: all; services: all)');
        expect(verifyAuditChain(audit)).toEqual({ ok: true, count: 3 });
      });

      it('ends a freeze in force: it leaves the list, the others stay', async () => {
        const s = await fresh();
        await s.createFreeze(freeze('f-1', T0), freezeAudit('freeze.start', 'f-1'));
        await s.createFreeze(freeze('f-2', T0 + MIN, { regions: ['ap-south-1'] }), freezeAudit('freeze.start', 'f-2'));
        expect(await s.endFreeze('f-1', T0 + 2 * MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + 2 * MIN))).toBe(true);
        expect(await s.activeFreezes()).toEqual([freeze('f-2', T0 + MIN, { regions: ['ap-south-1'] })]);
      });

      it('answers false and writes nothing when ending a freeze twice, or one it does not know', async () => {
        const s = await fresh();
        await s.createFreeze(freeze('f-1', T0), freezeAudit('freeze.start', 'f-1'));
        expect(await s.endFreeze('f-1', T0 + MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + MIN))).toBe(true);
        expect(await s.endFreeze('f-1', T0 + 2 * MIN, 'carol', freezeAudit('freeze.end', 'f-1', T0 + 2 * MIN))).toBe(false);
        expect(await s.endFreeze('nope', T0 + 2 * MIN, 'carol', freezeAudit('freeze.end', 'nope', T0 + 2 * MIN))).toBe(false);
        expect((await s.audit()).map((a) => a.action)).toEqual(['freeze.start', 'freeze.end']);
        expect(await s.activeFreezes()).toEqual([]);
      });

      it('lets exactly one of two concurrent ends of a freeze win', async () => {
        const s = await fresh();
        await s.createFreeze(freeze('f-1', T0), freezeAudit('freeze.start', 'f-1'));
        const results = await Promise.all([
          s.endFreeze('f-1', T0 + MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + MIN, { actor: 'bob' })),
          s.endFreeze('f-1', T0 + MIN, 'carol', freezeAudit('freeze.end', 'f-1', T0 + MIN, { actor: 'carol' })),
        ]);
        expect([...results].sort()).toEqual([false, true]);
        const audit = await s.audit();
        expect(audit.filter((a) => a.action === 'freeze.end').map((a) => a.actor)).toEqual([results[0] ? 'bob' : 'carol']);
        expect(verifyAuditChain(audit)).toEqual({ ok: true, count: 2 });
      });

      it('refuses a freeze id already taken, even by an ended freeze, and writes nothing', async () => {
        const s = await fresh();
        await s.createFreeze(freeze('f-1', T0), freezeAudit('freeze.start', 'f-1'));
        const e = await refusal(s.createFreeze(freeze('f-1', T0 + MIN, { reason: 'another' }), freezeAudit('freeze.start', 'f-1', T0 + MIN)));
        expect(e).toBeInstanceOf(ConflictError);
        expect(e.message).toBe('freeze f-1 already exists');
        await s.endFreeze('f-1', T0 + 2 * MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + 2 * MIN));
        expect((await refusal(s.createFreeze(freeze('f-1', T0 + 3 * MIN), freezeAudit('freeze.start', 'f-1', T0 + 3 * MIN)))).message).toBe('freeze f-1 already exists');
        expect((await s.audit()).map((a) => a.action)).toEqual(['freeze.start', 'freeze.end']);
        expect(await s.activeFreezes()).toEqual([]);
      });

      it('leaves nothing behind when the audit entry of a new freeze is refused', async () => {
        const s = await fresh();
        const reason = 'rollout paused, see https://ci.example/run?token=abc';
        const e = await refusal(s.createFreeze(freeze('f-1', T0, { reason }), freezeAudit('freeze.start', 'f-1', T0, { detail: reason })));
        expect(e.message).toContain("looks like it contains 'token='");
        expect(await s.activeFreezes()).toEqual([]);
        expect(await s.audit()).toEqual([]);
        // The id is not held by a half-written freeze.
        await s.createFreeze(freeze('f-1', T0, { reason: 'rollout paused' }), freezeAudit('freeze.start', 'f-1'));
        expect((await s.activeFreezes()).map((f) => f.reason)).toEqual(['rollout paused']);
        expect(verifyAuditChain(await s.audit())).toEqual({ ok: true, count: 1 });
      });

      it('keeps the freeze in force when the audit entry of its end is refused', async () => {
        const s = await fresh();
        await s.createFreeze(freeze('f-1', T0), freezeAudit('freeze.start', 'f-1'));
        const e = await refusal(s.endFreeze('f-1', T0 + MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + MIN, { detail: 'ended via /api?token=abc' })));
        expect(e.message).toContain("looks like it contains 'token='");
        expect(await s.activeFreezes()).toEqual([freeze('f-1', T0)]);
        expect((await s.audit()).map((a) => a.action)).toEqual(['freeze.start']);
        expect(await s.endFreeze('f-1', T0 + MIN, 'bob', freezeAudit('freeze.end', 'f-1', T0 + MIN))).toBe(true);
      });

      it('refuses a new freeze that has already ended, writing nothing', async () => {
        const s = await fresh();
        const e = await refusal(s.createFreeze(freeze('f-1', T0, { endedAt: T0 + MIN, endedBy: 'bob' }), freezeAudit('freeze.start', 'f-1')));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe('freeze f-1: a new freeze is in force (endedAt and endedBy null); end it with endFreeze');
        expect(await s.audit()).toEqual([]);
      });

      it('gives back copies: changing what it returned changes nothing stored', async () => {
        const s = await fresh();
        const given = freeze('f-1', T0, { regions: ['eu-west-1'] });
        await s.createFreeze(given, freezeAudit('freeze.start', 'f-1'));
        given.regions.push('given-later');
        const [read] = await s.activeFreezes();
        read!.regions.push('read-later');
        read!.services.push('read-later');
        expect(await s.activeFreezes()).toEqual([freeze('f-1', T0, { regions: ['eu-west-1'] })]);
      });
    });

    describe('failed versions', () => {
      it('knows no failed version at first', async () => {
        const s = await fresh();
        expect(await s.failedVersion('checkout', '2.4.1')).toBeNull();
        expect(await s.failedVersions([{ service: 'checkout', version: '2.4.1' }])).toEqual([]);
      });

      it('keeps a failed version exactly as given, for its service and version only', async () => {
        const s = await fresh();
        const rec = failed('checkout-2.4.1-a', T0, { reason: 'ring ring-1: deploy failed: "Degraded", sync failed; é ✓' });
        await s.recordFailedVersion(rec);
        expect(await s.failedVersion('checkout', '2.4.1')).toEqual(rec);
        expect(await s.failedVersion('checkout', '2.4.10')).toBeNull();
        expect(await s.failedVersion('cart', '2.4.1')).toBeNull();
      });

      it('is idempotent per release: a second record of the same release keeps the first', async () => {
        const s = await fresh();
        await s.recordFailedVersion(failed('checkout-2.4.1-a', T0));
        await s.recordFailedVersion(failed('checkout-2.4.1-a', T0 + MIN, { reason: 'recorded again after a restart' }));
        expect(await s.failedVersion('checkout', '2.4.1')).toEqual(failed('checkout-2.4.1-a', T0));
        expect(await s.failedVersions([{ service: 'checkout', version: '2.4.1' }])).toEqual([failed('checkout-2.4.1-a', T0)]);
      });

      it('answers the newest failure of a version, by time and then release id', async () => {
        const s = await fresh();
        await s.recordFailedVersion(failed('checkout-2.4.1-b', T0 + MIN));
        await s.recordFailedVersion(failed('checkout-2.4.1-c', T0 + 3 * MIN));
        await s.recordFailedVersion(failed('checkout-2.4.1-a', T0 + 2 * MIN));
        expect((await s.failedVersion('checkout', '2.4.1'))?.releaseId).toBe('checkout-2.4.1-c');
        await s.recordFailedVersion(failed('checkout-2.4.1-d', T0 + 3 * MIN));
        expect((await s.failedVersion('checkout', '2.4.1'))?.releaseId).toBe('checkout-2.4.1-d');
      });

      it('answers a page of keys with the newest failure of each that has one, in the order asked, each once', async () => {
        const s = await fresh();
        await s.recordFailedVersion(failed('checkout-2.4.1-a', T0));
        await s.recordFailedVersion(failed('checkout-2.4.1-b', T0 + MIN));
        await s.recordFailedVersion(failed('cart-v7-a', T0, { service: 'cart', version: 'v7' }));
        const keys = [
          { service: 'search', version: '1.0.0' }, { service: 'cart', version: 'v7' }, { service: 'checkout', version: '2.4.1' },
          { service: 'cart', version: 'v7' }, { service: 'checkout', version: '2.4.0' },
        ];
        expect((await s.failedVersions(keys)).map((f) => `${f.service} ${f.version} ${f.releaseId}`)).toEqual(['cart v7 cart-v7-a', 'checkout 2.4.1 checkout-2.4.1-b']);
        expect(await s.failedVersions([])).toEqual([]);
      });

      it('refuses a record it could not keep, and too many keys at once, keeping nothing', async () => {
        const s = await fresh();
        const long = await refusal(s.recordFailedVersion(failed('checkout-2.4.1-a', T0, { reason: 'x'.repeat(501) })));
        expect(long).toBeInstanceOf(TypeError);
        expect(long.message).toBe('failed version reason must be a string of at most 500 characters');
        expect((await refusal(s.recordFailedVersion(failed('', T0)))).message).toBe('failed version releaseId must be a non-empty string');
        expect((await refusal(s.recordFailedVersion(failed('checkout-2.4.1-a', Number.NaN)))).message).toBe('failed version at must be a time in epoch milliseconds, not NaN');
        expect(await s.failedVersion('checkout', '2.4.1')).toBeNull();
        const many = Array.from({ length: 501 }, (_, i) => ({ service: 'checkout', version: `v${i}` }));
        expect((await refusal(s.failedVersions(many))).message).toBe('failed version keys: at most 500 at a time, not 501');
      });
    });

    describe.skipIf(!options.reopen)('durability', () => {
      it('keeps failed versions across a close and re-open', async () => {
        const s = await fresh();
        await s.recordFailedVersion(failed('checkout-2.4.1-a', T0));
        const again = await reopen(s);
        expect(await again.failedVersion('checkout', '2.4.1')).toEqual(failed('checkout-2.4.1-a', T0));
        await again.recordFailedVersion(failed('checkout-2.4.1-a', T0 + MIN, { reason: 'after the restart' }));
        expect(await again.failedVersion('checkout', '2.4.1')).toEqual(failed('checkout-2.4.1-a', T0));
      });

      it('keeps releases in their order and freezes, in force or ended, across a close and re-open', async () => {
        const s = await fresh();
        for (const [id, at] of [['b', T0], ['a', T0], ['c', T0 + MIN]] as const) await s.createRelease(release(id, `svc-${id}`, at));
        await s.createFreeze(freeze('f-1', T0, { regions: ['eu-west-1'], services: ['checkout'] }), freezeAudit('freeze.start', 'f-1'));
        await s.createFreeze(freeze('f-2', T0 + MIN), freezeAudit('freeze.start', 'f-2', T0 + MIN));
        await s.endFreeze('f-2', T0 + 2 * MIN, 'bob', freezeAudit('freeze.end', 'f-2', T0 + 2 * MIN));
        const again = await reopen(s);
        expect(ids(await again.listReleases())).toEqual(['c', 'b', 'a']);
        expect(ids(await again.listReleases({ after: { createdAt: T0, id: 'b' } }))).toEqual(['a']);
        expect(await again.activeFreezes()).toEqual([freeze('f-1', T0, { regions: ['eu-west-1'], services: ['checkout'] })]);
        expect(await again.endFreeze('f-2', T0 + 3 * MIN, 'carol', freezeAudit('freeze.end', 'f-2', T0 + 3 * MIN))).toBe(false);
        expect((await refusal(again.createFreeze(freeze('f-2', T0 + 3 * MIN), freezeAudit('freeze.start', 'f-2', T0 + 3 * MIN)))).message).toBe('freeze f-2 already exists');
        expect(await again.endFreeze('f-1', T0 + 3 * MIN, 'carol', freezeAudit('freeze.end', 'f-1', T0 + 3 * MIN))).toBe(true);
        const audit = await again.audit();
        expect(audit.map((a) => `${a.action} ${a.target}`)).toEqual(['freeze.start f-1', 'freeze.start f-2', 'freeze.end f-2', 'freeze.end f-1']);
        expect(verifyAuditChain(audit)).toEqual({ ok: true, count: 4 });
      });
    });

    describe('inputs', () => {
      it('appends inputs in order and replays all of them, or those after a given seq', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        for (let seq = 1; seq <= 5; seq++) await s.appendInput('webapp-1', seq, { type: 'tick', at: T0 + seq * MIN }, 'running', T0 + seq * MIN);
        expect((await s.inputs('webapp-1')).map((i) => i.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(await s.inputs('webapp-1', 3)).toEqual([
          { seq: 4, input: { type: 'tick', at: T0 + 4 * MIN } },
          { seq: 5, input: { type: 'tick', at: T0 + 5 * MIN } },
        ]);
        expect(await s.inputs('webapp-1', 5)).toEqual([]);
      });

      it('moves the release to the phase after each input and stamps the input time as its last update', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        await s.appendInput('webapp-1', 1, { type: 'start' }, 'waiting', T0 + 7 * MIN);
        expect(await s.getRelease('webapp-1')).toMatchObject({ phase: 'waiting', createdAt: T0, updatedAt: T0 + 7 * MIN });
      });

      it('refuses a seq already taken, and leaves the release as it was', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        await s.appendInput('webapp-1', 1, { type: 'start' }, 'running', T0);
        await s.appendInput('webapp-1', 2, { type: 'tick' }, 'waiting', T0 + MIN);
        const e = await refusal(s.appendInput('webapp-1', 2, { type: 'abort' }, 'aborted', T0 + 2 * MIN));
        expect(e).toBeInstanceOf(ConflictError);
        expect(e.message).toBe('release webapp-1 already has input 2 (the last is 2)');
        expect(await s.getRelease('webapp-1')).toMatchObject({ phase: 'waiting', updatedAt: T0 + MIN });
        expect((await s.inputs('webapp-1', 1))[0]?.input).toEqual({ type: 'tick' });
      });

      it('refuses a seq that would leave a gap in the log', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        const e = await refusal(s.appendInput('webapp-1', 2, { type: 'tick' }, 'running', T0));
        expect(e).toBeInstanceOf(ConflictError);
        expect(e.message).toBe('release webapp-1: input 2 would leave a gap (the next is 1)');
      });

      it('refuses inputs and snapshots of a release it does not know', async () => {
        const s = await fresh();
        const e = await refusal(s.appendInput('nope', 1, { type: 'start' }, 'running', T0));
        expect(e).toBeInstanceOf(NotFoundError);
        expect(e.message).toBe('release "nope" not found');
        expect((await refusal(s.saveSnapshot('nope', 0, {}))).message).toBe('release "nope" not found');
        expect(await s.inputs('nope')).toEqual([]);
      });

      it('gives back copies: changing what it returned changes nothing stored', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        await s.appendInput('webapp-1', 1, { type: 'start', versions: { 'eu-west-1': 'v2.0.0' } }, 'running', T0);
        const [first] = await s.inputs('webapp-1');
        (first!.input as { versions: Record<string, string> }).versions['eu-west-1'] = 'tampered';
        expect((await s.inputs('webapp-1'))[0]?.input).toEqual({ type: 'start', versions: { 'eu-west-1': 'v2.0.0' } });
      });
    });

    describe('snapshots', () => {
      it('has no snapshot until one is saved', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        expect(await s.latestSnapshot('webapp-1')).toBeNull();
        expect(await s.latestSnapshot('nope')).toBeNull();
      });

      it('returns the snapshot at the highest seq, whatever order they were saved in', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        for (let seq = 1; seq <= 6; seq++) await s.appendInput('webapp-1', seq, { type: 'tick' }, 'running', T0 + seq * MIN);
        await s.saveSnapshot('webapp-1', 2, { phase: 'running', current: 0 });
        await s.saveSnapshot('webapp-1', 5, { phase: 'running', current: 1 });
        expect(await s.latestSnapshot('webapp-1')).toEqual({ seq: 5, state: { phase: 'running', current: 1 } });
        await s.saveSnapshot('webapp-1', 3, { phase: 'running', current: 0 });
        expect(await s.latestSnapshot('webapp-1')).toEqual({ seq: 5, state: { phase: 'running', current: 1 } });
        await s.saveSnapshot('webapp-1', 5, { phase: 'waiting', current: 1 });
        expect(await s.latestSnapshot('webapp-1')).toEqual({ seq: 5, state: { phase: 'waiting', current: 1 } });
      });

      it('refuses a snapshot ahead of the input log', async () => {
        const s = await fresh();
        await s.createRelease(release('webapp-1'));
        await s.appendInput('webapp-1', 1, { type: 'start' }, 'running', T0);
        const e = await refusal(s.saveSnapshot('webapp-1', 2, {}));
        expect(e).toBeInstanceOf(ConflictError);
        expect(e.message).toBe('release webapp-1: a snapshot at input 2 is ahead of the log (the last input is 1)');
      });
    });

    describe('compaction', () => {
      const ticks = async (s: Store, n: number): Promise<void> => {
        await s.createRelease(release('webapp-1'));
        for (let seq = 1; seq <= n; seq++) await s.appendInput('webapp-1', seq, { type: seq === 1 ? 'start' : 'tick', at: T0 + seq * MIN }, 'running', T0 + seq * MIN);
      };

      it('deletes the inputs a snapshot sums up, skipping those not there, and the log goes on after them', async () => {
        const s = await fresh();
        await ticks(s, 6);
        await s.saveSnapshot('webapp-1', 5, { phase: 'running' });
        expect(await s.deleteInputs('webapp-1', [2, 3, 4])).toBe(3);
        expect(await s.deleteInputs('webapp-1', [3, 4])).toBe(0);
        expect(await s.deleteInputs('webapp-1', [])).toBe(0);
        expect((await s.inputs('webapp-1')).map((i) => i.seq)).toEqual([1, 5, 6]);
        expect((await s.inputs('webapp-1', 1)).map((i) => i.seq)).toEqual([5, 6]);
        await s.appendInput('webapp-1', 7, { type: 'tick' }, 'running', T0 + 7 * MIN);
        expect((await s.inputs('webapp-1', 5)).map((i) => i.seq)).toEqual([6, 7]);
      });

      it('refuses to delete an input no snapshot sums up, and deletes nothing of the request', async () => {
        const s = await fresh();
        await ticks(s, 6);
        const none = await refusal(s.deleteInputs('webapp-1', [2]));
        expect(none).toBeInstanceOf(RangeError);
        expect(none.message).toBe('release webapp-1: input 2 is not behind a snapshot (there is none), so it cannot be deleted');
        await s.saveSnapshot('webapp-1', 4, { phase: 'running' });
        const ahead = await refusal(s.deleteInputs('webapp-1', [2, 4]));
        expect(ahead.message).toBe('release webapp-1: input 4 is not behind a snapshot (the latest is at input 4), so it cannot be deleted');
        expect((await refusal(s.deleteInputs('webapp-1', [1.5]))).message).toBe('release webapp-1: an input to delete must be numbered by a whole number from 1, not 1.5');
        expect((await s.inputs('webapp-1')).map((i) => i.seq)).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await refusal(s.deleteInputs('nope', [1]))).message).toBe('release "nope" not found');
      });
    });

    describe('effects', () => {
      it('answers null for an effect never recorded', async () => {
        const s = await fresh();
        expect(await s.effectResult('webapp-1/deploy/ring-1')).toBeNull();
      });

      it('keeps the first result recorded for a key', async () => {
        const s = await fresh();
        await s.recordEffect('webapp-1/deploy/ring-1', { type: 'deployed', ring: 'ring-1', ref: 'abc123' });
        await s.recordEffect('webapp-1/deploy/ring-1', { type: 'deployed', ring: 'ring-1', ref: 'def456' });
        expect(await s.effectResult('webapp-1/deploy/ring-1')).toEqual({ type: 'deployed', ring: 'ring-1', ref: 'abc123' });
      });
    });

    describe('audit log', () => {
      it('numbers entries from 1 and chains each to the one before, from the genesis hash', async () => {
        const s = await fresh();
        const a = await s.appendAudit(entry(1));
        const b = await s.appendAudit(entry(2, { outcome: 'refused', detail: 'bob is not an approver of ring-2' }));
        expect(a).toEqual({ seq: 1, ...entry(1), prevHash: GENESIS, hash: auditHash(GENESIS, { seq: 1, ...entry(1) }) });
        expect(b.seq).toBe(2);
        expect(b.prevHash).toBe(a.hash);
        expect(await s.audit()).toEqual([a, b]);
      });

      it('keeps a chain that verifies', async () => {
        const s = await fresh();
        for (let n = 1; n <= 20; n++) await s.appendAudit(entry(n));
        expect(verifyAuditChain(await s.audit())).toEqual({ ok: true, count: 20 });
      });

      it('hands out copies: an entry changed after reading no longer verifies, the stored one still does', async () => {
        const s = await fresh();
        for (let n = 1; n <= 3; n++) await s.appendAudit(entry(n));
        const read = await s.audit();
        read[1]!.detail = 'webapp v9.9.9';
        expect(verifyAuditChain(read)).toEqual({ ok: false, seq: 2, problem: 'hash does not match its contents (changed after it was written)' });
        expect(verifyAuditChain(await s.audit())).toEqual({ ok: true, count: 3 });
      });

      it.skipIf(!options.tamperAudit)('detects an entry changed where the store keeps it', async () => {
        const s = await fresh();
        for (let n = 1; n <= 5; n++) await s.appendAudit(entry(n));
        await options.tamperAudit!(s, 3, 'webapp v0.0.1');
        expect(verifyAuditChain(await s.audit())).toEqual({ ok: false, seq: 3, problem: 'hash does not match its contents (changed after it was written)' });
      });

      it('refuses an entry that carries a bearer token, and records nothing', async () => {
        const s = await fresh();
        const e = await refusal(s.appendAudit(entry(1, { detail: 'called with Bearer eyJhbGciOiJIUzI1NiJ9.abc' })));
        expect(e.message).toBe('audit entry detail looks like it contains a bearer token; audit entries must never carry credentials');
        expect(await s.audit()).toEqual([]);
      });
    });

    describe('region versions', () => {
      it('keeps the version each region of a service runs, the last one set winning', async () => {
        const s = await fresh();
        expect(await s.regionVersions('webapp')).toEqual({});
        await s.setRegionVersion('webapp', 'eu-west-1', 'v2.0.0', T0);
        await s.setRegionVersion('webapp', 'ap-south-1', 'v2.0.0', T0);
        await s.setRegionVersion('webapp', 'ap-south-1', 'v2.1.0', T0 + MIN);
        await s.setRegionVersion('billing', 'eu-west-1', 'v7', T0);
        expect(await s.regionVersions('webapp')).toEqual({ 'ap-south-1': 'v2.1.0', 'eu-west-1': 'v2.0.0' });
        expect(await s.regionVersions('billing')).toEqual({ 'eu-west-1': 'v7' });
      });
    });

    sessionContract(fresh, options.reopen ? reopen : undefined);

    describe('closing', () => {
      it('refuses work once closed, and closing twice is harmless', async () => {
        const s = await make();
        await s.close();
        await s.close();
        expect((await refusal(s.listReleases())).message).toMatch(/ is closed$/);
      });
    });
  });
}
