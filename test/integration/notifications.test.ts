/** @module Notifications end to end: the service (in-process, on the simulated fleet in scaled time)
 * tells a real HTTP receiver on loopback and a real program about a release whose ring fails:
 * the webhook's JSON, the Slack message, the command's input; a receiver whose port is closed and
 * one that answers 500 get their notifications later, in order, once retries (on a simulated
 * clock moved by the test) reach them; no secret from the environment shows in the API, the
 * delivery log, the dashboard or the server's log; events replayed after a restart are not sent
 * again. Then a real `meridian serve`: refused when a variable a sink refers to is unset, and
 * links built from --public-url.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendToken, hashToken, newToken } from '../../src/api/tokens.ts';
import type { ReleaseView } from '../../src/runtime/controller-types.ts';
import type { NotificationEntry } from '../../src/runtime/notifier-types.ts';
import { startService, type RunningService } from '../../src/runtime/service.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';
import { MERIDIAN_BIN, killAll, pollUntil, startServe } from './support/serve-process.ts';
import { shopPolicy } from './support/shop-policy.ts';

const SLACK_SECRET = 'T0AAAA/B0BBBB/slackSecretPathValue42';
const FLAKY_SECRET = 'flaky-secret-path-value-0042';
const DOWN_TOKEN = 'down-query-token-value-00042';
const PUBLIC = 'https://meridian.example.com/ops';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  json: Record<string, unknown>;
}

/** A receiver on loopback: records every request; `/flaky/...` answers 500 (echoing the path) the first `failFirst` times. */
function receiver(opts: { failFirst?: number } = {}): Promise<{ server: Server; port: number; got: Received[] }> {
  const got: Received[] = [];
  let failures = opts.failFirst ?? 0;
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => {
      const path = req.url ?? '';
      got.push({ path, headers: req.headers, json: JSON.parse(text) as Record<string, unknown> });
      if (path.startsWith('/flaky') && failures > 0) {
        failures--;
        res.writeHead(500);
        res.end(`could not take ${path} just now`);
        return;
      }
      res.writeHead(200);
      res.end('ok');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, got })));
}

/** A port nothing listens on (yet). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const close = (s: Server): Promise<void> => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); });

const dir = mkdtempSync(join(tmpdir(), 'meridian-notify-it-'));
const tokensFile = join(dir, 'tokens.json');
const token = newToken();
appendToken(tokensFile, { user: 'olga', groups: [], role: 'operator', hash: hashToken(token) });
const admin = newToken();
appendToken(tokensFile, { user: 'ada', groups: [], role: 'admin', hash: hashToken(admin) });

/** The program of the command sink: writes what it was given (stdin, MERIDIAN_* variables) to a file of its own. */
const COMMAND = join(dir, 'page.cjs');
writeFileSync(COMMAND, `let s = '';
process.stdin.on('data', (d) => { s += d; }).on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MERIDIAN_')));
  require('fs').appendFileSync(process.argv[2], JSON.stringify({ stdin: JSON.parse(s), env }) + '\\n');
});
`);

const SCENARIO = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: ring-1-fails }
spec:
  start: "2026-03-02T03:30:00Z"
  seed: 7
  release: { version: v2.1.0, previous: v2.0.0, changes: [app] }
  faults:
    - { kind: error-rate, regions: [ap-south-1], value: 0.2, after: 0m }
`;

let hub: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  hub = await receiver({ failFirst: 2 });
});
afterAll(async () => {
  await close(hub.server);
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

async function call(s: RunningService, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${s.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, text: await res.text() };
}

async function entries(s: RunningService, id: string): Promise<NotificationEntry[]> {
  const all: NotificationEntry[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const page = JSON.parse((await call(s, `/api/v1/releases/${id}/notifications?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).text) as { items: NotificationEntry[]; next: string | null };
    all.push(...page.items);
    cursor = page.next;
  }
  return all;
}

const ofSink = (es: NotificationEntry[], sink: string): NotificationEntry[] => es.filter((e) => e.sink === sink);

