/**
 * @module GitOps edit benchmark (npm run bench:gitops): the cost of one ring's deploy through
 * GitOpsDelivery against a plain baseline, and the cost of finding a release's step commit as the
 * history grows. Real git, a bare remote on disk in a temporary directory. Never part of npm test.
 *
 * - Edit: an ApplicationSet with 1,000 and 4,000 list elements; each step promotes a ring of a fifth
 *   of them (200 and 800 elements). Meridian's step is the whole `deploy()` of a new release, from
 *   receiving the target to the pushed commit (fetch, step lookup, edit, commit, push). The baseline,
 *   timed in the same rounds on the same repository, is what a script would do: the `yaml` library's
 *   parseDocument, setting the same `revision` fields, toString, then `git add`, `git commit`,
 *   `git push` (its clone is brought up to date before each round, untimed). Medians over the
 *   rounds, and the git subprocesses each one runs.
 *   Also Meridian's rollback of a ring just deployed (`git revert`, no YAML parse; no baseline).
 * - Lookup: a branch of 1k, 10k and 50k commits (one in ten another release's Meridian step), made
 *   with `git fast-import`, with the step index refs of the release looked for; the median time of
 *   the lookup (step-index.ts) for a step 100 and 2,000 commits deep, for the release's first step at
 *   the very start of the history (its check that the commit is on the branch reads every commit after
 *   it, here the whole history), and for a step not committed yet (the common case: the index has no
 *   ref, so the newest `versionsDepth` commits are read).
 *
 * `BENCH_ROUNDS=N` (default 21) rounds per size.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseDocument, isMap, isSeq } from 'yaml';
import { GitOpsDelivery } from '../src/adapters/gitops/delivery.ts';
import { Git } from '../src/adapters/gitops/git.ts';
import { StepFinder, stepRef } from '../src/adapters/gitops/step-index.ts';
import { VERSIONS_DEPTH } from '../src/adapters/gitops/versions.ts';
import { fastImport, removeTempDirs, tempDir, testEnv, webappPolicy } from '../src/adapters/gitops/testing.ts';
import type { RingTarget } from '../src/ports.ts';

const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 21));
const APPSET = 'deploy/applicationset.yaml';

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout.trim())));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const clusterName = (i: number): string => `cluster-${String(i).padStart(5, '0')}`;

/** An ApplicationSet as people write them (comments, goTemplate, one element per cluster), every cluster on v2.0.0. */
function applicationSet(elements: number): string {
  const lines = [
    '# The ApplicationSet of webapp: one Argo CD Application per cluster.',
    'apiVersion: argoproj.io/v1alpha1',
    'kind: ApplicationSet',
    'metadata:',
    '  name: webapp',
    '  namespace: argocd',
    'spec:',
    '  goTemplate: true',
    '  goTemplateOptions: ["missingkey=error"]',
    '  generators:',
    '  - list:',
    '      elements:',
  ];
  for (let i = 0; i < elements; i++) {
    if (i % (elements / 5) === 0) lines.push(`      # ring-${i / (elements / 5) + 1}`);
    lines.push(`      - cluster: ${clusterName(i)}`, `        url: https://${clusterName(i)}.k8s.example.com`, '        revision: v2.0.0');
  }
  lines.push(
    '  template:', '    metadata:', "      name: 'webapp-{{.cluster}}'", '    spec:', '      project: default', '      source:',
    '        repoURL: https://github.com/example/webapp.git', "        targetRevision: '{{.revision}}'", '        path: deploy/manifests',
    '      destination:', "        server: '{{.url}}'", '        namespace: webapp', '',
  );
  return lines.join('\n');
}

/** The git subprocesses GitOpsDelivery runs (told through its onGit option). */
let gitCalls = 0;

interface EditResult {
  elements: number;
  ring: number;
  baseline: number;
  meridian: number;
  baselineGit: number;
  meridianGit: number;
  rollback: number;
  rollbackGit: number;
}

