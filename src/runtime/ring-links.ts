/**
 * @module What leads from a ring's view to the systems behind it: the commits of its deploy and
 * rollback (the ring's `ref` and `rollbackRef`: git commit ids with GitOps delivery, tokens with the
 * simulated one, so `sha` only for a git commit id and a link only with
 * `spec.delivery.gitops.commitUrl`), and with Argo CD health its Applications, one per cluster, named
 * as health asks Argo CD about them (`spec.delivery.health.argocd.application`), each linked with
 * `spec.delivery.health.argocd.appUrl` when the policy gives it.
 */
import { renderApplicationName } from '../adapters/argocd/application-name.ts';
import type { RingState } from '../engine/types.ts';
import type { Policy, Ring } from '../policy/schema.ts';
import { renderUrl } from '../policy/url-template.ts';
import type { ApplicationView, CommitView } from './controller-types.ts';

/** A full git commit id: SHA-1, or SHA-256 for a repository in that object format. */
const GIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function commitView(policy: Policy, ref: string | null): CommitView | null {
  if (ref === null) return null;
  const gitops = policy.spec.delivery.gitops;
  const sha = gitops && GIT_SHA.test(ref) ? ref : null;
  return { ref, sha, url: sha !== null && gitops?.commitUrl ? renderUrl(gitops.commitUrl, { sha }) : null };
}

/** The ring's Argo CD Applications with Argo CD health; none otherwise. A cluster whose name cannot be rendered (a label it lacks) is left out. */
export function applicationViews(policy: Policy, ring: Ring): ApplicationView[] {
  const health = policy.spec.delivery.health;
  const argocd = health.argocd;
  if (health.provider !== 'argocd' || !argocd) return [];
  const out: ApplicationView[] = [];
  for (const name of ring.regions) {
    const region = policy.spec.regions.find((r) => r.name === name);
    for (const c of region?.clusters ?? []) {
      let app: string;
      try {
        app = renderApplicationName(argocd.application, { name: c.name, region: name, labels: c.labels, ...(c.server ? { server: c.server } : {}) }, ring.name);
      } catch {
        continue;
      }
      out.push({ name: app, cluster: c.name, region: name, url: argocd.appUrl ? renderUrl(argocd.appUrl, { app, cluster: c.name, region: name }) : null });
    }
  }
  return out;
}

/** The links of one ring's view. */
export function ringLinks(policy: Policy, ring: Ring, state: RingState): { deployCommit: CommitView | null; rollbackCommit: CommitView | null; applications: ApplicationView[] } {
  return { deployCommit: commitView(policy, state.ref), rollbackCommit: commitView(policy, state.rollbackRef), applications: applicationViews(policy, ring) };
}
