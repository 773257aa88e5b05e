/** @module Tests of token generation, hashing and the tokens file (mode 0600, hashes only, errors naming the field). */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { appendToken, hashToken, newToken, parseTokensFile, readTokensFile } from './tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-tokens-'));

describe('tokens', () => {
  it('are mrd_ followed by 32 random bytes in base64url, different every time', () => {
    const a = newToken();
    expect(a).toMatch(/^mrd_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(4), 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('are stored as their SHA-256 in hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('the tokens file', () => {
  it('is created with mode 0600 and gains one entry per token, holding no token', () => {
    const file = join(dir, 'a.json');
    const t1 = newToken();
    const t2 = newToken();
    appendToken(file, { user: 'alice', groups: ['release-team'], role: 'operator', hash: hashToken(t1) });
    appendToken(file, { user: 'bob', groups: [], role: 'viewer', hash: hashToken(t2) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readTokensFile(file)).toEqual([
      { user: 'alice', groups: ['release-team'], role: 'operator', hash: hashToken(t1) },
      { user: 'bob', groups: [], role: 'viewer', hash: hashToken(t2) },
    ]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(t1);
    expect(text).not.toContain(t2);
  });

  it('is rewritten with mode 0600 even when it was readable by others', () => {
    const file = join(dir, 'b.json');
    writeFileSync(file, '{ "tokens": [] }\n', { mode: 0o644 });
    appendToken(file, { user: 'carol', groups: [], role: 'admin', hash: hashToken(newToken()) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('names the file and the field when an entry is malformed', () => {
    expect(() => parseTokensFile('{ "tokens": [{ "user": "a", "groups": [], "role": "root", "hash": "00" }] }', 't.json'))
      .toThrow(new UsageError('t.json: tokens[0].role: "root" is not one of viewer | operator | admin'));
    expect(() => parseTokensFile('{ "tokens": [', 't.json')).toThrow(new UsageError('t.json: not valid JSON (the text ends early)'));
    expect(() => readTokensFile(join(dir, 'missing.json'))).toThrow(new UsageError(`${join(dir, 'missing.json')}: no such file`));
    expect(readTokensFile(join(dir, 'missing.json'), { missingOk: true })).toEqual([]);
  });

  it('keeps the services a token is limited to, and reads entries without them as before', () => {
    const file = join(dir, 'services.json');
    const hash = hashToken(newToken());
    appendToken(file, { user: 'cara', groups: [], role: 'operator', services: ['checkout', 'cart.v2', 'search_api', 'Pay-1'], hash });
    appendToken(file, { user: 'dan', groups: [], role: 'admin', hash });
    expect(readTokensFile(file)).toEqual([
      { user: 'cara', groups: [], role: 'operator', services: ['checkout', 'cart.v2', 'search_api', 'Pay-1'], hash },
      { user: 'dan', groups: [], role: 'admin', hash },
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8')).tokens[1]).not.toHaveProperty('services');
  });

  it('names the field when services is malformed: a bad name, an empty list, too many, or a viewer limited to services', () => {
    const hash = hashToken('abc');
    const entry = (over: Record<string, unknown>): string => JSON.stringify({ tokens: [{ user: 'a', groups: [], role: 'operator', hash }, { user: 'b', groups: [], role: 'operator', hash, ...over }] });
    expect(() => parseTokensFile(entry({ services: ['checkout', 'web app'] }), 't.json'))
      .toThrow(new UsageError('t.json: tokens[1].services[1]: "web app" is not a service name (letters, digits, . _ -)'));
    expect(() => parseTokensFile(entry({ services: ['checkout', 7] }), 't.json'))
      .toThrow(new UsageError('t.json: tokens[1].services[1]: expected a service name (letters, digits, . _ -), got number'));
    expect(() => parseTokensFile(entry({ services: 'checkout' }), 't.json')).toThrow(new UsageError('t.json: tokens[1].services: expected array, got "checkout"'));
    expect(() => parseTokensFile(entry({ services: [] }), 't.json'))
      .toThrow(new UsageError('t.json: tokens[1].services: must name at least one service (leave the field out for a token that covers every service)'));
    expect(() => parseTokensFile(entry({ services: Array.from({ length: 201 }, (_, i) => `svc-${i}`) }), 't.json'))
      .toThrow(new UsageError('t.json: tokens[1].services: at most 200 services, got 201'));
    expect(parseTokensFile(entry({ services: Array.from({ length: 200 }, (_, i) => `svc-${i}`) }), 't.json')[1]!.services).toHaveLength(200);
    expect(() => parseTokensFile(entry({ role: 'viewer', services: ['checkout'] }), 't.json'))
      .toThrow(new UsageError('t.json: tokens[1].services: a viewer only reads, so its token is not limited to services (leave the field out, or make the role operator)'));
    expect(() => parseTokensFile(entry({ service: ['checkout'] }), 't.json')).toThrow(new UsageError('t.json: tokens[1].service: unknown field "service" (did you mean "services"?)'));
  });

  it('says where JSON breaks without quoting the text, which may hold hashes', () => {
    const hash = hashToken('abc');
    const unquoted = `{\n  "tokens": [\n    { "user": "a", "groups": [], "role": "viewer", "hash": ${hash} }\n  ]\n}\n`;
    expect(() => parseTokensFile(unquoted, 't.json')).toThrow(new UsageError('t.json: not valid JSON (unexpected text at line 3, column 60, outside any string)'));
    const cut = `{ "tokens": [ { "user": "a", "groups": [], "role": "viewer", "hash": "${hash.slice(0, 30)}`;
    expect(() => parseTokensFile(cut, 't.json')).toThrow(new UsageError('t.json: not valid JSON (unterminated string at line 1, column 101)'));
    expect(() => parseTokensFile(`{ "tokens": [] } "${hash}"`, 't.json')).toThrow(new UsageError('t.json: not valid JSON (unexpected non-whitespace character after the JSON at line 1, column 18)'));
    const misplaced = `{ "tokens": [ { "user": "a", "groups": [], "role": "${hash}", "hash": "${hash}" } ] }`;
    expect(() => parseTokensFile(misplaced, 't.json')).toThrow(new UsageError('t.json: tokens[0].role: "(hex digits, not shown)" is not one of viewer | operator | admin'));
  });
});