async function editBench(elements: number): Promise<EditResult> {
  const dir = await tempDir('meridian-bench-gitops-');
  const env = testEnv(dir);
  const remote = join(dir, 'gitops.git');
  await git(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote], env);
  const plain = join(dir, 'plain');
  await git(dir, ['clone', '--quiet', remote, plain], env);
  await git(plain, ['checkout', '--quiet', '-b', 'main'], env);
  await mkdir(join(plain, 'deploy'), { recursive: true });
  await writeFile(join(plain, APPSET), applicationSet(elements));
  await git(plain, ['add', '--all'], env);
  await git(plain, ['commit', '--quiet', '-m', `webapp: ${elements} clusters on v2.0.0`], env);
  await git(plain, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], env);
  const policy = await webappPolicy(remote);
  const delivery = new GitOpsDelivery(policy, { workDir: join(dir, 'work'), env, onGit: () => gitCalls++ });
  const ringSize = elements / 5;
  const clusters = Array.from({ length: ringSize }, (_, i) => clusterName(ringSize + i));
  const inRing = new Set(clusters);
  const target = (round: number): RingTarget => ({
    releaseId: `webapp-v3.${round}.0`, service: 'webapp', ring: 'ring-2', ringIndex: 1, version: `v3.${round}.0`, previousVersion: 'v2.0.0',
    clusters: clusters.map((name) => ({ name, region: 'eu-west-1', labels: {} })),
  });

  /** The baseline: yaml's Document API, then add, commit, push. */
  const baseline = async (round: number): Promise<number> => {
    const file = join(plain, APPSET);
    const doc = parseDocument(await readFile(file, 'utf8'));
    const list = doc.getIn(['spec', 'generators', 0, 'list', 'elements'], true);
    if (!isSeq(list)) throw new Error('no elements');
    for (const el of list.items) if (isMap(el) && inRing.has(String(el.get('cluster')))) el.set('revision', `plain-${round}`);
    await writeFile(file, doc.toString());
    await git(plain, ['add', APPSET], env);
    await git(plain, ['commit', '--quiet', '-m', `plain edit ${round}`], env);
    await git(plain, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], env);
    return 3;
  };

  const times = { baseline: [] as number[], meridian: [] as number[] };
  const calls = { baseline: 0, meridian: [] as number[] };
  for (let round = -2; round < ROUNDS; round++) {
    // The plain clone catches up with Meridian's last push, untimed.
    await git(plain, ['fetch', '--quiet', 'origin'], env);
    await git(plain, ['reset', '--quiet', '--hard', 'origin/main'], env);
    let t = performance.now();
    calls.baseline = await baseline(round + 2);
    const b = performance.now() - t;
    gitCalls = 0;
    t = performance.now();
    await delivery.deploy(target(round + 2));
    const m = performance.now() - t;
    if (round < 0) continue; // warm-up
    times.baseline.push(b);
    times.meridian.push(m);
    calls.meridian.push(gitCalls);
  }
  // Rollbacks, each of a ring deployed just before (no baseline: a script would revert by hand).
  const rollbacks: number[] = [];
  const rollbackCalls: number[] = [];
  for (let round = 0; round < Math.ceil(ROUNDS / 3); round++) {
    await delivery.deploy(target(1000 + round));
    gitCalls = 0;
    const t = performance.now();
    await delivery.rollback(target(1000 + round));
    rollbacks.push(performance.now() - t);
    rollbackCalls.push(gitCalls);
  }
  return {
    elements, ring: ringSize, baseline: median(times.baseline), meridian: median(times.meridian), baselineGit: calls.baseline, meridianGit: median(calls.meridian),
    rollback: median(rollbacks), rollbackGit: median(rollbackCalls),
  };
}

/**
 * `git fast-import` input: a branch of `count` commits, one in ten another release's Meridian step, with
 * `release`'s ring-1 deploy first, its ring-2 deploy 100 and its ring-3 deploy 2,000 commits from the
 * tip (when the branch is that long), each with its index ref.
 */
