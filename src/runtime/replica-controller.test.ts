import { describe, expect, it } from 'vitest';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { NotLeaderError } from '../errors.ts';
import type { Actor } from './controller-types.ts';
import { Controller } from './controller.ts';
import { MemoryStore } from './memory-store.ts';
import { SimulatedClock } from './simulated-clock.ts';
import { ReplicaController } from './replica-controller.ts';

const operator: Actor = { user: 'olga', groups: [], role: 'operator' };

/** A replica over one store, and a controller on that store to lead with. */
function setup(leader: string | null = 'db-host:4242') {
  const policy = policyOf();
  const clock = new SimulatedClock(T0);
  const store = new MemoryStore();
  const controller = (): Controller => new Controller({ policy, policyText: BASE, ports: fakeWorld(policy, clock), store, clock });
  const replica = new ReplicaController({ reader: controller, leader: async () => leader });
  return { replica, controller, store };
}

describe('a replica', () => {
  it('refuses every change while it does not lead, with NotLeaderError naming the leader', async () => {
    const { replica } = setup();
    const refused = new NotLeaderError('db-host:4242');
    expect(refused.message).toBe('this replica is not the leader; the leader is db-host:4242');
    await expect(replica.start({ version: 'v2' }, operator)).rejects.toThrow(refused);
    await expect(replica.approve('r1', 'ring-3', operator)).rejects.toThrow(refused);
    await expect(replica.resume('r1', operator)).rejects.toThrow(refused);
    await expect(replica.abort('r1', operator)).rejects.toThrow(refused);
    const e: unknown = await replica.rollback('r1', operator, 'ring-1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotLeaderError);
    expect((e as NotLeaderError).leader).toBe('db-host:4242');
  });

  it('says so when no replica is known to lead', async () => {
    const { replica } = setup(null);
    await expect(replica.start({ version: 'v2' }, operator)).rejects.toThrow(new NotLeaderError(null));
    expect(new NotLeaderError(null).message).toBe('this replica is not the leader; the leader is unknown (no replica holds the leader lock right now)');
  });

  it('reads the releases as recorded while it does not lead', async () => {
    const { replica, controller } = setup();
    const elsewhere = controller();
    const { id } = await elsewhere.start({ version: 'v2' }, operator);
    expect((await replica.list()).items.map((v) => v.id)).toEqual([id]);
    expect((await replica.get(id)).version).toBe('v2');
    await elsewhere.close();
  });

  it('passes changes to its controller while it leads, and refuses them again once it stops', async () => {
    const { replica, controller } = setup();
    const leading = controller();
    await replica.setLeader(leading);
    const { id } = await replica.start({ version: 'v2' }, operator);
    expect((await leading.get(id)).version).toBe('v2');
    await replica.setLeader(null);
    await expect(replica.abort(id, operator)).rejects.toThrow(NotLeaderError);
    await replica.close();
    await leading.close();
  });
});
