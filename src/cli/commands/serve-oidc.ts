/**
 * @module The sign-in flags of `meridian serve`: `--oidc-issuer URL --oidc-client-id ID
 * --oidc-roles FILE`, the client secret from `MERIDIAN_OIDC_CLIENT_SECRET` or
 * `--oidc-client-secret-file FILE`. Checked together, before anything starts; every mistake is a
 * UsageError (exit 2) that never quotes the secret.
 */
import { parseSignInConfig } from '../../api/oidc/sign-in-config.ts';
import { checkIssuerUrl } from '../../api/oidc/provider.ts';
import type { OidcSetup } from '../../api/oidc/index.ts';
import { UsageError } from '../../errors.ts';
import { readInput } from '../io.ts';

export const SECRET_VARIABLE = 'MERIDIAN_OIDC_CLIENT_SECRET';

export interface OidcFlags {
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecretFile?: string;
  oidcRoles?: string;
}

const CLIENT_ID = /^[\x21-\x7E]{1,200}$/;

/** The sign-in setup the flags give, or undefined when no --oidc-* flag is given. */
export function oidcSetup(flags: OidcFlags, env: Record<string, string | undefined>): OidcSetup | undefined {
  const given = [flags.oidcClientId && '--oidc-client-id', flags.oidcClientSecretFile && '--oidc-client-secret-file', flags.oidcRoles && '--oidc-roles'].filter(Boolean);
  if (flags.oidcIssuer === undefined) {
    if (given.length > 0) throw new UsageError(`${given.join(', ')}: sign-in needs --oidc-issuer URL too`);
    return undefined;
  }
  // As given: the provider's metadata must name exactly this issuer (a trailing slash counts).
  checkIssuerUrl(flags.oidcIssuer);
  const issuer = flags.oidcIssuer;
  if (flags.oidcClientId === undefined) throw new UsageError('--oidc-issuer needs --oidc-client-id ID (the client registered at the identity provider for Meridian)');
  if (!CLIENT_ID.test(flags.oidcClientId)) throw new UsageError('--oidc-client-id: 1 to 200 printable characters, no spaces');
  if (flags.oidcRoles === undefined) throw new UsageError('--oidc-issuer needs --oidc-roles FILE (which groups of the identity provider get which role)');
  const fromEnv = env[SECRET_VARIABLE];
  if (fromEnv !== undefined && flags.oidcClientSecretFile !== undefined) throw new UsageError(`--oidc-client-secret-file and ${SECRET_VARIABLE}: give the client secret one way, not both`);
  let clientSecret: string;
  if (flags.oidcClientSecretFile !== undefined) {
    clientSecret = readInput(flags.oidcClientSecretFile).replace(/\r?\n$/, '');
    if (clientSecret === '') throw new UsageError(`--oidc-client-secret-file ${flags.oidcClientSecretFile}: the file is empty`);
  } else if (fromEnv !== undefined && fromEnv !== '') {
    clientSecret = fromEnv;
  } else {
    throw new UsageError(`--oidc-issuer needs the client secret: set ${SECRET_VARIABLE}, or give --oidc-client-secret-file FILE`);
  }
  if (/[\p{Cc}]/u.test(clientSecret) || clientSecret.length > 1000) throw new UsageError(`the client secret (${flags.oidcClientSecretFile ?? SECRET_VARIABLE}) must be one line of at most 1000 printable characters`);
  const config = parseSignInConfig(readInput(flags.oidcRoles), flags.oidcRoles);
  return { issuer, clientId: flags.oidcClientId, clientSecret, config, file: flags.oidcRoles };
}
