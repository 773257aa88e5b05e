/**
 * @module The Traffic contract: what every implementation of the Traffic port (ports.ts) must do,
 * run from each implementation's own test file:
 * `trafficContract('simulated fleet', async () => ({ traffic: fleet, regions: [...] }))`.
 *
 * Weights are relative: the runtime reads them as shares (each over their sum) and only asks
 * whether a region's weight is above 0, so the contract compares shares, never raw numbers (the
 * simulator keeps what it was given, HAProxy integers 0–256). A refused change changes nothing: a
 * drain that half happened is worse than one that failed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Traffic } from '../ports.ts';
import { adapterErrorOf } from './adapter-error.test-helper.ts';

export interface TrafficFixture {
  traffic: Traffic;
  /** The policy's production regions (at least three), every one serving users at the start. */
  regions: readonly string[];
  /** A region of the policy that takes no user traffic (internal), where the policy has one. */
  internal?: string;
  close?(): Promise<void>;
}

/** HAProxy's weights are integers up to 256: a share comes back within 1/256 of the total. */
const STEP = 1 / 256;

/** Each region's weight over the sum of them. */
function shares(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((s, w) => s + w, 0);
  return Object.fromEntries(Object.entries(weights).map(([r, w]) => [r, total > 0 ? w / total : 0]));
}

function expectShares(weights: Record<string, number>, wanted: Record<string, number>): void {
  const got = shares(weights);
  const want = shares(wanted);
  for (const region of Object.keys(want)) {
    expect(Math.abs(got[region]! - want[region]!), `the share of ${region}: ${got[region]} read back, ${want[region]} set`).toBeLessThanOrEqual(STEP);
  }
}

export function trafficContract(name: string, make: () => Promise<TrafficFixture>): void {
  describe(`${name} (the Traffic contract)`, () => {
    const open: TrafficFixture[] = [];
    async function fresh(): Promise<TrafficFixture & { a: string; b: string; c: string }> {
      const f = await make();
      open.push(f);
      expect(f.regions.length, 'the Traffic contract needs three production regions').toBeGreaterThanOrEqual(3);
      const [a, b, c] = f.regions as [string, string, string];
      return { ...f, a, b, c };
    }
    afterEach(async () => {
      for (const f of open.splice(0)) await f.close?.();
    });

    it('lists every production region and nothing else, each serving users at the start', async () => {
      const f = await fresh();
      const weights = await f.traffic.weights();
      expect(Object.keys(weights).sort()).toEqual([...f.regions].sort());
      for (const [region, w] of Object.entries(weights)) expect(Number.isFinite(w) && w > 0, `${region}: ${w}`).toBe(true);
    });

    it('reads back the shares it was given, to within 1/256', async () => {
      const f = await fresh();
      const wanted = { [f.a]: 0.25, [f.b]: 0.3, [f.c]: 0.45 };
      await f.traffic.setWeights(wanted);
      expectShares(await f.traffic.weights(), wanted);
    });

    it('reads a drained region as 0, and brings it back when it is given a weight again', async () => {
      const f = await fresh();
      await f.traffic.setWeights({ [f.a]: 0.3864, [f.b]: 0, [f.c]: 0.6136 });
      const drained = await f.traffic.weights();
      expect(drained[f.b]).toBe(0);
      expectShares(drained, { [f.a]: 0.3864, [f.b]: 0, [f.c]: 0.6136 });
      await f.traffic.setWeights({ [f.a]: 0.25, [f.b]: 0.3, [f.c]: 0.45 });
      const restored = await f.traffic.weights();
      expect(restored[f.b]).toBeGreaterThan(0);
      expectShares(restored, { [f.a]: 0.25, [f.b]: 0.3, [f.c]: 0.45 });
    });

    it('leaves a region it is not given as it was: draining one region drains no other', async () => {
      const f = await fresh();
      const before = await f.traffic.weights();
      await f.traffic.setWeights({ [f.b]: 0 });
      const after = await f.traffic.weights();
      expect(after[f.b]).toBe(0);
      expect(after[f.a]).toBeGreaterThan(0);
      expect(after[f.c]).toBeGreaterThan(0);
      expect(after[f.a]! / after[f.c]!).toBeCloseTo(before[f.a]! / before[f.c]!, 9);
    });

    it('refuses a region it does not have, naming it, and changes nothing, not even the valid part of the change', async () => {
      const f = await fresh();
      const before = await f.traffic.weights();
      const e = await adapterErrorOf(f.traffic.setWeights({ [f.b]: 0, 'mars-1': 1 }));
      expect(e.message).toContain('"mars-1"');
      expect(e.retryable).toBe(false);
      expect(await f.traffic.weights()).toEqual(before);
    });

    it('refuses a region that takes no user traffic, naming it, and changes nothing', async ({ skip }) => {
      const f = await fresh();
      if (f.internal === undefined) skip('the policy has no internal region');
      const before = await f.traffic.weights();
      const e = await adapterErrorOf(f.traffic.setWeights({ [f.internal!]: 1 }));
      expect(e.message).toContain(`"${f.internal}"`);
      expect(e.retryable).toBe(false);
      expect(await f.traffic.weights()).toEqual(before);
    });

    it('refuses a negative, NaN or infinite weight, naming the region and the value, and changes nothing', async () => {
      const f = await fresh();
      const before = await f.traffic.weights();
      for (const bad of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
        const e = await adapterErrorOf(f.traffic.setWeights({ [f.a]: 0.5, [f.b]: bad, [f.c]: 0.5 }));
        expect(e.message).toBe(`the weight of ${f.b} must be a number ≥ 0 (got ${bad})`);
        expect(e.retryable).toBe(false);
      }
      expect(await f.traffic.weights()).toEqual(before);
    });

    it('refuses to leave no region serving users, and changes nothing', async () => {
      const f = await fresh();
      const before = await f.traffic.weights();
      const all = await adapterErrorOf(f.traffic.setWeights({ [f.a]: 0, [f.b]: 0, [f.c]: 0 }));
      expect(all.message).toMatch(/nothing would serve users/);
      expect(all.retryable).toBe(false);
      expect(await f.traffic.weights()).toEqual(before);

      // The regions not named count too: the last one serving cannot be drained on its own.
      await f.traffic.setWeights({ [f.a]: 0, [f.b]: 0 });
      const drained = await f.traffic.weights();
      expect((await adapterErrorOf(f.traffic.setWeights({ [f.c]: 0 }))).message).toMatch(/nothing would serve users/);
      expect(await f.traffic.weights()).toEqual(drained);
    });

    it('does nothing for no weights', async () => {
      const f = await fresh();
      const before = await f.traffic.weights();
      await f.traffic.setWeights({});
      expect(await f.traffic.weights()).toEqual(before);
    });
  });
}
