/** @module Tests of bearer-token authentication and the order of roles. */
import { describe, expect, it } from 'vitest';
import { createAuth, hasRole } from './auth.ts';
import { hashToken, newToken } from './tokens.ts';

const alice = newToken();
const bob = newToken();
const auth = createAuth([
  { user: 'alice', groups: ['release-team'], role: 'operator', hash: hashToken(alice) },
  { user: 'bob', groups: [], role: 'viewer', hash: hashToken(bob) },
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
  });
});

describe('roles', () => {
  it('are ordered viewer < operator < admin', () => {
    const who = (role: 'viewer' | 'operator' | 'admin') => ({ user: 'x', groups: [], role });
    expect([hasRole(who('viewer'), 'operator'), hasRole(who('operator'), 'operator'), hasRole(who('admin'), 'operator'), hasRole(who('operator'), 'admin')])
      .toEqual([false, true, true, false]);
  });
});
