/**
 * @module What a release's snapshot holds in the store, and the compaction it allows. A snapshot
 * is the engine state after an input and the counts of the release's gate evaluations by result
 * by then; the inputs it sums up may then be deleted: the ticks (they only move time) and the gate
 * rounds none of whose evaluations the evaluation log still holds (evaluation-log.ts keeps the
 * newest of each series). So a release's input log holds its other inputs (start, deploys,
 * health, approvals, traffic: a number the policy bounds), the gate rounds within the evaluation
 * log's retention, and the inputs since the latest snapshot.
 * Snapshots written before counts were kept are the bare engine state; they are read as such.
 */
import type { ReleaseState } from '../engine/types.ts';
import type { GateResult } from '../gates/types.ts';
import type { EvaluationLog } from './evaluation-log.ts';

export interface ReleaseSnapshot {
  state: ReleaseState;
  /** Evaluations ever recorded by then, by result (null in a snapshot from before they were kept). */
  evaluationCounts: Record<GateResult, number> | null;
}

interface Stored {
  snapshot: 2;
  state: ReleaseState;
  evaluationCounts: Record<GateResult, number>;
}

export function snapshotToStore(state: ReleaseState, evaluationCounts: Record<GateResult, number>): Stored {
  return { snapshot: 2, state, evaluationCounts };
}

export function snapshotFromStore(stored: unknown): ReleaseSnapshot {
  const s = stored as Partial<Stored>;
  if (s.snapshot === 2 && s.state !== undefined && s.evaluationCounts !== undefined) return { state: s.state, evaluationCounts: s.evaluationCounts };
  return { state: stored as ReleaseState, evaluationCounts: null };
}

/** The inputs of a release a snapshot may let go, kept by number as they are recorded. */
export class Compactable {
  #ticks: number[] = [];
  #rounds: number[] = [];

  /** Input number `seq`, of this type, was recorded. */
  note(seq: number, type: string): void {
    if (type === 'tick') this.#ticks.push(seq);
    else if (type === 'gates') this.#rounds.push(seq);
  }

  /**
   * The inputs a snapshot at `snapshotSeq` sums up and nothing reads any more: ticks before it, and
   * gate rounds before it the evaluation log no longer holds. They are taken off the list.
   */
  take(snapshotSeq: number, log: EvaluationLog): number[] {
    const ticks = this.#ticks.filter((q) => q < snapshotSeq);
    this.#ticks = this.#ticks.filter((q) => q >= snapshotSeq);
    const rounds: number[] = [];
    const kept: number[] = [];
    for (const q of this.#rounds) (q < snapshotSeq && !log.holdsRound(q) ? rounds : kept).push(q);
    this.#rounds = kept;
    return [...ticks, ...rounds].sort((a, b) => a - b);
  }

  /** How many inputs are on the list (for tests and benchmarks). */
  get size(): number {
    return this.#ticks.length + this.#rounds.length;
  }
}
