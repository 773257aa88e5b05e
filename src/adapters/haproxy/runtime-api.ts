/**
 * @module A client for HAProxy's runtime API (the "stats socket" of the management guide, section
 * 9.3): a UNIX socket path or `ipv4@HOST:PORT`, in non-interactive mode — one line of commands
 * separated by `;` per connection; HAProxy answers each command with its output followed by an
 * empty line, then closes. A command that succeeds silently answers with the empty line alone.
 * Every failure is an AdapterError a person can act on: socket missing, permission denied, nothing
 * listening, timeout, and HAProxy's own refusals ("No such server.", "Unknown command",
 * "Permission denied"). What HAProxy or the system said is quoted on one line, shortened between
 * words (../redact.ts; the runtime API holds no secret, but a URL with credentials is still
 * redacted). Nothing here knows about regions or weights.
 */
import { statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { AdapterError } from '../../errors.ts';
import { excerpt } from '../redact.ts';

export const DEFAULT_TIMEOUT_MS = 5_000;
/** A runtime API answer larger than this is cut off as an error (a stats dump of a huge config). */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** Commands are sent in lines of at most this many characters (HAProxy's buffer is 16 kB by default). */
export const MAX_LINE_CHARS = 8_000;

/** How much of one HAProxy answer, or of a system error, a message quotes. */
const QUOTE_CHARS = 200;

export type SocketAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Names HAProxy accepts for proxies and servers (and that need no escaping on the CLI). */
export const HAPROXY_NAME = /^[A-Za-z0-9_.:-]+$/;

function badAddress(socket: string): AdapterError {
  return new AdapterError(`"${socket}" is not an HAProxy stats socket address (use a path, unix@PATH, ipv4@HOST:PORT or ipv6@[HOST]:PORT)`, { retryable: false });
}

function tcp(socket: string, host: string, port: string): SocketAddress {
  const n = Number(port);
  if (!host || !/^\d+$/.test(port) || n < 1 || n > 65535) throw badAddress(socket);
  return { kind: 'tcp', host, port: n };
}

/** `ipv4@127.0.0.1:9999`, `ipv6@[::1]:9999`, `127.0.0.1:9999`, `unix@/run/haproxy.sock` or a path. */
export function parseSocketAddress(socket: string): SocketAddress {
  const s = socket.trim();
  if (s === '') throw badAddress(socket);
  let m: RegExpMatchArray | null;
  if ((m = /^ipv4@(.*):([^:]*)$/.exec(s))) return tcp(socket, m[1]!, m[2]!);
  if ((m = /^ipv6@\[(.*)\]:([^:]*)$/.exec(s)) || (m = /^ipv6@(.*):([^:]*)$/.exec(s))) return tcp(socket, m[1]!, m[2]!);
  if (s.startsWith('unix@')) {
    const path = s.slice('unix@'.length);
    if (path === '') throw badAddress(socket);
    return { kind: 'unix', path };
  }
  if (/^[a-z0-9]+@/i.test(s)) throw badAddress(socket);
  if ((m = /^([A-Za-z0-9.-]+):(\d+)$/.exec(s))) return tcp(socket, m[1]!, m[2]!);
  return { kind: 'unix', path: s };
}

export function describeAddress(a: SocketAddress): string {
  return a.kind === 'unix' ? a.path : `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** The AdapterError for a socket that could not be opened or broke. */
export function connectionError(address: SocketAddress, err: NodeJS.ErrnoException): AdapterError {
  const where = describeAddress(address);
  const cause = { cause: err };
  switch (err.code) {
    case 'ENOENT':
      return new AdapterError(
        `HAProxy stats socket ${where} does not exist: is HAProxy running, with "stats socket ${where} level admin" in its global section?`,
        { retryable: false, ...cause },
      );
    case 'EACCES':
    case 'EPERM':
      return new AdapterError(
        `permission denied on HAProxy stats socket ${where}: Meridian's user needs read and write access to it (see "mode", "user" and "group" on the stats socket line)`,
        { retryable: false, ...cause },
      );
    case 'ECONNREFUSED':
      if (address.kind === 'unix' && !isSocket(address.path)) {
        return new AdapterError(`${where} is not a socket: point spec.traffic.haproxy.socket at HAProxy's stats socket`, { retryable: false, ...cause });
      }
      return new AdapterError(`nothing accepts connections on HAProxy stats socket ${where} (connection refused): is HAProxy running?`, { retryable: true, ...cause });
    case 'ENOTSOCK':
      return new AdapterError(`${where} is not a socket: point spec.traffic.haproxy.socket at HAProxy's stats socket`, { retryable: false, ...cause });
    case 'ECONNRESET':
    case 'EPIPE':
      return new AdapterError(`HAProxy closed the connection on ${where} before answering (${err.code})`, { retryable: true, ...cause });
    default:
      return new AdapterError(`cannot talk to HAProxy on ${where}: ${excerpt(err.message, {}, QUOTE_CHARS)}`, { retryable: true, ...cause });
  }
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return true;
  }
}

