import { describe, expect, it } from 'vitest';
import { BASE, T0, fakeWorld, policyOf, type FakeOptions, type FakeWorld } from '../engine/fake-ports.test-helper.ts';
import { ForbiddenError, NotFoundError, UsageError } from '../errors.ts';
import type { FleetConfig } from '../policy/fleet-config.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import type { Actor, ReleaseView } from './controller-types.ts';
import { Controller } from './controller.ts';
import { MemoryStore } from './memory-store.ts';
import { SimulatedClock } from './simulated-clock.ts';

const operator: Actor = { user: 'olga', groups: [], role: 'operator' };
const teamA: Actor = { user: 'ana', groups: [], role: 'operator', services: ['cart'] };

/** Services over one fleet (the regions of BASE), each with fake ports of its own. */
function fleet(names: string[], perRegion: number | null, opts: Record<string, FakeOptions> = {}) {
  const clock = new SimulatedClock(T0);
  const store = new MemoryStore();
  const worlds = new Map<string, FakeWorld>();
  const config: FleetConfig = {
    services: names.map((name) => {
      const text = BASE.replace('service: { name: shop }', `service: { name: ${name} }`);
      return { service: name, policy: policyOf(text), text, file: `${name}.yaml`, fleet: 'prod' };
    }),
    fleets: [{ name: 'prod', file: 'fleet.yaml', perRegion }],
  };
  const controller = new Controller({
    config, store, clock,
    portsFor: (s) => {
      const world = fakeWorld(s.policy, clock, opts[s.service] ?? {});
      worlds.set(s.service, world);
      return world;
    },
  });
  const advance = (ms: number) => clock.advance(ms, () => controller.idle());
  const statuses = async (id: string) => (await controller.get(id)).rings.map((r) => r.status);
  return { controller, store, clock, worlds, advance, statuses, config };
}

const waits = (v: ReleaseView) => v.events.filter((e) => e.type === 'ring.waiting').map((e) => `${e.ring}: ${e.detail}`);