function history(count: number, release: string): string {
  const parts: string[] = [];
  const data = (text: string): void => {
    parts.push(`data ${Buffer.byteLength(text)}\n${text}\n`);
  };
  const step = (ring: string) => `webapp v1.0.0: deploy ${ring} (ap-south-1)\n\nMeridian-Release: ${release}\nMeridian-Step: ${ring}/deploy\nMeridian-Version: v1.0.0\n`;
  for (let i = 0; i < count; i++) {
    parts.push(`commit refs/heads/main\nmark :${i + 1}\ncommitter Bench <bench@localhost> ${1_700_000_000 + i * 60} +0000\n`);
    if (i === 0) data(step('ring-1'));
    else if (i === count - 100) data(step('ring-2'));
    else if (i === count - 2000) data(step('ring-3'));
    else if (i % 10 === 0) data(`svc-${i % 97} v${i}.0.0: deploy ring-${i % 3 + 1} (eu-west-1)\n\nMeridian-Release: svc-${i % 97}-v${i}.0.0\nMeridian-Step: ring-${i % 3 + 1}/deploy\nMeridian-Version: v${i}.0.0\n`);
    else data(`change ${i}\n`);
    parts.push(`M 644 inline notes.txt\n`);
    data(`${i}\n`);
  }
  parts.push(`reset ${stepRef({ release, step: 'ring-1/deploy' })}\nfrom :1\n\n`, `reset ${stepRef({ release, step: 'ring-2/deploy' })}\nfrom :${count - 99}\n\n`);
  if (count > 2000) parts.push(`reset ${stepRef({ release, step: 'ring-3/deploy' })}\nfrom :${count - 1999}\n\n`);
  return parts.join('');
}

interface LookupResult {
  commits: number;
  recent: number;
  deep: number | null;
  first: number;
  missing: number;
}

async function lookupBench(commits: number): Promise<LookupResult> {
  const dir = await tempDir('meridian-bench-lookup-');
  const env = testEnv(dir);
  const repo = join(dir, 'repo');
  await git(dir, ['init', '--quiet', '--initial-branch=main', repo], env);
  const release = 'webapp-v1.0.0';
  await fastImport(repo, history(commits, release), env);
  const g = new Git(env);
  // What a fetch of the release's index brings: the remote's step refs of the release.
  const refs = await git(repo, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/meridian/steps'], env);
  const steps = new Map(refs.split('\n').map((l) => [l.split(' ')[1]!, l.split(' ')[0]!] as [string, string]));
  const tip = await git(repo, ['rev-parse', 'main'], env);
  const find = async (step: string): Promise<{ ms: number; found: boolean }> => {
    const finder = new StepFinder(g, repo, 'refs/heads/main', { tip, steps }, VERSIONS_DEPTH);
    const t = performance.now();
    const found = await finder.find({ release, step });
    return { ms: performance.now() - t, found: found !== null };
  };
  const runs = 9;
  const times = { recent: [] as number[], deep: [] as number[], first: [] as number[], missing: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const recent = await find('ring-2/deploy');
    const deep = commits > 2000 ? await find('ring-3/deploy') : null;
    const first = await find('ring-1/deploy');
    const missing = await find('ring-4/deploy');
    if (!recent.found || (deep && !deep.found) || !first.found || missing.found) throw new Error('the lookup answered wrong');
    times.recent.push(recent.ms);
    if (deep) times.deep.push(deep.ms);
    times.first.push(first.ms);
    times.missing.push(missing.ms);
  }
  return { commits, recent: median(times.recent), deep: times.deep.length > 0 ? median(times.deep) : null, first: median(times.first), missing: median(times.missing) };
}

const started = performance.now();
const edits: EditResult[] = [];
for (const n of [1000, 4000]) edits.push(await editBench(n));
const lookups: LookupResult[] = [];
for (const n of [1_000, 10_000, 50_000]) lookups.push(await lookupBench(n));
await removeTempDirs();

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
console.log(`GitOps edit: one ring's deploy (median of ${ROUNDS} rounds)\n`);
console.log('| elements | ring | plain baseline | Meridian step | ratio | git subprocesses (baseline / Meridian) | Meridian rollback (git) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const e of edits) {
  console.log(`| ${e.elements} | ${e.ring} | ${fmt(e.baseline)} | ${fmt(e.meridian)} | ${(e.meridian / e.baseline).toFixed(2)}× | ${e.baselineGit} / ${e.meridianGit} | ${fmt(e.rollback)} (${e.rollbackGit}) |`);
}
console.log('\nStep lookup (median of 9)\n');
console.log('| commits on the branch | a step 100 commits deep | 2,000 deep | the release\'s first step, at the root | a step not committed yet |');
console.log('|---:|---:|---:|---:|---:|');
for (const l of lookups) console.log(`| ${l.commits} | ${fmt(l.recent)} | ${l.deep === null ? '–' : fmt(l.deep)} | ${fmt(l.first)} | ${fmt(l.missing)} |`);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
