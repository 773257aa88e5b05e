/**
 * @module Exit codes (cli.md) and the one place that maps errors to them.
 */
import { MeridianError, PolicyError, UsageError, formatLocated } from '../errors.ts';
import type { Io } from './io.ts';

export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3 } as const;

/** Print an error as a person should read it and return the exit code. */
export function reportError(io: Io, e: unknown, opts: { debug: boolean; json: boolean }): number {
  if (e instanceof PolicyError) {
    if (opts.json) io.out(`${JSON.stringify({ valid: false, errors: e.problems }, null, 2)}\n`);
    else for (const p of e.problems) io.err(`${formatLocated(p)}\n`);
    return EXIT.invalid;
  }
  if (e instanceof UsageError) {
    io.err(`meridian: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof MeridianError) {
    io.err(`meridian: ${e.message}\n`);
    return EXIT.invalid;
  }
  io.err(`meridian: internal error (a bug): ${e instanceof Error ? e.message : String(e)}${opts.debug ? '' : ' (run with --debug for the stack)'}\n`);
  if (opts.debug && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  return EXIT.internal;
}
