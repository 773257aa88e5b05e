/**
 * @module Deployment windows from traffic and business hours: for each production ring, the spans of
 * a week when every region of the ring is inside its business hours (people are there to watch),
 * and among them the quietest hour to start (the fewest users see a deploy in progress). Pure.
 */
import { ringRegions, isProductionRing } from '../policy/model.ts';
import type { Policy } from '../policy/schema.ts';
import type { TrafficWeights } from '../policy/traffic-weights.ts';
import { TrafficCurve } from '../sim/traffic-curve.ts';
import { commonBusinessSpans } from './business-hours.ts';
import { freezeAt } from './deploy-moment.ts';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

export interface DeployWindow {
  from: number;
  to: number;
  /** The ring's traffic at its quietest hour in the window, as a share of the global mean rate (Σ userShare × weight). */
  quietestLoad: number;
  /** When that quietest hour starts. */
  quietestAt: number;
}

export interface RingWindows {
  ring: string;
  regions: string[];
  windows: DeployWindow[];
  /** The quietest hour of the week to start deploying, or null when the ring has no window. */
  best: { at: number; load: number } | null;
  hoursPerWeek: number;
}

/**
 * The week from `weekStart` (rounded down to the hour). `traffic` overrides the default daily curve
 * per region with 24 hourly weights in local time (policy/traffic-weights.ts: the shape and rules
 * of a scenario's `spec.traffic` and of the `--traffic` file). Freezes in the week are left out of
 * the windows.
 */
export function deployWindows(policy: Policy, weekStart: number, traffic: Readonly<TrafficWeights> = {}): RingWindows[] {
  const start = weekStart - (weekStart % HOUR);
  const end = start + WEEK;
  const curve = new TrafficCurve(policy.spec.regions.map((r) => ({ name: r.name, timezone: r.timezone })), traffic);
  const always = policy.spec.windows.deploy === 'always';
  const out: RingWindows[] = [];
  for (const ring of policy.spec.rings) {
    if (!isProductionRing(policy, ring)) continue;
    const regions = ringRegions(policy, ring).filter((r) => !r.internal);
    const load = (t: number): number => regions.reduce((s, r) => s + (r.userShare ?? 0) * curve.weightAt(r.name, t), 0);
    const spans = always ? [[start, end] as const] : commonBusinessSpans(regions, start, end);
    const windows: DeployWindow[] = [];
    let hours = 0;
    for (const [from, to] of spans) {
      // Hours from the span's start that are not frozen, grouped into runs.
      let run: DeployWindow | null = null;
      for (let t = from; t + HOUR <= to; t += HOUR) {
        if (freezeAt(policy, t) || freezeAt(policy, t + HOUR - 1)) {
          run = null;
          continue;
        }
        hours++;
        const l = load(t + HOUR / 2);
        if (run && run.to === t) {
          run.to = t + HOUR;
          if (l < run.quietestLoad) { run.quietestLoad = l; run.quietestAt = t; }
        } else {
          run = { from: t, to: t + HOUR, quietestLoad: l, quietestAt: t };
          windows.push(run);
        }
      }
    }
    const best = windows.reduce<DeployWindow | null>((b, w) => (b === null || w.quietestLoad < b.quietestLoad ? w : b), null);
    out.push({
      ring: ring.name,
      regions: ring.regions,
      windows: windows.map((w) => ({ ...w, quietestLoad: round4(w.quietestLoad) })),
      best: best ? { at: best.quietestAt, load: round4(best.quietestLoad) } : null,
      hoursPerWeek: hours,
    });
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
