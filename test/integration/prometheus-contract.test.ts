/**
 * @module PrometheusMetrics against the Metrics contract (src/ports-contract) on a real Prometheus
 * (Debian's `prometheus` package) loaded through promtool with four hours of minute-by-minute
 * history for the example policy's regions: eu-west-1 at a steady 0.2% with a 30-minute gap in its
 * data, ap-south-1 drained (its request counters scraped, and not moving). Fails when CI=true and
 * Prometheus is missing; elsewhere it is skipped with one warning.
 */
import { afterAll, beforeAll } from 'vitest';
import { PrometheusMetrics } from '../../src/adapters/prometheus/metrics.ts';
import { metricsContract, type MetricsFixture } from '../../src/ports-contract/metrics-contract.test-helper.ts';
import { formatOpenMetrics } from '../../src/sim/openmetrics.ts';
import { HOUR, MINUTE, describePrometheus, examplePolicy, freePort, startPrometheus, type PrometheusInstance } from './support/prometheus.ts';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const GAP = { from: T0 + 2 * HOUR, to: T0 + 2 * HOUR + 30 * MINUTE };

/** eu-west-1 has no data in GAP; ap-south-1 serves no requests at all; the others are steady. */
function history(): string {
  return formatOpenMetrics(['internal', 'ap-south-1', 'eu-west-1', 'us-east-1'], T0, T0 + 4 * HOUR, (region, t) => {
    if (region === 'eu-west-1' && t >= GAP.from && t < GAP.to) return null;
    const requests = region === 'ap-south-1' ? 0 : 100_000;
    return { requests, errorRate: 0.002, p99LatencyMs: 120, cpu: 0.4, memory: 0.65 };
  });
}

describePrometheus('PrometheusMetrics on a real Prometheus', () => {
  let prom: PrometheusInstance;
  let fixture: MetricsFixture;

  beforeAll(async () => {
    prom = await startPrometheus(history());
    const query = (region: string) => ({ metric: 'error_rate', region, ring: 'ring-2', version: 'v2.1.0' });
    fixture = {
      metrics: new PrometheusMetrics(examplePolicy(prom.url).policy),
      data: { query: query('eu-west-1'), from: T0 + 30 * MINUTE, to: T0 + HOUR, about: 0.002 },
      // Ends before the minute data resumes: the counters are sampled again at that instant.
      gap: { from: GAP.from, to: GAP.to - 5 * MINUTE },
      idle: { query: query('ap-south-1'), from: T0 + 30 * MINUTE, to: T0 + HOUR },
      unreachable: new PrometheusMetrics(examplePolicy(`http://127.0.0.1:${await freePort()}`).policy, { timeoutMs: 5_000 }),
    };
  }, 180_000);
  afterAll(async () => {
    await prom?.dispose();
  }, 60_000);

  metricsContract('PrometheusMetrics on Prometheus 2 (promtool-loaded history)', async () => fixture);
});
