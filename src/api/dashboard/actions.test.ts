import { describe, expect, it } from 'vitest';
import type { AllowedActions } from '../../engine/actions.ts';
import type { Phase, RingStatus } from '../../engine/types.ts';
import type { Actor, ReleaseView, RingView } from '../../runtime/controller-types.ts';
import { actionsFor } from './actions.ts';

const ring = (name: string, status: RingStatus, extra: Partial<RingView> = {}): RingView => ({
  name, regions: [`${name}-region`], userShare: 0.25, status, verdict: 'not-started', deployedAt: null, healthyAt: null,
  bakeUntil: null, rolledBack: false, approvers: [], bakeMinutes: 60, evidence: null, ...extra,
});
const deployed = { deployedAt: '2026-03-02T10:00:00.000Z', verdict: 'passed' as const };
const none: AllowedActions = { approve: [], resume: false, abort: false, rollback: [] };

function view(phase: Phase, rings: RingView[], actions: Partial<AllowedActions>): ReleaseView {
  return {
    id: 'shop-v2-1', service: 'shop', version: 'v2', previousVersion: 'v1', phase, haltReason: null, startedAt: '2026-03-02T10:00:00.000Z',
    completedAt: null, rings, versions: {}, events: [], freezes: [], evaluationCounts: { pass: 0, fail: 0, inconclusive: 0 }, blastRadius: { userShare: 0.25 }, actions: { ...none, ...actions }, leftBehind: null,
  };
}

const alice: Actor = { user: 'alice', groups: [], role: 'viewer' };
const dana: Actor = { user: 'dana', groups: ['release-team'], role: 'operator' };
const victor: Actor = { user: 'victor', groups: ['sre'], role: 'viewer' };
const root: Actor = { user: 'root', groups: ['ops'], role: 'admin' };

const waiting = view('waiting', [
  ring('ring-1', 'passed', deployed),
  ring('ring-2', 'awaiting-approval', { approvers: ['alice', 'group:release-team'] }),
], { approve: ['ring-2'], abort: true, rollback: ['ring-1'] });
const kinds = (v: ReleaseView, a: Actor) => actionsFor(v, a).map((x) => `${x.kind}${x.ring ? ` ${x.ring}` : ''}`);

describe('the actions a person is offered', () => {
  it('offers approval to a listed approver, by name or by group, and to nobody else (not even an admin)', () => {
    expect(kinds(waiting, alice)).toEqual(['approve ring-2']);
    expect(kinds(waiting, dana)).toEqual(['approve ring-2', 'rollback', 'abort']);
    expect(kinds(waiting, victor)).toEqual([]);
    expect(kinds(waiting, root)).toEqual(['rollback', 'abort']);
  });

  it('offers what the engine allows to operators only, and names the rings a rollback takes, downstream first', () => {
    const running = view('running', [ring('ring-1', 'passed', deployed), ring('ring-2', 'baking', deployed), ring('ring-3', 'pending')], { abort: true, rollback: ['ring-2', 'ring-1'] });
    expect(actionsFor(running, dana).find((a) => a.kind === 'rollback')?.question).toBe('Roll back ring-2, ring-1?');
    expect(kinds(running, victor)).toEqual([]);
    const halted = view('halted', [ring('ring-1', 'deploying', { deployedAt: deployed.deployedAt })], { resume: true, abort: true, rollback: ['ring-1'] });
    expect(kinds(halted, dana)).toEqual(['resume', 'rollback', 'abort']);
    const finished = view('rolled-back', [ring('ring-1', 'passed', deployed), ring('ring-2', 'rolled-back', { rolledBack: true })], { rollback: ['ring-1'] });
    expect(kinds(finished, dana)).toEqual(['rollback']);
    expect(kinds(view('rolled-back', [ring('ring-1', 'rolled-back', { rolledBack: true })], {}), dana)).toEqual([]);
  });
});
