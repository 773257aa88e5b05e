/** @module Tests of the sign-in configuration (serve --oidc-roles): defaults, every mistake located, and roles from groups. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { actorFor, parseSignInConfig } from './sign-in-config.ts';

const who = (groups: string[]) => ({ issuer: 'https://sso.example.com', subject: 's-1', user: 'alice', name: 'Alice', groups });

function problem(text: string): string {
  try {
    parseSignInConfig(text, 'oidc.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the sign-in configuration', () => {
  it('fills in the defaults: preferred_username and groups, 8-hour sessions, the openid, profile and email scopes', () => {
    expect(parseSignInConfig('roles: [{ group: sre, role: admin }]\n', 'oidc.yaml')).toEqual({
      claims: { user: 'preferred_username', groups: 'groups' }, sessionHours: 8, scopes: ['openid', 'profile', 'email'], roles: [{ group: 'sre', role: 'admin' }],
    });
  });

  it('names the file, line, column and field of each mistake', () => {
    expect(problem('roles:\n  - { group: sre, role: boss }\n')).toBe('oidc.yaml:2:25: roles[0].role: "boss" is not one of viewer | operator | admin');
    expect(problem('roles:\n  - { group: sre, role: admin }\n  - { group: sre, role: viewer }\n')).toBe('oidc.yaml:3:14: roles[1].group: "sre" is already given a role at roles[0]; give each group one entry');
    expect(problem('roles:\n  - { group: eng, role: viewer, services: [checkout] }\n')).toBe('oidc.yaml:2:43: roles[0].services: a viewer only reads, and reads every service (leave the field out, or make the role operator)');
    expect(problem('scopes: [profile]\nroles: [{ group: sre, role: admin }]\n')).toBe('oidc.yaml:1:9: scopes: must include openid (an OpenID Connect sign-in asks for it)');
    expect(problem('sessionHours: 500\nroles: [{ group: sre, role: admin }]\n')).toBe('oidc.yaml:1:15: sessionHours: at most 168 hours (a week)');
    expect(problem('roles: []\n')).toBe('oidc.yaml:1:8: roles: give at least one group a role');
    expect(problem('roles: [{ group: sre, role: admin, servics: [a] }]\n')).toBe('oidc.yaml:1:36: roles[0].servics: unknown field "servics" (did you mean "services"?)');
  });

  it('gives a person the highest role of their groups, limited to services only when every writing group of theirs is', () => {
    const config = parseSignInConfig(`roles:
  - { group: platform-admins, role: admin }
  - { group: release-team, role: operator }
  - { group: shop, role: operator, services: [checkout, cart] }
  - { group: search, role: operator, services: [search-api, cart] }
  - { group: engineering, role: viewer }
`, 'oidc.yaml');
    expect(actorFor(config, who(['engineering']))).toEqual({ user: 'alice', groups: ['engineering'], role: 'viewer', idp: { issuer: 'https://sso.example.com', subject: 's-1', name: 'Alice' } });
    expect(actorFor(config, who(['engineering', 'shop', 'search']))).toMatchObject({ role: 'operator', services: ['checkout', 'cart', 'search-api'] });
    expect(actorFor(config, who(['shop', 'release-team']))).not.toHaveProperty('services');
    expect(actorFor(config, who(['shop', 'platform-admins']))).toMatchObject({ role: 'admin' });
    expect(actorFor(config, who(['platform-admins']))!.services).toBeUndefined();
    expect(actorFor(config, who(['marketing']))).toBeNull();
    expect(actorFor(config, who([]))).toBeNull();
  });
});
