/** @module A real `meridian serve --time-scale 600` delivering through real git to a bare remote
 * whose pushes are slow (a pre-receive hook that waits 4 s: 40 virtual minutes at 600x, more than
 * the 30-minute progress deadline). Real work must not eat scaled deadlines: ring-0 deploys, turns
 * healthy and bakes, and no ring fails "not synced and healthy 30m after deploy".
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { testEnv } from '../../src/adapters/gitops/testing.ts';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { ReleaseView } from '../../src/runtime/controller-types.ts';
import { killAll, pollUntil, startServe } from './support/serve-process.ts';
import { shopPolicy } from './support/shop-policy.ts';

const policyText = (repo: string | null): string => shopPolicy({ bakes: ['2h', '2h', '2h'], repo });

let dir: string;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-scaled-'));
  const remote = await initDemoRepo(join(dir, 'remote'), loadPolicy(policyText(null), 'seed.yaml').policy, undefined, { env: testEnv(dir) });
  const hook = join(remote, 'hooks', 'pre-receive');
  await writeFile(hook, '#!/bin/sh\nsleep 4\n');
  await chmod(hook, 0o755);
  await writeFile(join(dir, 'policy.yaml'), policyText(remote));
  token = newToken();
  appendToken(join(dir, 'tokens.json'), { user: 'olga', groups: [], role: 'operator', hash: hashToken(token), createdAt: new Date().toISOString() });
});
afterAll(async () => {
  await killAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('meridian serve --time-scale 600 with slow git pushes', () => {
  it('does not count a 4 s push (40 virtual minutes) against the 30-minute progress deadline', async () => {
    const server = await startServe({
      args: ['--policy', join(dir, 'policy.yaml'), '--db', join(dir, 'meridian.db'), '--tokens', join(dir, 'tokens.json'), '--time-scale', '600', '--port', '0', '--work-dir', join(dir, 'work')],
      cwd: dir,
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${server.url}/api/v1/releases`, { method: 'POST', headers, body: JSON.stringify({ version: 'v2.1.0', revision: 'release/v2.1.0' }) });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const view = await pollUntil('ring-0 baking or failed', async () => {
      const v = (await (await fetch(`${server.url}/api/v1/releases/${id}`, { headers })).json()) as ReleaseView;
      const settled = v.rings[0]!.status === 'baking' || v.events.some((e) => e.type === 'ring.failed');
      return { done: settled ? v : undefined, seen: v.rings.map((r) => `${r.name} ${r.status}`).join(', ') };
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(view.events.filter((e) => e.type === 'ring.failed')).toEqual([]);
    expect(view.rings[0]!.status).toBe('baking');
    await server.stop('SIGTERM');
  });
});
