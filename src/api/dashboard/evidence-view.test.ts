import { describe, expect, it } from 'vitest';
import { BASE, policyOf } from '../../engine/fake-ports.test-helper.ts';
import type { ReleaseView, RingView } from '../../runtime/controller-types.ts';
import type { EvidenceChart, FailureEvidence } from '../../runtime/failure-evidence.ts';
import type { ComparisonRow } from '../../runtime/region-table.ts';
import { failureEvidence, failureTitle } from './evidence-view.ts';
import { releaseFragment } from './release-fragment.ts';

const MIN = 60_000;
const at = (hhmm: string): string => `2026-03-02T${hhmm}:00.000Z`;
const ms = (hhmm: string): number => Date.parse(at(hhmm));

const ring = (name: string, regions: string[], extra: Partial<RingView> = {}): RingView => ({
  name, regions, userShare: 0.3, status: 'pending', verdict: 'not-started', deployedAt: null, healthyAt: null, bakeUntil: null,
  rolledBack: false, approvers: [], bakeMinutes: 60, evidence: null, ...extra,
});

const row = (region: string, ring: string, version: string, errorRate: number, breach = false): ComparisonRow => ({
  region, ring, version, status: version === 'v2' ? 'Watch' : 'Baseline', breaches: breach ? ['error_rate'] : [],
  values: { error_rate: errorRate, p99_latency_ms: 121, cpu: 0.41, memory: 0.6, qps: 910 },
});

/** From 09:50 to the rollback at 12:50, 2-minute points: the canary at 0.2% until 12:30, then 5%. */
function chartOf(kind: 'threshold' | 'compare'): EvidenceChart {
  const from = ms('09:50');
  const points = 90;
  const canary = Array.from({ length: points }, (_, i) => (from + (i + 1) * 2 * MIN > ms('12:30') ? 0.05 : 0.002));
  return {
    gate: kind === 'threshold' ? 'error-rate' : 'errors-vs-baseline', metric: 'error_rate', kind, from: at('09:50'), to: at('12:50'), step: 2 * MIN,
    canary: [{ region: 'eu-west-1', values: canary }],
    baseline: { label: 'stable regions (us-east-1)', values: canary.map(() => 0.002) },
    limit: kind === 'threshold' ? { max: 0.01 } : { maxIncrease: 0.005 },
    judged: kind === 'threshold'
      ? [{ region: 'eu-west-1', kind: 'interval', from: at('12:35'), to: at('12:40') }, { region: 'eu-west-1', kind: 'interval', from: at('12:40'), to: at('12:45') }]
      : [{ region: 'eu-west-1', kind: 'compare', from: at('11:45'), to: at('12:45') }],
    statistic: kind === 'compare' ? [{ region: 'eu-west-1', values: canary.map((_, i) => (i < 60 ? 0.05 : Math.min(1.3, (i - 60) * 0.06))) }] : null,
    until: 'rollback',
  };
}

function evidenceOf(kind: 'threshold' | 'compare'): FailureEvidence {
  return {
    ring: 'ring-2', gate: kind === 'threshold' ? 'error-rate' : 'errors-vs-baseline', regions: ['eu-west-1'], detectedAt: at('12:45'),
    detail: kind === 'threshold' ? 'error-rate: error_rate 0.05 > max 0.01' : 'errors-vs-baseline: error_rate in eu-west-1 is higher than stable regions (1) beyond maxIncrease 0.005',
    window: { from: at('12:35'), to: at('12:45') },
    comparison: [row('ap-south-1', 'ring-1', 'v2', 0.002), row('eu-west-1', 'ring-2', 'v2', 0.05, true), row('us-east-1', 'ring-3', 'v1', 0.002)],
    chart: chartOf(kind),
  };
}

function failedView(failure: FailureEvidence | null): ReleaseView {
  return {
    id: 'shop-v2-1', service: 'shop', version: 'v2', previousVersion: 'v1', phase: 'rolled-back', haltReason: null, startedAt: at('09:00'), completedAt: at('12:55'),
    rings: [
      ring('ring-1', ['ap-south-1'], { status: 'rolled-back', verdict: 'passed', rolledBack: true, deployedAt: at('10:00'), healthyAt: at('10:01'), failure: null }),
      ring('ring-2', ['eu-west-1'], { status: 'rolled-back', verdict: 'failed', rolledBack: true, deployedAt: at('12:00'), healthyAt: at('12:01'), failure }),
      ring('ring-3', ['us-east-1'], { failure: null }),
    ],
    versions: { 'ap-south-1': 'v1', 'eu-west-1': 'v1', 'us-east-1': 'v1' },
    events: [
      { at: at('12:00'), type: 'ring.deploy.started', ring: 'ring-2', detail: 'v2 to eu-west-1' },
      { at: at('12:01'), type: 'ring.deploy.completed', ring: 'ring-2' },
      { at: at('12:45'), type: 'gate.failed', ring: 'ring-2', region: 'eu-west-1', detail: 'error-rate: error_rate 0.05 > max 0.01' },
      { at: at('12:45'), type: 'ring.failed', ring: 'ring-2', detail: 'error-rate: error_rate 0.05 > max 0.01; downstream rings will not be deployed' },
      { at: at('12:45'), type: 'ring.rollback.started', ring: 'ring-2', detail: 'back to v1' },
      { at: at('12:50'), type: 'ring.rollback.completed', ring: 'ring-2', detail: 'eu-west-1 back on v1' },
    ],
    freezes: [], blastRadius: { userShare: 0 }, evaluationCounts: { pass: 40, fail: 2, inconclusive: 0 },
    actions: { approve: [], resume: false, abort: false, rollback: [] }, leftBehind: null,
  };
}

