/**
 * @module What the SQLite and PostgreSQL stores share about their schema migrations: a migration is
 * a numbered SQL script, the list counts 1, 2, 3, … with no gap, and a database from a newer
 * meridian is refused naming both versions. Each store applies them with its own driver's
 * transactions (sqlite/migrations.ts, postgres/migrations.ts).
 */
import { AdapterError } from '../errors.ts';

export interface Migration {
  version: number;
  name: string;
  up: string;
}

/** The list must count 1, 2, 3, ... with no gaps or repeats. */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i + 1} ("${m.name}") has version ${m.version}; versions must count 1, 2, 3, ... in order`);
  });
}

/** A database whose schema is newer than the migrations this meridian knows: never opened, never migrated. */
export function futureVersionError(where: string, found: number, known: number): AdapterError {
  return new AdapterError(
    `${where}: the database has schema version ${found}, newer than this version of meridian knows (${known}); upgrade meridian to open it`,
    { retryable: false },
  );
}
