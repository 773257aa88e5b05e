/**
 * @module Integration tests of the overlay build check: with a kubectl that can build today's
 * overlays, a change that does not build is refused with kubectl's first error line and nothing is
 * pushed; without kubectl the push goes ahead after one info line. Skipped, with one line saying so,
 * when this machine has no usable kubectl.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/errors.ts';
import { GitOpsDelivery, initDemoRepo } from '../../src/adapters/gitops/index.ts';
import { judgeKubectl, kubectlStatus } from '../../src/adapters/gitops/render.ts';
import { git, ringOf, show, removeTempDirs, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';

afterAll(removeTempDirs);

const RELEASE = { id: 'webapp-v2.1.0', version: 'v2.1.0' };
const kubectl = await kubectlStatus(process.env);
if (!kubectl.usable) console.warn(`gitops kubectl tests skipped: ${kubectl.reason}`);

async function overlayRepo(env: NodeJS.ProcessEnv, dir: string) {
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused', 'kustomize-overlay'), 'kustomize-overlay', { env });
  return { remote, policy: await webappPolicy(remote, 'kustomize-overlay') };
}

describe('the kustomize build check', () => {
  it.skipIf(!kubectl.usable)('pushes an overlay that builds and refuses one that does not, with kubectl\'s first error line', async () => {
    const dir = await tempDir();
    const env = testEnv(dir);
    const { remote, policy } = await overlayRepo(env, dir);
    const delivery = new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env });
    await delivery.deploy(ringOf(policy, 'ring-1', RELEASE));
    expect(await show(remote, 'deploy/overlays/ring-1/kustomization.yaml', env)).toContain('newTag: v2.1.0');

    const other = join(dir, 'other');
    await git(dir, ['clone', '--quiet', remote, other], env);
    await writeFile(join(other, 'deploy/overlays/ring-3/kustomization.yaml'), 'resources:\n- ../../base\n- missing.yaml\nimages:\n- name: ghcr.io/example/webapp\n  newTag: v2.0.0\n');
    await git(other, ['commit', '--quiet', '-am', 'ring-3: a resource that is not there'], env);
    await git(other, ['push', '--quiet'], env);
    const tip = await git(remote, ['rev-parse', 'main'], env);

    const e = await delivery.deploy(ringOf(policy, 'ring-3', RELEASE)).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AdapterError);
    expect((e as AdapterError).message).toMatch(/^deploy\/overlays\/ring-3 does not build with kubectl kustomize: .*missing\.yaml.*; nothing was pushed$/);
    expect((e as AdapterError).retryable).toBe(false);
    expect(await git(remote, ['rev-parse', 'main'], env)).toBe(tip);
  });

  it('pushes without the check, after one info line, when kubectl is not on the PATH', async () => {
    const dir = await tempDir();
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink(await git(dir, ['--exec-path'], testEnv(dir)).then((p) => join(p, 'git')), join(bin, 'git'));
    const env = testEnv(dir, { PATH: bin });
    const { remote, policy } = await overlayRepo(env, dir);
    const lines: string[] = [];
    const delivery = new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env, logger: (l) => lines.push(l) });
    await delivery.deploy(ringOf(policy, 'ring-1', RELEASE));
    await delivery.deploy(ringOf(policy, 'ring-2', RELEASE));
    expect(lines.filter((l) => l.includes('kubectl'))).toEqual(['kubectl is not on the PATH: overlays are pushed without a kubectl kustomize build check']);
    expect(await show(remote, 'deploy/overlays/ring-2/kustomization.yaml', env)).toContain('newTag: v2.1.0');
  });
});

describe('judgeKubectl', () => {
  it('accepts a kubectl that embeds kustomize v4 or newer', () => {
    expect(judgeKubectl('Client Version: v1.32.4\nKustomize Version: v5.5.0\n').usable).toBe(true);
  });

  it("refuses kubectl 1.20 (Debian bookworm's kubernetes-client), whose kustomize v2 cannot build directory resources", () => {
    const debian = 'Client Version: version.Info{Major:"1", Minor:"20", GitVersion:"v1.20.2", GitCommit:"faecb19", GitTreeState:"archive"}';
    expect(judgeKubectl(debian)).toEqual({
      usable: false,
      reason: 'kubectl 1.20 embeds kustomize v2, which cannot build overlays with directories in resources: overlays are pushed without a kubectl kustomize build check',
    });
  });
});
