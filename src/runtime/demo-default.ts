/**
 * @module The embedded default that `meridian demo` runs with nothing else installed: the classic
 * three-region ring exercise (ap-south-1 canary, eu-west-1, us-east-1 behind an approval) and the
 * scenario in which v2.1.0 passes ring 1 and fails ring 2.
 */

export const DEMO_POLICY_FILE = 'demo/webapp.yaml';
export const DEMO_SCENARIO_FILE = 'demo/ring-2-fails.yaml';

export const DEMO_POLICY = `apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata:
  name: webapp
spec:
  service: { name: webapp, tier: 2 }
  regions:
    - name: ap-south-1
      timezone: Asia/Kolkata
      userShare: 0.25
      capacity: 1.6
      clusters: [{ name: ap-south-1, server: https://ap-south-1.k8s.example.com }]
    - name: eu-west-1
      timezone: Europe/London
      userShare: 0.30
      capacity: 1.6
      clusters: [{ name: eu-west-1, server: https://eu-west-1.k8s.example.com }]
    - name: us-east-1
      timezone: America/New_York
      userShare: 0.45
      capacity: 1.4
      clusters: [{ name: us-east-1, server: https://us-east-1.k8s.example.com }]
  rings:
    - name: ring-1
      regions: [ap-south-1]
      bake: 24h
      gates: [error-rate, p99-latency, vs-baseline]
    - name: ring-2
      regions: [eu-west-1]
      bake: 24h
      gates: [error-rate, p99-latency]
      onFailure: { rollback: [ring-2] }
    - name: ring-3
      regions: [us-east-1]
      bake: 12h
      gates: [error-rate, p99-latency]
      approval: { approvers: [group:release-team] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
    p99-latency: { metric: p99_latency_ms, max: 200 }
    vs-baseline:
      compare: { metric: error_rate, baseline: stable-regions, maxIncrease: 0.005 }
  windows: { deploy: business-hours }
`;

const BUSINESS_HOURS = 'windows: { deploy: business-hours }';

/**
 * The demo policy deploying at any time (`demo --serve`: live, the story takes minutes, not a
 * weekend of waiting for business hours). Refuses, rather than silently keeps business hours, if
 * the policy no longer says it.
 */
export function demoPolicyDeployingAnyTime(): string {
  if (!DEMO_POLICY.includes(BUSINESS_HOURS)) throw new Error(`the demo policy no longer holds "${BUSINESS_HOURS}"`);
  return DEMO_POLICY.replace(BUSINESS_HOURS, 'windows: { deploy: always }');
}

export const DEMO_SCENARIO = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata:
  name: ring-2-fails
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0, changes: [app] }
  baseline: { errorRate: 0.002, p99LatencyMs: 120, cpu: 0.40, memory: 0.65, noise: 0.10 }
  faults:
    - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }
  approvals:
    - { ring: ring-3, by: release-lead, groups: [release-team], after: 10m }
`;