describe('notifications from the service', () => {
  let service: RunningService | null = null;
  afterEach(async () => {
    await service?.close();
    service = null;
  });

  it('tell a webhook, Slack and a program about a failing ring, retry receivers that are down until they take them, in order, and show no secret', async () => {
    const downPort = await closedPort();
    const commandOut = join(dir, 'paged.jsonl');
    const hubUrl = `http://127.0.0.1:${hub.port}`;
    const sinks = `  notifications:
    - webhook: { url: "${hubUrl}/hook" }
      events: ["*"]
    - slack: { url: "${hubUrl}/slack/\${SLACK_HOOK_PATH}" }
      events: [ring.failed, ring.rollback.completed]
    - command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(COMMAND)}, ${JSON.stringify(commandOut)}]
      events: [ring.failed]
    - webhook: { url: "http://127.0.0.1:${downPort}/down?token=\${DOWN_TOKEN}" }
      events: [release.started, ring.failed]
    - webhook: { url: "${hubUrl}/flaky/\${FLAKY_PATH}" }
      events: [ring.failed]
`;
    const logs: string[] = [];
    const notifierClock = new SimulatedClock(Date.now());
    service = await startService({
      policy: { text: `${shopPolicy()}${sinks}`, file: 'shop.yaml' }, scenario: { text: SCENARIO, file: 'ring-1-fails.yaml' },
      store: { kind: 'memory' }, port: 0, host: '127.0.0.1', tokensFile, timeScale: 3000, workDir: join(dir, 'work-1'),
      env: { ...process.env, SLACK_HOOK_PATH: SLACK_SECRET, DOWN_TOKEN, FLAKY_PATH: FLAKY_SECRET },
      publicUrl: PUBLIC, notifierClock, log: (l) => logs.push(l),
    });
    const s = service;
    expect(s.describe).toContain(`  notifications: 5 sink(s); release links under ${PUBLIC}/releases/`);
    const started = await call(s, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } });
    expect(started.status).toBe(201);
    const { id } = JSON.parse(started.text) as { id: string };

    // The ring fails and is rolled back in scaled time; the release's events come to the webhook that takes them all.
    const view = await pollUntil('ring-1 rolled back', async () => {
      const v = JSON.parse((await call(s, `/api/v1/releases/${id}`)).text) as ReleaseView;
      return { done: v.events.some((e) => e.type === 'ring.rollback.completed') ? v : undefined, seen: v.events.map((e) => e.type).join(', ') };
    }, { timeoutMs: 30_000, intervalMs: 50 });
    const hookGot = await pollUntil('every event at the webhook', async () => {
      const got = hub.got.filter((r) => r.path === '/hook');
      return { done: got.length >= view.events.length ? got : undefined, seen: got.map((r) => r.json.event).join(', ') };
    });
    expect(hookGot.slice(0, view.events.length).map((r) => r.json.event)).toEqual(view.events.map((e) => e.type));
    const failed = hookGot.find((r) => r.json.event === 'ring.failed')!;
    const failedEvent = view.events.find((e) => e.type === 'ring.failed')!;
    expect(failed.json).toEqual({
      service: 'shop', version: 'v2.1.0', releaseId: id, ring: 'ring-1', region: failedEvent.region ?? null, event: 'ring.failed',
      reason: failedEvent.detail ?? null, at: failedEvent.at, url: `${PUBLIC}/releases/${id}`,
    });
    expect(failed.headers['content-type']).toBe('application/json');

    // Slack: a fallback text and Block Kit blocks, the hook's secret path filled in only on the wire.
    const slack = await pollUntil('the Slack message', async () => {
      const got = hub.got.filter((r) => r.path.startsWith('/slack/'));
      return { done: got.length >= 2 ? got : undefined, seen: String(got.length) };
    });
    expect(slack.map((r) => r.path)).toEqual([`/slack/${SLACK_SECRET}`, `/slack/${SLACK_SECRET}`]);
    const message = slack[0]!.json as { text: string; blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ url?: string }> }> };
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
    expect(message.blocks[0]!.text!.text).toBe(':red_circle: shop v2.1.0 — ring ring-1 failed');
    expect(message.text.startsWith(':red_circle: shop v2.1.0 — ring ring-1 failed: ')).toBe(true);
    expect(message.blocks[3]!.elements![0]!.url).toBe(`${PUBLIC}/releases/${id}`);
    expect((slack[1]!.json as { blocks: Array<{ text?: { text: string } }> }).blocks[0]!.text!.text).toBe(':leftwards_arrow_with_hook: shop v2.1.0 — ring ring-1 rolled back');

    // The program got the same JSON on its input, and MERIDIAN_* variables.
    const paged = await pollUntil('the command sink', async () => {
      let text = '';
      try {
        text = readFileSync(commandOut, 'utf8');
      } catch { /* not yet */ }
      return { done: text ? text : undefined, seen: text };
    });
    const ran = JSON.parse(paged.trim().split('\n')[0]!) as { stdin: Record<string, unknown>; env: Record<string, string> };
    expect(ran.stdin).toEqual(failed.json);
    expect(ran.env).toMatchObject({ MERIDIAN_EVENT: 'ring.failed', MERIDIAN_RELEASE: id, MERIDIAN_SERVICE: 'shop', MERIDIAN_RING: 'ring-1', MERIDIAN_URL: `${PUBLIC}/releases/${id}` });

    // The closed port and the 500 wait for their next attempt; nothing else waits for them.
    const DOWN = `webhook http://127.0.0.1:${downPort}/down?[redacted]`;
    const FLAKY = `webhook ${hubUrl}/flaky/\${FLAKY_PATH}`;
    await pollUntil('first attempts to the receivers that are down', async () => {
      const es = await entries(s, id);
      const ready = ofSink(es, DOWN).some((e) => e.outcome === 'retrying') && ofSink(es, FLAKY).some((e) => e.outcome === 'retrying');
      return { done: ready || undefined, seen: JSON.stringify(es.slice(-3)) };
    });
    const before = await entries(s, id);
    expect(ofSink(before, DOWN)[0]).toMatchObject({ event: 'release.started', attempt: 1, outcome: 'retrying', status: null, error: 'connection refused' });
    expect(ofSink(before, FLAKY)[0]).toMatchObject({ event: 'ring.failed', attempt: 1, outcome: 'retrying', status: 500, error: `answered 500: could not take /flaky/[redacted] just now` });

    // The closed port opens; each retry is due on the notifier's clock, which the test moves to it.
    const down = await new Promise<{ server: Server; got: Received[] }>((resolve) => {
      const got: Received[] = [];
      const server = createServer((req, res) => {
        let text = '';
        req.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => {
          got.push({ path: req.url ?? '', headers: req.headers, json: JSON.parse(text) as Record<string, unknown> });
          res.end('ok');
        });
      });
      server.listen(downPort, '127.0.0.1', () => resolve({ server, got }));
    });
    try {
      for (const sink of [DOWN, FLAKY]) {
        for (let round = 0; round < 10; round++) {
          const mine = ofSink(await entries(s, id), sink);
          const lastEntry = mine[mine.length - 1]!;
          if (lastEntry.outcome !== 'retrying') break;
          notifierClock.set(Math.max(notifierClock.now(), Date.parse(lastEntry.nextAttemptAt!)));
          await pollUntil(`attempt ${lastEntry.attempt + 1} to ${sink}`, async () => {
            const n = ofSink(await entries(s, id), sink).length;
            return { done: n > mine.length || undefined, seen: String(n) };
          });
        }
      }
      await pollUntil('both ring.failed notifications delivered', async () => {
        const es = await entries(s, id);
        const ok = (sink: string): boolean => ofSink(es, sink).some((e) => e.event === 'ring.failed' && e.outcome === 'delivered');
        return { done: (ok(DOWN) && ok(FLAKY)) || undefined, seen: JSON.stringify(es.slice(-4)) };
      });
      expect(down.got.map((r) => r.json.event)).toEqual(['release.started', 'ring.failed']);
      expect(down.got[0]!.path).toBe(`/down?token=${DOWN_TOKEN}`);
      const flaky = ofSink(await entries(s, id), FLAKY);
      expect(flaky.map((e) => [e.attempt, e.outcome, e.status])).toEqual([[1, 'retrying', 500], [2, 'retrying', 500], [3, 'delivered', 200]]);
    } finally {
      await close(down.server);
    }

    // No secret anywhere a person or a program reads: the delivery log, the release, the policy, the dashboard, the log.
    const log = (await call(s, `/api/v1/releases/${id}/notifications`)).text;
    const release = (await call(s, `/api/v1/releases/${id}`)).text;
    const policy = (await call(s, '/api/v1/policy')).text;
    const page = (await call(s, `/releases/${id}/fragment`)).text;
    expect(log).toContain(`slack ${hubUrl}/slack/\${SLACK_HOOK_PATH}`);
    expect(page).toContain('<h2 id="notifications-h">Notifications</h2>');
    expect(page).toContain(`slack ${hubUrl}/slack/\${SLACK_HOOK_PATH}`);
    expect(page).toContain(`webhook http://127.0.0.1:${downPort}/down?[redacted]`);
    expect(logs.some((l) => l.includes('connection refused'))).toBe(true);
    for (const [where, text] of [['delivery log', log], ['release', release], ['policy', policy], ['dashboard', page], ['server log', logs.join('\n')]] as const) {
      for (const secret of [SLACK_SECRET, FLAKY_SECRET, DOWN_TOKEN, encodeURIComponent(SLACK_SECRET)]) expect(text, `${where} shows ${secret}`).not.toContain(secret);
    }
  }, 60_000);

  it('answers 404 for the delivery log of a release that is not there, and refuses a bad cursor', async () => {
    service = await startService({ store: { kind: 'memory' }, port: 0, host: '127.0.0.1', tokensFile, timeScale: 1, workDir: join(dir, 'work-2'), log: () => {} });
    const missing = await call(service, '/api/v1/releases/nope/notifications');
    expect([missing.status, JSON.parse(missing.text)]).toEqual([404, { error: { code: 'not_found', message: 'release "nope" not found' } }]);
    const started = JSON.parse((await call(service, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } })).text) as { id: string };
    expect(JSON.parse((await call(service, `/api/v1/releases/${started.id}/notifications`)).text)).toEqual({ items: [], next: null });
    const bad = await call(service, `/api/v1/releases/${started.id}/notifications?cursor=zzz`);
    expect([bad.status, JSON.parse(bad.text).error.message]).toEqual([400, 'cursor "zzz" was not issued for this list (start again without a cursor)']);
    const page = (await call(service, `/releases/${started.id}/fragment`)).text;
    expect(page).toContain("This service's policy sends no notifications");
  });

  it('do not send again the events a restart replays: after it, only what happens next', async () => {
    const db = join(dir, 'restart.db');
    const policy = { text: `${shopPolicy({ ring1: 'approval: { approvers: [olga] }' })}  notifications:\n    - webhook: { url: "http://127.0.0.1:${hub.port}/restart" }\n      events: ["*"]\n`, file: 'shop.yaml' };
    const run = (n: number) => startService({
      policy, store: { kind: 'sqlite', file: db }, port: 0, host: '127.0.0.1', tokensFile, timeScale: 3000, workDir: join(dir, `work-r${n}`), log: () => {}, publicUrl: PUBLIC,
    });
    const got = (): Array<Record<string, unknown>> => hub.got.filter((r) => r.path === '/restart').map((r) => r.json);
    service = await run(1);
    const { id } = JSON.parse((await call(service, '/api/v1/releases', { method: 'POST', body: { version: 'v2.1.0' } })).text) as { id: string };
    await pollUntil('approval.requested at the receiver', async () => ({ done: got().some((e) => e.event === 'approval.requested') || undefined, seen: got().map((e) => e.event).join(', ') }), { timeoutMs: 30_000 });
    const beforeRestart = got().length;
    await service.close();
    service = await run(2);
    const approved = await call(service, `/api/v1/releases/${id}/approve`, { method: 'POST', body: { ring: 'ring-1' } });
    expect(approved.status).toBe(200);
    await pollUntil('approval.granted at the receiver', async () => ({ done: got().some((e) => e.event === 'approval.granted') || undefined, seen: got().map((e) => e.event).join(', ') }), { timeoutMs: 30_000 });
    const after = got().slice(beforeRestart);
    // The first notification after the restart is of the approval: nothing recorded before it came again.
    expect(after[0]!.event).toBe('approval.granted');
    const keys = got().map((e) => `${String(e.event)} ${String(e.ring)} ${String(e.at)}`);
    expect(new Set(keys).size).toBe(keys.length);
  }, 60_000);
});

