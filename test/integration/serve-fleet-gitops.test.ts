/** @module Two services of one fleet on a real `meridian serve --config DIR` process delivering
 * through one real GitOps repository (a bare repository on disk, each service its own
 * ApplicationSet file): both release at once, each service keeps a working clone of its own, and
 * each deploy is one commit of that service's file with its trailers — neither service's push
 * loses or overwrites the other's.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gitopsSettings, seedFiles } from '../../src/adapters/gitops/index.ts';
import { git, removeTempDirs, show, tempDir, testEnv } from '../../src/adapters/gitops/testing.ts';
import { hashToken, newToken } from '../../src/api/tokens.ts';
import { loadConfig } from '../../src/policy/fleet.ts';
import type { ReleaseView } from '../../src/runtime/controller-types.ts';
import { killAll, pollUntil, startServe, type ServeProcess } from './support/serve-process.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples/fleet');
const SERVICES = ['checkout', 'search'];
let dir: string;
let remote: string;
let env: NodeJS.ProcessEnv;
const token = newToken();

beforeAll(async () => {
  dir = await tempDir('meridian-fleet-gitops-');
  env = testEnv(dir);
  remote = join(dir, 'remote', 'deploy.git');
  await mkdir(join(dir, 'config'), { recursive: true });
  const fleet = (await readFile(join(EXAMPLES, 'fleet.yaml'), 'utf8')).replace('deploy: business-hours', 'deploy: always');
  await writeFile(join(dir, 'config', 'fleet.yaml'), fleet);
  for (const s of SERVICES) {
    const text = await readFile(join(EXAMPLES, `${s}.yaml`), 'utf8');
    await writeFile(join(dir, 'config', `${s}.yaml`), `${text.trimEnd()}\n\n  delivery:\n    gitops: { repo: ${JSON.stringify(remote)}, applicationSet: deploy/${s}/applicationset.yaml }\n`);
  }
  // One repository for the platform, seeded with every service's ApplicationSet.
  const files = await Promise.all(['fleet.yaml', ...SERVICES.map((s) => `${s}.yaml`)].map(async (f) => ({ file: f, text: await readFile(join(dir, 'config', f), 'utf8') })));
  const config = loadConfig(files);
  await git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote], env);
  const seed = join(dir, 'seed');
  await git(dir, ['init', '--quiet', '--initial-branch=main', seed], env);
  for (const s of config.services) {
    for (const [path, text] of Object.entries(seedFiles(s.policy, gitopsSettings(s.policy), 'v1.0.0'))) {
      await mkdir(join(seed, path, '..'), { recursive: true });
      await writeFile(join(seed, path), text);
    }
  }
  await git(seed, ['add', '--all'], env);
  await git(seed, ['commit', '--quiet', '-m', 'every service on v1.0.0'], env);
  await git(seed, ['push', '--quiet', remote, 'HEAD:refs/heads/main'], env);
  await writeFile(join(dir, 'tokens.json'), JSON.stringify({ tokens: [{ user: 'olga', groups: [], role: 'operator', hash: hashToken(token) }] }), { mode: 0o600 });
  await copyFile(join(dir, 'tokens.json'), join(dir, 'tokens.bak'));
});

afterEach(async () => killAll());
afterAll(async () => {
  await killAll();
  await removeTempDirs();
});

async function call(server: ServeProcess, path: string, body?: unknown): Promise<{ status: number; body: { id?: string } & Partial<ReleaseView> }> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

describe('two services of a fleet on one GitOps repository (real git)', () => {
  it('deploys both at once, each through a clone of its own, one commit per deploy of its own file', async () => {
    const server = await startServe({ args: ['--config', 'config', '--port', '0', '--tokens', 'tokens.json', '--db', 'fleet.db', '--work-dir', 'work', '--time-scale', '600'], cwd: dir });
    const ids: string[] = [];
    for (const service of SERVICES) {
      const r = await call(server, '/api/v1/releases', { service, version: 'v2.0.0' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id!);
    }
    for (const id of ids) {
      await pollUntil(`${id} ring-0 baking`, async () => {
        const v = (await call(server, `/api/v1/releases/${id}`)).body as ReleaseView;
        return { done: v.rings[0]!.status === 'baking' ? true : undefined, seen: `${v.phase} ${v.rings.map((r) => r.status).join(' ')} ${v.haltReason ?? ''}` };
      }, { timeoutMs: 30_000 });
    }
    for (const s of SERVICES) {
      expect(existsSync(join(dir, 'work', 'services', s, 'gitops', '.git')), `the clone of ${s}`).toBe(true);
      const file = await show(remote, `deploy/${s}/applicationset.yaml`, env);
      expect(file).toMatch(/revision: v2\.0\.0/);
      expect(file).toMatch(/revision: v1\.0\.0/);
    }
    const log = await git(remote, ['log', '--format=%s%n%(trailers:only,unfold)%n--', 'main'], env);
    for (const [i, s] of SERVICES.entries()) {
      const commits = log.split('\n--\n').filter((c) => c.includes(`Meridian-Release: ${ids[i]}`));
      expect(commits, log).toHaveLength(1);
      expect(commits[0]).toContain('ring-0');
      expect(commits[0]!.split('\n')[0]).toContain(s);
    }
    await server.stop('SIGTERM');
  }, 60_000);
});
