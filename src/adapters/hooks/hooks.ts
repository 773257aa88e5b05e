/**
 * @module Runs policy hooks for real: a command (argv, never a shell) or a webhook. The hook learns
 * what it is for from MERIDIAN_* environment variables (command) or a JSON body (webhook). A
 * non-zero exit, a timeout or a non-2xx answer throws AdapterError, which halts the release.
 */
import { execFile } from 'node:child_process';
import { AdapterError } from '../../errors.ts';
import type { HookContext, Hooks } from '../../ports.ts';

export interface HookRunnerOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
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
      await new Promise<void>((resolve, reject) => {
        execFile(program, args, { cwd: this.#opts.cwd, env, timeout, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
          if (!error) return resolve();
          const e = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
          const why = e.killed ? `timed out after ${timeout / 1000}s`
            : e.code === 'ENOENT' ? `${program}: command not found`
              : `exited with status ${String(e.code)}${stderr.trim() ? `: ${lastLine(stderr)}` : ''}`;
          reject(new AdapterError(`hook ${ctx.step} (${hook.command!.join(' ')}) ${why}`, { retryable: false }));
        });
      });
      return;
    }
    if (hook.webhook) {
      const f = this.#opts.fetch ?? fetch;
      let res: Response;
      try {
        res = await f(hook.webhook.url, {
          method: hook.webhook.method,
          headers: { 'content-type': 'application/json' },
          ...(hook.webhook.method === 'GET' ? {} : { body: JSON.stringify({ release: ctx.releaseId, service: ctx.service, version: ctx.version, step: ctx.step }) }),
          signal: AbortSignal.timeout(timeout),
        });
      } catch (e) {
        const c = (e as { cause?: { code?: string; message?: string } }).cause;
        const cause = c?.code ?? c?.message ?? (e as Error).message;
        throw new AdapterError(`hook ${ctx.step}: ${hook.webhook.method} ${new URL(hook.webhook.url).origin} failed (${cause})`, { retryable: true });
      }
      if (!res.ok) throw new AdapterError(`hook ${ctx.step}: ${hook.webhook.method} ${new URL(hook.webhook.url).origin}${new URL(hook.webhook.url).pathname} answered ${res.status}`, { retryable: res.status >= 500 });
      return;
    }
    throw new AdapterError(`hook ${ctx.step}: neither command nor webhook`, { retryable: false });
  }
}
