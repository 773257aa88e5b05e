/** @module Tests of redaction: secret values from the environment and URL credentials never survive. */
import { describe, expect, it } from 'vitest';
import { redact } from './redact.ts';

describe('redact', () => {
  const env = { MERIDIAN_GIT_TOKEN: 'ghp_s3cr3t/with+chars', ARGOCD_TOKEN: 'argo-token-1', FLAG_TOKEN: 'true', PATH: '/usr/bin', HOME: '/home/x' };

  it('removes the values of secret variables, also URL-encoded', () => {
    expect(redact('auth ghp_s3cr3t/with+chars and ghp_s3cr3t%2Fwith%2Bchars and argo-token-1', env)).toBe('auth *** and *** and ***');
  });

  it('leaves values of ordinary variables, and short values of secret-looking ones, alone', () => {
    expect(redact('cd /home/x; /usr/bin/git: true', env)).toBe('cd /home/x; /usr/bin/git: true');
    expect(redact('push with tok', { MERIDIAN_GIT_TOKEN: 'tok' })).toBe('push with ***');
  });

  it('removes user:pass@ from any URL and a lone user (a token) from HTTP URLs', () => {
    expect(redact("fatal: unable to access 'https://bot:hunter2@git.example.com/a.git/'")).toBe("fatal: unable to access 'https://***@git.example.com/a.git/'");
    expect(redact('https://ghp_abcdef@github.com/org/repo.git')).toBe('https://***@github.com/org/repo.git');
    expect(redact('ssh://git@github.com/org/repo.git and git@github.com:org/repo.git')).toBe('ssh://git@github.com/org/repo.git and git@github.com:org/repo.git');
  });
});