describe('meridian serve with notifications', () => {
  it('refuses to start while a variable a sink refers to is unset, naming the file, line and variable', () => {
    const file = join(dir, 'needs-var.yaml');
    writeFileSync(file, `${shopPolicy()}  notifications:\n    - slack: { url: "https://hooks.slack.com/services/\${NO_SUCH_HOOK_PATH}" }\n      events: [ring.failed]\n`);
    const env = { ...process.env };
    delete env.NO_SUCH_HOOK_PATH;
    const r = spawnSync(process.execPath, [MERIDIAN_BIN, 'serve', '--policy', file, '--db', join(dir, 'never.db'), '--tokens', tokensFile, '--port', '0'], { cwd: dir, env, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`meridian: ${file}:18:21: spec.notifications[0].slack.url: \${NO_SUCH_HOOK_PATH} is not set in the environment (meridian serve fills it in when it sends a notification: set NO_SUCH_HOOK_PATH, or remove the reference)\n`);
    const validated = spawnSync(process.execPath, [MERIDIAN_BIN, 'validate', file], { cwd: dir, env, encoding: 'utf8', timeout: 20_000 });
    expect([validated.status, validated.stderr.trim()]).toEqual([0, `${file}: valid`]);
  });

  it('refuses a reload whose sinks need a variable that is not set, keeping the configuration in force', async () => {
    const config = join(dir, 'config-reload');
    mkdirSync(config);
    writeFileSync(join(config, 'shop.yaml'), shopPolicy());
    const server = await startServe({ cwd: dir, args: ['--config', config, '--db', join(dir, 'reload.db'), '--tokens', tokensFile, '--port', '0', '--work-dir', join(dir, 'work-reload')] });
    writeFileSync(join(config, 'shop.yaml'), `${shopPolicy()}  notifications:\n    - webhook: { url: "https://hooks.example.com/\${NO_SUCH_RELOAD_VAR}" }\n      events: ["*"]\n`);
    const reload = await fetch(`${server.url}/api/v1/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
    const refusal = `${join(config, 'shop.yaml')}:18:23: spec.notifications[0].webhook.url: \${NO_SUCH_RELOAD_VAR} is not set in the environment (meridian serve fills it in when it sends a notification: set NO_SUCH_RELOAD_VAR, or remove the reference)`;
    expect([reload.status, ((await reload.json()) as { error: { message: string } }).error.message]).toEqual([400, refusal]);
    server.kill('SIGHUP');
    await server.waitForOutput(/configuration not reloaded; the one in force stays:\n.*shop\.yaml:18:23: spec\.notifications\[0\]\.webhook\.url: \$\{NO_SUCH_RELOAD_VAR\} is not set in the environment/);
    const policy = (await (await fetch(`${server.url}/api/v1/policy`, { headers: { authorization: `Bearer ${token}` } })).json()) as { policy: { spec: { notifications: unknown[] } } };
    expect(policy.policy.spec.notifications).toEqual([]);
    await server.stop('SIGTERM');
  }, 30_000);

  it('refuses a --public-url that is not an http(s) URL', () => {
    const r = spawnSync(process.execPath, [MERIDIAN_BIN, 'serve', '--public-url', 'meridian.example.com', '--db', join(dir, 'never.db'), '--tokens', tokensFile, '--port', '0'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    expect([r.status, r.stderr]).toEqual([2, 'meridian: --public-url "meridian.example.com" is not a URL (e.g. https://meridian.example.com)\n']);
  });

  it('sends with the secret filled in from its environment, links to --public-url, and never prints the secret', async () => {
    const file = join(dir, 'served.yaml');
    const secret = 'served-secret-path-000042';
    writeFileSync(file, `${shopPolicy()}  notifications:\n    - webhook: { url: "http://127.0.0.1:${hub.port}/served/\${SERVED_PATH}" }\n      events: [release.started]\n`);
    // The child process takes the test's environment.
    process.env.SERVED_PATH = secret;
    const server = await startServe({
      cwd: dir,
      args: ['--policy', file, '--db', join(dir, 'served.db'), '--tokens', tokensFile, '--port', '0', '--work-dir', join(dir, 'work-served'), '--public-url', 'https://meridian.example.com/'],
    });
    const res = await fetch(`${server.url}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ version: 'v2.1.0' }) });
    const { id } = (await res.json()) as { id: string };
    const got = await pollUntil('release.started at the receiver', async () => {
      const r = hub.got.find((x) => x.path.startsWith('/served/'));
      return { done: r, seen: String(hub.got.length) };
    });
    expect(got.path).toBe(`/served/${secret}`);
    expect(got.json).toMatchObject({ event: 'release.started', releaseId: id, url: `https://meridian.example.com/releases/${id}` });
    expect(server.output()).toContain('notifications: 1 sink(s); release links under https://meridian.example.com/releases/');
    const log = await (await fetch(`${server.url}/api/v1/releases/${id}/notifications`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(log).toContain(`webhook http://127.0.0.1:${hub.port}/served/\${SERVED_PATH}`);
    await server.stop('SIGTERM');
    delete process.env.SERVED_PATH;
    expect(`${server.output()}${log}`).not.toContain(secret);
  }, 30_000);
});