describe('many services on one controller', () => {
  it('keeps at most perRegion releases deploying or baking in a region; the rest wait, saying why, and go in the order they started', async () => {
    const { controller, advance, statuses } = fleet(['cart', 'search', 'profile'], 1);
    const a = await controller.start({ service: 'cart', version: 'v2' }, operator);
    await advance(0);
    const b = await controller.start({ service: 'search', version: 'v2' }, operator);
    await advance(MINUTE);
    const c = await controller.start({ service: 'profile', version: 'v2' }, operator);
    await advance(0);
    expect(await statuses(a.id)).toEqual(['baking', 'pending', 'pending', 'pending']);
    const held = await controller.get(b.id);
    expect([held.phase, waits(held)]).toEqual(['waiting', ['ring-0: region busy: internal has 1 release deploying or baking']]);
    expect(waits(await controller.get(c.id))).toEqual(['ring-0: region busy: internal has 1 release deploying or baking and 1 waiting ahead']);

    // cart's ring-0 passes (1 h bake): search, which started first, takes internal; profile waits on.
    await advance(HOUR + 5 * MINUTE);
    expect(await statuses(a.id)).toEqual(['passed', 'baking', 'pending', 'pending']);
    expect((await statuses(b.id))[0]).toMatch(/deploying|baking/);
    expect((await statuses(c.id))[0]).toBe('waiting-window');
    expect(waits(await controller.get(c.id)).at(-1)).toBe('ring-0: region busy: internal has 1 release deploying or baking');
    expect((await controller.get(b.id)).phase).toBe('running');
  });

  it('has no limit without concurrency.perRegion', async () => {
    const { controller, advance, statuses } = fleet(['cart', 'search'], null);
    const a = await controller.start({ service: 'cart', version: 'v2' }, operator);
    const b = await controller.start({ service: 'search', version: 'v2' }, operator);
    await advance(MINUTE);
    expect([(await statuses(a.id))[0], (await statuses(b.id))[0]]).toEqual(['baking', 'baking']);
  });

  it('stops the line: no matching ring starts deploying under a freeze, bakes go on, and an end lets the release go on', async () => {
    const { controller, advance, statuses, store } = fleet(['cart', 'search'], null);
    const a = await controller.start({ service: 'cart', version: 'v2' }, operator);
    await advance(MINUTE);
    const fleetEvents: string[] = [];
    controller.subscribe('*', (e) => { if (e.releaseId === '') fleetEvents.push(`${e.event.type} ${e.event.detail}`); });
    const { id: freeze } = await controller.startFreeze({ reason: 'incident 4711', regions: ['ap-south-1'] }, operator);
    expect(fleetEvents).toEqual(['freeze.started incident 4711; regions: ap-south-1; services: all']);
    expect((await controller.freezes()).map((f) => [f.id, f.reason, f.regions, f.services, f.startedBy])).toEqual([[freeze, 'incident 4711', ['ap-south-1'], [], 'olga']]);
    // A freeze of ap-south-1 does not hold search's ring-0 (internal).
    const b = await controller.start({ service: 'search', version: 'v2' }, operator);
    await advance(MINUTE);
    expect((await statuses(b.id))[0]).toBe('baking');
    // cart's ring-0 bakes to its end under the freeze, then ring-1 (ap-south-1) waits.
    await advance(HOUR);
    const held = await controller.get(a.id);
    expect(held.rings.map((r) => r.status)).toEqual(['passed', 'waiting-window', 'pending', 'pending']);
    expect(waits(held)).toEqual(['ring-1: frozen: incident 4711']);
    expect(held.freezes.map((f) => f.id)).toEqual([freeze]);
    // Ticks while frozen write nothing new.
    await advance(2 * HOUR);
    expect(waits(await controller.get(a.id))).toEqual(['ring-1: frozen: incident 4711']);

    await controller.endFreeze(freeze, operator);
    await advance(2 * MINUTE);
    expect(fleetEvents.at(-1)).toBe(`freeze.ended ${freeze}: incident 4711; regions: ap-south-1; services: all`);
    expect((await statuses(a.id))[1]).toBe('baking');
    expect((await controller.get(a.id)).freezes).toEqual([]);
    expect((await store.audit()).filter((e) => e.action.startsWith('freeze.')).map((e) => `${e.action} ${e.target} ${e.outcome} ${e.detail}`)).toEqual([
      `freeze.start ${freeze} ok incident 4711; regions: ap-south-1; services: all`,
      `freeze.end ${freeze} ok incident 4711; regions: ap-south-1; services: all`,
    ]);
  });

  it('never holds a rollback under a freeze', async () => {
    let failing = false;
    const { controller, advance, worlds } = fleet(['cart'], 1, { cart: { errorRate: (region) => (failing && region === 'ap-south-1' ? 0.2 : 0.001) } });
    const { id } = await controller.start({ service: 'cart', version: 'v2' }, operator);
    await advance(HOUR + 10 * MINUTE);
    await controller.startFreeze({ reason: 'everything stops' }, operator);
    failing = true;
    await advance(HOUR);
    const view = await controller.get(id);
    expect(view.phase).toBe('rolled-back');
    expect(worlds.get('cart')!.log).toContain('rollback ring-1 to unknown');
  });

  it('refuses freezes it cannot honour before writing anything, naming the field', async () => {
    const { controller, store } = fleet(['cart', 'search'], null);
    await expect(controller.startFreeze({ reason: '  ' }, operator)).rejects.toThrow(new UsageError('reason: must say why (it is shown on every release it holds)'));
    await expect(controller.startFreeze({ reason: 'x', regions: ['eu-west-2'] }, operator)).rejects.toThrow(new UsageError('regions: "eu-west-2" is not a region of this server (did you mean "eu-west-1"?)'));
    await expect(controller.startFreeze({ reason: 'x', services: ['carts'] }, operator)).rejects.toThrow(new UsageError('services: "carts" is not a service of this server (did you mean "cart"?)'));
    await expect(controller.startFreeze({ reason: 'see token=abc123' }, operator)).rejects.toThrow(new UsageError('reason: looks like it carries a credential; leave secrets out of a reason'));
    await expect(controller.endFreeze('frz-nope', operator)).rejects.toThrow(new NotFoundError('freeze "frz-nope" is not in force (meridian freeze list shows those that are)'));
    expect(await store.activeFreezes()).toEqual([]);
    const audit = await store.audit();
    expect(audit.map((e) => `${e.action} ${e.outcome}`)).toEqual(Array(5).fill(0).map((_, i) => (i < 4 ? 'freeze.start refused' : 'freeze.end refused')));
    expect(JSON.stringify(audit)).not.toContain('abc123');
  });

  it('limits an operator whose token names services to those services: 403 elsewhere, audited', async () => {
    const { controller, store } = fleet(['cart', 'search'], null);
    await expect(controller.start({ service: 'search', version: 'v2' }, teamA)).rejects.toThrow(new ForbiddenError('ana may change only cart; not search'));
    const other = await controller.start({ service: 'search', version: 'v2' }, operator);
    await expect(controller.abort(other.id, teamA)).rejects.toThrow(new ForbiddenError('ana may change only cart; not search'));
    await expect(controller.startFreeze({ reason: 'mine' }, teamA)).rejects.toThrow(ForbiddenError);
    const own = await controller.start({ service: 'cart', version: 'v2' }, teamA);
    await controller.abort(own.id, teamA);
    const { id: mine } = await controller.startFreeze({ reason: 'mine', services: ['cart'] }, teamA);
    await controller.endFreeze(mine, teamA);
    expect((await store.audit()).filter((e) => e.actor === 'ana').map((e) => `${e.action} ${e.outcome}`)).toEqual([
      'release.start refused', 'release.abort refused', 'freeze.start refused', 'release.start ok', 'release.abort ok', 'freeze.start ok', 'freeze.end ok',
    ]);
  });

  it('asks which service when the server has several, and names the ones it knows', async () => {
    const { controller } = fleet(['cart', 'search'], null);
    await expect(controller.start({ version: 'v2' }, operator)).rejects.toThrow(new UsageError('service: required, the server releases 2 services (cart, search)'));
    await expect(controller.start({ service: 'serch', version: 'v2' }, operator)).rejects.toThrow(new UsageError('service "serch" is not configured on this server (did you mean "search"?)'));
  });

  it('lists summaries a page at a time, newest first, filtered by service and phase, and every service with its latest release', async () => {
    const { controller, advance } = fleet(['cart', 'search', 'profile'], null);
    const ids: string[] = [];
    for (const service of ['cart', 'search', 'profile']) {
      ids.push((await controller.start({ service, version: 'v2' }, operator)).id);
      await advance(MINUTE);
    }
    await controller.abort(ids[1]!, operator);
    const first = await controller.list({ limit: '2' });
    expect(first.items.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(first.items[1]).toEqual({ id: ids[1], service: 'search', version: 'v2', previousVersion: 'unknown', phase: 'aborted', currentRing: null, startedAt: '2026-03-02T10:01:00.000Z', endedAt: '2026-03-02T10:03:00.000Z' });
    const second = await controller.list({ limit: '2', cursor: first.next! });
    expect([second.items.map((r) => r.id), second.next]).toEqual([[ids[0]], null]);
    expect((await controller.list({ phase: 'running' })).items.map((r) => r.service)).toEqual(['profile', 'cart']);
    expect((await controller.list({ service: 'search' })).items.map((r) => r.phase)).toEqual(['aborted']);
    await expect(controller.list({ limit: '2', cursor: first.next!, service: 'cart' })).rejects.toThrow(/^cursor ".*" was not issued for this list \(start again without a cursor\)$/);
    await expect(controller.list({ phase: 'done' })).rejects.toThrow(new UsageError('phase "done" is not a phase (one of running, waiting, halted, rolling-back, completed, rolled-back, aborted)'));
    const rows = await controller.serviceRows();
    expect(rows.map((r) => [r.service, r.tier, r.fleet, r.release?.id, r.versions.internal])).toEqual([
      ['cart', 2, 'prod', ids[0], 'v2'], ['search', 2, 'prod', ids[1], 'v2'], ['profile', 2, 'prod', ids[2], 'v2'],
    ]);
  });

  it('reloads: a running release keeps its policy, new services can start, and the reload is audited', async () => {
    const { controller, config, advance, store } = fleet(['cart'], null);
    const { id } = await controller.start({ service: 'cart', version: 'v2' }, operator);
    const text = BASE.replace('service: { name: shop }', 'service: { name: search }');
    const longer = config.services[0]!.text.replace('bake: 1h, gates: [error-rate] }', 'bake: 9h, gates: [error-rate] }');
    await controller.reload({ ...config, services: [{ ...config.services[0]!, text: longer, policy: policyOf(longer) }, { service: 'search', policy: policyOf(text), text, file: 'search.yaml', fleet: 'prod' }] }, operator);
    await advance(HOUR + 5 * MINUTE);
    expect((await controller.get(id)).rings[0]!.status).toBe('passed');
    expect((await controller.start({ service: 'search', version: 'v2' }, operator)).id).toMatch(/^search-v2-/);
    expect((await store.audit()).find((e) => e.action === 'config.reload')?.detail).toBe('2 service(s); added search');
  });
});
