/**
 * @module What one check of one gate in one region concluded, as plain data. Types only: no logic
 * lives here, and nothing here knows about metrics providers or the engine.
 */

/** The outcome of one evaluation. Missing data, a provider error or a timeout is `inconclusive`, never `pass`. */
export type GateResult = 'pass' | 'fail' | 'inconclusive';

/**
 * What was evaluated: `interval` reads the metric over the last interval; `hour` checks the mean over
 * one hour bucket of the bake; `compare` is one round of a comparison against the baseline (its
 * sequential statistic after the round's new minutes); `requests` counts the requests a region served
 * on the new version over the bake so far (evidence, not a gate: its value is the count).
 */
export type EvaluationKind = 'interval' | 'hour' | 'compare' | 'requests';

export interface Evaluation {
  /** The gate's name in `spec.gates`. */
  gate: string;
  region: string;
  /** Epoch milliseconds at which the evaluation was made (the end of the window it read). */
  at: number;
  kind: EvaluationKind;
  result: GateResult;
  /** The metric value (threshold), the hour mean (hour), the estimated shift (compare); null when inconclusive. */
  value: number | null;
  /**
   * One sentence for people: what was read, against what bound, and why this result. A passing
   * threshold check leaves it out (threshold.ts passDetail says it when someone reads it).
   */
  detail?: string;
  /**
   * How far the evaluation was from tripping, as a share of its limit: 1 (or more) far from it, 0
   * exactly at it, negative beyond it. Absent when inconclusive. `gates calibrate` reports the
   * closest margin a gate came to on good releases.
   */
  margin?: number;
  /**
   * A comparison's new minutes and the test they were judged by (kind `compare`, conclusive only).
   * The sequential statistic is a fold of these over the bake (compare-fold.ts, foldCompare), so a
   * release rebuilt from its recorded evaluations has exactly the statistic it had.
   */
  samples?: CompareSamples;
}

/** One minute of a comparison: its start (epoch ms), the canary's value and the baseline's then. */
export interface MinuteSample {
  at: number;
  canary: number;
  baseline: number;
}

/** The test a comparison gate runs: its band, α = 1 − confidence, and the minutes α is spent over. */
export interface SequentialSettings {
  maxIncrease?: number;
  maxRatio?: number;
  /** 1 − confidence: the most often a canary no worse than its baseline may fail a bake. */
  alpha: number;
  /** Minutes within which all but a tenth of α is spent: the ring's bake after the warmup. */
  horizon: number;
}

/** What a comparison round records: its new minutes, oldest first, with the settings they were judged by. */
export interface CompareSamples extends SequentialSettings {
  minutes: MinuteSample[];
}

/** What a gate's tracker keeps per region: the runs of results that decide a ring's verdict (tracker.ts). */
export interface TrackerState {
  consecutiveFailures: number;
  consecutiveInconclusive: number;
  /** Conclusive interval and comparison evaluations so far (sliding-hour checks are not counted). */
  conclusive: number;
  last: GateResult | null;
}

export type Verdict = 'ok' | 'failed' | 'halt';
