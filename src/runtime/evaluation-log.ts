/**
 * @module A release's gate evaluations as the controller keeps them in memory: one columnar log
 * (times, values, margins, results and the series each belongs to in typed arrays, about 31 bytes
 * an evaluation), so a multi-day rollout over hundreds of clusters costs kilobytes per thousand
 * checks, not an object per check. Retention: the newest SERIES_RETENTION evaluations of each series
 * (ring × gate × region × kind), 50 hours of 5-minute checks; older ones are dropped, oldest first.
 * What a pass said is not kept (threshold.ts detailOf says it again when it is read); what a fail or
 * an inconclusive check said is. A comparison's samples stay in the recorded inputs, not here.
 * Every evaluation has a sequence number that never changes, so a cursor stays valid as old
 * evaluations go: it is made of the number of the gate round's input in the release's input log and
 * the evaluation's place in that round, so a release rebuilt from its store (after a restart, on
 * another replica, with old rounds compacted away) numbers its evaluations as before.
 */
import type { Evaluation, EvaluationKind, GateResult } from '../gates/types.ts';

/** How many evaluations of one ring × gate × region × kind are kept, newest. */
export const SERIES_RETENTION = 600;

/** Sequence numbers per gate round: an evaluation's is its round's input number × ROUND + its place in the round. */
const ROUND = 2 ** 20;

const KINDS: readonly EvaluationKind[] = ['interval', 'hour', 'compare', 'requests'];
const RESULTS: readonly GateResult[] = ['pass', 'fail', 'inconclusive'];

/** One evaluation as read back from the log. */
export interface LoggedEvaluation {
  seq: number;
  ring: string;
  gate: string;
  region: string;
  kind: EvaluationKind;
  at: number;
  result: GateResult;
  value: number | null;
  margin?: number;
  detail?: string;
}

interface SeriesKey {
  ring: string;
  gate: string;
  region: string;
  kind: EvaluationKind;
}

export class EvaluationLog {
  readonly #series: SeriesKey[] = [];
  /** Series numbers by ring, gate, region and kind (the index in KINDS). */
  readonly #seriesIndex = new Map<string, Map<string, Map<string, number[]>>>();
  /** How many evaluations of each series the log holds now. */
  #perSeries: number[] = [];
  #at = new Float64Array(256);
  #value = new Float64Array(256);
  #margin = new Float32Array(256);
  #seriesOf = new Uint16Array(256);
  #result = new Uint8Array(256);
  #seqOf = new Float64Array(256);
  readonly #details = new Map<number, string>();
  #length = 0;
  /** Evaluations ever pushed, by result (retention drops none of these). */
  readonly #counts: Record<GateResult, number> = { pass: 0, fail: 0, inconclusive: 0 };

  get size(): number {
    return this.#length;
  }

