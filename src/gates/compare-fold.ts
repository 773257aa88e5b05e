/**
 * @module The statistic of a comparison gate kept in its tracker (one per gate and region), and
 * the tracker step of a comparison round: track() hands every comparison that carries samples to
 * foldCompare. Pure: a tracker in, a tracker out, nothing changed in place.
 *
 * The statistic is a fold of the rounds' recorded samples (sequential.ts, updateSequential), so a
 * release rebuilt by replaying its inputs has exactly the statistic it had, and a snapshot (JSON)
 * holds it as plain numbers. The verdict is the statistic's: a round fails when it crosses its
 * boundary, whatever result the evaluation claims, and one crossing fails the ring (the ordinary
 * tracking is asked with failures: 1). Comparisons without samples (inconclusive rounds, and those
 * recorded before comparisons carried samples) are left to the ordinary tracking.
 */
import type { CompareSamples, Evaluation, TrackerState, Verdict } from './types.ts';
import { crossed, initialSequential, updateSequential, type SequentialState } from './sequential.ts';

/**
 * The fold a judge already made of a round's samples: judgeComparison folds the round to judge it,
 * and the tracker then folds the same samples into the same prior state; the second fold is this
 * one when the samples are the very object the judge made and the tracker's state the very one it
 * folded into (the state is never changed in place). A round recorded and read back, or a state
 * rebuilt, is folded again: the result is the same either way, only the work is not.
 */
const judged = new WeakMap<CompareSamples, { prior: SequentialState | null; next: SequentialState }>();

/** Remember that folding `samples` into `prior` (null: the initial state) gave `next`. */
export function rememberFold(samples: CompareSamples, prior: SequentialState | null, next: SequentialState): void {
  judged.set(samples, { prior, next });
}

/** A tracker that also carries the comparison's sequential statistic. */
export type CompareTracker = TrackerState & { sequential?: SequentialState };

/** The comparison state a tracker carries, or null before the gate's first conclusive round. */
export function sequentialOf(tracker: TrackerState | undefined): SequentialState | null {
  return (tracker as CompareTracker | undefined)?.sequential ?? null;
}

/** The start of the last minute already folded (the next round reads after it), or null. */
export function lastMinuteOf(tracker: TrackerState | undefined): number | null {
  return sequentialOf(tracker)?.last ?? null;
}

/**
 * The tracker step of a comparison round: fold its samples into the tracker's statistic, then let
 * the ordinary tracking (`base`: track() with failures: 1) count the result the statistic gives.
 * The state returned carries the new statistic.
 */
export function foldCompare(
  tracker: TrackerState,
  ev: Evaluation,
  base: (state: TrackerState, ev: Evaluation) => { state: TrackerState; verdict: Verdict },
): { state: TrackerState; verdict: Verdict } {
  const { samples, ...plain } = ev;
  if (samples === undefined) return base(tracker, ev);
  const prior = sequentialOf(tracker);
  const memo = judged.get(samples);
  const next = memo !== undefined && memo.prior === prior ? memo.next : updateSequential(prior ?? initialSequential(), samples.minutes, samples);
  const step = base(tracker, { ...plain, result: crossed(next, samples) ? 'fail' : 'pass' });
  const state: CompareTracker = { ...step.state, sequential: next };
  return { state, verdict: step.verdict };
}
