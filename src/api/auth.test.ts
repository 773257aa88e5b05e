/** @module Tests of bearer-token authentication, the order of roles, and a tokens file followed as it changes (real files in a temporary directory). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../test/integration/support/serve-process.ts';
import { UsageError } from '../errors.ts';
import { createAuth, hasRole, tokensFileAuth } from './auth.ts';
import { appendToken, hashToken, newToken } from './tokens.ts';

const alice = newToken();
const bob = newToken();
const cara = newToken();
const auth = createAuth([
  { user: 'alice', groups: ['release-team'], role: 'operator', hash: hashToken(alice) },
  { user: 'bob', groups: [], role: 'viewer', hash: hashToken(bob) },
  { user: 'cara', groups: ['shop'], role: 'operator', services: ['checkout', 'cart'], hash: hashToken(cara) },
]);

describe('authenticate', () => {
  it('finds the actor of a known bearer token', () => {
    expect(auth.authenticate(`Bearer ${alice}`)).toEqual({ user: 'alice', groups: ['release-team'], role: 'operator' });
    expect(auth.authenticate(`bearer ${bob}`)).toEqual({ user: 'bob', groups: [], role: 'viewer' });
  });

  it('finds no one for a missing, malformed, unknown or oversized header', () => {
    for (const h of [undefined, '', alice, `Basic ${alice}`, `Bearer ${alice}x`, 'Bearer ', `Bearer ${'a'.repeat(600)}`]) expect(auth.authenticate(h)).toBeNull();
  });

  it('hands out copies, so a caller cannot change who a token belongs to', () => {
    auth.authenticate(`Bearer ${alice}`)!.groups.push('admins');
    expect(auth.authenticate(`Bearer ${alice}`)!.groups).toEqual(['release-team']);
    auth.authenticate(`Bearer ${cara}`)!.services!.push('billing');
    expect(auth.authenticate(`Bearer ${cara}`)!.services).toEqual(['checkout', 'cart']);
  });

  it('gives the actor of a token limited to services those services, and no services field to a token covering all', () => {
    expect(auth.authenticate(`Bearer ${cara}`)).toEqual({ user: 'cara', groups: ['shop'], role: 'operator', services: ['checkout', 'cart'] });
    expect(auth.authenticate(`Bearer ${alice}`)).not.toHaveProperty('services');
  });
});

describe('roles', () => {
  it('are ordered viewer < operator < admin', () => {
    const who = (role: 'viewer' | 'operator' | 'admin') => ({ user: 'x', groups: [], role });
    expect([hasRole(who('viewer'), 'operator'), hasRole(who('operator'), 'operator'), hasRole(who('admin'), 'operator'), hasRole(who('operator'), 'admin')])
      .toEqual([false, true, true, false]);
  });
});

describe('authentication against a tokens file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const add = (file: string, user: string): string => {
    const token = newToken();
    appendToken(file, { user, groups: [], role: 'viewer', hash: hashToken(token) });
    return token;
  };

  it('takes a token added to the file from the next request, without watching', () => {
    const file = join(dir, 'stat.json');
    const first = add(file, 'ann');
    const logs: string[] = [];
    const auth = tokensFileAuth(file, { log: (l) => logs.push(l), watch: false });
    const second = add(file, 'ben');
    expect(auth.authenticate(`Bearer ${second}`)?.user).toBe('ben');
    expect(auth.authenticate(`Bearer ${first}`)?.user).toBe('ann');
    expect(logs).toEqual([`tokens: reloaded ${file}: 2 token(s)`]);
    auth.close();
  });

  it('notices a change by watching the directory, with no request to prompt it', async () => {
    const file = join(dir, 'watched.json');
    add(file, 'ann');
    const logs: string[] = [];
    const auth = tokensFileAuth(file, { log: (l) => logs.push(l) });
    add(file, 'ben');
    await pollUntil('the reload line', async () => ({ done: logs.length > 0 ? true : undefined, seen: logs.join(' | ') }), { timeoutMs: 5_000, intervalMs: 10 });
    expect(logs).toEqual([`tokens: reloaded ${file}: 2 token(s)`]);
    expect(auth.tokens().map((t) => t.user)).toEqual(['ann', 'ben']);
    auth.close();
  });

  it('keeps the tokens it had through an invalid edit, saying so once, naming the file and the field', () => {
    const file = join(dir, 'broken.json');
    const ann = add(file, 'ann');
    const logs: string[] = [];
    const auth = tokensFileAuth(file, { log: (l) => logs.push(l), watch: false });
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('"groups": []', '"groups": "none"'));
    for (let i = 0; i < 3; i++) expect(auth.authenticate(`Bearer ${ann}`)?.user).toBe('ann');
    expect(logs).toEqual([`tokens: ${file}: tokens[0].groups: expected array, got "none"; keeping the 1 token(s) loaded before`]);
    const hash = hashToken(ann);
    writeFileSync(file, good.replace(`"${hash}"`, hash));
    expect(auth.authenticate(`Bearer ${ann}`)?.user).toBe('ann');
    expect(logs).toHaveLength(2);
    expect(logs[1]!.startsWith(`tokens: ${file}: not valid JSON (`)).toBe(true);
    expect(logs[1]!.endsWith('); keeping the 1 token(s) loaded before')).toBe(true);
    expect(logs.join('\n')).not.toContain(hash.slice(0, 10));
    auth.close();
  });

  it('takes the services of a token from the file, and follows them when the file changes', () => {
    const file = join(dir, 'services.json');
    const token = newToken();
    appendToken(file, { user: 'cara', groups: [], role: 'operator', services: ['checkout'], hash: hashToken(token) });
    const auth = tokensFileAuth(file, { log: () => undefined, watch: false });
    expect(auth.authenticate(`Bearer ${token}`)?.services).toEqual(['checkout']);
    auth.tokens()[0]!.services!.push('billing');
    expect(auth.tokens()[0]!.services).toEqual(['checkout']);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"checkout"', '"checkout", "cart"'));
    expect(auth.authenticate(`Bearer ${token}`)?.services).toEqual(['checkout', 'cart']);
    auth.close();
  });

  it('accepts no token once the file is removed, as a restart would', () => {
    const file = join(dir, 'removed.json');
    const ann = add(file, 'ann');
    const logs: string[] = [];
    const auth = tokensFileAuth(file, { log: (l) => logs.push(l), watch: false });
    rmSync(file);
    expect(auth.authenticate(`Bearer ${ann}`)).toBeNull();
    expect(logs).toEqual([`tokens: ${file} is gone; no token is accepted until it is back`]);
    auth.close();
  });

  it('refuses to start on an invalid file, and starts with no tokens on a missing one', () => {
    const file = join(dir, 'invalid.json');
    writeFileSync(file, '{ "tokens": [{ "user": "a", "groups": [], "role": "root", "hash": "00" }] }');
    expect(() => tokensFileAuth(file, { log: () => undefined, watch: false })).toThrow(new UsageError(`${file}: tokens[0].role: "root" is not one of viewer | operator | admin`));
    const none = tokensFileAuth(join(dir, 'missing', 'tokens.json'), { log: () => undefined, watch: false });
    expect(none.tokens()).toEqual([]);
    none.close();
  });
});
