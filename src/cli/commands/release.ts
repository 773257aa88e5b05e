/**
 * @module The client commands of a running Meridian server:
 * `meridian release start|list|status|analytics|approve|resume|abort|rollback`. The server comes from --server
 * or MERIDIAN_SERVER, the token from --token or MERIDIAN_TOKEN; the token is never printed.
 * `status --watch` redraws every 2 s until the release settles or Ctrl-C: on a terminal it clears
 * and redraws, otherwise it prints only when something changed (with --json: one JSON document
 * per line, per change).
 */
import type { Command } from 'commander';
import { isFinished } from '../../engine/actions.ts';
import { UsageError } from '../../errors.ts';
import { CHANGE_KINDS, type ChangeKind } from '../../policy/schema.ts';
import type { Page, ReleaseSummary, ReleaseView } from '../../runtime/controller-types.ts';
import { releaseAnalytics, type ReleaseAnalytics, type Stat } from '../../runtime/analytics.ts';
import type { MeridianClient } from '../client.ts';
import { remoteClient, remoteOptions, type RemoteOptions } from '../remote.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, type Io } from '../io.ts';
import { tableMinute } from '../../plan/iso.ts';
import { ringCommitsTable, ringStatusWords } from '../format/release.ts';

export interface ReleaseCommandDeps {
  fetch?: typeof fetch;
  /** Time between `--watch` redraws. Default 2000 ms. */
  watchIntervalMs?: number;
  /** How `--watch` waits between redraws; it should end early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Stops `--watch`. Default: Ctrl-C (SIGINT). */
  signal?: AbortSignal;
}

type Common = RemoteOptions;

const LAST_EVENTS = 10;
/** `release status` without an id shows the newest releases, at most this many. */
export const STATUS_RELEASES = 50;
/** `release analytics` reads the newest releases, at most this many. */
export const ANALYTICS_RELEASES = 500;
const CLEAR = '\x1b[H\x1b[2J';

const minute = (iso: string | null): string => (iso === null ? '-' : tableMinute(Date.parse(iso)));

/** One release as a person reads it: rings, versions per region, the last events. */
export function releaseText(v: ReleaseView): string {
  const lines = [
    `${v.id}: ${v.service} ${v.version} (from ${v.previousVersion}), ${v.phase}`,
    `started ${minute(v.startedAt)}${v.completedAt ? `, finished ${minute(v.completedAt)}` : ''}; ${Math.round(v.blastRadius.userShare * 100)}% of users on ${v.version}`,
  ];
  if (v.haltReason) lines.push(`halted: ${v.haltReason}`);
  if (v.leftBehind) lines.push(v.leftBehind);
  if (v.forced) lines.push(`forced by ${v.forced.by} although ${v.version} failed in release ${v.forced.failedRelease} (${v.forced.failedReason}): ${v.forced.reason}`);
  const rings = table(['RING', 'REGIONS', 'STATUS', 'DEPLOYED', 'BAKE UNTIL'],
    v.rings.map((r, i) => [r.name, r.regions.join(', '), ringStatusWords(v.rings, i, r.approvers), minute(r.deployedAt), minute(r.bakeUntil)]));
  const regions = [...new Set([...v.rings.flatMap((r) => r.regions), ...Object.keys(v.versions)])];
  const versions = table(['REGION', 'VERSION'], regions.map((r) => [r, v.versions[r] ?? '?']));
  const events = v.events.slice(-LAST_EVENTS).map((e) => {
    const where = [e.ring, e.region].filter(Boolean).join(' ');
    return `${minute(e.at)}  ${e.type.padEnd(24)}${where ? ` ${where}` : ''}${e.detail ? `  ${e.detail}` : ''}`;
  });
  const commits = ringCommitsTable(v.rings);
  return `${lines.join('\n')}\n\n${rings}\n${commits ? `${commits}\n` : ''}${versions}\nlast events\n${events.join('\n')}\n`;
}

/** A summary's version, marked when the version is recorded failed for its service: `2.4.1 ✗ failed`. */
export function versionWords(r: ReleaseSummary): string {
  return r.versionFailed ? `${r.version} ✗ failed` : r.version;
}

/** A page of summaries, one line each, and how to get the next. */
export function summaryText(page: Page<ReleaseSummary>): string {
  if (page.items.length === 0) return 'no releases\n';
  const rows = table(['ID', 'SERVICE', 'VERSION', 'PHASE', 'RING', 'STARTED', 'ENDED'],
    page.items.map((r) => [r.id, r.service, versionWords(r), r.phase, r.currentRing ?? '-', minute(r.startedAt), minute(r.endedAt)]));
  const failed = new Map<string, string>();
  for (const r of page.items) {
    const f = r.versionFailed;
    if (f) failed.set(`${r.service} ${r.version}`, `✗ ${r.service} ${r.version} failed in release ${f.releaseId} on ${minute(f.at)}: ${f.reason}\n`);
  }
  return `${rows}${[...failed.values()].join('')}${page.next ? `more: meridian release list --cursor ${page.next} (with the same filters)\n` : ''}`;
}

