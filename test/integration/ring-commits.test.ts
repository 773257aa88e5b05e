/** @module Traceability with real git: a release delivered through a bare GitOps repository shows,
 * for each ring, the commit of its deploy and of its rollback exactly as `git log` of that
 * repository has them (the rollback being the `git revert` of the deploy), linked through the
 * policy's commitUrl, with the ring's Argo CD Applications linked through appUrl; and
 * `meridian release status` prints those commits. The simulated delivery shows no sha.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { git, removeTempDirs, tempDir, testEnv } from '../../src/adapters/gitops/testing.ts';
import { releaseText } from '../../src/cli/commands/release.ts';
import { T0, fakeWorld } from '../../src/engine/fake-ports.test-helper.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { Health } from '../../src/ports.ts';
import type { Actor } from '../../src/runtime/controller-types.ts';
import { Controller } from '../../src/runtime/controller.ts';
import { MemoryStore } from '../../src/runtime/memory-store.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';
import { shopPolicy } from './support/shop-policy.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const operator: Actor = { user: 'olga', groups: [], role: 'operator' };

/** The shop policy on `repo`, ring-2 rolling back alone, with links to commits and to Argo CD Applications. */
function policyText(repo: string | null): string {
  const text = shopPolicy({ bakes: ['10m', '20m', '20m'], gate: 'max: 0.01, interval: 5m, warmup: 0m', ring2: 'onFailure: { rollback: [ring-2] }', repo });
  return repo === null ? text : text.replace('applicationSet: deploy/applicationset.yaml }', [
    'applicationSet: deploy/applicationset.yaml, commitUrl: "https://git.example.com/org/deploy/commit/{{sha}}" }',
    '    health: { provider: argocd, argocd: { url: "https://argocd.example.com", application: "shop-{{cluster}}", appUrl: "https://argocd.example.com/applications/argocd/{{app}}?region={{region}}" } }',
  ].join('\n'));
}

const controllers: Controller[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.close();
  await removeTempDirs();
});

describe('the commits of each ring (real git, a bare remote)', () => {
  it('are the deploy and revert commits git log shows, linked, and release status prints them', async () => {
    const dir = await tempDir('meridian-ring-commits-');
    const env = testEnv(dir);
    const remote = await initDemoRepo(join(dir, 'remote'), loadPolicy(policyText(null), 'seed.yaml').policy, undefined, { env });
    const text = policyText(remote);
    const policy = loadPolicy(text, 'shop.yaml').policy;
    const clock = new SimulatedClock(T0);
    let euOnNew = false;
    const world = fakeWorld(policy, clock, { errorRate: (region) => (region === 'eu-west-1' && euOnNew ? 0.05 : 0.001) });
    const real = new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env });
    const delivery = {
      deploy: async (t: Parameters<typeof real.deploy>[0]) => { const r = await real.deploy(t); if (t.ring === 'ring-2') euOnNew = true; return r; },
      rollback: async (t: Parameters<typeof real.rollback>[0]) => { const r = await real.rollback(t); if (t.ring === 'ring-2') euOnNew = false; return r; },
    };
    // Healthy once the commit is on main of the remote, as Argo CD would report after syncing it.
    const health: Health = {
      status: async (_t, ref) => {
        const on = await git(remote, ['merge-base', '--is-ancestor', ref, 'main'], env).then(() => true, () => false);
        return on ? { healthy: true, failed: false, detail: 'Synced, Healthy' } : { healthy: false, failed: false, detail: 'not on main' };
      },
    };
    const controller = new Controller({ policy, policyText: text, ports: { ...world, delivery, health }, store: new MemoryStore(), clock });
    controllers.push(controller);
    const { id } = await controller.start({ version: 'v2.1.0', revision: 'release/v2.1.0' }, operator);
    await clock.advance(3 * HOUR, () => controller.idle());
    const view = await controller.get(id);
    expect(view.phase).toBe('rolled-back');

    // Every Meridian commit of the release on the remote, by its step trailer.
    const log = await git(remote, ['log', '--format=%H %(trailers:key=Meridian-Release,valueonly,separator=)|%(trailers:key=Meridian-Step,valueonly,separator=)', 'main'], env);
    const bySteps = new Map<string, string>();
    for (const line of log.split('\n')) {
      const [sha, trailers] = line.split(' ');
      const [release, step] = (trailers ?? '').split('|');
      if (release === id && step) bySteps.set(step, sha!);
    }
    expect([...bySteps.keys()].sort()).toEqual(['ring-0/deploy', 'ring-1/deploy', 'ring-2/deploy', 'ring-2/rollback']);
    const link = (sha: string) => `https://git.example.com/org/deploy/commit/${sha}`;
    const commit = (step: string) => ({ ref: bySteps.get(step)!, sha: bySteps.get(step)!, url: link(bySteps.get(step)!) });
    expect(view.rings.map((r) => [r.name, r.deployCommit, r.rollbackCommit])).toEqual([
      ['ring-0', commit('ring-0/deploy'), null],
      ['ring-1', commit('ring-1/deploy'), null],
      ['ring-2', commit('ring-2/deploy'), commit('ring-2/rollback')],
    ]);
    // The rollback is the revert of the deploy.
    expect(await git(remote, ['show', '-s', '--format=%B', bySteps.get('ring-2/rollback')!], env)).toContain(`This reverts commit ${bySteps.get('ring-2/deploy')}.`);
    expect(view.rings[2]!.applications).toEqual([
      { name: 'shop-eu1', cluster: 'eu1', region: 'eu-west-1', url: 'https://argocd.example.com/applications/argocd/shop-eu1?region=eu-west-1' },
    ]);

    // `meridian release status` prints the commits, each with its link.
    const status = releaseText(view);
    expect(status).toContain('\nRING    STEP      COMMIT');
    for (const [step, sha] of bySteps) {
      const [ring, kind] = step.split('/');
      expect(status).toMatch(new RegExp(`^${ring}  ${kind!.padEnd(8)}  ${sha}  ${link(sha).replace(/[.?]/g, '\\$&')}$`, 'm'));
    }
  }, 60_000);

  it('are no shas with the simulated delivery: its tokens are kept as the ref, with no link', async () => {
    const text = policyText(null);
    const policy = loadPolicy(text, 'shop.yaml').policy;
    const clock = new SimulatedClock(T0);
    const controller = new Controller({ policy, policyText: text, ports: fakeWorld(policy, clock), store: new MemoryStore(), clock });
    controllers.push(controller);
    const { id } = await controller.start({ version: 'v2.1.0' }, operator);
    await clock.advance(15 * MINUTE, () => controller.idle());
    const view = await controller.get(id);
    expect(view.rings.map((r) => [r.deployCommit, r.rollbackCommit, r.applications])).toEqual([
      [{ ref: 'ring-0/deploy', sha: null, url: null }, null, []],
      [{ ref: 'ring-1/deploy', sha: null, url: null }, null, []],
      [null, null, []],
    ]);
    expect(releaseText(view)).not.toContain('COMMIT');
  });
});
