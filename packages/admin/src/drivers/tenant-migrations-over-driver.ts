import { Kysely, Migrator, MysqlDialect, type MigrationProvider } from 'kysely';
import { DatabaseError } from '@tenantry/core';
import type { TenantryDialect } from '@tenantry/sql';

/**
 * Runs Kysely migrations to the latest in a session AS THE TENANT (its own
 * login, from its connection string), so everything they create is the
 * tenant's and no tenant code can ever run with the admin's rights. Kysely's
 * bookkeeping tables live in the tenant's own database. Used at creation,
 * when the tenant's password is at hand.
 *
 * @throws DatabaseError naming the migration that failed.
 */
export async function runMigrationsAsTenant(dialect: TenantryDialect, tenantConnectionString: string, migrations: MigrationProvider): Promise<string[]> {
  if (dialect.client !== 'mysql2') throw new Error(`No Kysely dialect for the ${dialect.client} client here.`);
  const parts = dialect.adminConnection(tenantConnectionString);
  const { createPool } = await import('mysql2');
  const pool = createPool({ host: parts.host, port: parts.port, user: parts.user, password: parts.password, database: parts.database, connectionLimit: 1 });
  pool.on('connection', (connection) => connection.on('error', () => undefined)); // the failing query reports it
  const db = new Kysely<unknown>({ dialect: new MysqlDialect({ pool }) });
  try {
    const result = await new Migrator({ db, provider: migrations }).migrateToLatest();
    if (result.error !== undefined) {
      const failed = result.results?.find((migration) => migration.status === 'Error')?.migrationName;
      const reason = result.error instanceof Error ? result.error.message : String(result.error);
      throw new DatabaseError({ message: `${failed === undefined ? 'The migrations failed' : `Migration "${failed}" failed`}: ${reason}` });
    }
    return (result.results ?? []).filter((migration) => migration.status === 'Success').map((migration) => migration.migrationName);
  } finally {
    await db.destroy();
  }
}
