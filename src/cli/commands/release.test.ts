/** @module Tests of `meridian release ...` in-process against a real loopback server: output, exit codes, --watch, and that the token is never printed. */
import { createServer } from 'node:net';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PEOPLE, startTestServer, type Person, type TestServer } from '../../api/test-server.test-helper.ts';
import type { ReleaseView } from '../../runtime/controller-types.ts';
import { EXIT, reportError } from '../exit-codes.ts';
import { memoryIo, type Io } from '../io.ts';
import { registerRelease, type ReleaseCommandDeps } from './release.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

let s: TestServer;
beforeEach(async () => {
  s = await startTestServer();
});
afterEach(async () => {
  await s.close();
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Run `meridian ARGV` in-process against the test server, as `who` (through MERIDIAN_TOKEN). */
async function cli(argv: string[], opts: { as?: Person; env?: Record<string, string>; deps?: ReleaseCommandDeps; interactive?: boolean } = {}): Promise<Run> {
  const env: Record<string, string> = { MERIDIAN_SERVER: s.url, ...(opts.as ? { MERIDIAN_TOKEN: s.tokens[opts.as] } : {}), ...opts.env };
  const mem = memoryIo(env);
  const io: Io = { ...mem, interactive: opts.interactive ?? false };
  let code: number = EXIT.ok;
  const program = new Command('meridian').exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  registerRelease(program, io, (c) => { code = c; }, opts.deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? EXIT.usage : reportError(io, e, { debug: false, json: argv.includes('--json') });
  }
  return { code, out: mem.stdout(), err: mem.stderr() };
}

async function startV2(): Promise<string> {
  const r = await cli(['release', 'start', '--version', 'v2'], { as: 'alice' });
  expect(r.code).toBe(0);
  return r.out.trim();
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('meridian release start', () => {
  it('prints the new release id on stdout and how to follow it on stderr', async () => {
    const r = await cli(['release', 'start', '--version', 'v2', '--revision', 'abc123', '--changes', 'app,infra'], { as: 'alice' });
    const id = r.out.trim();
    expect(r).toEqual({ code: 0, out: `${id}\n`, err: `started v2; follow it with: meridian release status ${id} --watch\n` });
    expect((await s.controller.get(id)).version).toBe('v2');
  });

  it('prints { id } with --json', async () => {
    const r = await cli(['release', 'start', '--version', 'v2', '--json'], { as: 'dana' });
    const doc = JSON.parse(r.out) as { id: string };
    expect([r.code, Object.keys(doc), r.err]).toEqual([0, ['id'], '']);
    expect((await s.controller.list()).items.map((v) => v.id)).toEqual([doc.id]);
  });

  it('takes the server and token from flags as well', async () => {
    const r = await cli(['release', 'start', '--version', 'v2', '--server', s.url, '--token', s.tokens.alice], { env: { MERIDIAN_SERVER: 'http://127.0.0.1:1' } });
    expect(r.code).toBe(0);
  });

  it('is a usage error (exit 2) without a token, naming --token and MERIDIAN_TOKEN', async () => {
    const r = await cli(['release', 'start', '--version', 'v2']);
    expect(r).toEqual({ code: 2, out: '', err: 'meridian: this command needs a token: pass --token TOKEN or set MERIDIAN_TOKEN\n' });
  });

  it('exits 2 for a change kind it does not know and for a server that is not an http URL', async () => {
    expect(await cli(['release', 'start', '--version', 'v2', '--changes', 'app,db'], { as: 'alice' }))
      .toEqual({ code: 2, out: '', err: 'meridian: --changes: "db" is not one of app | infra | schema\n' });
    expect(await cli(['release', 'start', '--version', 'v2', '--server', 'localhost'], { as: 'alice' }))
      .toEqual({ code: 2, out: '', err: 'meridian: --server: "localhost" is not a URL (e.g. http://127.0.0.1:8080)\n' });
    expect(await cli(['release', 'start', '--version', 'v2'], { as: 'alice', env: { MERIDIAN_SERVER: 'ftp://example.com' } }))
      .toEqual({ code: 2, out: '', err: 'meridian: MERIDIAN_SERVER: "ftp://example.com" is not an http(s) URL\n' });
  });

  it('prints the server refusal with its HTTP status and exits 1', async () => {
    expect(await cli(['release', 'start', '--version', 'v2'], { as: 'victor' }))
      .toEqual({ code: 1, out: '', err: 'meridian: release.start requires the operator role; victor is a viewer (HTTP 403)\n' });
    const id = await startV2();
    expect(await cli(['release', 'start', '--version', 'v3'], { as: 'alice' }))
      .toEqual({ code: 1, out: '', err: `meridian: service shop already has a release in progress: ${id} (phase running) (HTTP 409)\n` });
    expect(await cli(['release', 'start', '--version', 'v3'], { env: { MERIDIAN_TOKEN: 'mrd_wrong' } }))
      .toEqual({ code: 1, out: '', err: 'meridian: invalid or unknown token (HTTP 401)\n' });
  });

  it('says when the server cannot be reached (exit 1)', async () => {
    const port = await closedPort();
    expect(await cli(['release', 'start', '--version', 'v2'], { as: 'alice', env: { MERIDIAN_SERVER: `http://127.0.0.1:${port}` } }))
      .toEqual({ code: 1, out: '', err: `meridian: cannot reach the Meridian server at http://127.0.0.1:${port} (connection refused)\n` });
  });
});

describe('meridian release status', () => {
  it('shows rings, versions per region and the last events of one release', async () => {
    const id = await startV2();
    await s.advance(4 * HOUR + 5 * MIN);
    const r = await cli(['release', 'status', id], { as: 'victor' });
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${id}: shop v2 (from unknown), waiting
started 2026-03-02 10:00Z; 55% of users on v2

RING    REGIONS     STATUS                                         DEPLOYED           BAKE UNTIL
ring-0  internal    passed                                         2026-03-02 10:00Z  2026-03-02 11:01Z
ring-1  ap-south-1  passed                                         2026-03-02 11:01Z  2026-03-02 13:02Z
ring-2  eu-west-1   passed                                         2026-03-02 13:02Z  2026-03-02 14:03Z
ring-3  us-east-1   awaiting approval (alice, group:release-team)  -                  -

REGION      VERSION
internal    v2
ap-south-1  v2
eu-west-1   v2
us-east-1   unknown

last events
2026-03-02 10:00Z  ring.deploy.started      ring-0  v2 to internal
2026-03-02 10:01Z  ring.deploy.completed    ring-0  healthy; baking 1h until 2026-03-02T11:01Z
2026-03-02 11:01Z  ring.passed              ring-0  baked 1h with every gate passing
2026-03-02 11:01Z  ring.deploy.started      ring-1  v2 to ap-south-1
2026-03-02 11:02Z  ring.deploy.completed    ring-1  healthy; baking 2h until 2026-03-02T13:02Z
2026-03-02 13:02Z  ring.passed              ring-1  baked 2h with every gate passing
2026-03-02 13:02Z  ring.deploy.started      ring-2  v2 to eu-west-1
2026-03-02 13:03Z  ring.deploy.completed    ring-2  healthy; baking 1h until 2026-03-02T14:03Z
2026-03-02 14:03Z  ring.passed              ring-2  baked 1h with every gate passing
2026-03-02 14:03Z  approval.requested       ring-3  approvers: alice, group:release-team
`);
  });

  it('prints the release as the server has it with --json', async () => {
    const id = await startV2();
    const r = await cli(['release', 'status', id, '--json'], { as: 'victor' });
    const doc = JSON.parse(r.out) as ReleaseView;
    expect(doc).toEqual(await s.controller.get(id));
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['id', 'service', 'version', 'phase', 'rings', 'versions', 'events']));
  });

  it('lists every release without an id', async () => {
    const id = await startV2();
    const r = await cli(['release', 'status'], { as: 'victor' });
    expect(r.out).toBe(`ID${' '.repeat(id.length)}VERSION  PHASE    STARTED            RINGS PASSED\n${id}  v2       running  2026-03-02 10:00Z  0/4\n`);
    expect(JSON.parse((await cli(['release', 'status', '--json'], { as: 'victor' })).out)).toEqual({ releases: [await s.controller.get(id)] });
  });

  it('says so when there are no releases, and names an unknown one (exit 1)', async () => {
    expect(await cli(['release', 'status'], { as: 'victor' })).toEqual({ code: 0, out: 'no releases\n', err: '' });
    expect(await cli(['release', 'status', 'nope'], { as: 'victor' })).toEqual({ code: 1, out: '', err: 'meridian: release "nope" not found (HTTP 404)\n' });
  });

  it('--watch off a terminal prints only when something changed, until the release settles', async () => {
    const id = await startV2();
    let polls = 0;
    const sleep = async (): Promise<void> => {
      polls++;
      // Each wait moves an hour on; ring-3 is approved as soon as it asks.
      if (polls % 2 === 0) await s.advance(HOUR);
      const v = await s.controller.get(id);
      if (v.rings[3]!.status === 'awaiting-approval') await s.controller.approve(id, 'ring-3', { ...PEOPLE.alice, groups: [] });
    };
    const r = await cli(['release', 'status', id, '--watch'], { as: 'victor', deps: { sleep, watchIntervalMs: 1 } });
    expect(r.code).toBe(0);
    const drawings = r.out.split(/(?=^shop-v2-[0-9a-f]{8}: )/m);
    expect(drawings.map((d) => d.split('\n')[0]!.replace(`${id}: `, ''))).toEqual([
      'shop v2 (from unknown), running', 'shop v2 (from unknown), running', 'shop v2 (from unknown), running',
      'shop v2 (from unknown), running', 'shop v2 (from unknown), running', 'shop v2 (from unknown), running',
      'shop v2 (from unknown), completed',
    ]);
    expect(new Set(drawings).size).toBe(drawings.length);
    expect(polls).toBeGreaterThan(drawings.length);
    expect(r.out).not.toContain('\x1b[');
  });

  it('--watch on a terminal clears and redraws at every poll', async () => {
    const id = await startV2();
    const stop = new AbortController();
    let polls = 0;
    const sleep = async (): Promise<void> => {
      if (++polls === 3) stop.abort();
    };
    const r = await cli(['release', 'status', id, '--watch'], { as: 'victor', interactive: true, deps: { sleep, signal: stop.signal } });
    expect(r.code).toBe(0);
    expect(r.out.split('\x1b[H\x1b[2J')).toHaveLength(4);
    expect(r.out.startsWith(`\x1b[H\x1b[2J${id}: shop v2 (from unknown), running\n`)).toBe(true);
  });

  it('--watch --json prints one JSON document per line, per change', async () => {
    const id = await startV2();
    await s.controller.abort(id, { ...PEOPLE.alice, groups: [] });
    const r = await cli(['release', 'status', id, '--watch', '--json'], { as: 'victor', deps: { watchIntervalMs: 1 } });
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0]!) as ReleaseView).phase).toBe('aborted');
  });
});

describe('meridian release approve, resume, abort and rollback', () => {
  async function awaitingApproval(): Promise<string> {
    const id = await startV2();
    await s.advance(4 * HOUR + 5 * MIN);
    return id;
  }

  it('approves a ring for a member of an approving group', async () => {
    const id = await awaitingApproval();
    expect(await cli(['release', 'approve', id, '--ring', 'ring-3'], { as: 'dana' }))
      .toEqual({ code: 0, out: `approved ring-3 of ${id}; the release is running\n`, err: '' });
    await s.advance(5 * MIN);
    expect((await s.controller.get(id)).rings[3]!.status).toBe('baking');
  });

  it('refuses an admin who is not an approver, with the server message (exit 1)', async () => {
    const id = await awaitingApproval();
    expect(await cli(['release', 'approve', id, '--ring', 'ring-3'], { as: 'root' }))
      .toEqual({ code: 1, out: '', err: 'meridian: root is not an approver of ring-3 (HTTP 403)\n' });
  });

  it('needs --ring to approve (exit 2)', async () => {
    const r = await cli(['release', 'approve', 'x'], { as: 'dana' });
    expect(r.code).toBe(2);
    expect(r.err).toContain("required option '--ring <ring>' not specified");
  });

  it('aborts, and says why a second abort is refused', async () => {
    const id = await startV2();
    expect(await cli(['release', 'abort', id], { as: 'alice' })).toEqual({ code: 0, out: `aborted ${id}; nothing was rolled back\n`, err: '' });
    expect(await cli(['release', 'abort', id], { as: 'alice' })).toEqual({ code: 1, out: '', err: 'meridian: release is already aborted (HTTP 409)\n' });
  });

  it('rolls back one ring', async () => {
    const id = await startV2();
    await s.advance(2 * HOUR);
    const r = await cli(['release', 'rollback', id, '--ring', 'ring-1', '--json'], { as: 'alice' });
    expect([r.code, (JSON.parse(r.out) as ReleaseView).phase]).toEqual([0, 'rolling-back']);
    await s.advance(10 * MIN);
    expect((await s.controller.get(id)).rings[1]).toMatchObject({ rolledBack: true });
  });

  it('refuses to resume a release that is not halted', async () => {
    const id = await startV2();
    expect(await cli(['release', 'resume', id], { as: 'alice' })).toEqual({ code: 1, out: '', err: 'meridian: release is running, not halted (HTTP 409)\n' });
  });

  it('is a usage error without a token for every command that changes something', async () => {
    for (const argv of [['approve', 'x', '--ring', 'ring-3'], ['resume', 'x'], ['abort', 'x'], ['rollback', 'x']]) {
      expect((await cli(['release', ...argv])).code).toBe(2);
    }
  });
});

describe('a version that failed', () => {
  /** Start v2 with every region reporting a 5% error rate: ring-0 fails its gate and rolls back. */
  async function failedV2(): Promise<string> {
    let rate = 0.05;
    s.world.metrics.value = async () => rate;
    const id = await startV2();
    await s.advance(HOUR);
    expect((await s.controller.get(id)).phase).toBe('rolled-back');
    rate = 0.001;
    return id;
  }

  it('is refused when started again (HTTP 409, exit 1), saying how to go ahead anyway', async () => {
    const id = await failedV2();
    const r = await cli(['release', 'start', '--version', 'v2'], { as: 'alice' });
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(new RegExp(`^meridian: shop v2 failed in release ${id} \\(ring ring-0: gate error-rate: error_rate 0\\.05 > max 0\\.01\\) on 2026-03-02T10:\\d\\dZ; to start it again, say force with a reason \\(meridian release start --service shop --version v2 --force --reason "\\.\\.\\."\\) \\(HTTP 409\\)\n$`));
  });

  it('starts with --force and --reason, and release status says it was forced', async () => {
    const id = await failedV2();
    const r = await cli(['release', 'start', '--version', 'v2', '--force', '--reason', 'the spike was the payments provider'], { as: 'alice' });
    expect(r.code, r.err).toBe(0);
    const next = r.out.trim();
    const status = await cli(['release', 'status', next], { as: 'victor' });
    expect(status.out.split('\n').slice(0, 3)).toEqual([
      `${next}: shop v2 (from unknown), running`,
      'started 2026-03-02 11:00Z; 0% of users on v2',
      `forced by alice although v2 failed in release ${id} (ring ring-0: gate error-rate: error_rate 0.05 > max 0.01): the spike was the payments provider`,
    ]);
    expect(status.out).toContain(`${'release.forced'.padEnd(24)}  by alice although v2 failed in release ${id}; reason: the spike was the payments provider`);
  });

  it('is a usage error (exit 2) to give --force without --reason, or --reason without --force', async () => {
    await failedV2();
    expect(await cli(['release', 'start', '--version', 'v2', '--force'], { as: 'alice' }))
      .toEqual({ code: 2, out: '', err: 'meridian: --force needs --reason "why the failed version may go out again"\n' });
    expect(await cli(['release', 'start', '--version', 'v2', '--force', '--reason', ' '], { as: 'alice' }))
      .toEqual({ code: 2, out: '', err: 'meridian: --force needs --reason "why the failed version may go out again"\n' });
    expect(await cli(['release', 'start', '--version', 'v2', '--reason', 'because'], { as: 'alice' }))
      .toEqual({ code: 2, out: '', err: 'meridian: --reason is given only with --force\n' });
    expect((await s.controller.list()).items).toHaveLength(1);
  });

  it('is marked in release list, with where and why it failed', async () => {
    const id = await failedV2();
    const other = (await cli(['release', 'start', '--version', 'v3'], { as: 'alice' })).out.trim();
    const r = await cli(['release', 'list'], { as: 'victor' });
    const failedAt = (await s.controller.get(id)).events.find((e) => e.type === 'ring.failed')!.at;
    const at = `${failedAt.slice(0, 10)} ${failedAt.slice(11, 16)}Z`;
    expect(r.out).toMatch(new RegExp(`^${other}  shop     v3 +running`, 'm'));
    expect(r.out).toMatch(new RegExp(`^${id}  shop     v2 ✗ failed  rolled-back`, 'm'));
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(`✗ shop v2 failed in release ${id} on ${at}: ring ring-0: gate error-rate: error_rate 0.05 > max 0.01`);
    const doc = JSON.parse((await cli(['release', 'list', '--json'], { as: 'victor' })).out) as { items: Array<{ id: string; versionFailed?: unknown }> };
    expect(doc.items.map((i) => [i.id, i.versionFailed !== undefined])).toEqual([[other, false], [id, true]]);
  });
});

describe('the token', () => {
  it('is never printed, whatever happens', async () => {
    const outputs: Run[] = [];
    const id = await startV2();
    outputs.push(
      await cli(['release', 'start', '--version', 'v3'], { as: 'alice' }),
      await cli(['release', 'start', '--version', 'v3'], { as: 'victor' }),
      await cli(['release', 'status', id, '--json'], { as: 'victor' }),
      await cli(['release', 'approve', id, '--ring', 'ring-3'], { as: 'root' }),
      await cli(['release', 'abort', id, '--token', s.tokens.dana]),
      await cli(['release', 'abort', id, '--token', `${s.tokens.dana}x`]),
      await cli(['release', 'abort', id, '--token', s.tokens.dana, '--server', `http://127.0.0.1:${await closedPort()}`]),
    );
    const text = outputs.map((o) => o.out + o.err).join('\n');
    for (const t of Object.values(s.tokens)) expect(text).not.toContain(t.slice(4));
  });
});

describe('meridian release analytics', () => {
  it('prints the release metrics of the server', async () => {
    await startV2();
    await s.advance(HOUR + 5 * MIN);
    const r = await cli(['release', 'analytics'], { as: 'victor' });
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 4)).toEqual([
      'releases: 1 (0 completed, 0 rolled back); change failure rate no finished release yet',
      'lead time to GA:  no data yet',
      'time to detect:   no data yet (from a ring healthy to its failure)',
      'time to roll back: no data yet (per ring)',
    ]);
    expect(r.out).toMatch(/ring-0 +1 +1 +0 +1\.02 h\n/);
    const j = await cli(['release', 'analytics', '--json'], { as: 'victor' });
    expect(JSON.parse(j.out)).toMatchObject({ releases: 1, completed: 0, changeFailureRate: null });
  });
});
