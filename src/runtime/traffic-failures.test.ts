import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HaproxyTraffic } from '../adapters/haproxy/index.ts';
import { BASE, T0, fakeWorld, policyOf } from '../engine/fake-ports.test-helper.ts';
import { HOUR, MINUTE } from '../policy/duration.ts';
import type { Traffic } from '../ports.ts';
import type { Actor } from './controller-types.ts';
import { Controller } from './controller.ts';
import { MemoryStore } from './memory-store.ts';
import { SimulatedClock } from './simulated-clock.ts';

const operator: Actor = { user: 'olga', groups: [], role: 'operator' };
const dir = mkdtempSync(join(tmpdir(), 'meridian-traffic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The base policy with ring 2 draining on failure, traffic on HAProxy at `socket`. */
function drainingPolicy(socket: string) {
  const text = BASE
    .replace('onFailure: { rollback: [ring-1, ring-2] } }', 'onFailure: { rollback: [ring-1, ring-2], drain: true } }')
    .replace('  windows: { deploy: always }', `  windows: { deploy: always }\n  traffic: { provider: haproxy, haproxy: { socket: ${JSON.stringify(socket)}, backend: regions } }`);
  const policy = policyOf(text);
  expect(policy.spec.rings[2]!.onFailure.drain).toBe(true);
  expect(policy.spec.traffic.haproxy?.socket).toBe(socket);
  return { policy, text };
}

/** Ring 2 (eu-west-1) fails its error-rate gate from the moment it runs the new version. */
function failingEu(policy: ReturnType<typeof policyOf>, clock: SimulatedClock, traffic?: Traffic) {
  let euOnNew = false;
  const world = fakeWorld(policy, clock, { errorRate: (region) => (region === 'eu-west-1' && euOnNew ? 0.2 : 0.001) });
  const delivery = {
    deploy: async (t: Parameters<typeof world.delivery.deploy>[0]) => { if (t.ring === 'ring-2') euOnNew = true; return world.delivery.deploy(t); },
    rollback: async (t: Parameters<typeof world.delivery.rollback>[0]) => { if (t.ring === 'ring-2') euOnNew = false; return world.delivery.rollback(t); },
  };
  return { world, ports: { ...world, delivery, ...(traffic ? { traffic } : {}) } };
}

describe('a failing traffic provider never holds a rollback', () => {
  it('rolls back a failed ring whose drain fails because the HAProxy socket does not exist, and says why', async () => {
    const socket = join(dir, 'no-such-haproxy.sock');
    const { policy, text } = drainingPolicy(socket);
    const clock = new SimulatedClock(T0);
    const { world, ports } = failingEu(policy, clock, HaproxyTraffic.fromPolicy(policy, { timeoutMs: 2_000 }));
    const controller = new Controller({ policy, policyText: text, ports, store: new MemoryStore(), clock });
    const { id } = await controller.start({ version: 'v2' }, operator);
    await clock.advance(6 * HOUR, () => controller.idle());

    const view = await controller.get(id);
    expect(view.phase).toBe('rolled-back');
    expect(world.log.filter((l) => l.startsWith('rollback'))).toEqual(['rollback ring-2 to unknown', 'rollback ring-1 to unknown']);
    const failed = view.events.find((e) => e.type === 'traffic.drain.failed');
    expect(failed?.region).toBe('eu-west-1');
    expect(failed?.detail).toContain(socket);
    expect(failed?.detail).toMatch(/the rollback goes on without draining eu-west-1$/);
    expect(view.events.map((e) => e.type)).not.toContain('traffic.drained');
    expect(view.versions['eu-west-1']).toBe('unknown');
  });

  it('retries a failed restore with backoff, reporting each failure, without holding the rollback', async () => {
    const { policy, text } = drainingPolicy('/unused.sock');
    const clock = new SimulatedClock(T0);
    const weights: Record<string, number> = { 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 };
    let restoreFailures = 2;
    const traffic: Traffic = {
      weights: async () => ({ ...weights }),
      setWeights: async (w) => {
        if ((w['eu-west-1'] ?? 0) > 0 && restoreFailures-- > 0) throw new Error('haproxy: connection refused');
        Object.assign(weights, w);
      },
    };
    const { ports } = failingEu(policy, clock, traffic);
    const controller = new Controller({ policy, policyText: text, ports, store: new MemoryStore(), clock });
    const { id } = await controller.start({ version: 'v2' }, operator);
    await clock.advance(6 * HOUR, () => controller.idle());

    const view = await controller.get(id);
    expect(view.phase).toBe('rolled-back');
    const traffics = view.events.filter((e) => e.type.startsWith('traffic.'));
    expect(traffics.map((e) => e.type)).toEqual(['traffic.drained', 'traffic.restore.failed', 'traffic.restore.failed', 'traffic.restored']);
    expect(traffics[1]!.detail).toMatch(/^haproxy: connection refused; retrying at \S+ \(attempt 2 of 8\)$/);
    expect(traffics[2]!.detail).toMatch(/\(attempt 3 of 8\)$/);
    // One minute, then two: the retries back off.
    const at = traffics.map((e) => Date.parse(e.at));
    expect(at[2]! - at[1]!).toBe(MINUTE);
    expect(at[3]! - at[2]!).toBe(2 * MINUTE);
    expect(weights['eu-west-1']).toBe(0.3);
    // The rollback finished at the first failed restore, not after the retries.
    const rolledBackAt = view.events.find((e) => e.type === 'ring.rollback.completed' && e.ring === 'ring-1')!.at;
    expect(view.completedAt).toBe(rolledBackAt);
    expect(Date.parse(rolledBackAt)).toBeLessThan(at[3]!);
  });
});
