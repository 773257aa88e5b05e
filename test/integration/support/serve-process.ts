/** @module Test support: a real `meridian serve` child process (node bin/meridian.js serve ...) on
 * loopback. startServe() waits, bounded, for the `meridian serving <service> at http://127.0.0.1:PORT`
 * line on stderr and fails with everything the process printed when it does not come; the handle
 * gives the URL, the output so far, kill(signal) and the exit. killAll() ends every process started
 * here that is still running (for afterEach). Also a bounded poller for watching a real process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI entry point, as an absolute path. */
export const MERIDIAN_BIN = fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  pid: number;
  /** The service the server says it serves. */
  service: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** stderr and stdout so far, interleaved as they arrived. */
  output(): string;
  /** Wait (bounded, default 10 s) until the output matches `pattern`; resolves to the match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the process has exited and its output is drained. */
  exited: Promise<Exit>;
  /** Send `signal` and wait (bounded) for the exit. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const running = new Set<ChildProcess>();

const READY = /meridian serving (.+?) at (http:\/\/127\.0\.0\.1:\d+)/;

export interface StartOptions {
  /** Arguments after `serve`. */
  args: string[];
  cwd: string;
  /** How long to wait for the serving line (default 20 s). */
  readyTimeoutMs?: number;
}

/** Start `node bin/meridian.js serve ARGS` in `cwd` and wait until it listens. */
export function startServe(opts: StartOptions): Promise<ServeProcess> {
  const timeoutMs = opts.readyTimeoutMs ?? 20_000;
  const child = spawn(process.execPath, [MERIDIAN_BIN, 'serve', ...opts.args], { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let stderr = '';
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });

  const handle = (service: string, url: string): ServeProcess => ({
    pid: child.pid!,
    service,
    url,
    output: () => out,
    waitForOutput: (pattern, waitMs = 10_000) => pollUntil(`${pattern} in the output of meridian serve`, async () => {
      const m = pattern.exec(out);
      return { done: m ?? undefined, seen: out };
    }, { timeoutMs: waitMs, intervalMs: 20 }),
    kill: (signal) => { child.kill(signal); },
    exited,
    stop: async (signal, stopTimeoutMs = 10_000) => {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`meridian serve (pid ${child.pid}) did not exit within ${stopTimeoutMs} ms of ${signal}; output:\n${out}`)), stopTimeoutMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  });

  return new Promise<ServeProcess>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => finish(() => {
      child.kill('SIGKILL');
      reject(new Error(`meridian serve did not say it was serving within ${timeoutMs} ms; output:\n${out}`));
    }), timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      stderr += s;
      const m = READY.exec(stderr);
      if (m) finish(() => resolve(handle(m[1]!, m[2]!)));
    });
    child.once('error', (e) => finish(() => reject(new Error(`could not start meridian serve: ${e.message}`))));
    void exited.then(({ code, signal }) => finish(() => reject(new Error(`meridian serve exited (${signal ?? `code ${code}`}) before serving; output:\n${out}`))));
  });
}

/** SIGKILL every serve process started here that is still running, and wait for them to go. */
export async function killAll(): Promise<void> {
  const left = [...running];
  await Promise.all(left.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  })));
}

/**
 * Call `probe` every `intervalMs` until it returns something other than undefined; fail after
 * `timeoutMs` saying what was awaited and what the last probe saw.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<{ done: T | undefined; seen: string }>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const interval = opts.intervalMs ?? 100;
  for (;;) {
    const r = await probe();
    if (r.done !== undefined) return r.done;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${r.seen}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
