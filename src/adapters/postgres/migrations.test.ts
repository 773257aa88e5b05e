/**
 * @module The PostgreSQL migration list is well formed (applying it is tested against a real
 * server in test/integration/postgres-store.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { checkMigrations, futureVersionError } from '../migrations.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

describe('PostgreSQL migrations', () => {
  it('count 1, 2, 3, ... and end at the schema version', () => {
    expect(() => checkMigrations(MIGRATIONS)).not.toThrow();
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('refuse a list with a gap', () => {
    expect(() => checkMigrations([{ version: 1, name: 'a', up: '' }, { version: 3, name: 'c', up: '' }])).toThrow(
      'migration 2 ("c") has version 3; versions must count 1, 2, 3, ... in order',
    );
  });

  it('keep JSON as json, not jsonb, so inputs replay with the key order they were written with', () => {
    const all = MIGRATIONS.map((m) => m.up).join('\n');
    expect(all).not.toMatch(/\bjsonb\b/);
    expect(all.match(/\bjson NOT NULL/g)).toHaveLength(4);
  });

  it('name both versions when the database is newer', () => {
    const e = futureVersionError('postgresql://u:***@h/d', 9, 1);
    expect(e.message).toBe('postgresql://u:***@h/d: the database has schema version 9, newer than this version of meridian knows (1); upgrade meridian to open it');
    expect(e.retryable).toBe(false);
  });
});
