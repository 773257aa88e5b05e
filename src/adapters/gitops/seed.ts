/**
 * @module The starting content of a GitOps repository for a policy, per approach: an ApplicationSet
 * with one list element per cluster (ring by ring) and, for kustomize-overlay, a base and one overlay
 * per ring. The demo seeds its repository with it; examples/gitops holds it for the example policy.
 */
import { posix } from 'node:path';
import { stringify } from 'yaml';
import type { Policy } from '../../policy/schema.ts';
import { parameter, SYNC_WAVE } from './applicationset.ts';
import { DEFAULT_APPLICATIONSET, DEFAULT_OVERLAYS, overlayDir, type Approach, type GitOpsSettings } from './layout.ts';

/** The policy's GitOps settings with every path filled in (the policy's own values win). */
export function gitopsSettings(policy: Policy, repo?: string, approach?: Approach): GitOpsSettings {
  const g = policy.spec.delivery.gitops;
  return {
    repo: repo ?? g?.repo ?? './gitops',
    branch: g?.branch ?? 'main',
    approach: approach ?? g?.approach ?? 'applicationset-revision',
    applicationSet: g?.applicationSet ?? DEFAULT_APPLICATIONSET,
    overlays: g?.overlays ?? DEFAULT_OVERLAYS,
    image: g?.image ?? `ghcr.io/example/${policy.spec.service.name}`,
    remote: g?.remote ?? 'origin',
  };
}

/** A YAML scalar, quoted only when it has to be. */
const q = (v: string): string => stringify(v, { lineWidth: 0 }).trimEnd();

interface ClusterRow {
  ring: string;
  ringIndex: number;
  regions: string;
  cluster: string;
  url: string;
}

function clusterRows(policy: Policy): ClusterRow[] {
  return policy.spec.rings.flatMap((ring, ringIndex) =>
    ring.regions.flatMap((name) => {
      const region = policy.spec.regions.find((r) => r.name === name);
      return (region?.clusters ?? []).map((c) => ({
        ring: ring.name, ringIndex, regions: ring.regions.join(', '), cluster: c.name, url: c.server ?? 'https://kubernetes.default.svc',
      }));
    }),
  );
}

function applicationSet(policy: Policy, s: GitOpsSettings, previousVersion: string): string {
  const service = policy.spec.service.name;
  const p = (name: string): string => parameter(true, name);
  const elements: string[] = [];
  let ring = '';
  for (const row of clusterRows(policy)) {
    if (row.ring !== ring) elements.push(`      # ${row.ring}: ${row.regions}`);
    ring = row.ring;
    elements.push(`      - cluster: ${q(row.cluster)}`, `        url: ${q(row.url)}`);
    if (s.approach === 'kustomize-overlay') elements.push(`        ring: ${q(row.ring)}`);
    else elements.push(`        revision: ${q(previousVersion)}`);
    if (s.approach === 'sync-wave') elements.push(`        wave: ${q(String(row.ringIndex))}`);
  }
  const how = {
    'applicationset-revision': ['Meridian promotes a ring by setting `revision` on the list elements of', "that ring's clusters, one commit per ring, and rolls a ring back with", '`git revert` of that commit.'],
    'sync-wave': ['Meridian promotes a ring by setting `revision` on its clusters, and keeps', "each element's `wave` equal to its ring's position in the policy; the", 'template turns it into the sync-wave annotation.'],
    'kustomize-overlay': ['Each cluster syncs the overlay of its ring; Meridian promotes a ring by', "setting the image tag in that overlay's kustomization.yaml."],
  }[s.approach];
  const source = s.approach === 'kustomize-overlay'
    ? [`        repoURL: https://github.com/example/gitops.git`, `        targetRevision: ${q(s.branch)}`, `        path: '${(s.overlays ?? DEFAULT_OVERLAYS).split('{{ring}}').join(p('ring'))}'`]
    : [`        repoURL: https://github.com/example/${service}.git`, `        targetRevision: '${p('revision')}'`, `        path: deploy/manifests`];
  const annotations = s.approach === 'sync-wave'
    ? [`      annotations:`, `        # The ring's position in the policy, maintained by Meridian.`, `        ${SYNC_WAVE}: '${p('wave')}'`]
    : [];
  return [
    `# The ApplicationSet of ${service}: one Argo CD Application per cluster.`,
    ...how.map((l) => `# ${l}`),
    'apiVersion: argoproj.io/v1alpha1',
    'kind: ApplicationSet',
    'metadata:',
    `  name: ${q(service)}`,
    '  namespace: argocd',
    'spec:',
    '  goTemplate: true',
    '  goTemplateOptions: ["missingkey=error"]',
    '  generators:',
    '  - list:',
    '      elements:',
    ...elements,
    '  template:',
    '    metadata:',
    `      name: '${service}-${p('cluster')}'`,
    ...annotations,
    '    spec:',
    '      project: default',
    '      source:',
    ...source,
    '      destination:',
    `        server: '${p('url')}'`,
    `        namespace: ${q(service)}`,
    '      syncPolicy:',
    '        automated:',
    '          prune: true',
    '          selfHeal: true',
    '',
  ].join('\n');
}

function kustomizeFiles(policy: Policy, s: GitOpsSettings, previousVersion: string): Record<string, string> {
  const service = policy.spec.service.name;
  const image = s.image ?? `ghcr.io/example/${service}`;
  const base = posix.join(posix.dirname(posix.dirname(s.overlays ?? DEFAULT_OVERLAYS)), 'base');
  const files: Record<string, string> = {
    [`${base}/kustomization.yaml`]: ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '- deployment.yaml', ''].join('\n'),
    [`${base}/deployment.yaml`]: [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${q(service)}`, 'spec:', '  replicas: 2', '  selector:', '    matchLabels:', `      app: ${q(service)}`,
      '  template:', '    metadata:', '      labels:', `        app: ${q(service)}`, '    spec:', '      containers:', `      - name: ${q(service)}`, `        image: ${q(`${image}:${previousVersion}`)}`, '',
    ].join('\n'),
  };
  for (const ring of policy.spec.rings) {
    const dir = overlayDir(s, ring.name);
    files[`${dir}/kustomization.yaml`] = [
      `# ${ring.name} (${ring.regions.join(', ')}): Meridian sets newTag when it deploys this ring.`,
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `- ${posix.relative(dir, base)}`,
      'images:',
      `- name: ${q(image)}`,
      `  newTag: ${q(previousVersion)}`,
      '',
    ].join('\n');
  }
  return files;
}

/** Repository-relative path → content, for a repository where every cluster runs `previousVersion`. */
export function seedFiles(policy: Policy, settings: GitOpsSettings, previousVersion: string): Record<string, string> {
  const files: Record<string, string> = { [settings.applicationSet ?? DEFAULT_APPLICATIONSET]: applicationSet(policy, settings, previousVersion) };
  return settings.approach === 'kustomize-overlay' ? { ...files, ...kustomizeFiles(policy, settings, previousVersion) } : files;
}
