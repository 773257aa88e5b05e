/**
 * @module The `simulate --json` document (cli.md) from a finished simulation run.
 */
import type { ReleaseState } from '../engine/types.ts';
import type { SimulationRun } from './simulate.ts';

export type Outcome = 'completed' | 'rolled-back' | 'halted' | 'waiting';

export interface SimulationReport {
  outcome: Outcome;
  finalVersions: Record<string, string>;
  rings: Array<{ name: string; verdict: 'passed' | 'failed' | 'not-started' | 'in-progress'; deployedAt: string | null; bakeUntil: string | null; rolledBack: boolean }>;
  events: Array<{ at: string; type: string; ring?: string; region?: string; detail?: string }>;
  faultOnset: string | null;
  detection: { at: string; ring: string; gate: string; latencyMinutes: number | null } | null;
  exposure: { userMinutes: number };
  completedAt: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function outcomeOf(state: ReleaseState): Outcome {
  if (state.phase === 'completed' || state.phase === 'rolled-back' || state.phase === 'halted') return state.phase;
  return 'waiting';
}

export function ringVerdicts(state: ReleaseState): SimulationReport['rings'] {
  return state.rings.map((r) => ({
    name: r.name,
    verdict: r.verdict ?? (r.deployedAt === null ? 'not-started' : 'in-progress'),
    deployedAt: iso(r.deployedAt),
    bakeUntil: iso(r.bakeUntil),
    rolledBack: r.rolledBack,
  }));
}

export function eventsJson(state: ReleaseState): SimulationReport['events'] {
  return state.events.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
}

export function simulationReport(run: SimulationRun): SimulationReport {
  const s = run.state;
  const d = s.detection;
  return {
    outcome: outcomeOf(s),
    finalVersions: run.finalVersions,
    rings: ringVerdicts(s),
    events: eventsJson(s),
    faultOnset: iso(run.faultOnset),
    detection: d
      ? { at: iso(d.at)!, ring: d.ring, gate: d.gate, latencyMinutes: run.faultOnset === null ? null : Math.round((d.at - run.faultOnset) / 60_000) }
      : null,
    exposure: { userMinutes: Math.round(run.userMinutes * 100) / 100 },
    completedAt: s.phase === 'completed' ? iso(s.completedAt) : null,
  };
}
