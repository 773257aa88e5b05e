/**
 * @module `meridian validate POLICY [--json]`
 */
import type { Command } from 'commander';
import { PolicyError } from '../../errors.ts';
import { loadPolicy } from '../../policy/load.ts';
import { EXIT } from '../exit-codes.ts';
import { json, readInput, type Io } from '../io.ts';

export function registerValidate(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('validate')
    .description('check a ReleasePolicy: every error as FILE:LINE:COL: PATH: MESSAGE')
    .argument('<policy>', 'the policy YAML file')
    .option('--json', 'print { valid, errors } as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      try {
        loadPolicy(readInput(file), file);
      } catch (e) {
        if (e instanceof PolicyError && !opts.json) throw e;
        if (e instanceof PolicyError) {
          json(io, { valid: false, errors: e.problems });
          return done(EXIT.invalid);
        }
        throw e;
      }
      if (opts.json) json(io, { valid: true, errors: [] });
      else io.err(`${file}: valid\n`);
      done(EXIT.ok);
    });
}
