/**
 * @module `meridian freeze start|end|list`: stop the line on a running server (fleet.md "Stop the
 * line"). While a freeze matches a release, no ring of it starts deploying; bakes, gates and
 * rollbacks go on. Starting and ending one takes an operator's token; listing, a viewer's.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { FreezeView } from '../../runtime/controller-types.ts';
import { tableMinute } from '../../plan/iso.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, type Io } from '../io.ts';
import { remoteClient, remoteOptions, type RemoteOptions } from '../remote.ts';

/** `a,b` as a list; a flag given with nothing in it is a mistake, not "everything". */
function names(flag: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`${flag}: name at least one, comma-separated (leave the flag out for all)`);
  return list;
}

export function freezesText(freezes: readonly FreezeView[]): string {
  if (freezes.length === 0) return 'no freezes in force: the line moves\n';
  return table(['ID', 'REASON', 'REGIONS', 'SERVICES', 'STARTED', 'BY'],
    freezes.map((f) => [f.id, f.reason, f.regions.join(', ') || 'all', f.services.join(', ') || 'all', tableMinute(Date.parse(f.startedAt)), f.startedBy]));
}

export function registerFreeze(program: Command, io: Io, done: (code: number) => void, deps: { fetch?: typeof fetch } = {}): void {
  const freeze = program.command('freeze').description('stop the line: no ring starts deploying while a freeze matches it (bakes, gates and rollbacks go on)');

  remoteOptions(freeze.command('start').description('start a freeze and print its id')
    .requiredOption('--reason <text>', 'why (shown on every release it holds)')
    .option('--regions <names>', 'only these regions, comma-separated (default: every region)')
    .option('--services <names>', 'only these services, comma-separated (default: every service)'), 'print { id } as JSON')
    .action(async (opts: RemoteOptions & { reason: string; regions?: string; services?: string }) => {
      const regions = names('--regions', opts.regions);
      const services = names('--services', opts.services);
      const { id } = await remoteClient(opts, io, true, deps.fetch).startFreeze({ reason: opts.reason, ...(regions ? { regions } : {}), ...(services ? { services } : {}) });
      if (opts.json) json(io, { id });
      else {
        io.out(`${id}\n`);
        io.err(`the line is stopped for ${services ? services.join(', ') : 'every service'} in ${regions ? regions.join(', ') : 'every region'}; end it with: meridian freeze end ${id}\n`);
      }
      done(EXIT.ok);
    });

  remoteOptions(freeze.command('end').description('end a freeze').argument('<id>', 'the freeze (meridian freeze list)'), 'print the freezes still in force as JSON')
    .action(async (id: string, opts: RemoteOptions) => {
      const { items } = await remoteClient(opts, io, true, deps.fetch).endFreeze(id);
      if (opts.json) json(io, { items });
      else io.out(`ended ${id}; ${items.length === 0 ? 'no freeze is in force' : `${items.length} freeze(s) still in force`}\n`);
      done(EXIT.ok);
    });

  remoteOptions(freeze.command('list').description('the freezes in force'), 'print { items } as JSON')
    .action(async (opts: RemoteOptions) => {
      const { items } = await remoteClient(opts, io, false, deps.fetch).freezes();
      if (opts.json) json(io, { items });
      else io.out(freezesText(items));
      done(EXIT.ok);
    });
}
