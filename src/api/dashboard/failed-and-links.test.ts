/**
 * @module Tests of the dashboard's marks of a version that failed (the services × regions view and
 * the releases list, over a real server whose release fails its gate) and of a ring card's links
 * to its commits and Argo CD Applications.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../policy/duration.ts';
import { T0 } from '../../engine/fake-ports.test-helper.ts';
import type { ReleaseView, RingView } from '../../runtime/controller-types.ts';
import { startDashboardServer, type DashboardServer, type Person } from './test-server.test-helper.ts';
import { timeline } from './timeline-view.ts';

let s: DashboardServer;
beforeEach(async () => { s = await startDashboardServer(); });
afterEach(async () => { await s.close(); });

const fragment = async (path: string, as: Person = 'victor'): Promise<string> => {
  const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.tokens[as]}` } });
  expect(res.status).toBe(200);
  return res.text();
};

describe('a version recorded failed for its service', () => {
  it('is marked ✗ failed in the services view and the releases list, with where and why in its title', async () => {
    s.faults.push({ region: 'internal', from: T0, value: 0.05 });
    const id = await s.startRelease();
    await s.advance(HOUR);
    const view = await s.controller.get(id);
    expect(view.phase).toBe('rolled-back');
    const failed = view.events.find((e) => e.type === 'ring.failed')!;
    const when = `${failed.at.slice(0, 10)} ${failed.at.slice(11, 16)} UTC`;
    const title = `v2 failed in release ${id} on ${when}: ring ring-0: gate error-rate: error_rate 0.05 &gt; max 0.01`;
    const mark = ` <span class="badge tone-bad version-failed" title="${title}" data-failed-release="${id}">✗ failed<span class="vh">: ${title}</span></span>`;
    const fleet = await fragment('/fragment');
    expect(fleet).toContain(`<code>v2</code> <span class="badge tone-bad" data-phase="rolled-back">Rolled back</span></a>${mark}`);
    const list = await fragment('/fragment/releases');
    expect(list).toContain(`shop <code>v2</code></a>${mark}</th>`);
  });

  it('is not marked when the release did not fail', async () => {
    await s.startRelease();
    await s.advance(HOUR);
    expect(await fragment('/fragment')).not.toContain('version-failed');
    expect(await fragment('/fragment/releases')).not.toContain('version-failed');
  });
});

describe('a ring card', () => {
  const sha = 'f5777823aa0fcd48dc284c04b43ceacdd308a642';
  const revert = 'eafc6affc216a48abd154def167945df55f42274';
  const ring = (extra: Partial<RingView>): RingView => ({
    name: 'ring-2', regions: ['eu-west-1'], userShare: 0.3, status: 'rolled-back', verdict: 'failed', deployedAt: null, healthyAt: null, bakeUntil: null,
    rolledBack: true, approvers: [], bakeMinutes: 60, evidence: null, ...extra,
  });
  const view = (r: RingView): ReleaseView => ({
    id: 'shop-v2', service: 'shop', version: 'v2', previousVersion: 'v1', phase: 'rolled-back', haltReason: null, startedAt: new Date(T0).toISOString(),
    completedAt: null, rings: [r], versions: {}, events: [], freezes: [], evaluationCounts: { pass: 0, fail: 0, inconclusive: 0 }, blastRadius: { userShare: 0 },
    actions: { approve: [], resume: false, abort: false, rollback: [] }, leftBehind: null,
  });

  it('links its deploy and rollback commits and its Argo CD Applications', () => {
    const text = timeline(view(ring({
      deployCommit: { ref: sha, sha, url: `https://git.example.com/org/deploy/commit/${sha}` },
      rollbackCommit: { ref: revert, sha: revert, url: null },
      applications: [{ name: 'shop-eu1', cluster: 'eu1', region: 'eu-west-1', url: 'https://argocd.example.com/applications/argocd/shop-eu1' }],
    })), T0).text;
    expect(text).toContain([
      '<p class="ring-links muted">',
      `<span class="commit" data-step="deploy" data-sha="${sha}">deploy <a href="https://git.example.com/org/deploy/commit/${sha}" rel="noopener noreferrer"><code title="${sha}">f5777823aa0f</code></a></span>`,
      ' · ',
      `<span class="commit" data-step="rollback" data-sha="${revert}">rollback <code title="${revert}">eafc6affc216</code></span>`,
      ' · ',
      '<span class="apps">Argo CD <a class="app" href="https://argocd.example.com/applications/argocd/shop-eu1" rel="noopener noreferrer" title="Argo CD Application of eu1 (eu-west-1)">shop-eu1</a></span>',
      '</p>',
    ].join(''));
  });

  it('shows no links for the simulated delivery, whose refs are not commits', () => {
    const text = timeline(view(ring({ deployCommit: { ref: 'ring-2/deploy', sha: null, url: null }, rollbackCommit: null, applications: [] })), T0).text;
    expect(text).not.toContain('ring-links');
  });
});
