/** @module Tests of the link templates of a policy (commitUrl, appUrl): what they accept, the errors at file:line:col, and how they fill in. */
import { describe, expect, it } from 'vitest';
import { PolicyError, formatLocated } from '../errors.ts';
import { loadPolicy } from './load.ts';
import { APP_URL, COMMIT_URL, renderUrl, urlTemplateProblem } from './url-template.ts';

/** A small policy with `gitops` and `argocd` as given (YAML flow maps). */
function policyText(gitops: string, argocd: string): string {
  return `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 1, clusters: [{ name: ap1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h }
    - { name: ring-1, regions: [ap-south-1], bake: 24h }
  delivery:
    gitops: { repo: ./gitops, applicationSet: deploy/applicationset.yaml${gitops} }
    health:
      provider: argocd
      argocd: { url: "https://argocd.example.com"${argocd} }
`;
}

function errorsOf(text: string): string[] {
  try {
    loadPolicy(text, 'policy.yaml');
  } catch (e) {
    if (e instanceof PolicyError) return e.problems.map(formatLocated);
    throw e;
  }
  return [];
}

describe('the link templates of a policy', () => {
  it('accept an http(s) commit URL with {{sha}} and an Argo CD URL with its placeholders', () => {
    const { policy } = loadPolicy(policyText(', commitUrl: "https://git.example.com/org/deploy/commit/{{sha}}"', ', appUrl: "https://argocd.example.com/applications/argocd/{{ app }}?cluster={{cluster}}&region={{region}}"'), 'policy.yaml');
    expect(policy.spec.delivery.gitops?.commitUrl).toBe('https://git.example.com/org/deploy/commit/{{sha}}');
    expect(policy.spec.delivery.health.argocd?.appUrl).toBe('https://argocd.example.com/applications/argocd/{{ app }}?cluster={{cluster}}&region={{region}}');
    expect(loadPolicy(policyText('', ''), 'policy.yaml').policy.spec.delivery.gitops?.commitUrl).toBeUndefined();
  });

  it('refuse, at file:line:col, an unknown placeholder, a missing {{sha}}, a URL that is not http(s), one with credentials and an unclosed placeholder', () => {
    expect(errorsOf(policyText(', commitUrl: "https://git.example.com/commit/{{commit}}"', ', appUrl: "ftp://argocd.example.com/{{app}}"'))).toEqual([
      'policy.yaml:13:86: spec.delivery.gitops.commitUrl: "{{commit}}" is not a placeholder here (use {{sha}}, e.g. https://git.example.com/org/deploy/commit/{{sha}})',
      'policy.yaml:16:60: spec.delivery.health.argocd.appUrl: "ftp://argocd.example.com/{{app}}" is not an http or https URL (e.g. https://argocd.example.com/applications/argocd/{{app}})',
    ]);
    expect(errorsOf(policyText(', commitUrl: "https://git.example.com/commit/"', ', appUrl: "https://argocd.example.com/{{sha}}"'))).toEqual([
      'policy.yaml:13:86: spec.delivery.gitops.commitUrl: "https://git.example.com/commit/" has no {{sha}} (e.g. https://git.example.com/org/deploy/commit/{{sha}})',
      'policy.yaml:16:60: spec.delivery.health.argocd.appUrl: "{{sha}}" is not a placeholder here (use {{app}}, {{cluster}}, {{region}}, e.g. https://argocd.example.com/applications/argocd/{{app}})',
    ]);
    expect(errorsOf(policyText(', commitUrl: "https://bot:hunter2@git.example.com/commit/{{sha}}"', ', appUrl: "https://argocd.example.com/{{app}"'))).toEqual([
      'policy.yaml:13:86: spec.delivery.gitops.commitUrl: "https://bot:hunter2@git.example.com/commit/{{sha}}" carries a user name or password; a link must not hold credentials',
      'policy.yaml:16:60: spec.delivery.health.argocd.appUrl: "https://argocd.example.com/{{app}" has an unclosed placeholder (write {{name}})',
    ]);
    expect(errorsOf(policyText(', commitUrl: "{{sha}}"', ''))).toEqual([
      'policy.yaml:13:86: spec.delivery.gitops.commitUrl: "{{sha}}" is not a URL (e.g. https://git.example.com/org/deploy/commit/{{sha}})',
    ]);
  });
});

describe('filling in a link template', () => {
  it('puts each value in URL-encoded, keeping a / of namespace/name as a path separator', () => {
    expect(renderUrl('https://argocd.example.com/applications/{{app}}?c={{ cluster }}', { app: 'team a/shop-eu 1', cluster: 'eu&1' }))
      .toBe('https://argocd.example.com/applications/team%20a/shop-eu%201?c=eu%261');
    expect(renderUrl(COMMIT_URL.example, { sha: '4f1c2e' })).toBe('https://git.example.com/org/deploy/commit/4f1c2e');
  });

  it('finds nothing wrong with the examples it gives', () => {
    expect([urlTemplateProblem(COMMIT_URL.example, COMMIT_URL), urlTemplateProblem(APP_URL.example, APP_URL)]).toEqual([null, null]);
  });
});
