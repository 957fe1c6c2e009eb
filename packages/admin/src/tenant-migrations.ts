// WORK IN PROGRESS (helper): per-tenant migrations. Signatures are fixed; bodies to be written.
import type { MigrationProvider } from 'kysely';
import type pg from 'pg';
import type { AdminSession, ServerFacts } from './admin-session.js';
import type { MigrateTenantsOptions, TenantMigrationOutcome, TenantPage } from './database-admin-options.js';

/**
 * Runs `migrations` to the latest in the tenant's schema, as the tenant's role,
 * on `client`, which is inside the transaction that creates the tenant.
 */
export async function migrateTenantInTransaction(
  client: pg.PoolClient,
  facts: ServerFacts,
  tenant: { schemaName: string; username: string },
  migrations: MigrationProvider,
): Promise<string[]> {
  void client; void facts; void tenant; void migrations;
  throw new Error('migrateTenantInTransaction: not implemented yet');
}

export async function migrateTenants(
  session: AdminSession,
  listPage: (after: string | undefined) => Promise<TenantPage>,
  options: MigrateTenantsOptions,
): Promise<TenantMigrationOutcome[]> {
  void session; void listPage; void options;
  throw new Error('migrateTenants: not implemented yet');
}
