/**
 * @module The demo's GitOps side, for `meridian demo`: a real repository on the local disk (a
 * bare remote seeded for the policy's ApplicationSet, every cluster on the previous version), the
 * policy pointed at it, and real GitOps delivery over the simulated fleet, whose commits the demo
 * then lists.
 */
import { GitOpsDelivery, initDemoRepo, withDemoGitOps, type HistoryEntry } from '../adapters/gitops/index.ts';
import type { Policy } from '../policy/schema.ts';
import type { Fleet } from '../sim/fleet.ts';
import type { RuntimePorts } from './effects.ts';
import { SimulatedApply } from './simulated-apply.ts';

/** How the demo's repository lays out releases: one ApplicationSet, a revision per ring. */
const APPROACH = 'applicationset-revision';

export interface DemoRepository {
  /** The bare remote, `DIR/gitops.git`. */
  remote: string;
  /** `policy` delivering through the demo repository. */
  withRepository(policy: Policy): Policy;
}

/** Create the demo's repository in `dir` (which must not hold one yet), seeded for `policy`. */
export async function createDemoRepository(dir: string, policy: Policy, previousVersion: string): Promise<DemoRepository> {
  const remote = await initDemoRepo(dir, policy, APPROACH, { previousVersion });
  return { remote, withRepository: (p) => withDemoGitOps(p, remote, APPROACH) };
}

export interface DemoDelivery {
  /** For runSimulation: every deploy and rollback is a commit, which the simulated fleet then applies. */
  ports(fleet: Fleet): Partial<RuntimePorts>;
  /** The commits of the working clone, newest first. */
  history(): Promise<HistoryEntry[]>;
}

/** GitOps delivery for `policy` (pointed at the demo repository), its working clone in `workDir`. */
export function demoDelivery(policy: Policy, workDir: string): DemoDelivery {
  const gitops = new GitOpsDelivery(policy, { workDir });
  return {
    ports: (fleet) => {
      const applied = new SimulatedApply(gitops, fleet);
      return { delivery: applied, health: applied };
    },
    history: () => gitops.history(),
  };
}
