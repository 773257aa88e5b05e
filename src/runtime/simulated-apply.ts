/**
 * @module Real GitOps delivery over a simulated fleet: every deploy and rollback is a real git
 * commit, and the simulated fleet then "applies" it the way Argo CD would, so health and metrics
 * follow the commits. Used by the demo and by `serve` when delivery is GitOps but health is
 * simulated.
 */
import type { Delivery, DeliveryResult, Health, HealthReport, RingTarget } from '../ports.ts';

export class SimulatedApply implements Delivery, Health {
  readonly #git: Delivery;
  readonly #fleet: Delivery & Health;
  /** Commit id → the fleet's own reference for what that commit applied. */
  readonly #applied = new Map<string, string>();

  readonly #stepOf: (ref: string) => Promise<'deploy' | 'rollback' | null>;

  /** `stepOf` tells what a commit did (from its Meridian-Step trailer), for commits made before a restart. */
  constructor(git: Delivery, fleet: Delivery & Health, stepOf: (ref: string) => Promise<'deploy' | 'rollback' | null> = async () => null) {
    this.#git = git;
    this.#fleet = fleet;
    this.#stepOf = stepOf;
  }

  async deploy(target: RingTarget): Promise<DeliveryResult> {
    const commit = await this.#git.deploy(target);
    this.#applied.set(commit.ref, (await this.#fleet.deploy(target)).ref);
    return commit;
  }

  async rollback(target: RingTarget): Promise<DeliveryResult> {
    const commit = await this.#git.rollback(target);
    this.#applied.set(commit.ref, (await this.#fleet.rollback(target)).ref);
    return commit;
  }

  async status(target: RingTarget, ref: string): Promise<HealthReport> {
    if (!this.#applied.has(ref)) {
      // A commit from before a restart: the fleet applies it now, as Argo CD would.
      const step = await this.#stepOf(ref);
      if (step) this.#applied.set(ref, (await (step === 'deploy' ? this.#fleet.deploy(target) : this.#fleet.rollback(target))).ref);
    }
    const applied = this.#applied.get(ref);
    if (applied === undefined) return { healthy: false, failed: false, detail: `commit ${ref.slice(0, 7)} is not applied yet` };
    return this.#fleet.status(target, applied);
  }

  regionUp(region: string): Promise<boolean> {
    return this.#fleet.regionUp?.(region) ?? Promise.resolve(true);
  }
}
