/** @module Tests of `meridian demo --serve`: the story at the default speed, measured in virtual time
 * (a person can watch each ring: each bakes in sight for 30 to 60 s, about two minutes in all), and
 * the live demo itself on loopback: the tokens it prints (an operator's and a viewer's, kept only
 * as hashes), the speed it says, and what each token may do. Nothing waits for real time to pass.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken, readTokensFile } from '../../api/tokens.ts';
import { UsageError } from '../../errors.ts';
import { HOUR, MINUTE } from '../../policy/duration.ts';
import { loadPolicy } from '../../policy/load.ts';
import { DEMO_POLICY_FILE, DEMO_SCENARIO_FILE, demoPolicyDeployingAnyTime } from '../../runtime/demo-default.ts';
import { runSimulation } from '../../runtime/simulate.ts';
import { loadScenario } from '../../sim/scenario.ts';
import { memoryIo } from '../io.ts';
import { LIVE_DEMO_SCALE, LIVE_DEPLOY_TIME, liveDemoPolicy, liveDemoScenario, liveDemoStory, liveDemoTimes, startLiveDemo } from './demo-serve.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meridian-demo-serve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the live demo\'s story', () => {
  it('runs, in virtual time, as it says: ring 1 bakes its day, ring 2 bakes 20 hours, fails and is rolled back, ring 3 is never touched', async () => {
    const policy = liveDemoPolicy(loadPolicy(demoPolicyDeployingAnyTime(), DEMO_POLICY_FILE).policy);
    const { scenario } = loadScenario(liveDemoScenario(), DEMO_SCENARIO_FILE, policy);
    const run = await runSimulation(policy, scenario);
    const at = (type: string, ring: string) => run.state.events.find((e) => e.type === type && e.ring === ring)!.at;
    expect(run.state.phase).toBe('rolled-back');
    expect(run.state.rings.map((r) => [r.name, r.verdict, r.rolledBack])).toEqual([['ring-1', 'passed', false], ['ring-2', 'failed', true], ['ring-3', null, false]]);
    const start = scenario.spec.start;
    const measured = {
      deploy: at('ring.deploy.completed', 'ring-1') - at('ring.deploy.started', 'ring-1'),
      ring1Bake: at('ring.passed', 'ring-1') - at('ring.deploy.completed', 'ring-1'),
      ring2Bake: at('ring.failed', 'ring-2') - at('ring.deploy.completed', 'ring-2'),
      total: at('ring.rollback.completed', 'ring-2') - start,
    };
    expect(measured.deploy).toBe(LIVE_DEPLOY_TIME);
    expect(measured.ring1Bake).toBe(24 * HOUR);
    // What the demo says at start, against what happens: within a few virtual minutes.
    const said = liveDemoTimes(1);
    expect(Math.abs(measured.ring2Bake - said.ring2Bake)).toBeLessThanOrEqual(5 * MINUTE);
    expect(Math.abs(measured.total - said.total)).toBeLessThanOrEqual(5 * MINUTE);
    // At the default speed a person sees each ring deploy for about a second and bake for 30 to 60 s.
    const real = (ms: number) => ms / LIVE_DEMO_SCALE / 1000;
    expect(real(measured.deploy)).toBeCloseTo(0.83, 2);
    expect(real(measured.ring1Bake)).toBe(60);
    expect(real(measured.ring2Bake)).toBeGreaterThanOrEqual(30);
    expect(real(measured.ring2Bake)).toBeLessThanOrEqual(60);
    expect(real(measured.total)).toBeGreaterThan(100);
    expect(real(measured.total)).toBeLessThan(120);
  });

  it('is told at the speed it runs at', () => {
    expect(liveDemoStory(LIVE_DEMO_SCALE)).toBe(
      'time: 1440x faster than real time (a virtual day a minute), deploy windows off. Ring 1 deploys (20m virtual, 1 s) and bakes 24 virtual hours in 60 s; '
      + 'ring 2 deploys and bakes until v2.1.0\'s error rate rises in eu-west-1, 20 virtual hours in (50 s), fails and is rolled back by git revert; '
      + 'ring 3 is never touched. About 1 min 53 s in all. Ctrl-C stops.\n',
    );
    expect(liveDemoStory(600)).toMatch(/^time: 600x faster than real time, deploy windows off\. .* bakes 24 virtual hours in 2 min 24 s; .* About 4 min 31 s in all\./);
  });
});

describe('meridian demo --serve', () => {
  it('starts the release and prints its page, an operator\'s and a viewer\'s token (kept only as hashes) and the speed', async () => {
    const io = memoryIo();
    const dir = join(tmp, 'live');
    const demo = await startLiveDemo(io, { dir, port: '0', timeScale: String(LIVE_DEMO_SCALE) });
    try {
      const out = io.stdout();
      const url = demo.running.url;
      expect(out).toContain(`release ${demo.id} started: open ${url}/releases/${demo.id}\n`);
      const operator = /^ {2}operator {2}release-lead \(group release-team: may approve ring 3, roll back, abort\): (mrd_\S+)$/m.exec(out)?.[1];
      const viewer = /^ {2}viewer {4}watcher \(sees everything, changes nothing\): (mrd_\S+)$/m.exec(out)?.[1];
      expect(operator).toBeDefined();
      expect(viewer).toBeDefined();
      expect(out).toContain(liveDemoStory(LIVE_DEMO_SCALE));
      expect(io.stderr()).toContain('  time: 1440x faster than real time (simulated providers only), starting now;');

      const entries = readTokensFile(demo.tokensFile);
      expect(entries.map((e) => [e.user, e.groups, e.role, e.hash])).toEqual([
        ['release-lead', ['release-team'], 'operator', hashToken(operator!)],
        ['watcher', [], 'viewer', hashToken(viewer!)],
      ]);

      const call = (token: string, path: string, method = 'GET') => fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect((await call(viewer!, `/api/v1/releases/${demo.id}`)).status).toBe(200);
      const refused = await call(viewer!, `/api/v1/releases/${demo.id}/abort`, 'POST');
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('release.abort requires the operator role; watcher is a viewer');
      expect((await call(operator!, '/api/v1/clock')).status).toBe(200);
      expect(await (await fetch(`${url}/releases/${demo.id}`)).text()).toContain('Simulated time: 1440× faster than real time.');
    } finally {
      await demo.running.close();
    }
  });

  it('refuses a time scale it cannot run at, before it writes anything', async () => {
    const dir = join(tmp, 'refused');
    await expect(startLiveDemo(memoryIo(), { dir, port: '0', timeScale: '0' })).rejects.toEqual(new UsageError('--time-scale "0" must be a number above 0 and at most 100000'));
    await expect(startLiveDemo(memoryIo(), { dir, port: '70000', timeScale: '1440' })).rejects.toEqual(new UsageError('--port "70000" is not a port number'));
    expect(existsSync(dir)).toBe(false);
  });
});