/**
 * The answers to pipelined commands, in order: HAProxy ends each output with an empty line and
 * guarantees no output holds one. Answers HAProxy never sent (it closed early) are simply missing.
 */
export function splitReplies(text: string): string[] {
  const replies: string[] = [];
  let lines: string[] = [];
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  for (const line of all) {
    if (line === '') {
      replies.push(lines.join('\n'));
      lines = [];
    } else {
      lines.push(line);
    }
  }
  if (lines.length > 0) replies.push(lines.join('\n'));
  return replies;
}

/** The AdapterError for an answer that is one of HAProxy's refusals of `command`. */
export function replyError(command: string, reply: string): AdapterError {
  const first = excerpt(reply.split('\n')[0]!, {}, QUOTE_CHARS);
  const target = command.split(' ').find((word) => word.includes('/'));
  let message: string;
  if (/^Permission denied/i.test(first)) {
    message = `HAProxy refused "${command}": Permission denied (declare the stats socket with "level admin")`;
  } else if (/^Unknown command/i.test(first)) {
    message = `HAProxy does not know the command "${command}" (Unknown command)`;
  } else if (/^No such server/i.test(first)) {
    message = target ? `HAProxy has no server ${target} ("${first}" to "${command}")` : `HAProxy has no such server ("${first}" to "${command}")`;
  } else if (/^(No such backend|Can't find backend)/i.test(first)) {
    const backend = target ? target.split('/')[0] : command.split(' ').pop();
    message = `HAProxy has no backend "${backend}" ("${first}" to "${command}")`;
  } else {
    message = `HAProxy rejected "${command}": ${first}`;
  }
  return new AdapterError(message, { retryable: false });
}

export interface RuntimeApiOptions {
  /** A path, `unix@PATH`, `ipv4@HOST:PORT` or `ipv6@[HOST]:PORT`. */
  socket: string;
  /** Per connection, from connect to HAProxy closing it. */
  timeoutMs?: number;
}

export class HaproxyRuntimeApi {
  readonly address: SocketAddress;
  readonly timeoutMs: number;

  constructor(options: RuntimeApiOptions) {
    this.address = parseSocketAddress(options.socket);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** One command's answer (its output, without the closing empty line). */
  async command(command: string): Promise<string> {
    const [reply] = await this.run([command]);
    return reply!;
  }

  /**
   * Send `commands` pipelined (as few connections as the line limit allows, in order) and return
   * one answer per command. Throws AdapterError when the socket fails or an answer is missing; the
   * answers themselves are not judged here.
   */
  async run(commands: readonly string[]): Promise<string[]> {
    for (const c of commands) {
      if (/[\n;\\]/.test(c)) throw new AdapterError(`refusing to send a command holding a newline, ";" or "\\" to HAProxy: ${JSON.stringify(c)}`, { retryable: false });
    }
    const replies: string[] = [];
    for (const batch of batches(commands)) {
      const text = await this.exchange(batch.join(';'));
      const answers = splitReplies(text);
      if (answers.length < batch.length) {
        throw new AdapterError(
          `HAProxy on ${describeAddress(this.address)} closed the connection without answering "${batch[answers.length]}"`,
          { retryable: true },
        );
      }
      replies.push(...answers.slice(0, batch.length));
    }
    return replies;
  }

  private exchange(line: string): Promise<string> {
    const address = this.address;
    return new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const socket: Socket = address.kind === 'unix' ? createConnection({ path: address.path }) : createConnection({ host: address.host, port: address.port });
      const settle = (error: AdapterError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(Buffer.concat(chunks).toString('utf8'));
      };
      const timer = setTimeout(() => {
        settle(new AdapterError(`HAProxy did not answer "${line}" on ${describeAddress(address)} within ${this.timeoutMs} ms`, { retryable: true }));
      }, this.timeoutMs);
      socket.on('connect', () => socket.write(`${line}\n`));
      socket.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) {
          settle(new AdapterError(`HAProxy's answer to "${line}" is over ${MAX_REPLY_BYTES} bytes`, { retryable: false }));
          return;
        }
        chunks.push(chunk);
      });
      socket.on('end', () => settle(null));
      socket.on('close', () => settle(null));
      socket.on('error', (err: NodeJS.ErrnoException) => settle(connectionError(address, err)));
    });
  }
}

function batches(commands: readonly string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const c of commands) {
    if (current.length > 0 && length + 1 + c.length > MAX_LINE_CHARS) {
      out.push(current);
      current = [];
      length = 0;
    }
    current.push(c);
    length += (current.length > 1 ? 1 : 0) + c.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}
