import { describe, expect, it } from 'vitest';
import { policyOf } from '../engine/fake-ports.test-helper.ts';
import { AdapterError } from '../errors.ts';
import type { Metrics } from '../ports.ts';
import { runGateChecks } from './gate-runner.ts';

const policy = policyOf(`
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: a, timezone: UTC, userShare: 0.5, clusters: [{ name: a }] }
    - { name: b, timezone: UTC, userShare: 0.5, clusters: [{ name: b }] }
  rings:
    - { name: ring-1, regions: [a], bake: 24h, gates: [err, cmp] }
    - { name: ring-2, regions: [b], bake: 24h, gates: [err] }
  gates:
    err: { metric: error_rate, max: 0.01 }
    cmp: { compare: { metric: error_rate, maxIncrease: 0.005 } }
`);
const ctx = (metrics: Metrics) => ({ policy, metrics, ring: 'ring-1', version: 'v2', previousVersion: 'v1' });

describe('running gate checks through the Metrics port', () => {
  it('reads comparison samples on whole minutes, even when the check is not on a minute boundary', async () => {
    const windows: string[] = [];
    const metrics: Metrics = {
      value: async () => 0.001,
      series: async (q, from, to, step) => {
        windows.push(`${q.region} ${new Date(from).toISOString()} ${new Date(to).toISOString()} ${step}`);
        return Array.from({ length: (to - from) / step }, () => (q.region === 'a' ? 0.05 : 0.002));
      },
    };
    const from = Date.parse('2026-03-02T10:00:21.500Z');
    const [ev] = await runGateChecks(ctx(metrics), [{ gate: 'cmp', region: 'a', kind: 'compare', from, to: from + 10 * 60_000, baselineRegions: ['b'] }]);
    expect(windows).toEqual([
      'a 2026-03-02T10:01:00.000Z 2026-03-02T10:10:00.000Z 60000',
      'b 2026-03-02T10:01:00.000Z 2026-03-02T10:10:00.000Z 60000',
    ]);
    expect(ev!.result).toBe('fail');
  });

  it('turns a provider failure into an inconclusive evaluation with its message, never a pass', async () => {
    const metrics: Metrics = {
      value: async () => { throw new AdapterError('Prometheus at http://127.0.0.1:9090: connection refused', { retryable: true }); },
      series: async () => [],
    };
    const [ev] = await runGateChecks(ctx(metrics), [{ gate: 'err', region: 'a', kind: 'interval', from: 0, to: 300_000 }]);
    expect(ev!.result).toBe('inconclusive');
    expect(ev!.detail).toContain('connection refused');
  });

  it('says there is no baseline when no other production region still runs the previous version', async () => {
    const metrics: Metrics = { value: async () => 0.001, series: async () => [0.001] };
    const [ev] = await runGateChecks(ctx(metrics), [{ gate: 'cmp', region: 'a', kind: 'compare', from: 0, to: 600_000, baselineRegions: [] }]);
    expect(ev).toMatchObject({ result: 'inconclusive', detail: 'no baseline: no other production region still runs v1' });
  });
});
