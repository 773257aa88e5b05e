/**
 * @module The identity provider, through openid-client: discovery from the issuer URL, the
 * authorization URL of a new sign-in (authorization code flow with PKCE S256, a state and a
 * nonce), and finishing it: the code exchanged with the client secret, the ID token checked by the
 * library (signature, issuer, audience, expiry, nonce), then its claims checked here before
 * anything is kept: the subject, the user name and the groups (from the ID token, else from the
 * userinfo endpoint). Nothing here logs; no message carries a code, a token or the client secret.
 */
import * as oidc from 'openid-client';
import { UsageError } from '../../errors.ts';
import { SESSION_LIMITS } from '../../runtime/session-records.ts';
import type { Identity, SignInConfig } from './sign-in-config.ts';

/** A sign-in refused: the status to answer with, and what to tell the person (no secret in it). */
export class SignInError extends Error {
  readonly status: 400 | 403 | 502;
  constructor(status: 400 | 403 | 502, message: string) {
    super(message);
    this.name = 'SignInError';
    this.status = status;
  }
}

/** What the browser's sign-in carries from the start to the callback (sealed in a cookie, login-state.ts). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

export interface IdentityProvider {
  /** The issuer, as discovered. */
  readonly issuer: string;
  /** Where to send the browser to sign in, and what the callback needs to finish. */
  begin(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }>;
  /** Finish a sign-in from the callback's URL (the redirect URI with the provider's query). */
  finish(callback: URL, pending: PendingSignIn): Promise<Identity>;
}

export interface ProviderOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  config: SignInConfig;
  /** How long one request to the provider may take (seconds). Default 10. */
  timeoutSeconds?: number;
}

/** The user name rule of `token create --user`. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const CONTROL = /\p{Cc}/u;

/** An issuer URL the server may use: https, or http on a loopback address (for tests and a local provider). */
export function checkIssuerUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--oidc-issuer "${value.slice(0, 200)}" is not a URL (e.g. https://sso.example.com/realms/platform)`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new UsageError(`--oidc-issuer "${value.slice(0, 200)}" must be an https URL (http only on a loopback address)`);
  if (url.username || url.password || url.search || url.hash) throw new UsageError('--oidc-issuer: give the issuer URL without a user name, password, query or fragment');
  return url;
}

