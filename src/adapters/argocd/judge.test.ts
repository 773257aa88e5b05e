/** @module Tests for judging one Argo CD Application against the pushed commit. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { judgeApplication, sameRevision, shortRevision } from './judge.ts';
import { application, OLD, REF } from './application-fixtures.test-helper.ts';

const done = { done: true, failed: false };
const waiting = { done: false, failed: false };
const failed = { done: false, failed: true };

describe('judgeApplication', () => {
  describe('is done only when synced to the pushed commit, healthy and settled', () => {
    it('is done when Synced and Healthy at the pushed commit after a successful sync to it', () => {
      expect(judgeApplication(application({ op: { phase: 'Succeeded' } }), REF)).toEqual({
        ...done,
        reason: 'Synced to 9e8d7c6 and Healthy',
      });
    });

    it('is done without any operation state (the commit needed no sync operation)', () => {
      expect(judgeApplication(application(), REF)).toMatchObject(done);
    });

    it('accepts the pushed commit abbreviated to 7 or more hex digits', () => {
      expect(judgeApplication(application(), REF.slice(0, 7))).toMatchObject(done);
      expect(judgeApplication(application(), REF.slice(0, 12).toUpperCase())).toMatchObject(done);
    });

    it('is done for a multi-source Application whose revisions include the pushed commit', () => {
      expect(judgeApplication(application({ revisions: ['v1.4.2', REF] }), REF)).toMatchObject(done);
    });
  });

  describe('never takes stale status as done (argo-cd #29410, #22852)', () => {
    it('an older revision reported as Synced and Healthy is stale, not done', () => {
      const j = judgeApplication(application({ revision: OLD }), REF);
      expect(j).toEqual({
        ...waiting,
        reason: 'stale: Synced and Healthy at 3f2a1bc, want 9e8d7c6 (Argo CD has not compared the pushed revision yet)',
      });
    });

    it('a multi-source Application whose revisions lack the pushed commit is not done', () => {
      expect(judgeApplication(application({ revisions: ['v1.4.2', OLD] }), REF)).toEqual({
        ...waiting,
        reason: 'stale: Synced and Healthy at v1.4.2, 3f2a1bc, want 9e8d7c6 (Argo CD has not compared the pushed revision yet)',
      });
    });

    it('Healthy while a sync operation is Running is not done', () => {
      expect(judgeApplication(application({ op: { phase: 'Running' } }), REF)).toEqual({ ...waiting, reason: 'sync operation Running' });
    });

    it('says what a running operation is waiting for, and when it syncs another revision', () => {
      const j = judgeApplication(application({ op: { phase: 'Running', revision: OLD, message: 'waiting for completion of hook\nbatch/Job/migrate' } }), REF);
      expect(j).toEqual({ ...waiting, reason: 'sync operation Running (to 3f2a1bc, not 9e8d7c6): waiting for completion of hook batch/Job/migrate' });
    });

    it('an operation being terminated is not done', () => {
      expect(judgeApplication(application({ op: { phase: 'Terminating' } }), REF)).toEqual({ ...waiting, reason: 'sync operation Terminating' });
    });

    it('a requested operation not yet picked up is not done', () => {
      expect(judgeApplication(application({ op: { phase: 'Succeeded', revision: OLD }, pendingOperation: true }), REF)).toEqual({
        ...waiting,
        reason: 'sync operation requested, not finished yet',
      });
    });

    it('status reconciled before the sync to the pushed commit finished is stale', () => {
      const app = application({ op: { phase: 'Succeeded', finishedAt: '2026-03-02T09:04:30Z' }, reconciledAt: '2026-03-02T09:04:10Z' });
      expect(judgeApplication(app, REF)).toEqual({
        ...waiting,
        reason: 'stale: status reconciled at 2026-03-02T09:04:10Z, before the sync to 9e8d7c6 finished at 2026-03-02T09:04:30Z',
      });
    });

    it('status reconciled in the same second the sync finished counts as fresh', () => {
      const app = application({ op: { phase: 'Succeeded', finishedAt: '2026-03-02T09:04:30Z' }, reconciledAt: '2026-03-02T09:04:30Z' });
      expect(judgeApplication(app, REF)).toMatchObject(done);
    });

    it('a stale successful operation for an older revision does not matter once Synced and Healthy at the pushed commit', () => {
      const app = application({ op: { phase: 'Succeeded', revision: OLD, finishedAt: '2026-03-02T09:10:00Z' }, reconciledAt: '2026-03-02T09:05:00Z' });
      expect(judgeApplication(app, REF)).toMatchObject(done);
    });
  });

  describe('reports what is still to happen', () => {
    it('OutOfSync at an older revision names both revisions', () => {
      expect(judgeApplication(application({ sync: 'OutOfSync', revision: OLD }), REF)).toEqual({
        ...waiting,
        reason: 'OutOfSync (at 3f2a1bc, want 9e8d7c6)',
      });
    });

    it('OutOfSync at the pushed commit is not synced yet', () => {
      expect(judgeApplication(application({ sync: 'OutOfSync' }), REF)).toEqual({ ...waiting, reason: 'OutOfSync at 9e8d7c6 (not synced yet)' });
    });

    it('Synced to the pushed commit but Progressing is not done', () => {
      expect(judgeApplication(application({ health: 'Progressing' }), REF)).toEqual({ ...waiting, reason: 'Synced to 9e8d7c6 but Progressing' });
    });

    it("carries Argo CD's health message on the same line", () => {
      const j = judgeApplication(application({ health: 'Progressing', healthMessage: 'Waiting for rollout to finish:\n1 of 3 updated replicas are available...' }), REF);
      expect(j.reason).toBe('Synced to 9e8d7c6 but Progressing: Waiting for rollout to finish: 1 of 3 updated replicas are available...');
    });

    it.each(['Suspended', 'Missing', 'Unknown'] as const)('%s health is not done and not failed', (health) => {
      expect(judgeApplication(application({ health }), REF)).toEqual({ ...waiting, reason: `Synced to 9e8d7c6 but ${health}` });
    });

    it('Unknown sync status is not done', () => {
      expect(judgeApplication(application({ sync: 'Unknown' }), REF)).toEqual({ ...waiting, reason: 'Unknown at 9e8d7c6 (not synced yet)' });
    });
  });

  describe('fails only on evidence about the pushed commit', () => {
    it('Degraded at the pushed commit fails', () => {
      expect(judgeApplication(application({ health: 'Degraded', healthMessage: 'Deployment "webapp" exceeded its progress deadline' }), REF)).toEqual({
        ...failed,
        reason: 'Degraded at 9e8d7c6: Deployment "webapp" exceeded its progress deadline',
      });
    });

    it('Degraded at an older revision is not a failure of this release', () => {
      expect(judgeApplication(application({ health: 'Degraded', revision: OLD }), REF)).toEqual({
        ...waiting,
        reason: 'stale: Synced but Degraded at 3f2a1bc, want 9e8d7c6 (Argo CD has not compared the pushed revision yet)',
      });
    });

    it('Degraded while a sync is still running waits', () => {
      expect(judgeApplication(application({ health: 'Degraded', op: { phase: 'Running' } }), REF)).toMatchObject(waiting);
    });

    it('Degraded in a status computed before the sync finished waits', () => {
      const app = application({ health: 'Degraded', op: { phase: 'Succeeded' }, reconciledAt: '2026-03-02T09:00:00Z' });
      expect(judgeApplication(app, REF)).toMatchObject(waiting);
    });

    it.each(['Failed', 'Error'] as const)('a sync operation to the pushed commit that ended %s fails', (phase) => {
      const app = application({ sync: 'OutOfSync', op: { phase, message: 'one or more objects failed to apply' } });
      expect(judgeApplication(app, REF)).toEqual({ ...failed, reason: `sync to 9e8d7c6 ${phase}: one or more objects failed to apply` });
    });

    it('a failed operation without a sync result is matched by the revision it was asked to sync', () => {
      const app = application({ sync: 'OutOfSync', op: { phase: 'Error', noResult: true, message: 'ComparisonError: rpc error' } });
      expect(judgeApplication(app, REF)).toEqual({ ...failed, reason: 'sync to 9e8d7c6 Error: ComparisonError: rpc error' });
    });

    it('a failed operation for an older revision is stale: not a failure of this release', () => {
      const app = application({ sync: 'OutOfSync', op: { phase: 'Failed', revision: OLD } });
      expect(judgeApplication(app, REF)).toEqual({ ...waiting, reason: 'OutOfSync at 9e8d7c6 (not synced yet)' });
    });
  });

  describe('malformed responses are not done, with a clear reason, never a crash', () => {
    it.each([
      [null, 'the response is not an Application object'],
      ['webapp', 'the response is not an Application object'],
      [[application()], 'the response is not an Application object'],
      [{ metadata: { name: 'webapp' } }, 'no status yet (Argo CD has not reconciled the Application)'],
      [{ status: 'Healthy' }, 'no status yet (Argo CD has not reconciled the Application)'],
      [{ status: {} }, 'no sync status reported yet'],
      [{ status: { sync: { status: 42, revision: REF }, health: { status: 'Healthy' } } }, 'no sync status reported yet'],
      [{ status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } } }, 'Synced but no revision reported (want 9e8d7c6)'],
      [{ status: { sync: { status: 'Synced', revision: 7 }, health: { status: 'Healthy' } } }, 'Synced but no revision reported (want 9e8d7c6)'],
      [{ status: { sync: { status: 'Synced', revision: REF } } }, 'Synced to 9e8d7c6 but no health status'],
      [{ status: { sync: { status: 'Synced', revision: REF }, health: 'Healthy' } }, 'Synced to 9e8d7c6 but no health status'],
      [{ status: { sync: { status: 'Synced', revision: REF }, health: { status: 'Healthy' }, operationState: 'Running' } }, 'operation state reported without a phase: cannot tell whether a sync is running'],
      [{ status: { sync: { status: 'Synced', revision: REF }, health: { status: 'Healthy' }, operationState: { syncResult: { revision: REF } } } }, 'operation state reported without a phase: cannot tell whether a sync is running'],
      [{ status: { sync: { status: 'Synced', revision: REF }, health: { status: 'Healthy' }, operationState: null } }, 'Synced to 9e8d7c6 and Healthy'],
    ])('%j → %s', (app, reason) => {
      const j = judgeApplication(app, REF);
      expect(j.reason).toBe(reason);
      expect(j.failed).toBe(false);
    });

    it('answers anything with booleans and a one-line reason', () => {
      fc.assert(
        fc.property(fc.anything(), fc.oneof(fc.constant(REF), fc.string()), (app, ref) => {
          const j = judgeApplication(app, ref);
          expect(typeof j.done).toBe('boolean');
          expect(typeof j.failed).toBe('boolean');
          expect(j.done && j.failed).toBe(false);
          expect(j.reason).not.toMatch(/\n/);
          expect(j.reason.length).toBeGreaterThan(0);
        }),
      );
    });

    it('never crashes on arbitrary values at the fields it reads', () => {
      const field = fc.oneof(fc.anything(), fc.constantFrom('Synced', 'Healthy', 'Running', 'Failed', REF, OLD));
      fc.assert(
        fc.property(field, field, field, field, field, field, (sync, revision, health, phase, result, reconciledAt) => {
          const app = { status: { sync: { status: sync, revision }, health: { status: health }, operationState: { phase, syncResult: { revision: result }, finishedAt: reconciledAt }, reconciledAt } };
          expect(() => judgeApplication(app, REF)).not.toThrow();
        }),
      );
    });
  });
});

describe('sameRevision', () => {
  it('matches a full SHA, case-insensitively, and abbreviations of 7 or more hex digits', () => {
    expect(sameRevision(REF, REF)).toBe(true);
    expect(sameRevision(REF, REF.toUpperCase())).toBe(true);
    expect(sameRevision(REF, REF.slice(0, 7))).toBe(true);
  });

  it('refuses abbreviations under 7 digits, other commits, and partial non-hex names', () => {
    expect(sameRevision(REF, REF.slice(0, 6))).toBe(false);
    expect(sameRevision(REF, OLD)).toBe(false);
    expect(sameRevision('release/v2.1.0', 'release/v2')).toBe(false);
    expect(sameRevision('', '')).toBe(false);
  });
});

describe('shortRevision', () => {
  it('shows a SHA as 7 digits and anything else as given', () => {
    expect(shortRevision(REF)).toBe('9e8d7c6');
    expect(shortRevision('v1.4.2')).toBe('v1.4.2');
  });
});
