/**
 * @module The Delivery contract: what every implementation of the Delivery port (ports.ts) must
 * do, run from each implementation's own test file with a fixture that builds ring targets.
 *
 * A step is (release, ring, deploy | rollback), and each is done at most once: asking for a step
 * again, after a retry, a crash or a restart, returns the ref of the first time and changes
 * nothing. That holds after the ring moved on, too: a deploy asked again after its rollback must
 * not put the version back. The runtime relies on it to re-ask delivery for any step whose result
 * it never recorded (src/engine/recover.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, RingTarget } from '../ports.ts';

/** A release as the fixture builds targets for it. */
export interface ContractRelease {
  id: string;
  version: string;
  previousVersion: string;
}

/** The release the contract deploys, over the version every region runs at the start. */
export const FIRST: ContractRelease = { id: 'webapp-v2.1.0', version: 'v2.1.0', previousVersion: 'v2.0.0' };
/** A later release of the same service. */
export const SECOND: ContractRelease = { id: 'webapp-v2.2.0', version: 'v2.2.0', previousVersion: 'v2.1.0' };

export interface DeliveryFixture {
  delivery: Delivery;
  /** Two rings of the policy, each with its clusters in regions of its own, every region on `v2.0.0` at the start. */
  rings: readonly [string, string];
  /** The target of `ring` for `release`. */
  target(ring: string, release: ContractRelease): RingTarget;
  /**
   * What each of `regions` runs once what was delivered has landed, as the system behind the port
   * sees it (for GitOps: what the branch says; for the simulator: the fleet, after the deploy time).
   */
  runs(regions: string[]): Promise<Record<string, string>>;
  /** A new instance over the same system, as after a restart, where the system keeps its records outside the process. */
  restart?(): Delivery;
  close?(): Promise<void>;
}

export function deliveryContract(name: string, make: () => Promise<DeliveryFixture>): void {
  describe(`${name} (the Delivery contract)`, () => {
    const open: DeliveryFixture[] = [];
    async function fresh(): Promise<DeliveryFixture & { one: RingTarget; two: RingTarget; regionsOf(t: RingTarget): string[] }> {
      const f = await make();
      open.push(f);
      const [one, two] = f.rings.map((r) => f.target(r, FIRST)) as [RingTarget, RingTarget];
      return { ...f, one, two, regionsOf: (t) => [...new Set(t.clusters.map((c) => c.region))] };
    }
    afterEach(async () => {
      for (const f of open.splice(0)) await f.close?.();
    });

    it('deploys a ring, returning a ref, and the ring’s regions then run the release', async () => {
      const f = await fresh();
      const { ref } = await f.delivery.deploy(f.one);
      expect(typeof ref === 'string' && ref.length > 0, `ref ${JSON.stringify(ref)}`).toBe(true);
      const regions = f.regionsOf(f.one);
      expect(await f.runs(regions)).toEqual(Object.fromEntries(regions.map((r) => [r, FIRST.version])));
      const others = f.regionsOf(f.two);
      expect(await f.runs(others)).toEqual(Object.fromEntries(others.map((r) => [r, 'v2.0.0'])));
    });

    it('returns the same ref when a deploy is asked for again, by the same target or a new one', async () => {
      const f = await fresh();
      const first = await f.delivery.deploy(f.one);
      expect(await f.delivery.deploy(f.one)).toEqual(first);
      expect(await f.delivery.deploy(f.target(f.rings[0], FIRST))).toEqual(first);
    });

    it('gives each ring and each release a step of its own, with a ref of its own', async () => {
      const f = await fresh();
      const refs = [
        (await f.delivery.deploy(f.one)).ref,
        (await f.delivery.deploy(f.two)).ref,
        (await f.delivery.deploy(f.target(f.rings[0], SECOND))).ref,
      ];
      expect(new Set(refs).size).toBe(3);
      expect(await f.runs(f.regionsOf(f.one))).toEqual(Object.fromEntries(f.regionsOf(f.one).map((r) => [r, SECOND.version])));
    });

    it('rolls a deployed ring back to the previous version, returning a ref of its own, the same when asked again', async () => {
      const f = await fresh();
      const deployed = await f.delivery.deploy(f.one);
      const back = await f.delivery.rollback(f.one);
      expect(typeof back.ref === 'string' && back.ref.length > 0).toBe(true);
      expect(back.ref).not.toBe(deployed.ref);
      expect(await f.delivery.rollback(f.one)).toEqual(back);
      const regions = f.regionsOf(f.one);
      expect(await f.runs(regions)).toEqual(Object.fromEntries(regions.map((r) => [r, FIRST.previousVersion])));
    });

    it('rolls back a ring that was never deployed, returning a ref and leaving it on the version it runs', async () => {
      const f = await fresh();
      const back = await f.delivery.rollback(f.two);
      expect(typeof back.ref === 'string' && back.ref.length > 0).toBe(true);
      expect(await f.delivery.rollback(f.two)).toEqual(back);
      const regions = f.regionsOf(f.two);
      expect(await f.runs(regions)).toEqual(Object.fromEntries(regions.map((r) => [r, 'v2.0.0'])));
    });

    it('keeps a rollback when the deploy it undid is asked for again: the deploy’s ref comes back and nothing changes', async () => {
      const f = await fresh();
      const deployed = await f.delivery.deploy(f.one);
      await f.delivery.rollback(f.one);
      expect(await f.delivery.deploy(f.one)).toEqual(deployed);
      const regions = f.regionsOf(f.one);
      expect(await f.runs(regions)).toEqual(Object.fromEntries(regions.map((r) => [r, FIRST.previousVersion])));
    });

    it('returns the refs of steps already done to a new instance, as after a restart', async ({ skip }) => {
      const f = await fresh();
      if (!f.restart) skip('the implementation keeps its records in the process');
      const deployed = await f.delivery.deploy(f.one);
      const back = await f.delivery.rollback(f.two);
      const again = f.restart!();
      expect(await again.deploy(f.one)).toEqual(deployed);
      expect(await again.rollback(f.two)).toEqual(back);
    });

    it('tells what each region runs from its own records, leaving out regions it cannot tell', async ({ skip }) => {
      const f = await fresh();
      if (!f.delivery.versions) skip('the implementation does not read versions back');
      const service = f.one.service;
      expect(await f.delivery.versions!(service, f.regionsOf(f.one))).toEqual({});
      await f.delivery.deploy(f.one);
      expect(await f.delivery.versions!(service, [...f.regionsOf(f.one), ...f.regionsOf(f.two)])).toEqual(
        Object.fromEntries(f.regionsOf(f.one).map((r) => [r, FIRST.version])),
      );
      await f.delivery.rollback(f.one);
      expect(await f.delivery.versions!(service, f.regionsOf(f.one))).toEqual(Object.fromEntries(f.regionsOf(f.one).map((r) => [r, FIRST.previousVersion])));
    });
  });
}
