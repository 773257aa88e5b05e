/**
 * @module Running the git CLI for the GitOps adapter: execFile, never a shell; an environment with
 * no prompts, the C locale and no inherited GIT_DIR; credentials from MERIDIAN_GIT_TOKEN through a
 * credential helper that reads the variable itself (the token is never in a URL or an argument),
 * otherwise the user's own credential helper; failures as AdapterError with credentials redacted.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AdapterError } from '../../errors.ts';
import { redact } from './redact.ts';

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Answers `get` with the token from the environment; git appends the action (`get`, `store`, `erase`). */
const TOKEN_HELPER = '!f() { test "$1" = get || exit 0; echo "username=${MERIDIAN_GIT_USERNAME:-x-access-token}"; echo "password=${MERIDIAN_GIT_TOKEN}"; }; f';

/** Failures worth trying again: the network or the server, not the request. */
const TRANSIENT = /could not resolve host|failed to connect|couldn't connect|connection (timed out|refused|reset)|operation timed out|timed out after|early eof|unexpected disconnect|remote end hung up|rpc failed|returned error: 5\d\d|temporary failure|gnutls|ssl_error/i;

const TIMEOUT_MS = 120_000;

/** The environment git runs with: no prompts, English messages, nothing inherited that points git elsewhere. */
export function gitEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C', GIT_EDITOR: 'true' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_ASKPASS']) delete env[name];
  return env;
}

/** Told the arguments of every git command before it starts (tests and benchmarks count them). */
export type GitObserver = (args: readonly string[]) => void;

export class Git {
  readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv, private readonly observe?: GitObserver) {
    this.env = gitEnv(env);
  }

  /** Configuration given to every command: the token helper, when there is a token. */
  private config(): string[] {
    return this.env.MERIDIAN_GIT_TOKEN ? ['-c', 'credential.helper=', '-c', `credential.helper=${TOKEN_HELPER}`] : [];
  }

  redact(text: string): string {
    return redact(text, this.env);
  }

  /** Run `git ARGS` in `cwd`. Exit codes in `allow` resolve; any other throws an AdapterError. */
  run(args: string[], cwd: string, allow: number[] = [0]): Promise<GitResult> {
    this.observe?.(args);
    return new Promise((resolve, reject) => {
      execFile('git', [...this.config(), ...args], { cwd, env: this.env, maxBuffer: 64 * 1024 * 1024, timeout: TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
        const result: GitResult = { stdout, stderr, code: 0 };
        if (error) {
          const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
          // A missing working directory fails the spawn the same way as a missing program.
          if (e.code === 'ENOENT' && !existsSync(cwd)) return reject(new AdapterError(`git ${args[0]}: the directory ${cwd} does not exist`, { retryable: true }));
          if (e.code === 'ENOENT') return reject(new AdapterError('git is not installed (no git on the PATH)', { retryable: false }));
          if (e.killed) return reject(new AdapterError(`git ${args[0]} timed out after ${TIMEOUT_MS / 1000}s`, { retryable: true }));
          result.code = typeof e.code === 'number' ? e.code : 1;
        }
        if (allow.includes(result.code)) resolve(result);
        else reject(this.failure(args, result));
      });
    });
  }

  /** `git ARGS` → trimmed stdout. */
  async out(args: string[], cwd: string): Promise<string> {
    return (await this.run(args, cwd)).stdout.trim();
  }

  failure(args: string[], result: GitResult, what = `git ${args[0]}`): AdapterError {
    const text = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^hint:/.test(l))
      .slice(0, 4)
      .join('; ');
    return new AdapterError(this.redact(`${what} failed: ${text}`), { retryable: TRANSIENT.test(text) });
  }
}

/** `[major, minor]` of `git version 2.39.5`. */
export function parseGitVersion(text: string): [number, number] | null {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}
