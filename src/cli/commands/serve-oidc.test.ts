/** @module Tests of the sign-in flags of `meridian serve`: given together, the secret from one place, mistakes as usage errors that never show the secret. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { oidcSetup } from './serve-oidc.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-serve-oidc-'));
const roles = join(dir, 'oidc.yaml');
writeFileSync(roles, 'roles: [{ group: release-team, role: operator }]\n');
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 's3cr3t-from-file\n');
const flags = { oidcIssuer: 'https://sso.example.com/realms/platform', oidcClientId: 'meridian', oidcRoles: roles };

function refusal(f: Parameters<typeof oidcSetup>[0], env: Record<string, string> = {}): string {
  try {
    oidcSetup(f, env);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('the sign-in flags of meridian serve', () => {
  it('are nothing when no --oidc-* flag is given', () => {
    expect(oidcSetup({}, { MERIDIAN_OIDC_CLIENT_SECRET: 'x' })).toBeUndefined();
  });

  it('take the secret from the environment or from a file (its last newline dropped)', () => {
    expect(oidcSetup(flags, { MERIDIAN_OIDC_CLIENT_SECRET: 'from-env' })).toMatchObject({ issuer: 'https://sso.example.com/realms/platform', clientId: 'meridian', clientSecret: 'from-env', file: roles });
    expect(oidcSetup({ ...flags, oidcClientSecretFile: secretFile }, {})!.clientSecret).toBe('s3cr3t-from-file');
  });

  it('say what is missing or given twice, never showing the secret', () => {
    expect(refusal({ oidcClientId: 'meridian' })).toBe('--oidc-client-id: sign-in needs --oidc-issuer URL too');
    expect(refusal({ ...flags, oidcClientId: undefined })).toBe('--oidc-issuer needs --oidc-client-id ID (the client registered at the identity provider for Meridian)');
    expect(refusal({ ...flags, oidcRoles: undefined })).toBe('--oidc-issuer needs --oidc-roles FILE (which groups of the identity provider get which role)');
    expect(refusal(flags)).toBe('--oidc-issuer needs the client secret: set MERIDIAN_OIDC_CLIENT_SECRET, or give --oidc-client-secret-file FILE');
    expect(refusal({ ...flags, oidcClientSecretFile: secretFile }, { MERIDIAN_OIDC_CLIENT_SECRET: 'from-env' })).toBe('--oidc-client-secret-file and MERIDIAN_OIDC_CLIENT_SECRET: give the client secret one way, not both');
    const twoLines = refusal(flags, { MERIDIAN_OIDC_CLIENT_SECRET: 'line-one\nline-two' });
    expect(twoLines).toBe('the client secret (MERIDIAN_OIDC_CLIENT_SECRET) must be one line of at most 1000 printable characters');
    expect(twoLines).not.toContain('line-one');
    expect(refusal({ ...flags, oidcRoles: join(dir, 'nope.yaml') }, { MERIDIAN_OIDC_CLIENT_SECRET: 'x' })).toBe(`${join(dir, 'nope.yaml')}: no such file`);
  });
});
