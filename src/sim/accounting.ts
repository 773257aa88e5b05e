/**
 * @module Fault onset and user exposure of a simulated run, from the version timeline. Per region
 * and run of the new version, the minutes split into stretches at every instant where anything
 * could change (fault thresholds, spike edges, outages, load-balancer changes; see
 * FleetModel.changePoints); each stretch is judged once at its first minute and its traffic summed
 * from the region's per-minute weight table. The result is the minute-by-minute sum, at a cost of
 * O(changes + days) rather than O(minutes), allocating nothing per minute. "Active" is defined once,
 * in model.ts: a fault is active when it changes a metric.
 *
 * Minutes are whole virtual minutes [t, t + 1m) that end by `until`; a minute belongs to the
 * version the region runs at its start. A region in an outage serves nothing and reports nothing,
 * so its minutes count for neither; a drained region (load-balancer weight 0) serves no users, so
 * its minutes add no exposure (users moved elsewhere are not re-counted in the regions that take
 * them), but its fault still has an onset.
 */
import { MINUTE } from '../policy/duration.ts';
import { emptyBehaviour, type FleetModel } from './model.ts';
import type { StepTimeline, VersionTimeline } from './region-history.ts';

export interface Accounting {
  /** Start of the first minute in which a fault of the new version changes a metric in any region. */
  faultOnset: number | null;
  /** Σ over minutes and production regions of userShare × weight(local time) while the region serves the new version and a fault of it is active there. */
  userMinutes: number;
}

const ceilMinute = (t: number): number => Math.ceil(t / MINUTE) * MINUTE;

export function account(model: FleetModel, versions: VersionTimeline, lbWeights: StepTimeline, from: number, until: number): Accounting {
  const b = emptyBehaviour();
  const lastStart = Math.floor(until / MINUTE) * MINUTE; // minutes start before this to end by `until`
  let onset = Infinity;
  let userMinutes = 0;
  for (const region of model.regions) {
    const ri = region.index;
    const lbChanges = lbWeights.changesOf(ri).map((c) => c.at);
    for (const run of versions.runsOf(ri)) {
      if (run.version !== model.newVersion) continue;
      const first = ceilMinute(Math.max(run.from, from));
      const end = Math.min(ceilMinute(run.to), lastStart);
      if (end <= first) continue;
      const cuts = [...model.changePoints(ri, run.from, first, end), ...lbChanges.filter((t) => t > first && t < end)].map(ceilMinute);
      const starts = [...new Set([first, ...cuts.filter((t) => t < end)])].sort((x, y) => x - y);
      for (let k = 0; k < starts.length; k++) {
        const s = starts[k]!;
        if (model.inOutage(ri, s) || !model.behave(ri, s, run.from, b).faulty) continue;
        if (s < onset) onset = s;
        if (region.internal || lbWeights.valueAt(ri, s) <= 0) continue;
        const next = k + 1 < starts.length ? starts[k + 1]! : end;
        userMinutes += region.userShare * model.curve.sumMinutes(ri, s, (next - s) / MINUTE);
      }
    }
  }
  return { faultOnset: Number.isFinite(onset) ? onset : null, userMinutes };
}
