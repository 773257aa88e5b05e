/**
 * @module What a sign-in carries from its start to the callback (state, nonce, PKCE verifier, the
 * page to return to), sealed into the `meridian_login` cookie with AES-256-GCM under a key derived
 * (HKDF-SHA256) from the client secret. Nothing is stored on the server until the sign-in
 * succeeds, so a flood of unauthenticated `GET /` writes nothing, and any replica sharing the
 * client secret finishes a sign-in another started. A cookie changed by one bit, sealed under
 * another key or older than 10 minutes opens to nothing.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { PendingSignIn } from './provider.ts';

/** How long a started sign-in may take to come back (ms). */
export const LOGIN_TTL_MS = 10 * 60_000;

export interface LoginState extends PendingSignIn {
  /** The dashboard path to return to (checked by safeReturnPath). */
  returnTo: string;
  /** Epoch ms after which the state is refused. */
  expiresAt: number;
}

export interface LoginSealer {
  seal(state: LoginState): string;
  /** The state in `cookie`, or null when it is not one this server sealed, or it has expired. */
  open(cookie: string | undefined, now: number): LoginState | null;
}

/** The longest cookie value accepted (a sealed state is about 300 characters). */
const MAX_COOKIE = 2048;

export function loginSealer(clientSecret: string): LoginSealer {
  const key = Buffer.from(hkdfSync('sha256', clientSecret, 'meridian', 'meridian sign-in state v1', 32));
  return {
    seal(state) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(cookie, now) {
      if (!cookie || cookie.length > MAX_COOKIE || !/^[A-Za-z0-9_-]+$/.test(cookie)) return null;
      const raw = Buffer.from(cookie, 'base64url');
      if (raw.length < 29) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
        const v = JSON.parse(text) as Partial<LoginState>;
        const ok = typeof v.state === 'string' && typeof v.nonce === 'string' && typeof v.verifier === 'string' && typeof v.returnTo === 'string' && typeof v.expiresAt === 'number';
        if (!ok || v.expiresAt! <= now) return null;
        return { state: v.state!, nonce: v.nonce!, verifier: v.verifier!, returnTo: safeReturnPath(v.returnTo!), expiresAt: v.expiresAt! };
      } catch {
        return null;
      }
    },
  };
}

/**
 * A path on this server to return to after signing in: it must start with one `/` (no scheme, no
 * `//host`, no backslash, no control character) and be at most 2000 characters; anything else is `/`.
 */
export function safeReturnPath(value: string | undefined): string {
  if (!value || value.length > 2000 || !value.startsWith('/') || value.startsWith('//') || /[\\\p{Cc}]/u.test(value)) return '/';
  try {
    const url = new URL(value, 'http://meridian.invalid');
    return url.origin === 'http://meridian.invalid' ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}
