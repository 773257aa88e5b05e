/** @module Tests of the sealed sign-in state: opened only unchanged, under the same key, in time; return paths kept on this server. */
import { describe, expect, it } from 'vitest';
import { loginSealer, safeReturnPath } from './login-state.ts';

const state = { state: 's'.repeat(43), nonce: 'n'.repeat(43), verifier: 'v'.repeat(43), returnTo: '/releases/webapp-1', expiresAt: 2_000 };

describe('the sealed sign-in state', () => {
  it('opens what it sealed, and hides it: no part of state, nonce or verifier shows', () => {
    const sealer = loginSealer('client-secret');
    const sealed = sealer.seal(state);
    expect(sealer.open(sealed, 1_000)).toEqual(state);
    for (const part of ['sss', 'nnn', 'vvv', 'releases']) expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(part);
  });

  it('opens to nothing when a character was changed, under another key, after it expired, or when it is not one at all', () => {
    const sealer = loginSealer('client-secret');
    const sealed = sealer.seal(state);
    const i = 30;
    const flipped = `${sealed.slice(0, i)}${sealed[i] === 'A' ? 'B' : 'A'}${sealed.slice(i + 1)}`;
    expect(sealer.open(flipped, 1_000)).toBeNull();
    expect(loginSealer('another-secret').open(sealed, 1_000)).toBeNull();
    expect(sealer.open(sealed, 2_000)).toBeNull();
    for (const junk of [undefined, '', 'abc', '<script>', 'A'.repeat(5000)]) expect(sealer.open(junk, 1_000)).toBeNull();
  });
});

describe('the page to return to after signing in', () => {
  it('is a path on this server, or else the home page', () => {
    expect(safeReturnPath('/releases?phase=waiting')).toBe('/releases?phase=waiting');
    for (const bad of ['https://evil.example.com/', '//evil.example.com/x', '/\\evil.example.com', 'releases', '/a\nb', undefined, `/${'a'.repeat(2001)}`]) expect(safeReturnPath(bad)).toBe('/');
  });
});
