/**
 * @module Human views of a release shared by simulate and demo: the global state per ring
 * and region, and the timeline of what happened when.
 */
import type { ReleaseState } from '../../engine/types.ts';
import type { Policy } from '../../policy/schema.ts';
import { table } from './table.ts';
import { tableMinute } from '../../plan/iso.ts';


const RING_STATUS: Record<string, string> = {
  pending: 'not started',
  'awaiting-approval': 'awaiting approval',
  'waiting-window': 'waiting for window',
  deploying: 'deploying',
  baking: 'baking',
  passed: 'passed',
  failed: 'FAILED',
  'rolling-back': 'rolling back',
  'rolled-back': 'rolled back',
};

export function ringStatusText(state: ReleaseState, i: number): string {
  const r = state.rings[i]!;
  if (r.status === 'rolled-back') return r.verdict === 'failed' ? 'FAILED, rolled back' : 'rolled back';
  if (r.status === 'pending' && state.rings.slice(0, i).some((x) => x.verdict === 'failed')) return 'never deployed (halted)';
  return RING_STATUS[r.status] ?? r.status;
}

/** One row per region: ring, region, version, ring status. */
export function releaseStateTable(policy: Policy, state: ReleaseState, versions: Record<string, string> = state.versions): string {
  const rows: string[][] = [];
  policy.spec.rings.forEach((ring, i) => {
    for (const region of ring.regions) rows.push([ring.name, region, versions[region] ?? '?', ringStatusText(state, i)]);
  });
  return table(['RING', 'REGION', 'VERSION', 'STATUS'], rows);
}

/** What happened when, one line per event (evaluations that passed are not events), in columns. */
export function eventLines(state: ReleaseState): string {
  const rows = state.events.map((e) => ({ at: tableMinute(e.at), type: e.type, where: [e.ring, e.region].filter(Boolean).join(' '), detail: e.detail ?? '' }));
  const typeWidth = Math.max(0, ...rows.map((r) => r.type.length));
  const whereWidth = Math.max(0, ...rows.map((r) => r.where.length));
  return rows.map((r) => `${r.at}  ${r.type.padEnd(typeWidth)}  ${r.where.padEnd(whereWidth)}  ${r.detail}`.trimEnd()).join('\n') + '\n';
}
