/** @module Tests of `meridian token list` and `meridian token revoke`: ids from the hash, never a token; a revoked token refused at once by a server following the file. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokensFileAuth } from '../../api/auth.ts';
import { readTokensFile, tokenId } from '../../api/tokens.ts';
import { cli } from '../run.test-helper.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-token-revoke-'));


async function fileWithTwo(name: string): Promise<{ file: string; ci: string; lead: string }> {
  const file = join(dir, name);
  const ci = (await cli('token', 'create', '--user', 'shop-ci', '--role', 'operator', '--services', 'checkout,cart', '--tokens', file)).out.trim();
  const lead = (await cli('token', 'create', '--user', 'release-lead', '--groups', 'release-team', '--role', 'operator', '--tokens', file)).out.trim();
  return { file, ci, lead };
}

describe('meridian token list', () => {
  it('shows each token by id (the first 12 hex digits of its hash) with its user, role, groups and services, and never a token or a whole hash', async () => {
    const { file, ci, lead } = await fileWithTwo('list.json');
    const [a, b] = readTokensFile(file);
    const r = await cli('token', 'list', '--tokens', file);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +USER +ROLE +GROUPS +SERVICES +CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${tokenId(a!)}  shop-ci +operator  - +checkout,cart  \\d{4}-\\d\\d-\\d\\dT`));
    expect(lines[2]).toMatch(new RegExp(`^${tokenId(b!)}  release-lead  operator  release-team  all +\\d{4}-`));
    for (const secret of [ci, lead, a!.hash, b!.hash]) expect(r.out).not.toContain(secret);
    const j = JSON.parse((await cli('token', 'list', '--tokens', file, '--json')).out) as { tokens: Array<Record<string, unknown>> };
    expect(j.tokens.map((t) => ({ ...t, createdAt: undefined }))).toEqual([
      { id: tokenId(a!), user: 'shop-ci', groups: [], role: 'operator', services: ['checkout', 'cart'] },
      { id: tokenId(b!), user: 'release-lead', groups: ['release-team'], role: 'operator' },
    ]);
  });

  it('says so when the file has no tokens, and exits 2 for a file that is not there', async () => {
    const missing = join(dir, 'none.json');
    expect(await cli('token', 'list', '--tokens', missing)).toEqual({ code: 2, out: '', err: `meridian: ${missing}: no such file\n` });
    const empty = await fileWithTwo('emptied.json');
    for (const e of readTokensFile(empty.file)) await cli('token', 'revoke', tokenId(e), '--tokens', empty.file);
    expect((await cli('token', 'list', '--tokens', empty.file)).out).toBe(`no tokens in ${empty.file} (create one: meridian token create --user NAME --role operator)\n`);
  });
});

describe('meridian token revoke', () => {
  it('removes the token from the file (still mode 0600), and a server following the file refuses it from its next request', async () => {
    const { file, ci, lead } = await fileWithTwo('revoke.json');
    const logs: string[] = [];
    const auth = tokensFileAuth(file, { log: (l) => logs.push(l), watch: false });
    try {
      expect(auth.authenticate(`Bearer ${ci}`)?.user).toBe('shop-ci');
      const id = tokenId(readTokensFile(file)[0]!);
      const r = await cli('token', 'revoke', id, '--tokens', file);
      expect(r).toEqual({ code: 0, out: '', err: `revoked token ${id} of shop-ci (operator) in ${file}; a running meridian serve refuses it from its next request\n` });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readTokensFile(file).map((e) => e.user)).toEqual(['release-lead']);
      expect(auth.authenticate(`Bearer ${ci}`)).toBeNull();
      expect(auth.authenticate(`Bearer ${lead}`)?.user).toBe('release-lead');
      expect(logs).toEqual([`tokens: reloaded ${file}: 1 token(s)`]);
    } finally {
      auth.close();
    }
  });

  it('refuses an id that is not one, or that no token has, with exit 2 and the file unchanged', async () => {
    const { file } = await fileWithTwo('refuse.json');
    const before = readFileSync(file, 'utf8');
    expect(await cli('token', 'revoke', 'mrd_abc', '--tokens', file)).toEqual({ code: 2, out: '', err: 'meridian: "mrd_abc" is not a token id (12 lowercase hex digits, as meridian token list shows)\n' });
    expect(await cli('token', 'revoke', '000000000000', '--tokens', file)).toEqual({ code: 2, out: '', err: `meridian: ${file}: no token has the id 000000000000 (meridian token list --tokens ${file} shows them)\n` });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
