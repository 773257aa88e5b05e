import { describe, expect, it } from 'vitest';
import { T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { decide } from '../engine/decide.ts';
import { AdapterError } from '../errors.ts';
import { perform } from './effects.ts';
import { SimulatedClock } from './simulated-clock.ts';

const policy = policyOf();
const state = decide(null, { type: 'start', at: T0, versions: {}, release: { id: 'r1', service: 'shop', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' } }, policy).state;

describe('performing delivery effects', () => {
  it('tries a delivery step again when it failed in a retryable way (the remote moved), up to three times', async () => {
    const world = fakeWorld(policy, new SimulatedClock(T0));
    let calls = 0;
    const delivery = { ...world.delivery, deploy: async () => { calls++; if (calls < 3) throw new AdapterError('push rejected: the remote moved', { retryable: true }); return { ref: 'abc' }; } };
    const result = await perform(policy, state, { ...world, delivery }, { type: 'deploy', ring: 'ring-0' }, () => T0);
    expect(result).toEqual({ type: 'deployed', at: T0, ring: 'ring-0', ref: 'abc' });
    expect(calls).toBe(3);
  });

  it('reports a failure that retrying cannot fix at once, with its message', async () => {
    const world = fakeWorld(policy, new SimulatedClock(T0));
    let calls = 0;
    const delivery = { ...world.delivery, rollback: async () => { calls++; throw new AdapterError('rollback of ring-0 conflicts with later changes', { retryable: false }); } };
    const result = await perform(policy, state, { ...world, delivery }, { type: 'rollback', ring: 'ring-0' }, () => T0);
    expect(result).toEqual({ type: 'rollback-failed', at: T0, ring: 'ring-0', error: 'rollback of ring-0 conflicts with later changes' });
    expect(calls).toBe(1);
  });
});
