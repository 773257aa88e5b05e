/**
 * @module Test helpers for lint rules: a small base policy that lints clean, patched per test and
 * loaded through loadPolicy exactly as a file would be; a policy whose regions count how often
 * they are read (to pin the cost of a rule without timing it). Used only by tests.
 */
import { parse, stringify } from 'yaml';
import { loadPolicy, loadRelease, type LoadedPolicy } from '../load.ts';
import type { ChangeKind, Policy, PolicyInput, ReleaseRequest } from '../schema.ts';
import type { Finding, LintRule } from './types.ts';

/** Three production regions, smallest first, enough headroom, a gate on every ring: no findings. */
export const BASE_POLICY = `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata:
  name: shop
spec:
  service:
    name: shop
    tier: 2
  regions:
    - name: internal
      internal: true
      timezone: UTC
      clusters: [{ name: staging }]
    - name: eu-west-1
      timezone: Europe/London
      userShare: 0.25
      capacity: 2
      clusters: [{ name: eu-west-1 }]
    - name: ap-south-1
      timezone: Asia/Kolkata
      userShare: 0.30
      capacity: 2
      clusters: [{ name: ap-south-1 }]
    - name: us-east-1
      timezone: America/New_York
      userShare: 0.45
      capacity: 2
      clusters: [{ name: us-east-1 }]
  rings:
    - name: ring-0
      regions: [internal]
      bake: 1h
      gates: [error-rate]
    - name: ring-1
      regions: [eu-west-1]
      bake: 24h
      gates: [error-rate]
    - name: ring-2
      regions: [ap-south-1]
      bake: 12h
      gates: [error-rate]
    - name: ring-3
      regions: [us-east-1]
      bake: 12h
      gates: [error-rate]
  gates:
    error-rate:
      metric: error_rate
      max: 0.01
`;

export type PolicyDoc = PolicyInput;
export type Patch = (doc: PolicyDoc) => void;

/** Load `base` (YAML) after applying `patch` to its plain document. */
export function policyWith(patch: Patch = () => {}, base: string = BASE_POLICY): LoadedPolicy {
  const doc = parse(base) as PolicyDoc;
  patch(doc);
  return loadPolicy(stringify(doc), 'policy.yaml');
}

/** The ring of the document named `name` (to patch it). */
export function ring(doc: PolicyDoc, name: string): PolicyDoc['spec']['rings'][number] {
  const r = doc.spec.rings.find((x) => x.name === name);
  if (!r) throw new Error(`test policy has no ring ${name}`);
  return r;
}

/** The region of the document named `name` (to patch it). */
export function region(doc: PolicyDoc, name: string): PolicyDoc['spec']['regions'][number] {
  const r = doc.spec.regions.find((x) => x.name === name);
  if (!r) throw new Error(`test policy has no region ${name}`);
  return r;
}

/** A release request loaded from a Release document. */
export function releaseWith(spec: { changes?: ChangeKind[]; schemaPhase?: 'expand' | 'contract' } = {}): ReleaseRequest {
  const doc = { apiVersion: 'meridian.dev/v1alpha1', kind: 'Release', spec: { version: 'v2.1.0', revision: 'release/v2.1.0', ...spec } };
  return loadRelease(stringify(doc), 'release.yaml').release;
}

/** Run one rule over a patched base policy. */
export function check(rule: LintRule, patch?: Patch, release?: ReleaseRequest): Finding[] {
  const { policy } = policyWith(patch);
  return rule.check(release ? { policy, release } : { policy });
}

/** Just the messages (what a person reads). */
export function messages(findings: readonly Finding[]): string[] {
  return findings.map((f) => f.message);
}

/**
 * The same policy with every region wrapped so that each read of one of its fields is counted: a
 * rule that is linear in regions reads each region a bounded number of times, one that rescans the
 * list per region reads it n times more.
 */
export function countingRegionReads(policy: Policy): { policy: Policy; reads: () => number } {
  let reads = 0;
  const handler: ProxyHandler<Policy['spec']['regions'][number]> = {
    get(target, key, receiver) {
      reads += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  };
  const regions = policy.spec.regions.map((r) => new Proxy(r, handler));
  return { policy: { ...policy, spec: { ...policy.spec, regions } }, reads: () => reads };
}
