/** @module Tests of the runtime API client: addresses, pipelined answers, HAProxy's refusals and socket failures. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { FakeHaproxy } from './fake-haproxy.test-helper.ts';
import { connectionError, HaproxyRuntimeApi, parseSocketAddress, replyError, splitReplies } from './runtime-api.ts';

const fakes: FakeHaproxy[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function fake(options: Parameters<typeof FakeHaproxy.start>[0] = {}): Promise<FakeHaproxy> {
  const f = await FakeHaproxy.start(options);
  fakes.push(f);
  return f;
}

/** The AdapterError a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<AdapterError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AdapterError);
  return e as AdapterError;
}

describe('parseSocketAddress', () => {
  it('reads a path, unix@PATH, ipv4@HOST:PORT, ipv6@[HOST]:PORT and HOST:PORT', () => {
    expect(parseSocketAddress('/run/haproxy/admin.sock')).toEqual({ kind: 'unix', path: '/run/haproxy/admin.sock' });
    expect(parseSocketAddress('unix@/run/haproxy/admin.sock')).toEqual({ kind: 'unix', path: '/run/haproxy/admin.sock' });
    expect(parseSocketAddress('ipv4@127.0.0.1:9999')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9999 });
    expect(parseSocketAddress('ipv6@[::1]:9999')).toEqual({ kind: 'tcp', host: '::1', port: 9999 });
    expect(parseSocketAddress('127.0.0.1:9999')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9999 });
    expect(parseSocketAddress('admin.sock')).toEqual({ kind: 'unix', path: 'admin.sock' });
  });

  it('rejects what is not a stats socket address, saying which forms are', () => {
    const usage = '(use a path, unix@PATH, ipv4@HOST:PORT or ipv6@[HOST]:PORT)';
    expect(() => parseSocketAddress('ipv4@127.0.0.1:99999')).toThrow(new AdapterError(`"ipv4@127.0.0.1:99999" is not an HAProxy stats socket address ${usage}`, { retryable: false }));
    expect(() => parseSocketAddress('ipv4@127.0.0.1')).toThrow(AdapterError);
    expect(() => parseSocketAddress('abns@haproxy')).toThrow(AdapterError);
    expect(() => parseSocketAddress(' ')).toThrow(AdapterError);
  });
});

describe('splitReplies', () => {
  it('cuts pipelined answers at the empty line that ends each, an empty answer meaning success', () => {
    expect(splitReplies('\nNo such server.\n\n1\n# be_id\n3 regions\n\n')).toEqual(['', 'No such server.', '1\n# be_id\n3 regions']);
  });

  it('keeps an answer cut short, and returns nothing for nothing', () => {
    expect(splitReplies('\n1\n# be_id')).toEqual(['', '1\n# be_id']);
    expect(splitReplies('')).toEqual([]);
  });
});

describe('replyError', () => {
  it('names the server HAProxy does not have', () => {
    expect(replyError('set weight regions/mars-1 10', 'No such server.').message).toBe(
      'HAProxy has no server regions/mars-1 ("No such server." to "set weight regions/mars-1 10")',
    );
  });

  it('names the backend HAProxy does not have', () => {
    expect(replyError('show servers state edge', "Can't find backend.").message).toBe('HAProxy has no backend "edge" ("Can\'t find backend." to "show servers state edge")');
    expect(replyError('set weight edge/eu-west-1 1', 'No such backend.').message).toBe('HAProxy has no backend "edge" ("No such backend." to "set weight edge/eu-west-1 1")');
  });

  it('says a socket below level admin cannot change weights', () => {
    expect(replyError('set weight regions/eu-west-1 0', 'Permission denied').message).toBe(
      'HAProxy refused "set weight regions/eu-west-1 0": Permission denied (declare the stats socket with "level admin")',
    );
  });

  it('reports an unknown command by its first line, not the whole usage list', () => {
    expect(replyError('show servers state regions', 'Unknown command, but maybe one of the following ones is a better match:\n  help').message).toBe(
      'HAProxy does not know the command "show servers state regions" (Unknown command)',
    );
  });

  it('quotes a long refusal cut between words, with an ellipsis and how much was left out', () => {
    const long = `Backend is using a static LB algorithm and only accepts weights '0%' and '100%'; ${'the server state file and the runtime state disagree '.repeat(30)}`.trim();
    const message = replyError('set weight regions/eu-west-1 50', long).message;
    expect(message).toMatch(/^HAProxy rejected "set weight regions\/eu-west-1 50": Backend is using a static LB algorithm .* … \(1,\d{3} more characters\)$/);
    expect(message.length).toBeLessThan(400);
  });

  it('passes any other refusal on, and none of them is worth retrying', () => {
    const e = replyError('set weight regions/eu-west-1 300', 'Absolute weight can only be between 0 and 256 inclusive.');
    expect(e.message).toBe('HAProxy rejected "set weight regions/eu-west-1 300": Absolute weight can only be between 0 and 256 inclusive.');
    expect(e.retryable).toBe(false);
  });
});

describe('connectionError', () => {
  const unix = { kind: 'unix', path: '/run/haproxy/admin.sock' } as const;
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`connect ${code}`), { code });

  it('says what to check when the socket is missing or not permitted, and not to retry', () => {
    const missing = connectionError(unix, errno('ENOENT'));
    expect(missing.message).toBe('HAProxy stats socket /run/haproxy/admin.sock does not exist: is HAProxy running, with "stats socket /run/haproxy/admin.sock level admin" in its global section?');
    expect(missing.retryable).toBe(false);
    const denied = connectionError(unix, errno('EACCES'));
    expect(denied.message).toBe(
      'permission denied on HAProxy stats socket /run/haproxy/admin.sock: Meridian\'s user needs read and write access to it (see "mode", "user" and "group" on the stats socket line)',
    );
    expect(denied.retryable).toBe(false);
  });

  it('calls a refused or reset connection retryable', () => {
    const tcp = { kind: 'tcp', host: '127.0.0.1', port: 9999 } as const;
    expect(connectionError(tcp, errno('ECONNREFUSED'))).toMatchObject({
      message: 'nothing accepts connections on HAProxy stats socket 127.0.0.1:9999 (connection refused): is HAProxy running?',
      retryable: true,
    });
    expect(connectionError(tcp, errno('ECONNRESET'))).toMatchObject({ message: 'HAProxy closed the connection on 127.0.0.1:9999 before answering (ECONNRESET)', retryable: true });
  });
});

describe('HaproxyRuntimeApi', () => {
  it('sends the commands on one line and returns one answer per command', async () => {
    const f = await fake();
    const api = new HaproxyRuntimeApi({ socket: f.socket });
    const replies = await api.run(['set weight regions/eu-west-1 7', 'set weight regions/mars-1 1', 'set server regions/eu-west-1 state drain']);
    expect(f.lines).toEqual(['set weight regions/eu-west-1 7;set weight regions/mars-1 1;set server regions/eu-west-1 state drain']);
    expect(replies).toEqual(['', 'No such server.', '']);
    expect(f.serverNamed('eu-west-1')).toEqual({ name: 'eu-west-1', weight: 7, admin: 0x08 });
  });

  it('accepts unix@PATH', async () => {
    const f = await fake();
    expect(await new HaproxyRuntimeApi({ socket: `unix@${f.socket}` }).command('set weight regions/ap-south-1 3')).toBe('');
  });

  it('splits a long batch over several connections, in order', async () => {
    const f = await fake();
    const commands = Array.from({ length: 400 }, (_, i) => `set weight regions/ap-south-1 ${i % 257}`);
    const replies = await new HaproxyRuntimeApi({ socket: f.socket }).run(commands);
    expect(replies).toHaveLength(400);
    expect(replies.every((r) => r === '')).toBe(true);
    expect(f.lines.length).toBeGreaterThan(1);
    expect(f.lines.join(';')).toBe(commands.join(';'));
    expect(f.serverNamed('ap-south-1')!.weight).toBe(399 % 257);
  });

  it('gives up after its timeout when HAProxy does not answer', async () => {
    const f = await fake({ behaviour: 'silent' });
    const e = await failure(new HaproxyRuntimeApi({ socket: f.socket, timeoutMs: 150 }).command('show servers state regions'));
    expect(e.message).toBe(`HAProxy did not answer "show servers state regions" on ${f.socket} within 150 ms`);
    expect(e.retryable).toBe(true);
  });

  it('reports a connection closed before the answer', async () => {
    const f = await fake({ behaviour: 'hang-up' });
    const e = await failure(new HaproxyRuntimeApi({ socket: f.socket }).command('show servers state regions'));
    expect(e.message).toBe(`HAProxy on ${f.socket} closed the connection without answering "show servers state regions"`);
    expect(e.retryable).toBe(true);
  });

  it('reports a missing socket and a path that is not a socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-haproxy-'));
    dirs.push(dir);
    const missing = join(dir, 'admin.sock');
    expect((await failure(new HaproxyRuntimeApi({ socket: missing }).command('show servers state'))).message).toBe(
      `HAProxy stats socket ${missing} does not exist: is HAProxy running, with "stats socket ${missing} level admin" in its global section?`,
    );
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, 'global\n');
    expect((await failure(new HaproxyRuntimeApi({ socket: file }).command('show servers state'))).message).toBe(
      `${file} is not a socket: point spec.traffic.haproxy.socket at HAProxy's stats socket`,
    );
  });

  it('refuses to send a command that would smuggle in another one', async () => {
    const f = await fake();
    const e = await failure(new HaproxyRuntimeApi({ socket: f.socket }).command('set weight regions/a 1;shutdown sessions'));
    expect(e.message).toBe('refusing to send a command holding a newline, ";" or "\\" to HAProxy: "set weight regions/a 1;shutdown sessions"');
    expect(f.lines).toEqual([]);
  });
});
