/**
 * @module Release metrics from what releases recorded (their events): lead time to GA, time to
 * detect a failing ring, time to roll back, change failure rate, and per ring how often it passed
 * and how long promotion took. Pure: computed from release views.
 */
import type { ReleaseView } from './controller-types.ts';

export interface Stat {
  n: number;
  median: number | null;
}

export interface RingStats {
  ring: string;
  deployed: number;
  passed: number;
  failed: number;
  /** Deploy started → ring passed, in hours. */
  hoursToPass: Stat;
}

export interface ReleaseAnalytics {
  releases: number;
  completed: number;
  rolledBack: number;
  /** Releases in which a ring failed, over the releases that finished or failed; null when none did. */
  changeFailureRate: number | null;
  /** Release started → release completed, in hours. */
  leadTimeHours: Stat;
  /** Failed ring healthy → ring failed, in minutes: how long the gates took to catch it. */
  detectMinutes: Stat;
  /** Ring rollback started → completed, in minutes. */
  rollbackMinutes: Stat;
  rings: RingStats[];
}

function stat(xs: number[]): Stat {
  if (xs.length === 0) return { n: 0, median: null };
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: xs.length, median: Math.round(median * 100) / 100 };
}

const at = (iso: string): number => Date.parse(iso);

export function releaseAnalytics(views: readonly ReleaseView[], ringOrder: readonly string[] = [...new Set(views.flatMap((v) => v.rings.map((r) => r.name)))]): ReleaseAnalytics {
  const lead: number[] = [];
  const detect: number[] = [];
  const rollback: number[] = [];
  const rings = new Map<string, { deployed: number; passed: number; failed: number; toPass: number[] }>(ringOrder.map((r) => [r, { deployed: 0, passed: 0, failed: 0, toPass: [] }]));
  let failedReleases = 0;
  let judged = 0;
  for (const v of views) {
    const first = (type: string, ring?: string) => v.events.find((e) => e.type === type && (ring === undefined || e.ring === ring));
    const started = first('release.started');
    const completed = first('release.completed');
    if (started && completed) lead.push((at(completed.at) - at(started.at)) / 3_600_000);
    const failedRing = v.rings.some((r) => r.verdict === 'failed');
    if (failedRing) failedReleases++;
    if (failedRing || v.phase === 'completed') judged++;
    for (const r of v.rings) {
      const s = rings.get(r.name) ?? { deployed: 0, passed: 0, failed: 0, toPass: [] };
      rings.set(r.name, s);
      const deploy = first('ring.deploy.started', r.name);
      if (deploy) s.deployed++;
      const passed = first('ring.passed', r.name);
      if (passed) {
        s.passed++;
        if (deploy) s.toPass.push((at(passed.at) - at(deploy.at)) / 3_600_000);
      }
      const failed = first('ring.failed', r.name);
      if (failed) {
        s.failed++;
        const healthy = first('ring.deploy.completed', r.name);
        if (healthy) detect.push((at(failed.at) - at(healthy.at)) / 60_000);
      }
      const rbStart = first('ring.rollback.started', r.name);
      const rbDone = first('ring.rollback.completed', r.name);
      if (rbStart && rbDone) rollback.push((at(rbDone.at) - at(rbStart.at)) / 60_000);
    }
  }
  return {
    releases: views.length,
    completed: views.filter((v) => v.phase === 'completed').length,
    rolledBack: views.filter((v) => v.phase === 'rolled-back').length,
    changeFailureRate: judged === 0 ? null : Math.round((failedReleases / judged) * 10_000) / 10_000,
    leadTimeHours: stat(lead),
    detectMinutes: stat(detect),
    rollbackMinutes: stat(rollback),
    rings: [...rings.entries()].map(([ring, s]) => ({ ring, deployed: s.deployed, passed: s.passed, failed: s.failed, hoursToPass: stat(s.toPass) })),
  };
}
