/** @module Tests of what the identity provider's claims must be before anyone is signed in, and of the issuer URL. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { checkIssuerUrl, discoverProvider, identityOf, SignInError } from './provider.ts';
import { parseSignInConfig } from './sign-in-config.ts';

const config = parseSignInConfig('roles: [{ group: sre, role: admin }]\n', 'oidc.yaml');
const base = { iss: 'https://sso.example.com/realms/platform', sub: '5c0f-42', preferred_username: 'alice@example.com', name: 'Alice Example', groups: ['sre', 'release-team', 'sre'] };

function refusal(claims: Record<string, unknown>, userinfo?: Record<string, unknown>): SignInError {
  try {
    identityOf(claims, config, userinfo);
  } catch (e) {
    expect(e).toBeInstanceOf(SignInError);
    return e as SignInError;
  }
  throw new Error('expected the claims to be refused');
}

describe('the identity in an ID token', () => {
  it('takes the subject, the user name, the display name and the groups (each once)', () => {
    expect(identityOf(base, config)).toEqual({ issuer: base.iss, subject: '5c0f-42', user: 'alice@example.com', name: 'Alice Example', groups: ['sre', 'release-team'] });
  });

  it('takes the groups and the user name from userinfo when the ID token leaves them out, and no groups when neither has them', () => {
    const { groups: _g, preferred_username: _u, ...bare } = base;
    expect(identityOf(bare, config, { sub: '5c0f-42', preferred_username: 'alice', groups: ['sre'] })).toMatchObject({ user: 'alice', groups: ['sre'] });
    expect(identityOf({ ...bare, preferred_username: 'alice' }, config).groups).toEqual([]);
  });

  it('refuses claims that are not what they must be, naming the claim, and quotes no more than a name', () => {
    expect(refusal({ ...base, sub: '' }).message).toBe('the ID token\'s "sub" claim must be 1 to 255 printable characters');
    expect(refusal({ ...base, preferred_username: undefined }).message).toBe('the identity provider sent no "preferred_username" claim, which Meridian takes the user name from (claims.user in the sign-in configuration)');
    expect(refusal({ ...base, preferred_username: 'alice smith' }).message).toBe('the "preferred_username" claim "alice smith" is not a user name (letters, digits, . _ @ -, at most 200)');
    expect(refusal({ ...base, groups: 'sre' }).message).toBe('the identity provider\'s "groups" claim is not a list, so no role can be given; ask its administrators to send a list of group names');
    expect(refusal({ ...base, groups: ['sre', 7] }).message).toBe('the identity provider\'s "groups" claim holds an entry that is not a group name (1 to 200 printable characters), so no role can be given; ask its administrators to send a list of group names');
    expect(refusal({ ...base, groups: ['a\nb'] }).status).toBe(403);
    expect(refusal({ ...base, groups: Array.from({ length: 501 }, (_, i) => `g${i}`) }).message).toContain('lists 501 groups (at most 500 are taken)');
    expect(refusal({ ...base, name: 'x'.repeat(201) }).message).toBe('the "name" claim must be at most 200 printable characters');
  });
});

describe('the issuer URL', () => {
  it('must be https, or http on a loopback address, without credentials, query or fragment', () => {
    expect(checkIssuerUrl('https://sso.example.com/realms/platform').href).toBe('https://sso.example.com/realms/platform');
    expect(checkIssuerUrl('http://127.0.0.1:5556/dex').href).toBe('http://127.0.0.1:5556/dex');
    const refused = (v: string): string => {
      try {
        checkIssuerUrl(v);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refused('http://sso.example.com')).toBe('--oidc-issuer "http://sso.example.com" must be an https URL (http only on a loopback address)');
    expect(refused('sso.example.com')).toBe('--oidc-issuer "sso.example.com" is not a URL (e.g. https://sso.example.com/realms/platform)');
    expect(refused('https://u:p@sso.example.com')).toBe('--oidc-issuer: give the issuer URL without a user name, password, query or fragment');
  });
});

describe('discovery', () => {
  it('stops the start with a usage error naming the issuer when its metadata does not answer, never showing the secret', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('no such realm'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/nope`;
    try {
      const e = await discoverProvider({ issuer, clientId: 'meridian', clientSecret: 'the-client-secret', config }).then(() => null, (err: unknown) => err as Error);
      expect(e).toBeInstanceOf(UsageError);
      expect(e!.message).toMatch(new RegExp(`^--oidc-issuer ${issuer.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: discovery failed \\(.+\\); check the URL \\(its /\\.well-known/openid-configuration must answer\\)$`));
      expect(e!.message).not.toContain('the-client-secret');
    } finally {
      server.close();
    }
  });
});
