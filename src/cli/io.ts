/**
 * @module What a command may touch of the outside world: output streams, files, environment.
 * Commands receive an Io so tests run them in-process and read exactly what a person would see.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { MAX_INPUT_BYTES, oversized } from '../policy/source.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** True when stderr is a terminal (live progress lines are drawn only then). */
  interactive: boolean;
}

export function processIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    interactive: Boolean(process.stderr.isTTY),
  };
}

/** A recording Io for tests. */
export function memoryIo(env: Record<string, string | undefined> = {}): Io & { stdout: () => string; stderr: () => string } {
  let o = '';
  let e = '';
  return { out: (t) => { o += t; }, err: (t) => { e += t; }, env, interactive: false, stdout: () => o, stderr: () => e };
}

/** Read a text input file; a missing, unreadable or directory path is a usage error (exit 2). */
export function readInput(path: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? 'unknown error'})`);
  }
  // Refused as invalid input, with its real size, without reading it.
  if (size > MAX_INPUT_BYTES) throw oversized(path, size);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
}

export function json(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
