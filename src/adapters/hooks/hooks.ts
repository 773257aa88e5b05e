/**
 * @module Runs policy hooks for real: a command (argv, never a shell) or a webhook. The hook learns
 * what it is for from MERIDIAN_* environment variables (command) or a JSON body (webhook). A
 * non-zero exit, a timeout or a non-2xx answer throws AdapterError, which halts the release. What
 * the hook said (the last line of stderr, the webhook's answer) is quoted in the message, redacted
 * before it is shortened (../redact.ts): the values of secret-named variables of the hook's
 * environment and the credentials and query values of the webhook's URL never show. How a
 * command is run (runCommand) and which parts of a URL are secret (urlSecrets) are shared with the
 * notification sinks (../notify).
 */
import { execFile } from 'node:child_process';
import { AdapterError } from '../../errors.ts';
import { fetchWithTimeout, safeDecode } from '../../http.ts';
import type { HookContext, Hooks } from '../../ports.ts';
import { excerpt, type Known } from '../redact.ts';

export interface HookRunnerOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** How much of what a hook said, and of its command line, a message quotes. */
const SAID_CHARS = 300;
const COMMAND_CHARS = 160;

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** Query parameters whose values are credentials, by name. */
const SECRET_PARAM = /token|key|secret|sig|pass|auth|code|credential/i;

/**
 * A webhook URL's secrets: its user name and password, the values of query parameters named like
 * credentials, and any query value of 16 or more characters (what a signed URL carries).
 */
export function urlSecrets(url: URL): string[] {
  const query = [...url.searchParams].filter(([name, value]) => SECRET_PARAM.test(name) || value.length >= 16).map(([, value]) => value);
  return [safeDecode(url.username), safeDecode(url.password), ...query].filter((v) => v.length > 0);
}

/** How a command ended: done, or why not in words (`exited with status 3: what stderr said last`) with its exit status. */
export type CommandOutcome = { ok: true } | { ok: false; status: number | null; why: string; kind: 'exit' | 'timeout' | 'not-found' | 'stopped' | 'empty' };

export interface CommandOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  /** Written to the program's standard input, which is then closed. */
  stdin?: string;
  /** Stops the program (with killSignal) when aborted. */
  signal?: AbortSignal;
  /** What a timeout or an abort sends; SIGTERM by default. */
  killSignal?: NodeJS.Signals;
  /** What the words about it must not show, besides the secret-named variables of `env`. */
  secrets?: readonly string[];
}

/** A command line fit for a message: redacted, then shortened. */
export function commandLine(argv: readonly string[], opts: Pick<CommandOptions, 'env' | 'secrets'>): string {
  return excerpt(argv.join(' '), { env: opts.env, secrets: opts.secrets ?? [] }, COMMAND_CHARS);
}

/**
 * Run `argv` without a shell. Never rejects: a non-zero exit, a missing program, a timeout or an
 * abort is an outcome whose words quote the last line of stderr, redacted before it is shortened.
 */
export function runCommand(argv: readonly string[], opts: CommandOptions): Promise<CommandOutcome> {
  const [program, ...args] = argv;
  if (!program) return Promise.resolve({ ok: false, status: null, why: 'the command is empty', kind: 'empty' });
  const known: Known = { env: opts.env, secrets: opts.secrets ?? [] };
  const timeout = opts.timeoutMs;
  return new Promise<CommandOutcome>((resolve) => {
    const child = execFile(program, args, {
      cwd: opts.cwd, env: opts.env, timeout, maxBuffer: 1024 * 1024,
      ...(opts.killSignal ? { killSignal: opts.killSignal } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
    }, (error, _stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const e = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
      const status = typeof e.code === 'number' ? e.code : null;
      if (e.name === 'AbortError') return resolve({ ok: false, status, why: 'stopped before it finished', kind: 'stopped' });
      if (e.killed) return resolve({ ok: false, status, why: `timed out after ${timeout / 1000}s`, kind: 'timeout' });
      if (e.code === 'ENOENT') return resolve({ ok: false, status, why: `${excerpt(program, known, COMMAND_CHARS)}: command not found`, kind: 'not-found' });
      resolve({ ok: false, status, why: `exited with status ${String(e.code)}${stderr.trim() ? `: ${excerpt(lastLine(stderr), known, SAID_CHARS)}` : ''}`, kind: 'exit' });
    });
    if (opts.stdin !== undefined) {
      // A program that does not read its input closes the pipe: that is no failure of ours.
      child.stdin?.on('error', () => {});
      child.stdin?.end(opts.stdin);
    }
  });
}

export class HookRunner implements Hooks {
  readonly #opts: HookRunnerOptions;
  constructor(opts: HookRunnerOptions = {}) {
    this.#opts = opts;
  }

  async run(hook: { command?: string[]; webhook?: { url: string; method: string } }, ctx: HookContext): Promise<void> {
    const timeout = this.#opts.timeoutMs ?? 60_000;
    if (hook.command) {
      const [program, ...args] = hook.command;
      if (!program) throw new AdapterError(`hook ${ctx.step}: the command is empty`, { retryable: false });
      const env = {
        ...(this.#opts.env ?? process.env),
        MERIDIAN_RELEASE: ctx.releaseId, MERIDIAN_SERVICE: ctx.service, MERIDIAN_VERSION: ctx.version, MERIDIAN_STEP: ctx.step,
      };
      const outcome = await runCommand([program, ...args], { env, timeoutMs: timeout, ...(this.#opts.cwd ? { cwd: this.#opts.cwd } : {}) });
      if (!outcome.ok) throw new AdapterError(`hook ${ctx.step} (${commandLine(hook.command, { env })}) ${outcome.why}`, { retryable: false });
      return;
    }
    if (hook.webhook) {
      const f = this.#opts.fetch ?? fetch;
      let url: URL;
      try {
        url = new URL(hook.webhook.url);
      } catch {
        throw new AdapterError(`hook ${ctx.step}: the webhook URL is not a URL`, { retryable: false });
      }
      const known: Known = { secrets: urlSecrets(url), env: this.#opts.env ?? process.env };
      const outcome = await fetchWithTimeout(
        f,
        hook.webhook.url,
        {
          method: hook.webhook.method,
          headers: { 'content-type': 'application/json' },
          ...(hook.webhook.method === 'GET' ? {} : { body: JSON.stringify({ release: ctx.releaseId, service: ctx.service, version: ctx.version, step: ctx.step }) }),
        },
        timeout,
      );
      if (!outcome.ok) {
        const { failure, error } = outcome;
        throw new AdapterError(`hook ${ctx.step}: ${hook.webhook.method} ${url.origin} failed (${excerpt(failure.words, known, SAID_CHARS)})`, { retryable: failure.retryable, cause: error });
      }
      const { response: res, body } = outcome;
      if (!res.ok) {
        const said = excerpt(body, known, SAID_CHARS);
        const where = excerpt(`${url.origin}${url.pathname}`, known, SAID_CHARS);
        throw new AdapterError(`hook ${ctx.step}: ${hook.webhook.method} ${where} answered ${res.status}${said ? `: ${said}` : ''}`, { retryable: res.status >= 500 });
      }
      return;
    }
    throw new AdapterError(`hook ${ctx.step}: neither command nor webhook`, { retryable: false });
  }
}
