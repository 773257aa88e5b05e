/**
 * @module The Health contract: what every implementation of the Health port (ports.ts) must do,
 * run from each implementation's own test file with a fixture that delivers steps of one ring and
 * lets them finish (or fail, where it can).
 *
 * A report is an outcome, never an error: `healthy` only when every cluster runs the ref asked
 * about and is healthy; `failed` only on a hard failure a cluster reported for it (the engine then
 * stops waiting); anything else waits, with a one-line detail a person reads, and the engine's
 * progress deadline decides. Only failing to reach the system behind the port is an AdapterError.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Health, HealthReport, RingTarget } from '../ports.ts';
import { adapterErrorOf } from './adapter-error.test-helper.ts';

export interface HealthFixture {
  health: Health;
  /** The ring every test asks about. */
  target: RingTarget;
  /** Deliver `step` of `target` (the contract deploys, then rolls back): the ref now being applied, not running yet. */
  apply(step: 'deploy' | 'rollback'): Promise<string>;
  /** Let the step applied last finish: every cluster of the ring runs it and is healthy. */
  settle(): Promise<void>;
  /** Make the step applied last fail hard on a cluster (a failed sync, Degraded), where the implementation can. */
  breakIt?(): Promise<void>;
  /** A region that is down and one that is up right now, where the implementation answers regionUp. */
  regions?: { up: string; down: string };
  /** A Health reading the same ring from a system that does not answer, where there can be one. */
  unreachable?: Health;
  close?(): Promise<void>;
}

/** A commit id nothing applied. */
const NEVER_APPLIED = '0badc0ffee0badc0ffee0badc0ffee0badc0ffee';

/** The report, checked for the shape every report has. */
function checked(report: HealthReport): HealthReport {
  expect(typeof report.healthy).toBe('boolean');
  expect(typeof report.failed).toBe('boolean');
  expect(report.healthy && report.failed, 'healthy and failed at once').toBe(false);
  expect(typeof report.detail).toBe('string');
  expect(report.detail.trim()).not.toBe('');
  expect(report.detail).not.toMatch(/[\r\n]/);
  return report;
}

/** Whether `detail` names a cluster (or its region) of `target`. */
function namesACluster(target: RingTarget, detail: string): boolean {
  return target.clusters.some((c) => detail.includes(c.name) || detail.includes(c.region));
}

export function healthContract(name: string, make: () => Promise<HealthFixture>): void {
  describe(`${name} (the Health contract)`, () => {
    const open: HealthFixture[] = [];
    async function fresh(): Promise<HealthFixture> {
      const f = await make();
      open.push(f);
      return f;
    }
    afterEach(async () => {
      for (const f of open.splice(0)) await f.close?.();
    });

    it('reports a step still being applied as neither healthy nor failed, naming a cluster not done', async () => {
      const f = await fresh();
      const ref = await f.apply('deploy');
      const report = checked(await f.health.status(f.target, ref));
      expect(report).toMatchObject({ healthy: false, failed: false });
      expect(namesACluster(f.target, report.detail), report.detail).toBe(true);
    });

    it('reports a step that every cluster runs, healthy, as healthy and not failed', async () => {
      const f = await fresh();
      const ref = await f.apply('deploy');
      await f.settle();
      expect(checked(await f.health.status(f.target, ref))).toMatchObject({ healthy: true, failed: false });
    });

    it('reports a step superseded by a later one as not healthy, and the later one as healthy', async () => {
      const f = await fresh();
      const deployed = await f.apply('deploy');
      await f.settle();
      const rolledBack = await f.apply('rollback');
      await f.settle();
      expect(checked(await f.health.status(f.target, deployed)).healthy).toBe(false);
      expect(checked(await f.health.status(f.target, rolledBack))).toMatchObject({ healthy: true, failed: false });
    });

    it('never reports a ref nothing applied as healthy, and names it', async () => {
      const f = await fresh();
      await f.apply('deploy');
      await f.settle();
      const report = checked(await f.health.status(f.target, NEVER_APPLIED));
      // Whether that is worth waiting for is the implementation's to say: Argo CD may not have
      // compared the commit yet (it waits); the simulated fleet knows nothing will apply it (failed).
      expect(report.healthy).toBe(false);
      expect(report.detail).toContain(NEVER_APPLIED.slice(0, 7));
    });

    it('reports a hard failure of the step as failed and not healthy', async ({ skip }) => {
      const f = await fresh();
      if (!f.breakIt) skip('the implementation has no hard failures to report');
      const ref = await f.apply('deploy');
      await f.breakIt!();
      const report = checked(await f.health.status(f.target, ref));
      expect(report).toMatchObject({ healthy: false, failed: true });
      expect(namesACluster(f.target, report.detail), report.detail).toBe(true);
    });

    it('answers regionUp with true for a region that is up and false for one that is down', async ({ skip }) => {
      const f = await fresh();
      if (!f.health.regionUp || !f.regions) skip('the implementation does not answer regionUp');
      expect(await f.health.regionUp!(f.regions!.up)).toBe(true);
      expect(await f.health.regionUp!(f.regions!.down)).toBe(false);
    });

    it('fails with a retryable AdapterError when the system behind it does not answer', async ({ skip }) => {
      const f = await fresh();
      if (!f.unreachable) skip('the system always answers');
      const ref = await f.apply('deploy');
      expect((await adapterErrorOf(f.unreachable!.status(f.target, ref))).retryable).toBe(true);
    });
  });
}
