/**
 * @module `meridian schema`: the JSON Schema of ReleasePolicy, generated from the zod schema.
 */
import type { Command } from 'commander';
import { policyJsonSchema } from '../../policy/json-schema.ts';
import { EXIT } from '../exit-codes.ts';
import { json, type Io } from '../io.ts';

export function registerSchema(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('schema')
    .description('print the JSON Schema of ReleasePolicy (for editor completion)')
    .action(() => {
      json(io, policyJsonSchema());
      done(EXIT.ok);
    });
}
