/**
 * @module Runs policy hooks for real: a command (argv, never a shell) or a webhook. The hook learns
 * what it is for from MERIDIAN_* environment variables (command) or a JSON body (webhook). A
 * non-zero exit, a timeout or a non-2xx answer throws AdapterError, which halts the release. What
 * the hook said (the last line of stderr, the webhook's answer) is quoted in the message, redacted
 * before it is shortened (../redact.ts): the values of secret-named variables of the hook's
 * environment and the credentials and query values of the webhook's URL never show.
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
function urlSecrets(url: URL): string[] {
  const query = [...url.searchParams].filter(([name, value]) => SECRET_PARAM.test(name) || value.length >= 16).map(([, value]) => value);
  return [safeDecode(url.username), safeDecode(url.password), ...query].filter((v) => v.length > 0);
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
      const known: Known = { env };
      const shown = excerpt(hook.command.join(' '), known, COMMAND_CHARS);
      await new Promise<void>((resolve, reject) => {
        execFile(program, args, { cwd: this.#opts.cwd, env, timeout, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
          if (!error) return resolve();
          const e = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
          const why = e.killed ? `timed out after ${timeout / 1000}s`
            : e.code === 'ENOENT' ? `${excerpt(program, known, COMMAND_CHARS)}: command not found`
              : `exited with status ${String(e.code)}${stderr.trim() ? `: ${excerpt(lastLine(stderr), known, SAID_CHARS)}` : ''}`;
          reject(new AdapterError(`hook ${ctx.step} (${shown}) ${why}`, { retryable: false }));
        });
      });
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
