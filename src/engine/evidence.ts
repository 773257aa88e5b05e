/**
 * @module Evidence before a pass: a ring's bake ends only when its time is up AND it has seen
 * enough (policy.md "Evidence"): `minRequests` served on the new version in each of its regions,
 * and, with `coverPeak` (default on for the first production ring), each region's local peak hour
 * inside the bake. Requests are counted from the `qps` metric (requests per second) over the bake,
 * asked for with the gate checks at the bake's end; the peak hour follows from the policy alone, so
 * `plan` shows that wait too. Pure: no clock, no effect.
 */
import type { Evaluation } from '../gates/types.ts';
import type { Policy } from '../policy/schema.ts';
import { hhmm } from '../plan/business-hours.ts';
import { coversPeak, peakCoveredAt } from '../plan/peak-hour.ts';
import { count } from '../gates/format.ts';
import type { GateCheck } from './types.ts';
import { isoMinute } from '../plan/iso.ts';

/** The name request-count checks and evaluations carry (kind `requests`); never a gate's. */
export const EVIDENCE = 'evidence';

export interface EvidenceNeeds {
  minRequests: number;
  coverPeak: boolean;
}

export function evidenceNeeds(policy: Policy, ringIndex: number): EvidenceNeeds {
  const ring = policy.spec.rings[ringIndex]!;
  return {
    minRequests: ring.evidence.minRequests,
    coverPeak: coversPeak(policy, ringIndex),
  };
}

/** The request counts due at the end of a bake: one per region, over the bake so far. */
export function requestChecks(policy: Policy, ringIndex: number, healthyAt: number, t: number): GateCheck[] {
  if (evidenceNeeds(policy, ringIndex).minRequests <= 0) return [];
  return policy.spec.rings[ringIndex]!.regions.map((region) => ({ gate: EVIDENCE, region, kind: 'requests' as const, from: healthyAt, to: t }));
}

export interface MissingEvidence {
  /** What is missing, without the numbers: the same key means the same wait. */
  key: string;
  /** For people: `evidence: 3,200 of 10,000 requests in sa-east-1`. */
  detail: string;
}

/**
 * What ring i still lacks at `now`, given the evaluations of this round (its request counts):
 * nothing when the ring may pass.
 */
export function missingEvidence(policy: Policy, ringIndex: number, healthyAt: number, now: number, evaluations: readonly Evaluation[]): MissingEvidence | null {
  const ring = policy.spec.rings[ringIndex]!;
  const needs = evidenceNeeds(policy, ringIndex);
  const keys: string[] = [];
  const details: string[] = [];
  if (needs.minRequests > 0) {
    for (const region of ring.regions) {
      const ev = evaluations.find((e) => e.kind === 'requests' && e.region === region);
      if (!ev || ev.value === null) {
        keys.push(`requests@${region}?`);
        details.push(`requests in ${region} could not be counted${ev ? ` (${ev.detail})` : ''}`);
      } else if (ev.value < needs.minRequests) {
        keys.push(`requests@${region}`);
        details.push(`${count(ev.value)} of ${count(needs.minRequests)} requests in ${region}`);
      }
    }
  }
  if (needs.coverPeak) {
    for (const name of ring.regions) {
      const region = policy.spec.regions.find((r) => r.name === name);
      if (!region || region.internal) continue;
      const at = peakCoveredAt(region, healthyAt);
      if (at > now) {
        keys.push(`peak@${name}`);
        details.push(`the local peak hour (${hhmm(region.peakHour)}–${hhmm((region.peakHour + 60) % (24 * 60))} ${region.timezone}) not yet baked in ${name}, until ${isoMinute(at)}`);
      }
    }
  }
  return keys.length === 0 ? null : { key: keys.join(' '), detail: `evidence: ${details.join('; ')}` };
}
