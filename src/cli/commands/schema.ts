/**
 * @module `meridian schema [--kind ReleasePolicy|Fleet]`: the JSON Schema of ReleasePolicy (or of
 * Fleet), generated from the zod schema.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { SCHEMA_KINDS, jsonSchemaOf, type SchemaKind } from '../../policy/json-schema.ts';
import { EXIT } from '../exit-codes.ts';
import { json, type Io } from '../io.ts';

const isKind = (k: string): k is SchemaKind => (SCHEMA_KINDS as readonly string[]).includes(k);

export function registerSchema(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('schema')
    .description('print the JSON Schema of ReleasePolicy, or of Fleet (for editor completion)')
    .option('--kind <kind>', `the document kind: ${SCHEMA_KINDS.join(' or ')}`, 'ReleasePolicy')
    .action((opts: { kind: string }) => {
      if (!isKind(opts.kind)) throw new UsageError(`--kind "${opts.kind}" is not ${SCHEMA_KINDS.join(' or ')}`);
      json(io, jsonSchemaOf(opts.kind));
      done(EXIT.ok);
    });
}
