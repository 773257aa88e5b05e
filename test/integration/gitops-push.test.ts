/**
 * @module Integration tests of pushing into a moving branch, with real git: another writer pushing
 * between our fetch and our push (made deterministic by a pre-push hook in the work clone), a rebase
 * that conflicts and is redone on the new tip, giving up at the push deadline (on a virtual timer, so
 * only git's own time is real), and four and thirty-two services releasing into one repository at
 * the same time with no lost update and no step written twice.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/errors.ts';
import { GitOpsDelivery, gitopsSettings, initDemoRepo, seedFiles, type GitOpsDeliveryOptions } from '../../src/adapters/gitops/index.ts';
import { virtualTimer } from '../../src/adapters/gitops/backoff.ts';
import { git, log, ringOf, show, removeTempDirs, tempDir, testEnv, webappPolicy } from '../../src/adapters/gitops/testing.ts';
import type { Policy } from '../../src/policy/schema.ts';

afterAll(removeTempDirs);

const APPSET = 'deploy/applicationset.yaml';
const RELEASE = { id: 'webapp-v2.1.0', version: 'v2.1.0', revision: 'release/v2.1.0' };

async function setup() {
  const dir = await tempDir();
  const env = testEnv(dir);
  const remote = await initDemoRepo(join(dir, 'remote'), await webappPolicy('unused'), 'applicationset-revision', { env });
  const policy = await webappPolicy(remote);
  const other = join(dir, 'other');
  await git(dir, ['clone', '--quiet', remote, other], env);
  const lines: string[] = [];
  const delivery = (options: Partial<GitOpsDeliveryOptions> = {}) =>
    new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env, logger: (l) => lines.push(l), ...options });
  return { dir, env, remote, policy, other, lines, delivery };
}

/** A pre-push hook in the adapter's clone that makes `other` push a commit first (once, or every time). */
async function anotherWriterOnPush(work: string, other: string, edit: string, once: boolean): Promise<void> {
  const hook = join(work, '.git', 'hooks', 'pre-push');
  const mark = join(work, '.git', 'other-writer-done');
  await mkdir(dirname(hook), { recursive: true });
  await writeFile(hook, [
    '#!/bin/sh',
    'unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX',
    once ? `[ -f '${mark}' ] && exit 0; touch '${mark}'` : '',
    `cd '${other}' && git pull -q --rebase && ${edit} && git commit -qam 'another writer' && git push -q`,
    '',
  ].join('\n'));
  await chmod(hook, 0o755);
}

describe('pushing while the branch moves', () => {
  it('fetches, rebases and pushes again when another writer pushed in between; both land', async () => {
    const s = await setup();
    const delivery = s.delivery({ random: () => 0 });
    await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    await anotherWriterOnPush(join(s.dir, 'work'), s.other, 'echo notes >> README.md && git add README.md', true);
    const { ref } = await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE));
    expect((await log(s.remote, s.env)).map((l) => l.split(' |')[0])).toEqual([
      'webapp v2.1.0: deploy ring-2 (eu-west-1)', 'another writer', 'webapp v2.1.0: deploy ring-1 (ap-south-1)', 'webapp: GitOps repository (applicationset-revision), every cluster on v2.0.0',
    ]);
    expect(ref).toBe(await git(s.remote, ['rev-parse', 'main'], s.env));
    expect(s.lines).toContain('webapp v2.1.0: deploy ring-2 (eu-west-1): main moved while pushing (attempt 1); fetching and trying again in 0 ms');
    expect(s.lines).toContain(`webapp v2.1.0: deploy ring-2 (eu-west-1): pushed ${ref.slice(0, 7)} to main (attempt 2)`);
  });

  it('makes the edit again on the new tip when the rebase conflicts, keeping the other writer\'s change', async () => {
    const s = await setup();
    const delivery = s.delivery();
    await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    const moveUrl = `sed -i 's#https://eu-west-1.k8s.example.com#https://eu-west-1b.k8s.example.com#' ${APPSET}`;
    await anotherWriterOnPush(join(s.dir, 'work'), s.other, moveUrl, true);
    await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE));
    const text = await show(s.remote, APPSET, s.env);
    expect(text).toContain('- cluster: eu-west-1\n        url: https://eu-west-1b.k8s.example.com\n        revision: release/v2.1.0\n');
    expect((await log(s.remote, s.env))[1]).toBe('another writer |');
  });

  it('gives up at the push deadline with a retryable error saying how many attempts over how long, leaving nothing of its own on the branch', async () => {
    const s = await setup();
    // Virtual time: each wait is the largest full jitter allows (100, 200, 400 ms), the last one cut to the deadline.
    const delivery = s.delivery({ pushDeadlineMs: 1000, pushBackoffMs: 100, timer: virtualTimer(), random: () => 1 });
    await delivery.deploy(ringOf(s.policy, 'ring-1', RELEASE));
    await anotherWriterOnPush(join(s.dir, 'work'), s.other, 'echo more >> README.md && git add README.md', false);
    const e = await delivery.deploy(ringOf(s.policy, 'ring-2', RELEASE)).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(AdapterError);
    expect((e as AdapterError).message).toBe(
      'webapp v2.1.0: deploy ring-2 (eu-west-1): the push to main was rejected 5 times over 1.0 s because the branch kept moving (push deadline 1.0 s); nothing was pushed',
    );
    expect((e as AdapterError).retryable).toBe(true);
    expect(s.lines.filter((l) => l.includes('moved while pushing')).map((l) => l.replace(/^.*\(attempt/, '(attempt'))).toEqual([
      '(attempt 1); fetching and trying again in 100 ms', '(attempt 2); fetching and trying again in 200 ms',
      '(attempt 3); fetching and trying again in 400 ms', '(attempt 4); fetching and trying again in 300 ms',
    ]);
    expect(await git(s.remote, ['log', '--format=%s', 'main'], s.env)).not.toContain('ring-2');
  });
});