/** The text a person reads: tags dropped, entities decoded. */
const words = (markup: string): string => markup.replace(/<[^>]+>/g, ' ').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/\s+/g, ' ').trim();

describe('a failed ring\'s evidence on its page', () => {
  it('says what failed, where and when, and shows the comparison table as it was over the window the verdict read', () => {
    const view = failedView(evidenceOf('threshold'));
    expect(failureTitle(view)).toBe('Why ring-2 failed');
    const text = failureEvidence(view).text;
    expect(words(text)).toContain('ring-2 failed at 2026-03-02 12:45 UTC in eu-west-1: error-rate: error_rate 0.05 > max 0.01.');
    expect(words(text)).toContain('Comparison when it failed: the 10m to 12:45 UTC the verdict read');
    expect(text).toContain('<caption class="vh">Metrics per region over the 10m to 2026-03-02 12:45 UTC, as they were when ring-2 failed</caption>');
    expect(text).toMatch(/<tr><th scope="row">eu-west-1<\/th><td>ring-2<\/td><td><code>v2<\/code><\/td><td><span class="tag tag-watch">Watch<\/span><\/td><td class="num breach"[^>]*><span aria-hidden="true">▲ <\/span>5\.00%<span class="vh"> \(outside its gate\)<\/span><\/td>/);
    expect(text).toMatch(/<th scope="row">us-east-1<\/th><td>ring-3<\/td><td><code>v1<\/code><\/td><td><span class="tag tag-base">Baseline<\/span><\/td><td class="num"[^>]*>0\.20%/);
  });

  it('draws the canary against its baseline and limit from before the deploy to the rollback, and says it in words', () => {
    const text = failureEvidence(failedView(evidenceOf('threshold'))).text;
    expect(text).toContain('<title id="evidence-0">error-rate in eu-west-1 around the failure of ring-2: 5.00% when it failed at 12:45 against baseline 0.20% (stable regions (us-east-1)), max 1.00%; '
      + 'from 2026-03-02 09:50 UTC (2h10m before the deploy) to the rollback at 2026-03-02 12:50 UTC.</title>');
    expect(words(text)).toContain('eu-west-1 · error-rate · Error rate · max 1.00% · baseline: stable regions (us-east-1)');
    expect(words(text)).toContain('error-rate around the failure, to the rollback');
    expect(text.match(/<polyline class="series" /g)).toHaveLength(1);
    expect(text.match(/<polyline class="baseline" /g)).toHaveLength(1);
    expect(text).toMatch(/<line class="limit" x1="52" x2="310" y1="[\d.]+" y2="[\d.]+"\/>/);
    // The two failing checks' windows, shaded; the deploy, and the failure with its rollback at the same minute.
    expect(text.match(/<rect class="band fail" /g)).toHaveLength(2);
    expect([...text.matchAll(/<text class="mark-label mark-(\w+)"[^>]*>([^<]+)<\/text>/g)].map((m) => `${m[1]}: ${m[2]}`)).toEqual(['deploy: deploy', 'fail: fail · rollback']);
    expect(text).not.toContain('chart-statistic');
  });

  it('draws a comparison gate\'s band over its baseline, and its statistic against the limit in a chart of its own', () => {
    const text = failureEvidence(failedView(evidenceOf('compare'))).text;
    expect(text).toContain('band +0.50% over the baseline');
    expect(text.match(/<polyline class="band-line" /g)).toHaveLength(1);
    expect(text).toContain('<figure class="chart chart-statistic chart-evidence">');
    expect(text).toContain('<title id="evidence-1">errors-vs-baseline statistic in eu-west-1 around the failure of ring-2: it reached 130% of its limit (the gate fails at 100%) and failed the ring at 12:45.</title>');
    expect(text).toMatch(/<line class="limit" x1="52" x2="310" y1="[\d.]+" y2="[\d.]+"\/>\n<text class="limit-label"[^>]*>limit<\/text>/);
    expect(words(text)).toContain('statistic against its limit · 130% at most');
  });

  it('says of a ring that failed to deploy which hour the table covers, and draws no chart', () => {
    const deploy: FailureEvidence = {
      ...evidenceOf('threshold'), gate: 'deploy', regions: [], detail: 'not synced and healthy 30m after deploy: Progressing', window: { from: at('11:45'), to: at('12:45') }, chart: null,
    };
    const text = failureEvidence(failedView(deploy)).text;
    expect(text).toContain('<strong>ring-2 failed at 2026-03-02 12:45 UTC</strong>: not synced and healthy 30m after deploy: Progressing.');
    expect(words(text)).toContain('Comparison when it failed: the 1h before its deploy failed');
    expect(text).not.toContain('<figure');
  });

  it('says the evidence is being recorded while it is, and shows no section for a release without a failed ring', () => {
    expect(words(failureEvidence(failedView(null)).text)).toBe('The evidence of this failure is being recorded: the comparison at the failure and the gate\'s chart around it.');
    const healthy = { ...failedView(null), rings: failedView(null).rings.map((r) => ({ ...r, verdict: 'passed' as const })) };
    expect(failureTitle(healthy)).toBeNull();
  });

  it('comes right after the rings on the release page, before today\'s comparison', () => {
    const text = releaseFragment({
      policy: policyOf(BASE), view: failedView(evidenceOf('threshold')), evaluations: [], comparison: [], audit: [], freezes: [],
      actor: { user: 'victor', groups: [], role: 'viewer' }, now: ms('14:00'),
    }).text;
    const headings = [...text.matchAll(/<h2 id="[^"]+">([^<]+)<\/h2>/g)].map((m) => m[1]);
    expect(headings.slice(0, 4)).toEqual(['Rings', 'Why ring-2 failed', 'Regions', 'Comparison, last hour']);
  });
});
