/**
 * @module `meridian demo --serve`: the demo's story live under `meridian serve`, at a speed a person
 * can watch: a virtual day a minute by default (1440x). Against `meridian demo`, deploy windows are
 * off (the story takes minutes, not a weekend), a deploy or rollback takes 20 virtual minutes (a
 * second to see, not a blink), and the fault in eu-west-1 begins 20 virtual hours after v2.1.0 lands
 * there, so ring 2 bakes in sight before it fails. Prints the release's page, an operator's and a
 * viewer's token, and how long each part of the story takes at the speed chosen.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appendToken, hashToken, newToken } from '../../api/tokens.ts';
import { UsageError } from '../../errors.ts';
import { MINUTE, formatDuration, parseDuration } from '../../policy/duration.ts';
import { loadPolicy } from '../../policy/load.ts';
import type { Policy } from '../../policy/schema.ts';
import type { Actor } from '../../runtime/controller-types.ts';
import { DEMO_POLICY, DEMO_POLICY_FILE, DEMO_SCENARIO, DEMO_SCENARIO_FILE, demoPolicyDeployingAnyTime } from '../../runtime/demo-default.ts';
import { createDemoRepository } from '../../runtime/demo-gitops.ts';
import { startService, type RunningService } from '../../runtime/service.ts';
import { EXIT } from '../exit-codes.ts';
import type { Io } from '../io.ts';
import { portFlag } from './serve.ts';

/** The live demo's speed unless `--time-scale` says otherwise: a virtual day a minute. */
export const LIVE_DEMO_SCALE = 1440;

/** A deploy or rollback of the live demo, in virtual time. */
export const LIVE_DEPLOY_TIME = 20 * MINUTE;

/** When the fault in eu-west-1 begins, after v2.1.0 lands there, in the demo and live. */
const FAULT = { demo: 'after: 30m }', live: 'after: 20h }' };

/** Gates need about this long to see a fault (a few 5-minute evaluations of the sliding hour). */
const DETECTION = 10 * MINUTE;

/** Who the live demo's tokens are for. */
export const LIVE_DEMO_PEOPLE = {
  operator: { user: 'release-lead', groups: ['release-team'], role: 'operator' },
  viewer: { user: 'watcher', groups: [], role: 'viewer' },
} as const satisfies Record<string, Actor>;

/** The demo scenario with its fault 20 virtual hours in (refuses, rather than silently changes another, if the scenario no longer says `after: 30m`). */
export function liveDemoScenario(): string {
  if (!DEMO_SCENARIO.includes(FAULT.demo)) throw new Error(`the demo scenario no longer holds "${FAULT.demo}"`);
  return DEMO_SCENARIO.replace(FAULT.demo, FAULT.live);
}

/** The live demo's policy from the demo's deploying at any time (demoPolicyDeployingAnyTime): each deploy takes LIVE_DEPLOY_TIME. */
export function liveDemoPolicy(policy: Policy): Policy {
  return { ...policy, spec: { ...policy.spec, delivery: { ...policy.spec.delivery, deployTime: LIVE_DEPLOY_TIME } } };
}

/** `60 s`, `1 min 53 s`: a real duration in words. */
function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 === 0 ? '' : ` ${s % 60} s`}`;
}

/**
 * How long each part of the story takes in real time at `scale`, from the policy and the scenario:
 * ring 1 deploys and bakes; ring 2 deploys, bakes until the fault shows, fails and is rolled back.
 */
export function liveDemoTimes(scale: number): { deploy: number; ring1Bake: number; ring2Bake: number; total: number } {
  const { policy } = loadPolicy(DEMO_POLICY, DEMO_POLICY_FILE);
  const [ring1, ring2] = policy.spec.rings;
  const faultAfter = parseDuration(FAULT.live.slice('after: '.length, -2))!;
  const ring2Bake = faultAfter + DETECTION;
  const virtual = { deploy: LIVE_DEPLOY_TIME, ring1Bake: ring1!.bake, ring2Bake, total: LIVE_DEPLOY_TIME + ring1!.bake + LIVE_DEPLOY_TIME + Math.min(ring2Bake, ring2!.bake) + LIVE_DEPLOY_TIME };
  return { deploy: virtual.deploy / scale, ring1Bake: virtual.ring1Bake / scale, ring2Bake: virtual.ring2Bake / scale, total: virtual.total / scale };
}

/** What the story looks like at `scale`, in one paragraph. */
export function liveDemoStory(scale: number): string {
  const t = liveDemoTimes(scale);
  const speed = scale === LIVE_DEMO_SCALE ? `${scale}x faster than real time (a virtual day a minute)` : `${scale}x faster than real time`;
  return `time: ${speed}, deploy windows off. Ring 1 deploys (${formatDuration(LIVE_DEPLOY_TIME)} virtual, ${seconds(t.deploy)}) and bakes 24 virtual hours in ${seconds(t.ring1Bake)}; `
    + `ring 2 deploys and bakes until v2.1.0's error rate rises in eu-west-1, 20 virtual hours in (${seconds(t.ring2Bake)}), fails and is rolled back by git revert; `
    + `ring 3 is never touched. About ${seconds(t.total)} in all. Ctrl-C stops.\n`;
}

