/**
 * @module `meridian audit verify --db FILE | --postgres URL [--json]`: checks the audit log's hash
 * chain in a SQLite or PostgreSQL database, opened read-only (safe next to running servers). The
 * checking is in runtime/audit-chain.ts; this file parses, opens and prints.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { PostgresStore } from '../../adapters/postgres/postgres-store.ts';
import { SqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import { AdapterError, UsageError } from '../../errors.ts';
import { verifyAuditChain } from '../../runtime/audit-chain.ts';
import { EXIT } from '../exit-codes.ts';
import { json, type Io } from '../io.ts';

/** Open an existing database read-only; a missing or unreadable one is a usage error (exit 2). */
function openForReading(file: string): SqliteStore {
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file}: is a directory, not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? 'unknown error'})`);
  }
  try {
    return SqliteStore.open(file, { readonly: true });
  } catch (e) {
    if (e instanceof AdapterError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/** Open a PostgreSQL database read-only; a URL or schema it cannot read is a usage error (exit 2). */
async function openPostgresForReading(url: string): Promise<PostgresStore> {
  try {
    return await PostgresStore.open(url, { readonly: true, maxConnections: 1 });
  } catch (e) {
    if (e instanceof AdapterError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

const entries = (n: number): string => `${n} ${n === 1 ? 'entry' : 'entries'}`;

export function registerAudit(program: Command, io: Io, done: (code: number) => void): void {
  const audit = program.command('audit').description('the audit log of a Meridian database');
  audit
    .command('verify')
    .description('check the audit log hash chain: no entry changed, deleted or reordered since it was written')
    .option('--db <file>', 'the SQLite database (as given to meridian serve --db)')
    .option('--postgres <url>', 'the PostgreSQL database (as given to meridian serve --postgres)')
    .option('--json', 'print { intact, entries, lastHash } or { intact, entries, brokenAt, problem } as JSON')
    .action(async (opts: { db?: string; postgres?: string; json?: boolean }) => {
      if (opts.db !== undefined && opts.postgres !== undefined) throw new UsageError('audit verify takes --db FILE or --postgres URL, not both');
      if (!opts.db && !opts.postgres) throw new UsageError('audit verify needs --db FILE (the database meridian serve writes)');
      const store = opts.postgres ? await openPostgresForReading(opts.postgres) : openForReading(opts.db!);
      let log;
      try {
        log = await store.audit();
      } finally {
        await store.close();
      }
      const verdict = verifyAuditChain(log);
      if (verdict.ok) {
        if (opts.json) json(io, { intact: true, entries: verdict.count, lastHash: log[log.length - 1]?.hash ?? null });
        else io.err(`audit log intact: ${entries(verdict.count)}\n`);
        return done(EXIT.ok);
      }
      if (opts.json) json(io, { intact: false, entries: log.length, brokenAt: verdict.seq, problem: verdict.problem });
      else io.err(`audit log broken at entry ${verdict.seq}: ${verdict.problem}\n`);
      done(EXIT.invalid);
    });
}
