/** @module Test support: the small three-ring "shop" policy the serve and GitOps integration tests
 * run (internal, ap-south-1 at 40 %, eu-west-1 at 60 %; one error-rate gate; deploys at any time;
 * ring-1 does not wait for its local peak hour, so its bake ends on time),
 * with the parts a test changes given as options. */

export interface ShopPolicyOptions {
  /** Bakes of ring-0, ring-1 and ring-2 (default 10m, 1h, 1h). */
  bakes?: [string, string, string];
  /** Extra fields of ring-1 and ring-2, e.g. `approval: { approvers: [olga] }`. */
  ring1?: string;
  ring2?: string;
  /** The error-rate gate's fields after `metric: error_rate` (default `max: 0.05`). */
  gate?: string;
  /** A GitOps repository to deliver through (applicationset-revision), or none. */
  repo?: string | null;
}

export function shopPolicy(opts: ShopPolicyOptions = {}): string {
  const [b0, b1, b2] = opts.bakes ?? ['10m', '1h', '1h'];
  const more = (extra?: string): string => (extra ? `, ${extra}` : '');
  const delivery = opts.repo
    ? `  delivery:\n    gitops: { repo: ${JSON.stringify(opts.repo)}, branch: main, approach: applicationset-revision, applicationSet: deploy/applicationset.yaml }\n`
    : '';
  return `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.4, capacity: 2, clusters: [{ name: ap1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.6, capacity: 2, clusters: [{ name: eu1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: ${b0}, gates: [error-rate] }
    - { name: ring-1, regions: [ap-south-1], bake: ${b1}, gates: [error-rate], evidence: { coverPeak: false }${more(opts.ring1)} }
    - { name: ring-2, regions: [eu-west-1], bake: ${b2}, gates: [error-rate]${more(opts.ring2)} }
  gates:
    error-rate: { metric: error_rate, ${opts.gate ?? 'max: 0.05'} }
  windows: { deploy: always }
${delivery}`;
}
