/*
 * The PostgreSQL path's error mapping, which its dialect owns
 * (@tenantry/sql/postgres): re-exported under the names the admin's modules
 * and its public API use.
 */
export { mapPostgresError as mapDatabaseError, toDatabaseError } from '@tenantry/sql/postgres';
export type { ErrorContext } from '@tenantry/sql';
