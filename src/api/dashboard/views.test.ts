import { describe, expect, it } from 'vitest';
import { policyOf } from '../../engine/fake-ports.test-helper.ts';
import type { RingStatus } from '../../engine/types.ts';
import type { ComparisonRow } from '../../runtime/region-table.ts';
import type { EvaluationView, ReleaseView, RingView } from '../../runtime/controller-types.ts';
import { chart, chartInputs, niceCeil } from './charts.ts';
import { comparisonTable } from './region-table-view.ts';
import { ringStatus } from './timeline-view.ts';

const T = Date.parse('2026-03-02T22:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

const ring = (name: string, regions: string[], status: RingStatus, extra: Partial<RingView> = {}): RingView => ({
  name, regions, userShare: 0.3, status, verdict: 'not-started', deployedAt: null, healthyAt: null, bakeUntil: null,
  rolledBack: false, approvers: [], bakeMinutes: 240, evidence: null, ...extra,
});

function view(rings: RingView[], more: Partial<ReleaseView> = {}): ReleaseView {
  return {
    id: 'r', service: 'shop', version: 'v2', previousVersion: 'v1', phase: 'running', haltReason: null, startedAt: iso(T - 6 * 60 * MIN),
    completedAt: null, rings, versions: {}, events: [], freezes: [], evaluationCounts: { pass: 0, fail: 0, inconclusive: 0 }, blastRadius: { userShare: 0.3 },
    actions: { approve: [], resume: false, abort: true, rollback: [] }, leftBehind: null, ...more,
  };
}

describe('a ring in the timeline', () => {
  it('says how long a bake has left, from the controller\'s clock', () => {
    const baking = ring('ring-2', ['eu-west-1'], 'baking', { deployedAt: iso(T - 65 * MIN), healthyAt: iso(T - 60 * MIN), bakeUntil: iso(T + 180 * MIN) });
    expect(ringStatus(view([baking]), baking, T)).toMatchObject({ label: 'Baking', tone: 'active', progress: 0.25, detail: '3h left of 4h, until 2026-03-03 01:00 UTC' });
    const short = { ...baking, evidence: 'evidence: 3,200 of 10,000 requests in sa-east-1' };
    expect(ringStatus(view([short]), short, T)).toMatchObject({ label: 'Waiting for evidence', tone: 'wait', detail: 'evidence: 3,200 of 10,000 requests in sa-east-1' });
  });

  it('says first that a ring stopped when its release halted, then what it was doing', () => {
    const baking = ring('ring-1', ['ap-south-1'], 'baking', { deployedAt: iso(T - 65 * MIN), healthyAt: iso(T - 60 * MIN), bakeUntil: iso(T + 180 * MIN) });
    expect(ringStatus(view([baking], { phase: 'halted' }), baking, T)).toMatchObject({ label: 'Halted', tone: 'bad', detail: 'while baking: 3h left of 4h, until 2026-03-03 01:00 UTC' });
  });

  it('says why a ring waits, from its latest waiting event', () => {
    const waiting = ring('ring-3', ['us-east-1'], 'waiting-window');
    const v = view([waiting], {
      events: [
        { at: iso(T - 2 * MIN), type: 'ring.waiting', ring: 'ring-3', detail: 'outside business hours in us-east-1; next window 2026-03-03T14:00:00.000Z' },
        { at: iso(T - MIN), type: 'ring.waiting', ring: 'ring-3', detail: 'freeze "year end" until 2026-03-04T00:00:00.000Z' },
      ],
    });
    expect(ringStatus(v, waiting, T)).toMatchObject({ label: 'Waiting', tone: 'wait', detail: 'freeze "year end" until 2026-03-04T00:00:00.000Z' });
    const approval = ring('ring-3', ['us-east-1'], 'awaiting-approval', { approvers: ['group:release-team'] });
    const asked = view([approval], { events: [{ at: iso(T), type: 'approval.requested', ring: 'ring-3', detail: 'approvers: group:release-team' }] });
    expect(ringStatus(asked, approval, T)).toMatchObject({ label: 'Waiting for approval', detail: 'approvers: group:release-team' });
  });

  it('tells a failed and rolled back ring from one rolled back after passing, and from one never deployed', () => {
    const failed = ring('ring-2', ['eu-west-1'], 'rolled-back', { verdict: 'failed', rolledBack: true });
    const passed = ring('ring-1', ['ap-south-1'], 'rolled-back', { verdict: 'passed', rolledBack: true });
    const never = ring('ring-3', ['us-east-1'], 'pending');
    const v = view([passed, failed, never], {
      phase: 'rolled-back',
      events: [{ at: iso(T), type: 'ring.failed', ring: 'ring-2', detail: 'error-rate: error_rate 0.05 > max 0.01; downstream rings will not be deployed' }],
    });
    expect(ringStatus(v, failed, T)).toEqual({ label: 'Failed, rolled back', tone: 'bad', detail: 'error-rate: error_rate 0.05 > max 0.01 (2026-03-02 22:00 UTC); back on v1' });
    expect(ringStatus(v, passed, T)).toMatchObject({ label: 'Rolled back', detail: 'had passed; back on v1' });
    expect(ringStatus(v, never, T)).toMatchObject({ label: 'Never deployed', tone: 'idle' });
  });
});

describe('the gate charts', () => {
  const policy = policyOf();
  const healthyAt = T - 60 * MIN;
  const ev = (minutes: number, value: number | null, kind: EvaluationView['kind'] = 'interval', result: EvaluationView['result'] = 'pass'): EvaluationView =>
    ({ gate: 'error-rate', region: 'eu-west-1', ring: 'ring-2', at: iso(healthyAt + minutes * MIN), kind, value, result, detail: '' });
  const baking = ring('ring-2', ['eu-west-1'], 'baking', { healthyAt: iso(healthyAt), bakeUntil: iso(healthyAt + 4 * 60 * MIN), deployedAt: iso(healthyAt - MIN) });
  const evaluations = [ev(15, 0.002), ev(20, 0.004), ev(25, 0.03, 'interval', 'fail'), ev(30, null, 'interval', 'inconclusive'), ev(35, 0.002), ev(40, 0.002), ev(60, 0.006, 'hour')];

  it('draws one chart per threshold gate and region over the whole bake while baking', () => {
    const inputs = chartInputs(policy, view([baking]), evaluations, T);
    expect(inputs.map((c) => `${c.gateName} ${c.region} ${iso(c.from)} ${iso(c.to)}`)).toEqual([
      'error-rate eu-west-1 2026-03-02T21:00:00.000Z 2026-03-03T01:00:00.000Z',
    ]);
  });

  it('makes a spike obvious: the check over the limit is a red dot above the dashed limit, the hour mean a bar, and a check without data breaks the line', () => {
    const [input] = chartInputs(policy, view([baking]), evaluations, T);
    const svg = chart(input!, 'c').text;
    const limitY = Number(/<line class="limit" x1="\d+" x2="\d+" y1="([\d.]+)"/.exec(svg)![1]);
    const red = [...svg.matchAll(/<circle class="dot fail" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(red).toHaveLength(1);
    expect(red[0]!).toBeLessThan(limitY); // higher on the page = a larger value
    expect(svg.match(/<polyline class="series"/g)).toHaveLength(2);
    expect(svg).toMatch(/<line class="hour" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="\3"\/>/);
    expect(svg).toContain('<line class="nodata"');
    expect(svg).toContain('1 over');
    expect(svg).toContain('6 checks, highest 3.00% against max 1.00%; 1 outside the gate.');
  });
});

describe('the y axis of a chart', () => {
  it('ends at a round number just above what it shows', () => {
    expect([0.0125, 0.0176, 0.021, 0.05, 0.06, 0.09, 0, 250].map((x) => niceCeil(x))).toEqual([0.015, 0.02, 0.025, 0.05, 0.06, 0.1, 1, 250]);
  });
});

describe('the comparison table', () => {
  it('highlights a value outside its gate and says so in words', () => {
    const row: ComparisonRow = {
      region: 'eu-west-1', ring: 'ring-2', version: 'v2', status: 'Watch', breaches: ['error_rate'],
      values: { error_rate: 0.05, p99_latency_ms: 121.4, cpu: 0.41, memory: 0.64, qps: null },
    };
    const text = comparisonTable([row]).text;
    expect(text).toContain('<td class="num breach" data-label="Error rate" title="outside its gate"><span aria-hidden="true">▲ </span>5.00%<span class="vh"> (outside its gate)</span></td>');
    expect(text.replace(/ data-label="[^"]*"/g, '')).toContain('<td class="num">121 ms</td><td class="num">41%</td><td class="num">64%</td><td class="num nodata">no data</td>');
  });
});
