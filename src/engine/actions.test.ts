import { describe, expect, it } from 'vitest';
import { allowedActions, leftBehind } from './actions.ts';
import { decide } from './decide.ts';
import { BASE, T0, policyOf, run } from './fake-ports.test-helper.ts';

const HOUR = 3_600_000;
/** ring-2 (eu-west-1) errs from its deploy on; its policy rolls back ring-2 alone. */
const policy = policyOf(BASE.replace('onFailure: { rollback: [ring-1, ring-2] } }', 'onFailure: { rollback: [ring-2] } }'));
const failing = { errorRate: (region: string, at: number) => (region === 'eu-west-1' && at > T0 + 3 * HOUR ? 0.2 : 0.001) };

describe('what a person may do to a release, and what it leaves behind', () => {
  it('a release that rolled back ring 2 alone may still roll back the rings upstream, downstream first, and says where the new version runs', async () => {
    const { state } = await run(policy, failing);
    expect(state.phase).toBe('rolled-back');
    expect(allowedActions(state)).toEqual({ approve: [], resume: false, abort: false, rollback: ['ring-1', 'ring-0'] });
    expect(leftBehind(policy, state)).toBe('internal (ring-0), ap-south-1 (ring-1) still run v2; roll back with: meridian release rollback rel-1 [--ring ring-1|ring-0]');

    const d = decide(state, { type: 'rollback', at: state.completedAt! + HOUR, by: 'olga', ring: 'ring-1' }, policy);
    expect(d.rejected).toBeUndefined();
    expect(d.state.phase).toBe('rolling-back');
    expect(d.effects).toEqual([{ type: 'rollback', ring: 'ring-1' }]);
    expect(decide(state, { type: 'rollback', at: state.completedAt!, by: 'olga', ring: 'ring-2' }, policy).rejected)
      .toEqual({ kind: 'conflict', message: 'ring "ring-2" does not run v2; nothing to roll back' });
  });

  it('an aborted release shows a ring that was only waiting as not started, and offers no approval', async () => {
    const { state } = await run(policyOf(), { horizon: 5 * HOUR });
    expect(state.rings[3]!.status).toBe('awaiting-approval');
    const aborted = decide(state, { type: 'abort', at: T0 + 5 * HOUR, by: 'olga' }, policyOf()).state;
    expect(aborted.rings.map((r) => r.status)).toEqual(['passed', 'passed', 'passed', 'pending']);
    expect(aborted.rings[3]!.waitUntil).toBeNull();
    expect(allowedActions(aborted)).toEqual({ approve: [], resume: false, abort: false, rollback: ['ring-2', 'ring-1', 'ring-0'] });
  });

  it('offers resume only for a halt a resume can end, and nothing while a rollback runs', async () => {
    const { state } = await run(policyOf(), { errorRate: () => null, horizon: 3 * HOUR });
    expect(state.phase).toBe('halted');
    expect(allowedActions(state)).toMatchObject({ resume: true, abort: true });
    const rolling = decide(state, { type: 'rollback', at: T0 + 3 * HOUR, by: 'olga' }, policyOf()).state;
    expect(rolling.phase).toBe('rolling-back');
    expect(allowedActions(rolling)).toEqual({ approve: [], resume: false, abort: true, rollback: [] });
  });
});