export interface LiveDemoOptions {
  dir?: string;
  port: string;
  timeScale: string;
}

export interface LiveDemo {
  running: RunningService;
  id: string;
  dir: string;
  tokensFile: string;
}

/** Start the live demo and print how to watch it; `close()` the service to stop. */
export async function startLiveDemo(io: Io, opts: LiveDemoOptions): Promise<LiveDemo> {
  const port = portFlag(opts.port);
  const scale = Number(opts.timeScale);
  if (!(scale > 0 && scale <= 100_000)) throw new UsageError(`--time-scale "${opts.timeScale}" must be a number above 0 and at most 100000`);
  const dir = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), 'meridian-demo-'));
  mkdirSync(dir, { recursive: true });
  const tokensFile = join(dir, 'tokens.json');
  const tokens = { operator: newToken(), viewer: newToken() };
  const createdAt = new Date().toISOString();
  for (const who of ['operator', 'viewer'] as const) {
    const p = LIVE_DEMO_PEOPLE[who];
    appendToken(tokensFile, { user: p.user, groups: [...p.groups], role: p.role, hash: hashToken(tokens[who]), createdAt });
  }
  const { policy: base } = loadPolicy(DEMO_POLICY, DEMO_POLICY_FILE);
  const { remote, withRepository } = await createDemoRepository(dir, base, 'v2.0.0');
  const running = await startService({
    transformPolicy: (p) => liveDemoPolicy(withRepository(p)),
    store: { kind: 'sqlite', file: join(dir, 'meridian.db') }, port, host: '127.0.0.1', tokensFile, timeScale: scale, workDir: join(dir, 'work'),
    scenario: { text: liveDemoScenario(), file: DEMO_SCENARIO_FILE },
    policy: { text: demoPolicyDeployingAnyTime(), file: DEMO_POLICY_FILE },
    log: (line) => io.err(`${line}\n`),
  });
  for (const line of running.describe) io.err(`${line}\n`);
  const { operator, viewer } = LIVE_DEMO_PEOPLE;
  const { id } = await running.controller.start({ version: 'v2.1.0', changes: ['app'] }, { ...operator, groups: [...operator.groups] });
  io.out(`release ${id} started: open ${running.url}/releases/${id}\n`);
  io.out('sign in with one of these tokens (shown once; the tokens file keeps only their hashes):\n');
  io.out(`  operator  ${operator.user} (group ${operator.groups.join(', ')}: may approve ring 3, roll back, abort): ${tokens.operator}\n`);
  io.out(`  viewer    ${viewer.user} (sees everything, changes nothing): ${tokens.viewer}\n`);
  io.out(`every ring deploy and rollback is a commit in ${remote} (git -C ${join(dir, 'work', 'gitops')} log)\n`);
  io.out(liveDemoStory(scale));
  return { running, id, dir, tokensFile };
}

/** `demo --serve`: start the live demo and run it until `stopped` (SIGINT or SIGTERM) resolves. */
export async function serveDemo(io: Io, opts: LiveDemoOptions, stopped: Promise<void> = signalled()): Promise<number> {
  const demo = await startLiveDemo(io, opts);
  await stopped;
  await demo.running.close();
  return EXIT.ok;
}

function signalled(): Promise<void> {
  return new Promise<void>((stop) => {
    process.once('SIGINT', () => stop());
    process.once('SIGTERM', () => stop());
  });
}
