/** @module PostgreSQL URLs as meridian prints them: the password hidden wherever it is, a URL that is not one never echoed. */
import { describe, expect, it } from 'vitest';
import { checkPostgresUrl, postgresUrlProblem, redactUrl } from './url.ts';

describe('redactUrl', () => {
  it('hides the password in the user part', () => {
    expect(redactUrl('postgresql://meridian:s3cr%2Ft@db.internal:5432/meridian')).toBe('postgresql://meridian:***@db.internal:5432/meridian');
    expect(redactUrl('postgres://meridian:hunter2@127.0.0.1/meridian?sslmode=require')).toBe('postgres://meridian:***@127.0.0.1/meridian?sslmode=require');
  });

  it('hides a password given as a parameter, whatever its case', () => {
    expect(redactUrl('postgresql://meridian@db/meridian?password=hunter2&sslmode=require')).toBe('postgresql://meridian@db/meridian?password=***&sslmode=require');
    expect(redactUrl('postgresql://db/meridian?PASSWORD=hunter2')).not.toContain('hunter2');
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactUrl('postgresql://meridian@db:5432/meridian')).toBe('postgresql://meridian@db:5432/meridian');
  });

  it('never echoes what it cannot parse', () => {
    expect(redactUrl('host=db password=hunter2')).toBe('(an invalid PostgreSQL URL)');
  });
});

describe('postgresUrlProblem', () => {
  it('accepts postgres:// and postgresql:// URLs', () => {
    expect(postgresUrlProblem('postgres://u:p@h/d')).toBeNull();
    expect(postgresUrlProblem('postgresql://h/d')).toBeNull();
  });

  it('says what is wrong without repeating the text given', () => {
    expect(postgresUrlProblem('mysql://u:hunter2@h/d')).toBe('a mysql: URL, not postgresql:// (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
    expect(postgresUrlProblem('hunter2')).toBe('not a URL (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
    expect(() => checkPostgresUrl('hunter2')).toThrow('--postgres: not a URL (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)');
  });
});
