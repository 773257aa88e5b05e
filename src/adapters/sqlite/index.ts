/** @module The SQLite adapter of the Store port: the store and its schema migrations. */
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.ts';