/** A bare repository holding one ApplicationSet per service, `deploy/<service>/applicationset.yaml`, every cluster on v2.0.0. */
async function sharedRepo(dir: string, env: NodeJS.ProcessEnv, services: string[]): Promise<{ remote: string; policies: Policy[] }> {
  const seeded: Policy[] = [];
  for (const service of services) {
    const p = await webappPolicy('unused', 'applicationset-revision', service);
    const g = { ...gitopsSettings(p), applicationSet: `deploy/${service}/applicationset.yaml` };
    seeded.push({ ...p, spec: { ...p.spec, delivery: { ...p.spec.delivery, gitops: g } } });
  }
  const remote = await initDemoRepo(join(dir, 'remote'), seeded[0]!, 'applicationset-revision', { env });
  const seedClone = join(dir, 'seed');
  await git(dir, ['clone', '--quiet', remote, seedClone], env);
  for (const p of seeded.slice(1)) {
    for (const [path, text] of Object.entries(seedFiles(p, gitopsSettings(p), 'v2.0.0'))) {
      await mkdir(dirname(join(seedClone, path)), { recursive: true });
      await writeFile(join(seedClone, path), text);
    }
  }
  await git(seedClone, ['add', '--all'], env);
  await git(seedClone, ['commit', '--quiet', '-m', `${services.length - 1} more services`], env);
  await git(seedClone, ['push', '--quiet'], env);
  const policies = seeded.map((p) => ({ ...p, spec: { ...p.spec, delivery: { ...p.spec.delivery, gitops: { ...p.spec.delivery.gitops!, repo: remote } } } }));
  return { remote, policies };
}

/** Every service deploys these rings of its v3.0.0 in turn through its own adapter and working clone, all services at once. */
async function releaseAll(dir: string, env: NodeJS.ProcessEnv, services: string[], policies: Policy[], rings: string[], options: Partial<GitOpsDeliveryOptions> = {}) {
  const lines: string[] = [];
  const outcomes = await Promise.allSettled(policies.map(async (policy, i) => {
    const delivery = new GitOpsDelivery(policy, { workDir: join(dir, `work-${i}`), env, logger: (l) => lines.push(l), ...options });
    const release = { id: `${services[i]}-v3.0.0`, version: 'v3.0.0', revision: `${services[i]}/v3.0.0` };
    for (const ring of rings) await delivery.deploy(ringOf(policy, ring, release));
  }));
  return { lines, failures: outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : [])) };
}

/** `release/step` of every Meridian commit on the bare repository's branch, sorted. */
async function stepsOn(remote: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return (await git(remote, ['log', '--format=%(trailers:key=Meridian-Release,valueonly,separator=)/%(trailers:key=Meridian-Step,valueonly,separator=)', 'main'], env))
    .split('\n').filter((l) => l !== '/').sort();
}

describe('several services releasing into one repository at once', () => {
  it('lands every commit and every edit of four concurrent releases', async () => {
    const dir = await tempDir();
    const env = testEnv(dir);
    const services = ['checkout', 'search', 'profile', 'billing'];
    const { remote, policies } = await sharedRepo(dir, env, services);
    const { failures } = await releaseAll(dir, env, services, policies, ['ring-1', 'ring-2']);
    expect(failures).toEqual([]);
    expect(await stepsOn(remote, env)).toEqual(services.flatMap((s) => [`${s}-v3.0.0/ring-1/deploy`, `${s}-v3.0.0/ring-2/deploy`]).sort());
    for (const service of services) {
      const text = await show(remote, `deploy/${service}/applicationset.yaml`, env);
      const revisions = [...text.matchAll(/cluster: (\S+)\n.*\n\s+revision: (\S+)/g)].map((m) => `${m[1]}=${m[2]}`);
      expect(revisions).toEqual(['staging=v2.0.0', `ap-south-1=${service}/v3.0.0`, `eu-west-1=${service}/v3.0.0`, 'us-east-1=v2.0.0']);
    }
    expect(await readFile(join(dir, 'work-0', 'deploy', 'checkout', 'applicationset.yaml'), 'utf8')).toContain('checkout/v3.0.0');
  });

  it('lands the deploys of 32 services pushing at once, each exactly once', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const env = testEnv(dir);
    const services = Array.from({ length: 32 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
    const { remote, policies } = await sharedRepo(dir, env, services);
    const started = performance.now();
    const { failures, lines } = await releaseAll(dir, env, services, policies, ['ring-1'], { pushBackoffMs: 10 });
    const seconds = (performance.now() - started) / 1000;
    console.info(`32 services pushing at once: ${seconds.toFixed(1)} s, ${lines.filter((l) => l.includes('moved while pushing')).length} rejected pushes retried`);
    expect(failures).toEqual([]);
    expect(await stepsOn(remote, env)).toEqual(services.map((s) => `${s}-v3.0.0/ring-1/deploy`));
    for (const service of services) expect(await show(remote, `deploy/${service}/applicationset.yaml`, env)).toContain(`revision: ${service}/v3.0.0`);
  });
});
