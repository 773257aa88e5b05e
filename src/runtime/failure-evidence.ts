/**
 * @module The evidence a failed ring keeps, so that its page still shows why it failed once its
 * regions are healthy again on the previous version: the cross-region comparison table over the
 * window the failing verdict read, as it was then (each region's values and Watch/Baseline), and
 * the failing gate's chart around the failure (evidence-chart.ts).
 *
 * Why it is captured, not derived: the comparison table reads metrics no engine input records, and
 * the chart starts hours before the deploy, where no gate ever looked; the evaluation log keeps
 * only the newest SERIES_RETENTION evaluations of each series, so a ring watched for more than 50
 * hours before it fails has lost its first ones by then. So the runtime reads them once through the
 * Metrics port when the ring fails (the table, and the chart up to the failure) and once more when
 * the ring's rollback completes (the chart up to the rollback), and records each in the store
 * (under the effect keys `RELEASE/RING/evidence` and `RELEASE/RING/evidence.rollback`, written
 * once: the first record is the truth). It survives a restart and a change of leader with the
 * store, and a leader that finds a record missing (it stopped between the failure and the record,
 * or nothing could be read then: a capture that read no value at all is not recorded) captures it
 * then (evidence-keeper.ts): every input it needs is in the release's state (the versions when the
 * ring failed are those of now, with the rollbacks since undone) and in its evaluation log.
 *
 * Bound: one record of each kind per failed ring (a release fails at most one ring): a table of
 * one row per region, a chart of at most EVIDENCE_REGIONS regions × EVIDENCE_POINTS points.
 */
import type { ReleaseState } from '../engine/types.ts';
import type { EvaluationKind } from '../gates/types.ts';
import { lookbackWindow, slidingWindow } from '../gates/schedule.ts';
import { HOUR } from '../policy/duration.ts';
import { productionRegions } from '../policy/model.ts';
import type { Policy } from '../policy/schema.ts';
import type { Metrics, Store } from '../ports.ts';
import type { EvaluationLog, LoggedEvaluation } from './evaluation-log.ts';
import { captureChart, EVIDENCE_REGIONS, type ChartSources, type EvidenceChart } from './evidence-chart.ts';
import { COMPARISON_METRICS, comparisonRows, type ComparisonMetric, type ComparisonRow } from './region-table.ts';

export type { EvidenceChart } from './evidence-chart.ts';

/** What a failed ring keeps (RingView.failure). */
export interface FailureEvidence {
  ring: string;
  /** The failing gate, or `deploy` when the ring failed to deploy. */
  gate: string;
  /** The regions whose checks failed it, the first to fail first. */
  regions: string[];
  detectedAt: string;
  /** What the failure said (its `ring.failed` event). */
  detail: string;
  /** The window the comparison covers: what the failing verdict read. */
  window: { from: string; to: string };
  /** The cross-region comparison table over `window`, with the versions regions ran when the ring failed. */
  comparison: ComparisonRow[];
  /** The failing gate's chart, to the rollback once it completed; null for a failed deploy. */
  chart: EvidenceChart | null;
}

export type EvidencePart = 'detection' | 'rollback';

/** Where each part is recorded (the store's effect results: written once, read by any replica). */
export function evidenceKey(releaseId: string, ring: string, part: EvidencePart): string {
  return `${releaseId}/${ring}/${part === 'detection' ? 'evidence' : 'evidence.rollback'}`;
}

/** What a capture reads: the release as it is now (after the failure) and its evaluations. */
export interface EvidenceInputs {
  policy: Policy;
  metrics: Metrics;
  state: ReleaseState;
  evaluations: EvaluationLog;
}

const iso = (ms: number): string => new Date(ms).toISOString();

interface Failure {
  ring: string;
  gate: string;
  /** Index of its `ring.failed` event. */
  event: number;
  at: number;
  detail: string;
}

function failureOf(state: ReleaseState): Failure | null {
  const d = state.detection;
  if (!d) return null;
  const event = state.events.findIndex((e) => e.type === 'ring.failed' && e.ring === d.ring);
  if (event < 0) return null;
  const detail = state.events[event]!.detail?.replace(/; downstream rings will not be deployed$/, '') ?? 'failed';
  return { ring: d.ring, gate: d.gate, event, at: d.at, detail };
}

/** Which parts are due now and for which ring: the detection record once a ring failed, the rollback chart once its rollback completed. */
export function evidenceDue(state: ReleaseState): { ring: string; parts: EvidencePart[] } | null {
  const f = failureOf(state);
  if (!f) return null;
  return { ring: f.ring, parts: rolledBackAt(state, f) === null ? ['detection'] : ['detection', 'rollback'] };
}

