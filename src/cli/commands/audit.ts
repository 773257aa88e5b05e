/**
 * @module `meridian audit verify --db FILE | --postgres URL [--json]`: checks the audit log's hash
 * chain in a SQLite or PostgreSQL database, opened read-only (safe next to running servers; a
 * missing or unreadable database is a usage error, exit 2). Opening is runtime/open-store.ts, the
 * checking runtime/audit-chain.ts; this file parses, calls and prints.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { verifyAuditChain } from '../../runtime/audit-chain.ts';
import { openStore } from '../../runtime/open-store.ts';
import { EXIT } from '../exit-codes.ts';
import { json, type Io } from '../io.ts';

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
      const opened = await openStore(opts.postgres ? { kind: 'postgres', url: opts.postgres } : { kind: 'sqlite', file: opts.db! }, { readonly: true });
      let log;
      try {
        log = await opened.store.audit();
      } finally {
        await opened.close();
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
