import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decide } from '../engine/decide.ts';
import { BASE, T0, policyOf, run } from '../engine/fake-ports.test-helper.ts';
import type { ReleaseState } from '../engine/types.ts';
import { planRelease } from '../plan/release-plan.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { loadPolicy } from '../policy/load.ts';
import { releaseEta } from './release-eta.ts';
import { releaseView } from './release-view.ts';

const policy = policyOf();
const DEPLOY = 5 * MINUTE; // the policy's delivery.deployTime (the fake health turns healthy after one poll)
const approvedByTeam = { 'ring-3': [{ by: 'bob', groups: ['release-team'], after: 10 * MINUTE }] };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** No data from ap-south-1 for `ms` from two hours in (ring-1 bakes from T0 + 1h02). */
const gapInKolkata = (ms: number) => (region: string, at: number) => (region === 'ap-south-1' && at > T0 + 2 * HOUR && at <= T0 + 2 * HOUR + ms ? null : 0.001);

function started(p = policy, at = T0): ReleaseState {
  return decide(null, { type: 'start', at, versions: {}, release: { id: 'r', service: 'shop', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' } }, p).state;
}

describe('the times of a release, as it goes', () => {
  it('at the start are the plan: business hours, the local peak hour, the approval assumed given when asked for', () => {
    const { policy: webapp } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
    const start = Date.parse('2026-03-06T12:00:00Z'); // a Friday noon: the weekend in Kolkata, a London night
    const plan = planRelease(webapp, { start });
    if (!plan.ok) throw new Error('expected a plan');
    const eta = releaseEta(webapp, started(webapp, start), start);
    expect(eta.rings.map((r) => [iso(r.deployAt), iso(r.bakeEndsAt)])).toEqual(plan.timeline.rings.map((r) => [iso(r.deployAt), iso(r.bakeUntil)]));
    // ring-3's approval is asked for when ring-2's bake ends, and assumed given then.
    expect(eta.rings.map((r) => iso(r.approvalAt))).toEqual([null, null, null, iso(plan.timeline.rings[2]!.bakeUntil)]);
    expect(eta.completeAt).toBe(plan.timeline.completeAt);
  });

  it('while a ring bakes: its real bake end, and the rings after it from there', async () => {
    const { state } = await run(policy, { horizon: 30 * MINUTE });
    const ring0 = state.rings[0]!;
    expect(ring0.status).toBe('baking');
    const now = T0 + 30 * MINUTE;
    const eta = releaseEta(policy, state, now);
    const end0 = ring0.bakeUntil!;
    expect(end0).toBe(T0 + MINUTE + HOUR);
    const end1 = end0 + DEPLOY + 2 * HOUR;
    const end2 = end1 + DEPLOY + HOUR;
    const end3 = end2 + DEPLOY + HOUR;
    expect(eta.rings).toEqual([
      { deployAt: T0, approvalAt: null, bakeEndsAt: end0 },
      { deployAt: end0, approvalAt: null, bakeEndsAt: end1 },
      { deployAt: end1, approvalAt: null, bakeEndsAt: end2 },
      { deployAt: end2, approvalAt: end2, bakeEndsAt: end3 },
    ]);
    expect(eta.completeAt).toBe(end3);
  });

  it('takes the time a gate did not observe into the bake end (bakeUntil, extended)', async () => {
    // No data from ap-south-1 for 5 minutes of ring-1's bake: that interval is baked again.
    const { state } = await run(policy, { errorRate: gapInKolkata(5 * MINUTE), horizon: 3 * HOUR });
    const ring1 = state.rings[1]!;
    expect(ring1.status).toBe('baking');
    expect(ring1.unobserved).toBeGreaterThan(0);
    const eta = releaseEta(policy, state, T0 + 3 * HOUR);
    expect(eta.rings[1]!.bakeEndsAt).toBe(ring1.healthyAt! + 2 * HOUR + ring1.unobserved!);
    expect(eta.rings[2]!.deployAt).toBe(eta.rings[1]!.bakeEndsAt);
  });

  it('a halted release has no times ahead: its ring stopped baking, the rings after it wait for a person', async () => {
    const { state } = await run(policy, { errorRate: gapInKolkata(20 * MINUTE), horizon: 3 * HOUR });
    expect(state.phase).toBe('halted');
    const eta = releaseEta(policy, state, T0 + 3 * HOUR);
    expect(eta.rings[1]).toEqual({ deployAt: state.rings[1]!.deployedAt, approvalAt: null, bakeEndsAt: null });
    expect(eta.rings.slice(2)).toEqual([{ deployAt: null, approvalAt: null, bakeEndsAt: null }, { deployAt: null, approvalAt: null, bakeEndsAt: null }]);
    expect(eta.completeAt).toBeNull();
  });

  it('a ring waiting for its approval is assumed approved now, and deploys at once', async () => {
    const { state } = await run(policy, { horizon: 10 * HOUR });
    expect(state.rings[3]!.status).toBe('awaiting-approval');
    const now = T0 + 10 * HOUR;
    const eta = releaseEta(policy, state, now);
    expect(eta.rings[3]).toEqual({ deployAt: now, approvalAt: now, bakeEndsAt: now + DEPLOY + HOUR });
    expect(eta.completeAt).toBe(now + DEPLOY + HOUR);
    // The rings done show what happened.
    expect(eta.rings[2]).toEqual({ deployAt: state.rings[2]!.deployedAt, approvalAt: null, bakeEndsAt: state.rings[2]!.passedAt });
  });

  it('once complete, every time is the recorded one', async () => {
    const { state } = await run(policy, { approvals: approvedByTeam });
    expect(state.phase).toBe('completed');
    const eta = releaseEta(policy, state, state.completedAt! + 5 * HOUR);
    const granted = state.events.find((e) => e.type === 'approval.granted')!.at;
    expect(eta.rings).toEqual(state.rings.map((r, i) => ({ deployAt: r.deployedAt, approvalAt: i === 3 ? granted : null, bakeEndsAt: r.passedAt })));
    expect(eta.completeAt).toBe(state.completedAt);
  });

  it('a ring that failed has no bake end, the rings it halted and the release none at all', async () => {
    const failEu = (region: string, at: number) => (region === 'eu-west-1' && at > T0 + 4 * HOUR ? 0.05 : 0.001);
    const { state } = await run(policy, { errorRate: failEu, approvals: approvedByTeam });
    expect(state.phase).toBe('rolled-back');
    const eta = releaseEta(policy, state, T0 + 9 * HOUR);
    expect(eta.rings[2]).toEqual({ deployAt: state.rings[2]!.deployedAt, approvalAt: null, bakeEndsAt: null });
    expect(eta.rings[3]).toEqual({ deployAt: null, approvalAt: null, bakeEndsAt: null });
    expect(eta.completeAt).toBeNull();
  });

  it('a ring waiting for its deploy window deploys when it opens', () => {
    const hours = policyOf(BASE.replace('windows: { deploy: always }', 'windows: { deploy: business-hours }'));
    const saturday = Date.parse('2026-03-07T12:00:00Z');
    const state = started(hours, saturday);
    // ring-0 is internal (no business hours); ring-1 in Kolkata waits for Monday 09:00 IST = 03:30Z.
    const eta = releaseEta(hours, state, saturday);
    expect(iso(eta.rings[1]!.deployAt)).toBe('2026-03-09T03:30:00.000Z');
  });

  it('reaches GA once every ring passed and the policy\'s watch after the last one is over', async () => {
    const watched = policyOf(BASE.replace('  windows: { deploy: always }', '  windows: { deploy: always }\n  watch: { afterComplete: 2h }'));
    const start = started(watched);
    const plan = planRelease(watched, { start: T0 });
    if (!plan.ok) throw new Error('expected a plan');
    expect(releaseEta(watched, start, T0).completeAt).toBe(plan.timeline.completeAt + 2 * HOUR);
    const { state } = await run(watched, { approvals: approvedByTeam, horizon: 7 * HOUR });
    expect(state.watchUntil).not.toBeNull();
    expect(releaseEta(watched, state, T0 + 7 * HOUR).completeAt).toBe(state.watchUntil);
  });

  it('shows in the view as ISO instants, with what they assume', async () => {
    const { state } = await run(policy, { horizon: 30 * MINUTE });
    const view = releaseView(policy, state, [], undefined, T0 + 30 * MINUTE);
    expect(view.rings[1]!.eta).toEqual({ deployAt: '2026-03-02T11:01:00.000Z', approvalAt: null, bakeEndsAt: '2026-03-02T13:06:00.000Z' });
    expect(view.rings[3]!.eta!.approvalAt).toBe('2026-03-02T14:11:00.000Z');
    expect(view.etaComplete).toBe('2026-03-02T15:16:00.000Z');
    expect(view.etaAssumes).toMatch(/^every approval is given when it is asked for, no gate fails/);
    // Without a clock, a view says nothing it cannot know.
    expect(releaseView(policy, state).rings[0]!.eta).toBeUndefined();
  });
});