  /** How many evaluations of each result were ever logged, those retention dropped included. */
  counts(): Record<GateResult, number> {
    return { ...this.#counts };
  }

  /**
   * Replace the counts by result: a release rebuilt from a snapshot takes the counts it carries,
   * which include the rounds compacted away since.
   */
  setCounts(counts: Readonly<Record<GateResult, number>>): void {
    for (const r of RESULTS) this.#counts[r] = counts[r];
  }

  /** Whether the log still holds an evaluation of the gate round recorded as input number `inputSeq`. */
  holdsRound(inputSeq: number): boolean {
    const i = this.#firstAfter(inputSeq * ROUND - 1);
    return i < this.#length && this.#seqOf[i]! < (inputSeq + 1) * ROUND;
  }

  /** The evaluations of the gate round recorded as input number `inputSeq` (rounds come in ascending input numbers). */
  push(ring: string, evaluations: readonly Evaluation[], inputSeq: number): void {
    if (evaluations.length > ROUND) throw new RangeError(`a gate round of ${evaluations.length} evaluations is more than the ${ROUND} the log numbers`);
    for (const [place, e] of evaluations.entries()) {
      const series = this.#seriesId(ring, e.gate, e.region, e.kind);
      if (this.#length === this.#at.length) this.#grow();
      const i = this.#length++;
      const seq = inputSeq * ROUND + place;
      this.#at[i] = e.at;
      this.#value[i] = e.value === null ? Number.NaN : e.value;
      this.#margin[i] = e.margin === undefined ? Number.NaN : e.margin;
      this.#seriesOf[i] = series;
      this.#result[i] = RESULTS.indexOf(e.result);
      this.#seqOf[i] = seq;
      if (e.result !== 'pass' && e.detail !== undefined) this.#details.set(seq, e.detail);
      this.#perSeries[series] = (this.#perSeries[series] ?? 0) + 1;
      this.#counts[e.result]++;
    }
    // Drop what is over retention, in one pass, once a series holds a quarter more than it keeps.
    if (this.#perSeries.some((n) => n > SERIES_RETENTION * 1.25)) this.#trim();
  }

  /** Evaluations with a sequence number above `afterSeq`, oldest first, matching `keep`, at most `limit`; and whether more are left. */
  read(afterSeq: number, limit: number, keep: (e: SeriesKey) => boolean): { items: LoggedEvaluation[]; more: boolean } {
    const items: LoggedEvaluation[] = [];
    const wanted = this.#series.map(keep);
    let i = this.#firstAfter(afterSeq);
    for (; i < this.#length && items.length < limit; i++) if (wanted[this.#seriesOf[i]!]) items.push(this.#item(i));
    while (i < this.#length && !wanted[this.#seriesOf[i]!]) i++;
    return { items, more: i < this.#length };
  }

  #item(i: number): LoggedEvaluation {
    const key = this.#series[this.#seriesOf[i]!]!;
    const seq = this.#seqOf[i]!;
    const value = this.#value[i]!;
    const margin = this.#margin[i]!;
    const detail = this.#details.get(seq);
    return {
      seq, ...key, at: this.#at[i]!, result: RESULTS[this.#result[i]!]!, value: Number.isNaN(value) ? null : value,
      ...(Number.isNaN(margin) ? {} : { margin }), ...(detail !== undefined ? { detail } : {}),
    };
  }

  /** The position of the first evaluation with a sequence number above `seq` (binary search: sequence numbers ascend). */
  #firstAfter(seq: number): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#seqOf[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #seriesId(ring: string, gate: string, region: string, kind: EvaluationKind): number {
    // Nested maps rather than a joined key: no string is made per evaluation.
    let byGate = this.#seriesIndex.get(ring);
    if (!byGate) this.#seriesIndex.set(ring, (byGate = new Map()));
    let byRegion = byGate.get(gate);
    if (!byRegion) byGate.set(gate, (byRegion = new Map()));
    let byKind = byRegion.get(region);
    if (!byKind) byRegion.set(region, (byKind = [-1, -1, -1, -1]));
    const k = KINDS.indexOf(kind);
    let id = byKind[k]!;
    if (id < 0) {
      id = this.#series.length;
      this.#series.push({ ring, gate, region, kind });
      this.#perSeries.push(0);
      byKind[k] = id;
    }
    return id;
  }

  #grow(): void {
    const n = this.#at.length * 2;
    const grown = <T extends Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(n);
      b.set(a);
      return b;
    };
    this.#at = grown(this.#at, Float64Array);
    this.#value = grown(this.#value, Float64Array);
    this.#margin = grown(this.#margin, Float32Array);
    this.#seriesOf = grown(this.#seriesOf, Uint16Array);
    this.#result = grown(this.#result, Uint8Array);
    this.#seqOf = grown(this.#seqOf, Float64Array);
  }

  /** Keep the newest SERIES_RETENTION of each series, in order. */
  #trim(): void {
    const drop = this.#perSeries.map((n) => Math.max(0, n - SERIES_RETENTION));
    let w = 0;
    for (let r = 0; r < this.#length; r++) {
      const s = this.#seriesOf[r]!;
      if (drop[s]! > 0) {
        drop[s]!--;
        this.#details.delete(this.#seqOf[r]!);
        continue;
      }
      if (w !== r) {
        this.#at[w] = this.#at[r]!;
        this.#value[w] = this.#value[r]!;
        this.#margin[w] = this.#margin[r]!;
        this.#seriesOf[w] = s;
        this.#result[w] = this.#result[r]!;
        this.#seqOf[w] = this.#seqOf[r]!;
      }
      w++;
    }
    this.#length = w;
    this.#perSeries = this.#perSeries.map((n) => Math.min(n, SERIES_RETENTION));
  }
}
