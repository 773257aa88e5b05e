/**
 * @module Dashboard sign-in through an OpenID Connect provider, put together for `serve`: discover
 * the provider first (a wrong issuer stops the server from starting), then, once the store is open,
 * the sessions, the sealed login state and the routes, and a sweep of expired sessions every 10
 * minutes. The client secret goes only to openid-client and to the key of the login cookie.
 */
import type { SessionStore } from './sessions.ts';
import { Sessions } from './sessions.ts';
import { loginSealer } from './login-state.ts';
import { discoverProvider, type IdentityProvider } from './provider.ts';
import { signInRoutes, type SignIn, type SignInAudit } from './sign-in-routes.ts';
import type { SignInConfig } from './sign-in-config.ts';

export { parseSignInConfig, type SignInConfig } from './sign-in-config.ts';
export type { SignIn } from './sign-in-routes.ts';

/** How often expired sessions are deleted (besides on every sign-in). */
export const SWEEP_EVERY_MS = 10 * 60_000;

export interface OidcSetup {
  issuer: string;
  clientId: string;
  clientSecret: string;
  config: SignInConfig;
  /** Where the configuration came from, for the line `serve` prints. */
  file: string;
}

export interface OidcDeps {
  store: SessionStore;
  /** The base URL people open the dashboard at (serve --public-url, or the URL served). */
  publicUrl: () => string;
  audit: (entry: SignInAudit) => Promise<void>;
  log: (line: string) => void;
  /** The wall clock of sessions; default Date.now. */
  now?: () => number;
}

export interface RunningSignIn {
  signIn: SignIn;
  /** One line for `serve` to print (once the server listens, so the redirect URI is known). */
  describe(): string;
  close(): void;
}

export function discover(setup: OidcSetup): Promise<IdentityProvider> {
  return discoverProvider({ issuer: setup.issuer, clientId: setup.clientId, clientSecret: setup.clientSecret, config: setup.config });
}

export function startSignIn(provider: IdentityProvider, setup: OidcSetup, deps: OidcDeps): RunningSignIn {
  const sessions = new Sessions(deps.store, { hours: setup.config.sessionHours, ...(deps.now ? { now: deps.now } : {}) });
  const redirectUri = (): string => `${deps.publicUrl().replace(/\/+$/, '')}/auth/callback`;
  const signIn = signInRoutes({ provider, config: setup.config, sessions, sealer: loginSealer(setup.clientSecret), redirectUri, audit: deps.audit, log: deps.log });
  const sweep = (): void => {
    sessions.sweep().catch((e: unknown) => deps.log(`sign-in: could not delete expired sessions: ${e instanceof Error ? e.message : String(e)}`));
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS).unref();
  return {
    signIn,
    describe: () => `sign-in: ${provider.issuer} (client ${setup.clientId}; ${setup.config.roles.length} group role(s) from ${setup.file}; sessions of ${setup.config.sessionHours} h; redirect URI ${redirectUri()})`,
    close: () => clearInterval(timer),
  };
}