/** Every release, newest first, one line each. */
export function releaseListText(views: ReleaseView[]): string {
  if (views.length === 0) return 'no releases\n';
  return table(['ID', 'VERSION', 'PHASE', 'STARTED', 'RINGS PASSED'],
    views.map((v) => [v.id, v.version, v.phase, minute(v.startedAt), `${v.rings.filter((r) => r.verdict === 'passed').length}/${v.rings.length}`]));
}

function parseChanges(text: string | undefined): ChangeKind[] | undefined {
  if (text === undefined) return undefined;
  const kinds = text.split(',').map((c) => c.trim()).filter(Boolean);
  for (const k of kinds) if (!(CHANGE_KINDS as readonly string[]).includes(k)) throw new UsageError(`--changes: "${k}" is not one of ${CHANGE_KINDS.join(' | ')}`);
  if (kinds.length === 0) throw new UsageError('--changes: name at least one of app, infra, schema');
  return kinds as ChangeKind[];
}

/** `--force` and `--reason`, each only with the other. */
function forceOf(opts: { force?: boolean; reason?: string }): { force?: true; reason?: string } {
  if (opts.force && (opts.reason === undefined || opts.reason.trim() === '')) throw new UsageError('--force needs --reason "why the failed version may go out again"');
  if (!opts.force && opts.reason !== undefined) throw new UsageError('--reason is given only with --force');
  return opts.force ? { force: true, reason: opts.reason! } : {};
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Poll and draw until `settled` or the signal; off a terminal (and for JSON) only changes are printed. */
async function watch(io: Io, deps: ReleaseCommandDeps, poll: () => Promise<{ text: string; settled: boolean }>, asJson: boolean): Promise<void> {
  const ctrlC = new AbortController();
  const onSigint = (): void => ctrlC.abort();
  const signal = deps.signal ?? ctrlC.signal;
  if (!deps.signal) process.once('SIGINT', onSigint);
  try {
    let last: string | null = null;
    while (!signal.aborted) {
      const { text, settled } = await poll();
      if (io.interactive && !asJson) io.out(`${CLEAR}${text}`);
      else if (text !== last) io.out(text);
      last = text;
      if (settled) return;
      await (deps.sleep ?? defaultSleep)(deps.watchIntervalMs ?? 2000, signal);
    }
  } finally {
    if (!deps.signal) process.off('SIGINT', onSigint);
  }
}

export function registerRelease(program: Command, io: Io, done: (code: number) => void, deps: ReleaseCommandDeps = {}): void {
  const client = (opts: Common, needsToken: boolean): MeridianClient => remoteClient(opts, io, needsToken, deps.fetch);
  const common = remoteOptions;

  const release = program.command('release').description('start and steer releases on a running Meridian server');

  common(release.command('start').description('start a release of a service and print its id')
    .option('--service <name>', 'the service (may be left out when the server has one)')
    .requiredOption('--version <version>', 'the version to release, e.g. v2.1.0')
    .option('--revision <ref>', 'the git revision of the release')
    .option('--image <tag>', 'the container image tag')
    .option('--changes <kinds>', `what changes, comma-separated: ${CHANGE_KINDS.join(', ')} (default app)`)
    .option('--force', 'start a version that failed for the service all the same (needs --reason)')
    .option('--reason <text>', 'with --force: why the failed version may go out again (kept in the audit log and on the release)'), 'print { id } as JSON')
    .action(async (opts: Common & { service?: string; version: string; revision?: string; image?: string; changes?: string; force?: boolean; reason?: string }) => {
      const changes = parseChanges(opts.changes);
      const force = forceOf(opts);
      const { id } = await client(opts, true).start({
        ...(opts.service !== undefined ? { service: opts.service } : {}),
        version: opts.version,
        ...(opts.revision ? { revision: opts.revision } : {}), ...(opts.image ? { image: opts.image } : {}), ...(changes ? { changes } : {}), ...force,
      });
      if (opts.json) json(io, { id });
      else {
        io.out(`${id}\n`);
        io.err(`started ${opts.version}; follow it with: meridian release status ${id} --watch\n`);
      }
      done(EXIT.ok);
    });

  common(release.command('status').description('show one release (rings, versions per region, last events), or list them all')
    .argument('[id]', 'the release; all releases when left out')
    .option('--watch', 'redraw every 2 s until the release settles (Ctrl-C stops)'), 'print the release (or { releases }) as JSON')
    .action(async (id: string | undefined, opts: Common & { watch?: boolean }) => {
      const api = client(opts, false);
      const poll = async (): Promise<{ text: string; settled: boolean; doc: unknown }> => {
        if (id !== undefined) {
          const v = await api.get(id);
          return { doc: v, text: releaseText(v), settled: isFinished(v.phase) };
        }
        const views = await api.views({}, STATUS_RELEASES);
        return { doc: { releases: views }, text: releaseListText(views), settled: views.every((v) => isFinished(v.phase)) };
      };
      if (!opts.watch) {
        const { doc, text } = await poll();
        if (opts.json) json(io, doc);
        else io.out(text);
        return done(EXIT.ok);
      }
      await watch(io, deps, async () => {
        const p = await poll();
        return { settled: p.settled, text: opts.json ? `${JSON.stringify(p.doc)}\n` : p.text };
      }, Boolean(opts.json));
      done(EXIT.ok);
    });

  common(release.command('list').description('the releases, newest first, a page at a time')
    .option('--service <name>', 'only this service')
    .option('--phase <phases>', 'only these phases, comma-separated (running, waiting, halted, rolling-back, completed, rolled-back, aborted)')
    .option('--limit <n>', 'at most this many (1 to 500)', '50')
    .option('--cursor <cursor>', 'the page after the one that printed this cursor'), 'print { items, next } as JSON')
    .action(async (opts: Common & { service?: string; phase?: string; limit: string; cursor?: string }) => {
      const page = await client(opts, false).list({
        ...(opts.service !== undefined ? { service: opts.service } : {}), ...(opts.phase !== undefined ? { phase: opts.phase } : {}),
        limit: opts.limit, ...(opts.cursor !== undefined ? { cursor: opts.cursor } : {}),
      });
      if (opts.json) json(io, page);
      else io.out(summaryText(page));
      done(EXIT.ok);
    });

  common(release.command('analytics').description(`release metrics over the newest ${ANALYTICS_RELEASES} releases: lead time, time to detect, time to roll back, change failure rate, per ring`)
    .option('--service <name>', 'only this service'),
    'print the metrics as JSON')
    .action(async (opts: Common & { service?: string }) => {
      const a = releaseAnalytics(await client(opts, false).views(opts.service !== undefined ? { service: opts.service } : {}, ANALYTICS_RELEASES));
      if (opts.json) json(io, a);
      else io.out(analyticsText(a));
      done(EXIT.ok);
    });

  common(release.command('approve').description('approve a ring that waits for approval (you must be one of its approvers)')
    .argument('<id>', 'the release')
    .requiredOption('--ring <ring>', 'the ring to approve'), 'print the release as JSON')
    .action(async (id: string, opts: Common & { ring: string }) => {
      const v = await client(opts, true).approve(id, opts.ring);
      report(v, opts, `approved ${opts.ring} of ${v.id}; the release is ${v.phase}`);
    });

  common(release.command('resume').description('resume a halted release where it stopped')
    .argument('<id>', 'the release'), 'print the release as JSON')
    .action(async (id: string, opts: Common) => {
      const v = await client(opts, true).resume(id);
      report(v, opts, `resumed ${v.id}; the release is ${v.phase}`);
    });

  common(release.command('abort').description('stop a release where it is (nothing is rolled back)')
    .argument('<id>', 'the release'), 'print the release as JSON')
    .action(async (id: string, opts: Common) => {
      const v = await client(opts, true).abort(id);
      report(v, opts, `aborted ${v.id}; nothing was rolled back`);
    });

  common(release.command('rollback').description('roll back one ring, or every ring that runs the new version')
    .argument('<id>', 'the release')
    .option('--ring <ring>', 'only this ring'), 'print the release as JSON')
    .action(async (id: string, opts: Common & { ring?: string }) => {
      const v = await client(opts, true).rollback(id, opts.ring);
      report(v, opts, `rolling back ${opts.ring ?? 'every ring on the new version'} of ${v.id}; the release is ${v.phase}`);
    });

  function report(v: ReleaseView, opts: Common, sentence: string): void {
    if (opts.json) json(io, v);
    else io.out(`${sentence}\n`);
    done(EXIT.ok);
  }
}

function statText(s: Stat, unit: string): string {
  return s.median === null ? 'no data yet' : `median ${s.median} ${unit} (${s.n} measured)`;
}

/** The release metrics as a person reads them. */
export function analyticsText(a: ReleaseAnalytics): string {
  const rate = a.changeFailureRate === null ? 'no finished release yet' : `${Math.round(a.changeFailureRate * 1000) / 10}%`;
  const lines = [
    `releases: ${a.releases} (${a.completed} completed, ${a.rolledBack} rolled back); change failure rate ${rate}`,
    `lead time to GA:  ${statText(a.leadTimeHours, 'h')}`,
    `time to detect:   ${statText(a.detectMinutes, 'min')} (from a ring healthy to its failure)`,
    `time to roll back: ${statText(a.rollbackMinutes, 'min')} (per ring)`,
    '',
    table(['RING', 'DEPLOYED', 'PASSED', 'FAILED', 'DEPLOY TO PASS'], a.rings.map((r) => [r.ring, String(r.deployed), String(r.passed), String(r.failed), r.hoursToPass.median === null ? '-' : `${r.hoursToPass.median} h`])).trimEnd(),
  ];
  return `${lines.join('\n')}\n`;
}
