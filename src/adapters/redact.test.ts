/** @module Tests of the shared redaction: secrets never survive, whole or in part, and a shortened
 * text is cut between words with an ellipsis and the count of what was left out. */
import { describe, expect, it } from 'vitest';
import { excerpt, redact, secretValues, shorten } from './redact.ts';

/** A 43-character token, as echoed back by a provider; it holds characters URL encoding changes. */
const TOKEN = 'a3ZLb/Yx+RjbW9uaXRvcmluZy1hcGktdG9rZW4tMDAx';

/** Words of different lengths, 2,000 characters: what a long provider error body reads like. */
const FILLER = 'upstream connect error or disconnect/reset before headers; retried and the latest reset reason: remote refused, transport failure '
  .repeat(20)
  .slice(0, 2_000);

/** `FILLER` with `secret` inserted at `offset`. */
const bodyWith = (secret: string, offset: number): string => `${FILLER.slice(0, offset)}${secret}${FILLER.slice(offset)}`;

/** Every 8-character piece of `secret` (so every 8+ prefix and suffix): none may be in `text`. */
function expectNothingOf(secret: string, text: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    if (text.includes(secret.slice(i, i + 8))) throw new Error(`"${secret.slice(i, i + 8)}" of the secret survived in: ${text}`);
  }
}

describe('excerpt', () => {
  it('redacts before it shortens: a token at any offset of a 2,000-character text leaves no 8 characters of itself', () => {
    expect(TOKEN).toHaveLength(43);
    for (const max of [80, 160, 200, 300]) {
      for (let offset = 0; offset <= FILLER.length; offset++) {
        const text = excerpt(bodyWith(TOKEN, offset), { secrets: [TOKEN] }, max);
        expectNothingOf(TOKEN, text);
        expect(text.length).toBeLessThanOrEqual(max + ' … (2,043 more characters)'.length);
      }
    }
  });

  it('counts a token as found when it appears URL-encoded, in either case of hex digits, or form-encoded', () => {
    const forms = [encodeURIComponent(TOKEN), encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), new URLSearchParams({ t: TOKEN }).toString().slice(2)];
    for (const form of forms) {
      for (let offset = 0; offset <= FILLER.length; offset += 7) {
        const text = excerpt(bodyWith(form, offset), { secrets: [TOKEN] }, 200);
        expectNothingOf(TOKEN, text);
        expectNothingOf(form, text);
      }
    }
    expect(redact(`token=${encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())}`, { secrets: [TOKEN] })).toBe('token=[redacted]');
  });

  it('removes what a provider left of a token it cut itself: 8 or more characters at its start or end', () => {
    expect(redact(`denied for Bearer ${TOKEN.slice(0, 20)}`, { secrets: [TOKEN] })).toBe('denied for Bearer [redacted]');
    expect(redact(`…${TOKEN.slice(-12)} was refused`, { secrets: [TOKEN] })).toBe('…[redacted] was refused');
    expect(redact(`the word ${TOKEN.slice(0, 7)} stays`, { secrets: [TOKEN] })).toBe(`the word ${TOKEN.slice(0, 7)} stays`);
  });

  it('puts provider text on one line without control characters', () => {
    expect(excerpt('line one\r\n\tline two\u001b[31m\u0000 red\u2028end', {}, 300)).toBe('line one line two [31m red end');
  });
});

describe('shorten', () => {
  it('leaves a text within the limit as it is', () => {
    expect(shorten('alpha beta gamma', 16)).toBe('alpha beta gamma');
  });

  it('cuts on a word boundary and ends with an ellipsis and the count of characters left out', () => {
    expect(shorten('alpha beta gamma delta', 12)).toBe('alpha beta … (11 more characters)');
    expect(shorten('alpha beta gamma delta', 16)).toBe('alpha beta gamma … (5 more characters)');
    expect(shorten('alpha beta gamma d', 17)).toBe('alpha beta gamma … (1 more character)');
  });

  it('writes large counts with thousands separators', () => {
    const text = `${'word '.repeat(300)}end`;
    expect(shorten(text, 20)).toBe(`word word word word … (${(text.length - 20).toLocaleString('en-US')} more characters)`);
    expect(shorten(`short ${'x'.repeat(1_234)}`, 10)).toBe('short … (1,234 more characters)');
  });

  it('never cuts mid-word: inside one long word it cuts after punctuation, or leaves the word out whole', () => {
    expect(shorten('see https://prometheus.example.com/api/v1/query?query=up', 40)).toBe('see https://prometheus.example.com/api/ … (17 more characters)');
    expect(shorten('x'.repeat(500), 100)).toBe('… (500 more characters)');
    for (let max = 1; max < 60; max++) {
      const cut = shorten('deadline exceeded while waiting for the replica', max);
      const kept = cut.replace(/ ?… \(.*$/, '');
      for (const word of kept.split(' ').filter(Boolean)) expect('deadline exceeded while waiting for the replica'.split(' ')).toContain(word);
    }
  });

  it('counts characters, not UTF-16 units, and never splits one', () => {
    expect(shorten('ünïcödé 🚀🚀 rocket launch', 12)).toBe('ünïcödé 🚀🚀 … (13 more characters)');
  });
});

describe('redact', () => {
  const env = { MERIDIAN_GIT_TOKEN: 'ghp_s3cr3t/with+chars', ARGOCD_TOKEN: 'argo-token-1', FLAG_TOKEN: 'true', PATH: '/usr/bin', HOME: '/home/x' };

  it('removes the values of secret-named variables, also URL-encoded, and short values of variables named as always secret', () => {
    expect(redact('auth ghp_s3cr3t/with+chars and ghp_s3cr3t%2Fwith%2Bchars and argo-token-1', { env, alwaysSecret: ['MERIDIAN_GIT_TOKEN'] })).toBe(
      'auth [redacted] and [redacted] and [redacted]',
    );
    expect(redact('cd /home/x; /usr/bin/git: true', { env })).toBe('cd /home/x; /usr/bin/git: true');
    expect(redact('push with tok', { env: { MERIDIAN_GIT_TOKEN: 'tok' }, alwaysSecret: ['MERIDIAN_GIT_TOKEN'] })).toBe('push with [redacted]');
    expect([...secretValues({ GIT_PASSWORD: 'p@ss word!' })].sort()).toEqual(['p%40ss%20word!', 'p%40ss+word%21', 'p@ss%20word!', 'p@ss word!'].sort());
  });

  it('removes user:pass@ from any URL and a lone user (a token) from HTTP URLs', () => {
    expect(redact("fatal: unable to access 'https://bot:hunter2@git.example.com/a.git/'", { marker: '***' })).toBe("fatal: unable to access 'https://***@git.example.com/a.git/'");
    expect(redact('https://ghp_abcdef@github.com/org/repo.git')).toBe('https://[redacted]@github.com/org/repo.git');
    expect(redact('ssh://git@github.com/org/repo.git and git@github.com:org/repo.git')).toBe('ssh://git@github.com/org/repo.git and git@github.com:org/repo.git');
  });

  it('ignores empty and missing secrets', () => {
    expect(redact('nothing to hide', { secrets: ['', undefined] })).toBe('nothing to hide');
  });
});
