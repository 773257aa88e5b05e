/** @module The PostgreSQL adapter: the Store port (PostgresStore), its schema migrations, and the leader lock that lets several `meridian serve` replicas share one database with one leader at a time. */
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
export { LeaderLock, type LeaderLockOptions } from './leader.ts';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.ts';
export { redactUrl } from './url.ts';
