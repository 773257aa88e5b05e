/** @module Test fixture: the three-ring shop policy `meridian backtest` tests judge, its metrics
 * on Prometheus at `url` (or on another provider, to see it refused).
 */

export function policyText(url: string, provider = 'prometheus'): string {
  return `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: ap-south-1, timezone: Asia/Kolkata, userShare: 0.4, clusters: [{ name: ap1 }] }
    - { name: eu-west-1, timezone: Europe/London, userShare: 0.6, clusters: [{ name: eu1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h }
    - { name: ring-1, regions: [ap-south-1], bake: 24h, gates: [error-rate] }
    - { name: ring-2, regions: [eu-west-1], bake: 12h, gates: [error-rate] }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  metrics:
    provider: ${provider}
    prometheus:
      url: ${url}
      timeout: 2s
      queries:
        error_rate: avg_over_time(errors{region="{{region}}"}[{{interval}}])
  windows: { deploy: always }
`;
}
