/** @module Which PostgreSQL failures are worth trying again, and that our own errors pass through untouched. */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AdapterError, ConflictError } from '../../errors.ts';
import { adapterError, isRetryable } from './errors.ts';

function dbError(code: string, message = 'boom'): pg.DatabaseError {
  const e = new pg.DatabaseError(message, message.length, 'error');
  e.code = code;
  return e;
}

function sysError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('adapterError', () => {
  it('makes lost connections and serialization failures retryable', () => {
    for (const e of [dbError('40001'), dbError('40P01'), dbError('57P01'), dbError('08006'), dbError('53300'), sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), sysError('ECONNRESET', 'read ECONNRESET'), new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect')]) {
      expect(isRetryable(e), e.message).toBe(true);
      const wrapped = adapterError('postgresql://u:***@h/d', e) as AdapterError;
      expect(wrapped).toBeInstanceOf(AdapterError);
      expect(wrapped.retryable).toBe(true);
      expect(wrapped.cause).toBe(e);
    }
  });

  it('does not retry what the server refused for good', () => {
    const e = adapterError('postgresql://u:***@h/d', dbError('28P01', 'password authentication failed for user "u"')) as AdapterError;
    expect(e.message).toBe('postgresql://u:***@h/d: password authentication failed for user "u"');
    expect(e.retryable).toBe(false);
    expect((adapterError('w', dbError('23505')) as AdapterError).retryable).toBe(false);
    expect((adapterError('w', dbError('42601')) as AdapterError).retryable).toBe(false);
  });

  it('names the code when the error has no message (a refused connection to every address of a host)', () => {
    const e = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    expect((adapterError('w', e) as AdapterError).message).toBe('w: ECONNREFUSED');
  });

  it('passes our own errors and plain errors through unchanged', () => {
    const conflict = new ConflictError('service webapp already has a release in progress: webapp-1 (phase running)');
    expect(adapterError('w', conflict)).toBe(conflict);
    const type = new TypeError('input seq must be a whole number from 1, not 0');
    expect(adapterError('w', type)).toBe(type);
    const plain = new Error('audit entry detail looks like it contains a bearer token; audit entries must never carry credentials');
    expect(adapterError('w', plain)).toBe(plain);
    expect(adapterError('w', 'text')).toBe('text');
  });
});