/** A provider's own words (error_description), made safe to show: one line, printable, at most 200 characters. */
function providerWords(text: unknown): string {
  const s = typeof text === 'string' ? text.replace(/[\p{Cc}]+/gu, ' ').trim() : '';
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** The claim a failed comparison names, somewhere down the error's causes. */
function comparedClaim(e: unknown): unknown {
  let at: unknown = e;
  for (let depth = 0; depth < 4 && at && typeof at === 'object'; depth++) {
    const claim = (at as { claim?: unknown }).claim;
    if (typeof claim === 'string') return claim;
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Why openid-client refused, in a sentence that quotes nothing secret. */
function refusedBecause(e: unknown): SignInError {
  if (e instanceof oidc.AuthorizationResponseError) {
    const words = providerWords(e.error_description);
    return new SignInError(403, `the identity provider refused the sign-in (${providerWords(e.error)}${words ? `: ${words}` : ''})`);
  }
  if (e instanceof oidc.ResponseBodyError) {
    const words = providerWords(e.error_description);
    return new SignInError(502, `the identity provider refused the code exchange (${providerWords(e.error)}${words ? `: ${words}` : ''})`);
  }
  const message = e instanceof Error ? e.message : String(e);
  // openid-client names the claim that did not match in the cause (which also holds its value: never shown).
  const claim = (e as { code?: unknown }).code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' ? comparedClaim(e) : undefined;
  if (claim === 'nonce') return new SignInError(400, 'the ID token was not issued for this sign-in (its nonce does not match); sign in again');
  if (typeof claim === 'string') return new SignInError(400, `the ID token's "${providerWords(claim)}" claim is not the one expected; sign in again`);
  if (/nonce/i.test(message)) return new SignInError(400, 'the ID token was not issued for this sign-in (its nonce does not match); sign in again');
  if (/state/i.test(message)) return new SignInError(400, 'the sign-in response does not belong to this sign-in (its state does not match); sign in again');
  if (e instanceof TypeError || /fetch failed|timed? ?out|abort/i.test(message)) return new SignInError(502, 'the identity provider could not be reached; try again');
  return new SignInError(400, `the identity provider's answer was refused: ${providerWords(message)}`);
}

function claimText(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' ? v : undefined;
}

/** The groups claim as a list of names, or a SignInError saying what is wrong with it; absent: null. */
function groupsOf(value: unknown, claim: string): string[] | null {
  if (value === undefined || value === null) return null;
  const bad = (why: string): SignInError => new SignInError(403, `the identity provider's "${claim}" claim ${why}, so no role can be given; ask its administrators to send a list of group names`);
  if (!Array.isArray(value)) throw bad('is not a list');
  if (value.length > SESSION_LIMITS.groups) throw bad(`lists ${value.length} groups (at most ${SESSION_LIMITS.groups} are taken)`);
  const out: string[] = [];
  for (const g of value) {
    if (typeof g !== 'string' || g === '' || g.length > SESSION_LIMITS.group || CONTROL.test(g)) throw bad(`holds an entry that is not a group name (1 to ${SESSION_LIMITS.group} printable characters)`);
    if (!out.includes(g)) out.push(g);
  }
  return out;
}

/** The identity in checked claims; a SignInError naming the claim otherwise. */
export function identityOf(claims: Record<string, unknown>, config: SignInConfig, userinfo?: Record<string, unknown>): Identity {
  const issuer = claimText(claims, 'iss');
  const subject = claimText(claims, 'sub');
  if (!issuer || issuer.length > SESSION_LIMITS.issuer) throw new SignInError(400, 'the ID token has no usable "iss" claim');
  if (!subject || subject.length > SESSION_LIMITS.subject || CONTROL.test(subject)) throw new SignInError(400, `the ID token's "sub" claim must be 1 to ${SESSION_LIMITS.subject} printable characters`);
  const userClaim = config.claims.user;
  const user = claimText(claims, userClaim) ?? (userinfo ? claimText(userinfo, userClaim) : undefined);
  if (user === undefined) throw new SignInError(403, `the identity provider sent no "${userClaim}" claim, which Meridian takes the user name from (claims.user in the sign-in configuration)`);
  if (user.length > SESSION_LIMITS.user || !USER_NAME.test(user)) {
    throw new SignInError(403, `the "${userClaim}" claim ${JSON.stringify(user.slice(0, 60))} is not a user name (letters, digits, . _ @ -, at most ${SESSION_LIMITS.user})`);
  }
  const rawName = claims.name ?? userinfo?.name;
  let name: string | null = null;
  if (rawName !== undefined && rawName !== null) {
    if (typeof rawName !== 'string' || rawName.length > SESSION_LIMITS.name || CONTROL.test(rawName)) throw new SignInError(403, `the "name" claim must be at most ${SESSION_LIMITS.name} printable characters`);
    name = rawName.trim() || null;
  }
  const groupsClaim = config.claims.groups;
  const groups = groupsOf(claims[groupsClaim], groupsClaim) ?? (userinfo ? groupsOf(userinfo[groupsClaim], groupsClaim) : null) ?? [];
  return { issuer, subject, user, name, groups };
}

/** Discover the provider at `issuer` (its /.well-known/openid-configuration); a UsageError naming the issuer when that fails. */
export async function discoverProvider(opts: ProviderOptions): Promise<IdentityProvider> {
  const url = checkIssuerUrl(opts.issuer);
  const insecure = url.protocol === 'http:';
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(url, opts.clientId, undefined, oidc.ClientSecretBasic(opts.clientSecret), {
      timeout: opts.timeoutSeconds ?? 10,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
  } catch (e) {
    const why = e instanceof Error ? providerWords(e.message) : 'unknown error';
    throw new UsageError(`--oidc-issuer ${url.href}: discovery failed (${why}); check the URL (its /.well-known/openid-configuration must answer)`);
  }
  const server = config.serverMetadata();
  if (!server.authorization_endpoint || !server.token_endpoint) throw new UsageError(`--oidc-issuer ${url.href}: the provider names no authorization or token endpoint`);
  const methods = server.code_challenge_methods_supported;
  if (methods && !methods.includes('S256')) throw new UsageError(`--oidc-issuer ${url.href}: the provider does not support PKCE with S256`);
  const scope = opts.config.scopes.join(' ');

  return {
    issuer: server.issuer,
    async begin(redirectUri) {
      const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
      const challenge = await oidc.calculatePKCECodeChallenge(pending.verifier);
      const target = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope, response_type: 'code', state: pending.state, nonce: pending.nonce, code_challenge: challenge, code_challenge_method: 'S256',
      });
      return { url: target.href, pending };
    },
    async finish(callback, pending) {
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true,
        });
      } catch (e) {
        throw refusedBecause(e);
      }
      const claims = tokens.claims() as Record<string, unknown> | undefined;
      if (!claims) throw new SignInError(400, 'the identity provider sent no ID token');
      // The groups (or the user name) may be left out of the ID token and given only at userinfo.
      const needsUserinfo = claims[opts.config.claims.groups] === undefined || claims[opts.config.claims.user] === undefined;
      let userinfo: Record<string, unknown> | undefined;
      if (needsUserinfo && server.userinfo_endpoint) {
        try {
          userinfo = (await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))) as Record<string, unknown>;
        } catch (e) {
          throw refusedBecause(e);
        }
      }
      return identityOf(claims, opts.config, userinfo);
    },
  };
}
