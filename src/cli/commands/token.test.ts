/** @module Tests of `meridian token create`: printed once, stored as a hash in a 0600 file, usage errors. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createAuth } from '../../api/auth.ts';
import { hashToken, readTokensFile } from '../../api/tokens.ts';
import { EXIT, reportError } from '../exit-codes.ts';
import { memoryIo } from '../io.ts';
import { registerToken } from './token.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-token-cmd-'));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  let code: number = EXIT.ok;
  const program = new Command('meridian').exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  registerToken(program, io, (c) => { code = c; });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    code = e instanceof CommanderError ? EXIT.usage : reportError(io, e, { debug: false, json: false });
  }
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('meridian token create', () => {
  it('prints the token once on stdout, says on stderr it cannot be shown again, and stores only its hash (mode 0600)', async () => {
    const file = join(dir, 'tokens.json');
    const r = await cli('token', 'create', '--user', 'alice', '--groups', 'release-team,sre', '--role', 'operator', '--tokens', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^mrd_[A-Za-z0-9_-]{43}\n$/);
    expect(r.err).toBe(`created a token for alice (operator; groups release-team, sre) in ${file}; it cannot be shown again, so keep it now\n`);
    const token = r.out.trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(token);
    const [entry] = readTokensFile(file);
    expect(entry).toMatchObject({ user: 'alice', groups: ['release-team', 'sre'], role: 'operator', hash: hashToken(token) });
    expect(createAuth(readTokensFile(file)).authenticate(`Bearer ${token}`)).toEqual({ user: 'alice', groups: ['release-team', 'sre'], role: 'operator' });
  });

  it('appends to the file and makes viewers by default', async () => {
    const file = join(dir, 'two.json');
    await cli('token', 'create', '--user', 'alice', '--tokens', file);
    const r = await cli('token', 'create', '--user', 'bob', '--tokens', file, '--json');
    const doc = JSON.parse(r.out) as { user: string; groups: string[]; role: string; token: string };
    expect([doc.user, doc.groups, doc.role]).toEqual(['bob', [], 'viewer']);
    expect(readTokensFile(file).map((e) => `${e.user} ${e.role}`)).toEqual(['alice viewer', 'bob viewer']);
  });

  it('limits a token to the services of --services, stored in the file and carried to the actor', async () => {
    const file = join(dir, 'services.json');
    const r = await cli('token', 'create', '--user', 'shop-bot', '--role', 'operator', '--groups', 'shop', '--services', 'checkout, cart.v2,checkout,search_api', '--tokens', file);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`created a token for shop-bot (operator; groups shop; services checkout, cart.v2, search_api) in ${file}; it cannot be shown again, so keep it now\n`);
    const token = r.out.trim();
    expect(readTokensFile(file)[0]).toMatchObject({ user: 'shop-bot', role: 'operator', services: ['checkout', 'cart.v2', 'search_api'] });
    expect(createAuth(readTokensFile(file)).authenticate(`Bearer ${token}`)).toEqual({ user: 'shop-bot', groups: ['shop'], role: 'operator', services: ['checkout', 'cart.v2', 'search_api'] });
    const j = await cli('token', 'create', '--user', 'pay-admin', '--role', 'admin', '--services', 'payments', '--tokens', file, '--json');
    expect(JSON.parse(j.out)).toMatchObject({ user: 'pay-admin', groups: [], role: 'admin', services: ['payments'] });
  });

  it('writes no services for a token without --services, which covers every service', async () => {
    const file = join(dir, 'all.json');
    const r = await cli('token', 'create', '--user', 'ops', '--role', 'operator', '--tokens', file, '--json');
    expect(JSON.parse(r.out)).not.toHaveProperty('services');
    expect(readTokensFile(file)[0]).not.toHaveProperty('services');
    expect(readFileSync(file, 'utf8')).not.toContain('services');
  });

  it('exits 2 for a bad --services, naming the flag and the value, and writes nothing', async () => {
    const file = join(dir, 'bad-services.json');
    const create = (...extra: string[]) => cli('token', 'create', '--user', 'bob', '--tokens', file, ...extra);
    expect(await create('--role', 'operator', '--services', 'checkout,web app'))
      .toEqual({ code: 2, out: '', err: 'meridian: --services: "web app" is not a service name (letters, digits, . _ -)\n' });
    expect(await create('--role', 'operator', '--services', 'checkout,pay/ments'))
      .toEqual({ code: 2, out: '', err: 'meridian: --services: "pay/ments" is not a service name (letters, digits, . _ -)\n' });
    expect(await create('--role', 'operator', '--services', ' , '))
      .toEqual({ code: 2, out: '', err: 'meridian: --services: name at least one service (leave --services out for a token that covers every service)\n' });
    expect(await create('--role', 'operator', '--services', Array.from({ length: 201 }, (_, i) => `svc-${i}`).join(',')))
      .toEqual({ code: 2, out: '', err: 'meridian: --services: 201 services; a token is limited to at most 200\n' });
    expect(await create('--role', 'viewer', '--services', 'checkout'))
      .toEqual({ code: 2, out: '', err: 'meridian: --services: a viewer only reads, and reads every service; limit an operator instead (--role operator)\n' });
    // The role defaults to viewer, so --services alone is refused too.
    expect((await create('--services', 'checkout')).code).toBe(2);
    expect(() => statSync(file)).toThrow();
  });

  it('exits 2 for a role it does not know, a bad name, or no --user', async () => {
    const file = join(dir, 'bad.json');
    expect(await cli('token', 'create', '--user', 'alice', '--role', 'root', '--tokens', file))
      .toEqual({ code: 2, out: '', err: 'meridian: --role: "root" is not one of viewer | operator | admin\n' });
    expect(await cli('token', 'create', '--user', 'al ice', '--tokens', file))
      .toEqual({ code: 2, out: '', err: 'meridian: --user: "al ice" is not a name (letters, digits, . _ @ -)\n' });
    expect((await cli('token', 'create', '--tokens', file)).code).toBe(2);
    expect(() => statSync(file)).toThrow();
  });
});
