/**
 * @module `meridian token create --user NAME [--groups a,b] [--role viewer|operator|admin]
 * [--tokens FILE]`: add a caller to the tokens file `serve` reads. The token is printed once, on
 * stdout; the file keeps only its hash.
 */
import type { Command } from 'commander';
import { appendToken, DEFAULT_TOKENS_FILE, hashToken, newToken, ROLES } from '../../api/tokens.ts';
import { UsageError } from '../../errors.ts';
import type { Role } from '../../runtime/controller-types.ts';
import { EXIT } from '../exit-codes.ts';
import { json, type Io } from '../io.ts';

interface Options {
  user: string;
  groups?: string;
  role: string;
  tokens: string;
  json?: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

function checkName(flag: string, value: string): string {
  if (!NAME.test(value)) throw new UsageError(`${flag}: "${value}" is not a name (letters, digits, . _ @ -)`);
  return value;
}

export function registerToken(program: Command, io: Io, done: (code: number) => void): void {
  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create a token for a user and print it once (the tokens file keeps only its hash)')
    .requiredOption('--user <name>', 'who the token belongs to')
    .option('--groups <a,b>', 'groups the user belongs to (for group:NAME approvers)')
    .option('--role <role>', `one of ${ROLES.join(' | ')}`, 'viewer')
    .option('--tokens <file>', 'the tokens file (created with mode 0600)', DEFAULT_TOKENS_FILE)
    .option('--json', 'print { user, groups, role, token } as JSON')
    .action((opts: Options) => {
      const user = checkName('--user', opts.user);
      const groups = (opts.groups ?? '').split(',').map((g) => g.trim()).filter(Boolean).map((g) => checkName('--groups', g));
      if (!(ROLES as readonly string[]).includes(opts.role)) throw new UsageError(`--role: "${opts.role}" is not one of ${ROLES.join(' | ')}`);
      const role = opts.role as Role;
      const secret = newToken();
      appendToken(opts.tokens, { user, groups, role, hash: hashToken(secret), createdAt: new Date().toISOString() });
      if (opts.json) json(io, { user, groups, role, token: secret });
      else io.out(`${secret}\n`);
      io.err(`created a token for ${user} (${role}${groups.length ? `; groups ${groups.join(', ')}` : ''}) in ${opts.tokens}; it cannot be shown again, so keep it now\n`);
      done(EXIT.ok);
    });
}