function rolledBackAt(state: ReleaseState, f: Failure): number | null {
  for (let i = f.event + 1; i < state.events.length; i++) {
    const e = state.events[i]!;
    if (e.type === 'ring.rollback.completed' && e.ring === f.ring) return e.at;
  }
  return null;
}

/** The versions regions ran when the ring failed: those of now, with every rollback since undone. */
function versionsAtFailure(policy: Policy, state: ReleaseState, f: Failure): Record<string, string> {
  const versions = { ...state.versions };
  for (let i = f.event + 1; i < state.events.length; i++) {
    const e = state.events[i]!;
    if (e.type !== 'ring.rollback.completed') continue;
    for (const region of policy.spec.rings.find((r) => r.name === e.ring)?.regions ?? []) versions[region] = state.release.version;
  }
  return versions;
}

/** When each region last changed version before the failure (a comparison window never mixes versions). */
function sinceAtFailure(policy: Policy, state: ReleaseState, f: Failure): Record<string, number> {
  const since: Record<string, number> = {};
  for (let i = 0; i < f.event; i++) {
    const e = state.events[i]!;
    if (e.type !== 'ring.deploy.completed' && e.type !== 'ring.rollback.completed') continue;
    for (const region of policy.spec.rings.find((r) => r.name === e.ring)?.regions ?? []) since[region] = e.at;
  }
  return since;
}

/** The failing gate's checks: which regions failed it in its last round, and the windows its failing checks read. */
interface Verdict {
  regions: string[];
  roundAt: number;
  judged: EvidenceChart['judged'];
  rounds: ChartSources['rounds'];
  /**
   * What the verdict read in the first failed region: a threshold gate's failing checks (the
   * failing hour, or the run of failing intervals); a comparison's last round, the minutes since
   * the round before (the statistic before them is in its chart). Null when unknown.
   */
  read: { from: number; to: number } | null;
}

/** The most trailing failing checks of one series whose windows are kept. */
const TRAILING = 12;

function verdictOf(inputs: EvidenceInputs, f: Failure, firstRegion: string | null): Verdict {
  const { policy, state, evaluations } = inputs;
  const gate = policy.spec.gates[f.gate];
  const ringState = state.rings.find((r) => r.name === f.ring);
  const healthyAt = ringState?.healthyAt ?? ringState?.deployedAt ?? f.at;
  const none: Verdict = { regions: firstRegion ? [firstRegion] : [], roundAt: f.at, judged: [], rounds: [], read: null };
  if (!gate) return none;
  const { items } = evaluations.read(0, Number.MAX_SAFE_INTEGER, (s) => s.ring === f.ring && s.gate === f.gate);
  const fails = items.filter((e) => e.result === 'fail' && e.at <= f.at);
  if (fails.length === 0) return none;
  const roundAt = Math.max(...fails.map((e) => e.at));
  const regions = [...new Set(fails.filter((e) => e.at === roundAt).map((e) => e.region))]
    .sort((a, b) => (a === firstRegion ? -1 : b === firstRegion ? 1 : 0));
  const windowOf = (e: LoggedEvaluation): { from: number; to: number } => {
    if (e.kind === 'hour') return slidingWindow(e.at, healthyAt, gate.warmup) ?? { from: e.at - HOUR, to: e.at };
    if (e.kind === 'compare' && gate.compare) return lookbackWindow(e.at, healthyAt, gate.warmup, gate.compare.lookback);
    return { from: e.at - gate.interval, to: e.at };
  };
  const judged: EvidenceChart['judged'] = [];
  for (const region of regions.slice(0, EVIDENCE_REGIONS)) {
    for (const kind of ['interval', 'hour', 'compare'] as EvaluationKind[]) {
      const series = items.filter((e) => e.region === region && e.kind === kind && e.at <= roundAt);
      const run: LoggedEvaluation[] = [];
      for (let i = series.length - 1; i >= 0 && series[i]!.result === 'fail' && run.length < TRAILING; i--) run.unshift(series[i]!);
      for (const e of run) {
        const w = windowOf(e);
        judged.push({ region, kind, from: iso(w.from), to: iso(w.to) });
      }
    }
  }
  const rounds = items
    .filter((e) => e.kind === 'compare' && e.margin !== undefined && regions.includes(e.region))
    .map((e) => ({ region: e.region, at: e.at, share: 1 - e.margin! }));
  let read: Verdict['read'] = null;
  const own = judged.filter((j) => j.region === regions[0]);
  if (gate.compare) {
    const before = items.filter((e) => e.region === regions[0] && e.kind === 'compare' && e.at < roundAt).at(-1);
    read = { from: before ? before.at : lookbackWindow(roundAt, healthyAt, gate.warmup, gate.compare.lookback).from, to: roundAt };
  } else if (own.length > 0) read = { from: Math.min(...own.map((j) => Date.parse(j.from))), to: roundAt };
  return { regions, roundAt, judged, rounds, read };
}

