/**
 * @module What one check of one gate in one region concluded, as plain data. Types only: no logic
 * lives here, and nothing here knows about metrics providers or the engine.
 */

/** The outcome of one evaluation. Missing data, a provider error or a timeout is `inconclusive`, never `pass`. */
export type GateResult = 'pass' | 'fail' | 'inconclusive';

/**
 * What was evaluated: `interval` reads the metric over the last interval; `hour` checks the mean over
 * one hour bucket of the bake; `compare` is one Mann–Whitney comparison against the baseline.
 */
export type EvaluationKind = 'interval' | 'hour' | 'compare';

export interface Evaluation {
  /** The gate's name in `spec.gates`. */
  gate: string;
  region: string;
  /** Epoch milliseconds at which the evaluation was made (the end of the window it read). */
  at: number;
  kind: 'interval' | 'hour' | 'compare';
  result: GateResult;
  /** The metric value (threshold), the hour mean (hour), the estimated shift (compare); null when inconclusive. */
  value: number | null;
  /** One sentence for people: what was read, against what bound, and why this result. */
  detail: string;
  /**
   * How far the evaluation was from tripping, as a share of its limit: 1 (or more) far from it, 0
   * exactly at it, negative beyond it. Absent when inconclusive. `gates calibrate` reports the
   * closest margin a gate came to on good releases.
   */
  margin?: number;
}
