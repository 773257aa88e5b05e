/** @module Tests of the notification sinks against a real HTTP receiver on loopback and real programs: what each sink sends, what counts as delivered and what is worth another attempt, and that no secret shows in what a failure says. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationSink } from '../../policy/notifications.ts';
import type { NotificationBody } from '../../runtime/notifier-types.ts';
import { NotificationSenders, expandUrl, slackHeadline, slackMessage } from './index.ts';

const SECRET = 'T0AAA/B0BBB/XyZsecretPathValue42';
const body: NotificationBody = {
  service: 'checkout', version: '2.4.1', releaseId: 'checkout-2.4.1-1a2b3c4d', ring: 'canary', region: 'eu-west-1', event: 'ring.failed',
  reason: 'gate error-rate: 0.031 > 0.01 twice in eu-west-1', at: '2026-03-02T10:05:00.000Z', url: 'http://127.0.0.1:8080/releases/checkout-2.4.1-1a2b3c4d',
};
const opts = () => ({ signal: new AbortController().signal, deliveryId: 'd-1' });

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  json: unknown;
}

let server: Server;
let base: string;
const received: Received[] = [];
const dir = mkdtempSync(join(tmpdir(), 'meridian-notify-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, json: text ? JSON.parse(text) : null });
      if (path.startsWith('/fail/')) {
        res.writeHead(Number(path.split('/')[2]));
        res.end(`refused, you sent ${path}`);
        return;
      }
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const senders = new NotificationSenders({ env: { SLACK_HOOK_PATH: SECRET, PATH: process.env.PATH }, secretVariables: () => ['SLACK_HOOK_PATH'] });
const last = (): Received => received[received.length - 1]!;

describe('a webhook sink', () => {
  it('POSTs the notification as JSON, with its event and delivery id in headers', async () => {
    const sink: NotificationSink = { webhook: { url: `${base}/meridian` }, events: ['*'] };
    expect(await senders.send(sink, body, opts())).toEqual({ ok: true, status: 200 });
    expect(last().path).toBe('/meridian');
    expect(last().json).toEqual(body);
    expect(last().headers).toMatchObject({ 'content-type': 'application/json', 'x-meridian-event': 'ring.failed', 'x-meridian-delivery': 'd-1' });
  });

  it('fills ${NAME} in from the environment when it sends, and keeps the value out of what a failure says', async () => {
    const sink: NotificationSink = { webhook: { url: `${base}/fail/500/\${SLACK_HOOK_PATH}` }, events: ['*'] };
    const result = await senders.send(sink, body, opts());
    expect(last().path).toBe(`/fail/500/${SECRET}`);
    expect(result).toEqual({ ok: false, status: 500, error: 'answered 500: refused, you sent /fail/500/[redacted]', retryable: true });
  });

  it('does not try again a request the receiver refuses for good, and does again one it asks to wait for', async () => {
    expect(await senders.send({ webhook: { url: `${base}/fail/404` }, events: ['*'] }, body, opts())).toMatchObject({ ok: false, status: 404, retryable: false });
    expect(await senders.send({ webhook: { url: `${base}/fail/429` }, events: ['*'] }, body, opts())).toMatchObject({ ok: false, status: 429, retryable: true });
  });

  it('says a receiver that is not there refused the connection, worth another attempt', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await senders.send({ webhook: { url: `http://127.0.0.1:${port}/x` }, events: ['*'] }, body, opts())).toEqual({ ok: false, status: null, error: 'connection refused', retryable: true });
  });

  it('refuses to send when a variable it refers to is not set, naming the variable only', async () => {
    const bare = new NotificationSenders({ env: {} });
    expect(await bare.send({ webhook: { url: `${base}/\${HOOK_TOKEN}` }, events: ['*'] }, body, opts())).toEqual({ ok: false, status: null, error: '${HOOK_TOKEN} is not set in the environment of meridian serve', retryable: false });
  });
});

describe('expanding a sink URL', () => {
  it('gives the URL and every secret it brought: the values referred to and the URL\'s credentials', () => {
    const expanded = expandUrl('https://${HOOK_USER}:${HOOK_PASS}@hooks.example.com/${P}?sig=abc', { HOOK_USER: 'bot', HOOK_PASS: 'pw-123', P: 'path' });
    expect(expanded).toMatchObject({ ok: true, secrets: expect.arrayContaining(['bot', 'pw-123', 'path', 'abc']) });
    expect(expanded.ok && expanded.url.href).toBe('https://bot:pw-123@hooks.example.com/path?sig=abc');
  });
});

describe('a Slack sink', () => {
  it('posts a message with a text fallback and Block Kit blocks: a header, the reason, where and when, a button to the release', async () => {
    const sink: NotificationSink = { slack: { url: `${base}/services/\${SLACK_HOOK_PATH}` }, events: ['ring.failed'] };
    expect(await senders.send(sink, body, opts())).toEqual({ ok: true, status: 200 });
    expect(last().path).toBe(`/services/${SECRET}`);
    expect(last().json).toEqual({
      text: ':red_circle: checkout 2.4.1 — ring canary failed: gate error-rate: 0.031 &gt; 0.01 twice in eu-west-1',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':red_circle: checkout 2.4.1 — ring canary failed', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: 'gate error-rate: 0.031 &gt; 0.01 twice in eu-west-1' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'release `checkout-2.4.1-1a2b3c4d` · ring canary · region eu-west-1 · 2026-03-02 10:05 UTC' }] },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the release', emoji: false }, url: body.url, action_id: 'open-release' }] },
      ],
    });
  });

  it('says what happened in the header for each kind of event, and keeps within Slack\'s limits', () => {
    expect(slackHeadline({ ...body, event: 'release.halted' })).toBe(':octagonal_sign: checkout 2.4.1 — release halted');
    expect(slackHeadline({ ...body, event: 'approval.requested', ring: 'ring-3' })).toBe(':raising_hand: checkout 2.4.1 — approval needed for ring ring-3');
    expect(slackHeadline({ ...body, event: 'release.completed' })).toBe(':white_check_mark: checkout 2.4.1 — release completed');
    const long = slackMessage({ ...body, version: 'v'.repeat(128), reason: '<@U123> & '.repeat(500) });
    const header = long.blocks[0] as { text: { text: string } };
    expect([...header.text.text].length).toBeLessThanOrEqual(150);
    const section = long.blocks[1] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).not.toContain('<@');
    expect(slackMessage({ ...body, reason: null }).blocks.map((b) => b.type)).toEqual(['header', 'context', 'actions']);
  });
});

describe('a command sink', () => {
  const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{require('fs').writeFileSync(process.argv[1],JSON.stringify({stdin:JSON.parse(s),env:Object.fromEntries(Object.entries(process.env).filter(([k])=>k.startsWith('MERIDIAN_')))}));process.exit(Number(process.argv[2]))})`;

  it('runs the program without a shell, the notification as JSON on its standard input and MERIDIAN_* variables', async () => {
    const out = join(dir, 'ran.json');
    expect(await senders.send({ command: [process.execPath, '-e', script, out, '0'], events: ['*'] }, body, opts())).toEqual({ ok: true, status: 0 });
    const ran = JSON.parse(readFileSync(out, 'utf8')) as { stdin: unknown; env: Record<string, string> };
    expect(ran.stdin).toEqual(body);
    expect(ran.env).toEqual({
      MERIDIAN_EVENT: 'ring.failed', MERIDIAN_RELEASE: body.releaseId, MERIDIAN_SERVICE: 'checkout', MERIDIAN_VERSION: '2.4.1', MERIDIAN_RING: 'canary',
      MERIDIAN_REGION: 'eu-west-1', MERIDIAN_REASON: body.reason, MERIDIAN_AT: body.at, MERIDIAN_URL: body.url, MERIDIAN_DELIVERY: 'd-1',
    });
  });

  it('counts a non-zero exit as a failed delivery worth another attempt, quoting stderr without the secrets it holds', async () => {
    const result = await senders.send({ command: ['sh', '-c', 'echo "paging failed for $SLACK_HOOK_PATH" >&2; exit 3'], events: ['*'] }, body, opts());
    expect(result).toEqual({ ok: false, status: 3, error: 'exited with status 3: paging failed for [redacted]', retryable: true });
  });

  it('kills a program that takes longer than the timeout', async () => {
    const quick = new NotificationSenders({ env: process.env, timeoutMs: 200 });
    const result = await quick.send({ command: ['sh', '-c', 'trap "" TERM; sleep 30'], events: ['*'] }, body, opts());
    expect(result).toEqual({ ok: false, status: null, error: 'timed out after 0.2s', retryable: true });
  });

  it('does not try again a program that is not there', async () => {
    expect(await senders.send({ command: ['no-such-pager-here'], events: ['*'] }, body, opts())).toEqual({ ok: false, status: null, error: 'no-such-pager-here: command not found', retryable: false });
  });
});