function gateFailedRegion(state: ReleaseState, f: Failure): string | null {
  for (let i = f.event - 1; i >= 0; i--) {
    const e = state.events[i]!;
    if (e.type === 'gate.failed' && e.ring === f.ring) return e.region ?? null;
    if (e.at < f.at) break;
  }
  return null;
}

function chartSources(inputs: EvidenceInputs, f: Failure, v: Verdict, until: EvidencePart): ChartSources | null {
  const { policy, state } = inputs;
  const ringState = state.rings.find((r) => r.name === f.ring);
  const ring = policy.spec.rings.find((r) => r.name === f.ring);
  if (!ringState || !ring || ringState.deployedAt === null) return null;
  const versions = versionsAtFailure(policy, state, f);
  const stable = productionRegions(policy)
    .map((r) => r.name)
    .filter((name) => !ring.regions.includes(name) && versions[name] === state.release.previousVersion && state.outages[name] === undefined);
  const back = rolledBackAt(state, f);
  return {
    policy, metrics: inputs.metrics, ring: f.ring, gate: f.gate, version: state.release.version, previousVersion: state.release.previousVersion,
    regions: v.regions, deployedAt: ringState.deployedAt, healthyAt: ringState.healthyAt, rolledBackAt: back,
    end: until === 'rollback' && back !== null ? back : f.at, until, stable, judged: v.judged, rounds: v.rounds,
  };
}

/** The record made when the ring fails (or later, by a leader that finds it missing): the table, and the chart to the failure. */
export async function captureDetection(inputs: EvidenceInputs): Promise<FailureEvidence | null> {
  const { policy, state, metrics } = inputs;
  const f = failureOf(state);
  if (!f) return null;
  const first = gateFailedRegion(state, f);
  const v = verdictOf(inputs, f, first);
  const { from, to } = v.read ?? { from: f.at - HOUR, to: f.at };
  const rows = await comparisonRows(policy, metrics, versionsAtFailure(policy, state, f), state.release.version, from, to, sinceAtFailure(policy, state, f));
  // The failing gate's metric is outside that gate in the regions it failed, whatever kind of gate it is.
  const gate = policy.spec.gates[f.gate];
  const metric = (gate?.compare?.metric ?? gate?.metric) as ComparisonMetric | undefined;
  const marked = metric !== undefined && COMPARISON_METRICS.includes(metric);
  const comparison = rows.map((row) => (marked && v.regions.includes(row.region) && !row.breaches.includes(metric) ? { ...row, breaches: [...row.breaches, metric] } : row));
  const sources = chartSources(inputs, f, v, 'detection');
  return {
    ring: f.ring, gate: f.gate, regions: v.regions, detectedAt: iso(f.at), detail: f.detail,
    window: { from: iso(from), to: iso(to) }, comparison, chart: sources ? await captureChart(sources) : null,
  };
}

/** The chart once the failed ring's rollback completed: from before the deploy to the rollback. */
export async function captureRollbackChart(inputs: EvidenceInputs): Promise<EvidenceChart | null> {
  const f = failureOf(inputs.state);
  if (!f || rolledBackAt(inputs.state, f) === null) return null;
  const sources = chartSources(inputs, f, verdictOf(inputs, f, gateFailedRegion(inputs.state, f)), 'rollback');
  return sources ? captureChart(sources) : null;
}

/** What the store holds of a ring's evidence: the detection record, with the rollback chart in place of its own once there is one. */
export async function readEvidence(store: Store, releaseId: string, ring: string): Promise<{ evidence: FailureEvidence | null; complete: boolean }> {
  const evidence = (await store.effectResult(evidenceKey(releaseId, ring, 'detection'))) as FailureEvidence | null;
  const chart = (await store.effectResult(evidenceKey(releaseId, ring, 'rollback'))) as { chart: EvidenceChart | null } | null;
  if (!evidence) return { evidence: null, complete: false };
  return { evidence: chart ? { ...evidence, chart: chart.chart ?? evidence.chart } : evidence, complete: chart !== null };
}

/** A release's view with every ring's `failure`: the evidence it kept when it failed, else null. */
export function withFailureEvidence<V extends { rings: ReadonlyArray<{ name: string }> }>(view: V, evidence: FailureEvidence | null): V {
  return { ...view, rings: view.rings.map((r) => ({ ...r, failure: evidence !== null && evidence.ring === r.name ? evidence : null })) };
}
