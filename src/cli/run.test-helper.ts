/** @module Test support: run `meridian ARGS…` in-process, as a user would, and keep what it printed. */
import { memoryIo } from './io.ts';
import { main } from './main.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}
