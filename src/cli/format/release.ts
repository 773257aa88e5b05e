/**
 * @module Human views of a release shared by simulate, demo and `release status`: the global state
 * per ring and region, the ring status words, and the timeline of what happened when.
 */
import type { ReleaseState, RingStatus } from '../../engine/types.ts';
import type { CommitView, RingView } from '../../runtime/controller-types.ts';
import type { Policy } from '../../policy/schema.ts';
import { tableMinute } from '../../plan/iso.ts';
import { table } from './table.ts';

/**
 * A ring's status as people read it, the same in simulate, demo and `release status`: from the rings'
 * states (engine) or views (API). `approvers` are named while the ring waits for one of them.
 */
export function ringStatusWords(rings: ReadonlyArray<{ status: RingStatus; verdict: string | null }>, i: number, approvers: readonly string[] = []): string {
  const r = rings[i]!;
  switch (r.status) {
    case 'pending': return rings.slice(0, i).some((x) => x.verdict === 'failed') ? 'never deployed (halted)' : 'not started';
    case 'awaiting-approval': return approvers.length > 0 ? `awaiting approval (${approvers.join(', ')})` : 'awaiting approval';
    case 'waiting-window': return 'waiting for window';
    case 'failed': return 'FAILED';
    case 'rolling-back': return 'rolling back';
    case 'rolled-back': return r.verdict === 'failed' ? 'FAILED, rolled back' : 'rolled back';
    default: return r.status;
  }
}

/** One row per region: ring, region, version, ring status. */
export function releaseStateTable(policy: Policy, state: ReleaseState, versions: Record<string, string> = state.versions): string {
  const rows: string[][] = [];
  policy.spec.rings.forEach((ring, i) => {
    for (const region of ring.regions) rows.push([ring.name, region, versions[region] ?? '?', ringStatusWords(state.rings, i)]);
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

/**
 * The git commits of each ring's deploy and rollback, one row each with its link when the policy
 * gives `spec.delivery.gitops.commitUrl`; '' when no ring has one (simulated delivery applies
 * tokens, not commits).
 */
export function ringCommitsTable(rings: readonly RingView[]): string {
  const rows: string[][] = [];
  for (const r of rings) {
    const steps: Array<[string, CommitView | null | undefined]> = [['deploy', r.deployCommit], ['rollback', r.rollbackCommit]];
    for (const [step, c] of steps) if (c?.sha) rows.push([r.name, step, c.sha, c.url ?? '-']);
  }
  return rows.length === 0 ? '' : table(['RING', 'STEP', 'COMMIT', 'LINK'], rows);
}
