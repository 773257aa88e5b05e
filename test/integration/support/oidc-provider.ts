/**
 * @module Test support: a real OpenID Connect provider (the `oidc-provider` package) on loopback,
 * with test users, their groups (the `groups` claim, in the ID token) and one confidential client
 * for Meridian that must use PKCE. Its login page is a plain form of our own (user name and
 * password; nothing fetched from elsewhere); consent is given once per person and client without
 * a page. `startProvider()` resolves once it listens; `close()` ends it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestUser {
  /** The subject (`sub`). */
  sub: string;
  username: string;
  name: string;
  groups: string[];
  password: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the provider was asked to authorize, last (the query of its authorization endpoint). */
  lastAuthorization(): URLSearchParams | null;
  close(): Promise<void>;
}

export interface ProviderOptions {
  users: TestUser[];
  /** Where Meridian is served: its redirect URI is REDIRECT_BASE/auth/callback. */
  redirectBase: string;
  clientSecret?: string;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, problem: string | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head><body>
<h1>Sign in to the test identity provider</h1>
${problem ? `<p id="problem">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User name <input name="username" autocomplete="off"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit" id="idp-sign-in">Sign in</button>
</form></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startProvider(opts: ProviderOptions): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'meridian';
  const clientSecret = opts.clientSecret ?? 'a-test-client-secret-that-is-long-enough';
  const users = new Map(opts.users.map((u) => [u.sub, u]));
  let lastAuthorization: URLSearchParams | null = null;

  const configuration: Configuration = {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [`${opts.redirectBase}/auth/callback`],
      response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    // The claims of the scopes asked for go in the ID token itself, as Keycloak's mappers put them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A signing key of its own, made for this run.
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' } as never] },
    cookies: { keys: ['test-provider-cookie-key'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    findAccount: (_ctx, sub) => {
      const u = users.get(sub);
      if (!u) return undefined;
      return { accountId: sub, claims: () => ({ sub, preferred_username: u.username, name: u.name, groups: u.groups }) };
    },
    // Consent without a page: every person grants Meridian what it asks for.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid profile groups');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/auth') lastAuthorization = new URLSearchParams(ctx.querystring);
    const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!m) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== m[1]) ctx.throw(400, 'interaction mismatch');
    if (ctx.method === 'GET' && !m[2]) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, null);
      return undefined;
    }
    if (ctx.method === 'POST' && m[2]) {
      const form = await formBody(ctx.req);
      const user = [...users.values()].find((u) => u.username === form.get('username') && u.password === form.get('password'));
      if (!user) {
        ctx.type = 'html';
        ctx.body = loginPage(details.uid, 'Wrong user name or password.');
        return undefined;
      }
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return undefined;
    }
    return next();
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    void handle(req, res);
  });
  return {
    issuer, clientId, clientSecret,
    lastAuthorization: () => lastAuthorization,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
