import { describe, expect, it } from 'vitest';
import { BASE, policyOf } from '../../engine/fake-ports.test-helper.ts';
import type { EvaluationView, ReleaseView, RingView } from '../../runtime/controller-types.ts';
import type { ComparisonRow } from '../../runtime/region-table.ts';
import { chart, chartInputs, charts, statisticChart, statisticInputs } from './charts.ts';

const T = Date.parse('2026-03-02T22:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const healthyAt = T - 60 * MIN;

const baking: RingView = {
  name: 'ring-2', regions: ['eu-west-1'], userShare: 0.3, status: 'baking', verdict: 'in-progress', deployedAt: iso(healthyAt - 2 * MIN), healthyAt: iso(healthyAt),
  bakeUntil: iso(healthyAt + 4 * 60 * MIN), rolledBack: false, approvers: [], bakeMinutes: 240, evidence: null,
};

function view(rings: RingView[], events: ReleaseView['events'] = []): ReleaseView {
  return {
    id: 'r', service: 'shop', version: 'v2', previousVersion: 'v1', phase: 'running', haltReason: null, startedAt: iso(T - 6 * 60 * MIN), completedAt: null,
    rings, versions: {}, events, freezes: [], evaluationCounts: { pass: 0, fail: 0, inconclusive: 0 }, blastRadius: { userShare: 0.3 },
    actions: { approve: [], resume: false, abort: true, rollback: [] }, leftBehind: null,
  };
}

const ev = (gate: string, minutes: number, value: number | null, kind: EvaluationView['kind'] = 'interval', result: EvaluationView['result'] = 'pass', margin?: number): EvaluationView =>
  ({ gate, region: 'eu-west-1', ring: 'ring-2', at: iso(healthyAt + minutes * MIN), kind, value, result, detail: '', ...(margin === undefined ? {} : { margin }) });

const rows: ComparisonRow[] = [
  { region: 'internal', ring: 'ring-0', version: 'v1', status: 'Baseline', breaches: [], values: { error_rate: 0.09, p99_latency_ms: 120, cpu: 0.4, memory: 0.6, qps: 10 } },
  { region: 'eu-west-1', ring: 'ring-2', version: 'v2', status: 'Watch', breaches: ['error_rate'], values: { error_rate: 0.03, p99_latency_ms: 120, cpu: 0.4, memory: 0.6, qps: 900 } },
  { region: 'us-east-1', ring: 'ring-3', version: 'v1', status: 'Baseline', breaches: [], values: { error_rate: 0.002, p99_latency_ms: 120, cpu: 0.4, memory: 0.6, qps: 1300 } },
];

const deployed: ReleaseView['events'] = [
  { at: iso(healthyAt - 2 * MIN), type: 'ring.deploy.started', ring: 'ring-2' },
  { at: iso(healthyAt), type: 'ring.deploy.completed', ring: 'ring-2' },
];

describe('a threshold gate\'s chart', () => {
  const policy = policyOf();
  const evaluations = [ev('error-rate', 15, 0.002), ev('error-rate', 20, 0.004), ev('error-rate', 55, 0.03, 'interval', 'fail'), ev('error-rate', 60, 0.03, 'interval', 'fail'), ev('error-rate', 60, 0.012, 'hour', 'fail')];

  it('draws the stable regions\' value over the last hour beside the canary, and says both in words', () => {
    const [input] = chartInputs(policy, view([baking], deployed), evaluations, T, rows);
    expect(input!.baseline).toEqual({ value: 0.002, label: 'stable regions (us-east-1)' });
    const svg = chart(input!, 'c').text;
    expect(svg).toContain('<title id="c">error-rate in eu-west-1: 3.00% against baseline 0.20% (stable regions (us-east-1), last hour), limit 1.00%. '
      + 'Error rate (error-rate) in eu-west-1, 2026-03-02 21:00 UTC to 2026-03-03 01:00 UTC: 4 checks, highest 3.00% against max 1.00%; 2 outside the gate.</title>');
    expect(svg).toMatch(/<line class="baseline" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)" y2="\1"\/>/);
  });

  it('marks the deploy, and shades the hour judged that failed', () => {
    const [input] = chartInputs(policy, view([baking], deployed), evaluations, T, rows);
    const svg = chart(input!, 'c').text;
    expect([...svg.matchAll(/<text class="mark-label mark-(\w+)"[^>]*>([^<]+)<\/text>/g)].map((m) => m[2])).toEqual(['deploy']);
    expect(svg.match(/<rect class="band fail" /g)).toHaveLength(1);
  });

  it('has no baseline when no production region is on the old version', () => {
    const [input] = chartInputs(policy, view([baking], deployed), evaluations, T, rows.filter((r) => r.region !== 'us-east-1'));
    expect(input!.baseline).toBeNull();
    expect(chart(input!, 'c').text).toContain('<title id="c">error-rate in eu-west-1: 3.00%, limit 1.00%. ');
  });
});

describe('a comparison gate\'s chart', () => {
  const policy = policyOf(BASE
    .replace('gates: [error-rate], onFailure', 'gates: [error-rate, errors-vs-baseline], onFailure')
    .replace('error-rate: { metric: error_rate, max: 0.01 }', 'error-rate: { metric: error_rate, max: 0.01 }\n    errors-vs-baseline: { compare: { metric: error_rate, maxIncrease: 0.005 } }'));
  const rounds = [ev('errors-vs-baseline', 15, 0.0004, 'compare', 'pass', 1), ev('errors-vs-baseline', 20, 0.0008, 'compare', 'pass', 0.8), ev('errors-vs-baseline', 25, 0.001, 'compare', 'pass', 0.6)];

  it('shows its statistic against the dashed limit in a chart of its own, and says how close it came', () => {
    const inputs = statisticInputs(policy, view([baking], deployed), rounds, T);
    expect(inputs.map((i) => `${i.gateName} ${i.region}`)).toEqual(['errors-vs-baseline eu-west-1']);
    const svg = statisticChart(inputs[0]!, 's').text;
    expect(svg).toContain('<title id="s">errors-vs-baseline in eu-west-1: its statistic is 40% of its limit at 21:25 (the gate fails at 100%), highest 40%; '
      + 'Error rate +0.10% against the stable regions. 3 rounds, none over the limit.</title>');
    expect(svg).toMatch(/<line class="limit" x1="52" x2="310" y1="[\d.]+" y2="[\d.]+"\/>\n<text class="limit-label"[^>]*>limit<\/text>/);
    expect(svg.match(/<polyline class="series statistic" /g)).toHaveLength(1);
    // The latest round's lookback is the window judged.
    expect(svg.match(/<rect class="band" /g)).toHaveLength(1);
  });

  it('has its place among the gate charts, with the legend saying what 100% means', () => {
    const text = charts(policy, view([baking], deployed), [...rounds, ev('error-rate', 15, 0.002)], T, rows).text;
    expect(text.match(/<figure class="chart">/g)).toHaveLength(1);
    expect(text.match(/<figure class="chart chart-statistic">/g)).toHaveLength(1);
    expect(text).toContain('a comparison\'s statistic (100%: it fails)');
    expect(text).toContain('deploy, pass, fail, rollback');
  });

  it('breaks the line at a round without data and marks it at the bottom', () => {
    const inputs = statisticInputs(policy, view([baking], deployed), [...rounds.slice(0, 2), ev('errors-vs-baseline', 25, null, 'compare', 'inconclusive'), ev('errors-vs-baseline', 30, 0.001, 'compare', 'pass', 0.7)], T);
    const svg = statisticChart(inputs[0]!, 's').text;
    expect(svg).toContain('<line class="nodata"');
  });
});
