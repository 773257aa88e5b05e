/**
 * @module `meridian token create --user NAME [--groups a,b] [--role viewer|operator|admin]
 * [--services a,b] [--tokens FILE]`: add a caller to the tokens file `serve` reads. The token is
 * printed once, on stdout; the file keeps only its hash. `--services` limits an operator's (or an
 * admin's) writes to releases of those services; without it the token covers every service.
 * `meridian token list [--tokens FILE] [--json]` shows every token (by id: the first 12 hex digits
 * of its hash) and `meridian token revoke ID [--tokens FILE]` removes one, which a running `serve`
 * refuses from its next request on. Tokens are for machines (CLI, CI, scripts); people sign in to
 * the dashboard through the identity provider (serve --oidc-issuer).
 */
import type { Command } from 'commander';
import { appendToken, DEFAULT_TOKENS_FILE, hashToken, MAX_TOKEN_SERVICES, newToken, readTokensFile, revokeToken, ROLES, SERVICE_NAME, SERVICE_NAME_RULE, tokenId } from '../../api/tokens.ts';
import { UsageError } from '../../errors.ts';
import type { Role } from '../../runtime/controller-types.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../format/table.ts';
import { json, type Io } from '../io.ts';

interface Options {
  user: string;
  groups?: string;
  role: string;
  services?: string;
  tokens: string;
  json?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

function checkName(flag: string, value: string): string {
  if (!NAME.test(value)) throw new UsageError(`${flag}: "${value}" is not a name (letters, digits, . _ @ -)`);
  return value;
}

/** The services of `--services a,b`, each checked, in the order given, each once. */
function parseServices(value: string, role: Role): string[] {
  if (role === 'viewer') throw new UsageError('--services: a viewer only reads, and reads every service; limit an operator instead (--role operator)');
  const services = [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
  if (services.length === 0) throw new UsageError('--services: name at least one service (leave --services out for a token that covers every service)');
  for (const s of services) if (!SERVICE_NAME.test(s)) throw new UsageError(`--services: "${s}" is not a service name (${SERVICE_NAME_RULE})`);
  if (services.length > MAX_TOKEN_SERVICES) throw new UsageError(`--services: ${services.length} services; a token is limited to at most ${MAX_TOKEN_SERVICES}`);
  return services;
}

export function registerToken(program: Command, io: Io, done: (code: number) => void): void {
  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create a token for a user and print it once (the tokens file keeps only its hash)')
    .requiredOption('--user <name>', 'who the token belongs to')
    .option('--groups <a,b>', 'groups the user belongs to (for group:NAME approvers)')
    .option('--role <role>', `one of ${ROLES.join(' | ')}`, 'viewer')
    .option('--services <a,b>', `limit the token's writes to these services (at most ${MAX_TOKEN_SERVICES}; not for viewers); default: every service`)
    .option('--tokens <file>', 'the tokens file (created with mode 0600)', DEFAULT_TOKENS_FILE)
    .option('--json', 'print { user, groups, role, services?, token } as JSON')
    .action((opts: Options) => {
      const user = checkName('--user', opts.user);
      const groups = (opts.groups ?? '').split(',').map((g) => g.trim()).filter(Boolean).map((g) => checkName('--groups', g));
      if (!(ROLES as readonly string[]).includes(opts.role)) throw new UsageError(`--role: "${opts.role}" is not one of ${ROLES.join(' | ')}`);
      const role = opts.role as Role;
      const services = opts.services === undefined ? undefined : parseServices(opts.services, role);
      const limited = services ? { services } : {};
      const secret = newToken();
      appendToken(opts.tokens, { user, groups, role, ...limited, hash: hashToken(secret), createdAt: new Date().toISOString() });
      if (opts.json) json(io, { user, groups, role, ...limited, token: secret });
      else io.out(`${secret}\n`);
      const about = [role, ...(groups.length ? [`groups ${groups.join(', ')}`] : []), ...(services ? [`services ${services.join(', ')}`] : [])].join('; ');
      io.err(`created a token for ${user} (${about}) in ${opts.tokens}; it cannot be shown again, so keep it now\n`);
      done(EXIT.ok);
    });

  token
    .command('list')
    .description('list the tokens of the tokens file: id, user, role, groups, services, when made (never the token)')
    .option('--tokens <file>', 'the tokens file', DEFAULT_TOKENS_FILE)
    .option('--json', 'print { tokens: [{ id, user, groups, role, services?, createdAt? }] }')
    .action((opts: { tokens: string; json?: boolean }) => {
      const entries = readTokensFile(opts.tokens);
      const rows = entries.map((e) => ({ id: tokenId(e), user: e.user, groups: e.groups, role: e.role, ...(e.services ? { services: e.services } : {}), ...(e.createdAt ? { createdAt: e.createdAt } : {}) }));
      if (opts.json) json(io, { tokens: rows });
      else if (rows.length === 0) io.out(`no tokens in ${opts.tokens} (create one: meridian token create --user NAME --role operator)\n`);
      else {
        io.out(table(['ID', 'USER', 'ROLE', 'GROUPS', 'SERVICES', 'CREATED'], rows.map((r) => [
          r.id, r.user, r.role, r.groups.join(',') || '-', r.services?.join(',') ?? 'all', r.createdAt ?? '-',
        ])));
      }
      done(EXIT.ok);
    });

  token
    .command('revoke')
    .description('revoke a token by its id (meridian token list): it leaves the tokens file, and a running serve refuses it at once')
    .argument('<id>', 'the token id (12 hex digits)')
    .option('--tokens <file>', 'the tokens file', DEFAULT_TOKENS_FILE)
    .action((id: string, opts: { tokens: string }) => {
      const gone = revokeToken(opts.tokens, id);
      io.err(`revoked token ${id} of ${gone.user} (${gone.role}) in ${opts.tokens}; a running meridian serve refuses it from its next request\n`);
      done(EXIT.ok);
    });
}
