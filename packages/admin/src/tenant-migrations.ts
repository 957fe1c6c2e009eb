import { Migrator, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { ConnectionError, DatabaseError } from '@tenantry/core';
import type { RoleSwitchState, ServerFacts, TenantNames, TenantryDialect } from '@tenantry/sql';
import { requireRoleSwitching } from './delegate-session.js';
import type { DriverConnection, QueryObserver } from './executor/driver-connection.js';

/**
 * Runs `migrations` to the latest in the tenant's schema, as the tenant's role,
 * on `connection`, which is inside the transaction that creates the tenant (or
 * that holds its locks, for `migrateTenants`).
 *
 * - Every object the migrations create belongs to the tenant's role (the
 *   dialect's `enterTenant`), and unqualified names resolve in its schema
 *   only. Kysely's bookkeeping tables (`kysely_migration`,
 *   `kysely_migration_lock`) live in that schema too, so each tenant has its
 *   own history.
 * - A login that may not switch to the tenant's role yet is let switch (SET,
 *   not INHERIT) in this transaction and stops before returning, so the
 *   grant is never committed.
 * - The Migrator never begins or commits: its transaction is a savepoint in
 *   the caller's. On a failing migration this throws, and the caller must roll
 *   back: nothing of the tenant, its migrations or the grant remains.
 *
 * WARNING: switching roles is not a security boundary. Code that runs after
 * it can switch back and act as the session's login. Migrations are the
 * caller's own code; but in an existing tenant's schema, objects the tenant
 * made (a trigger, a function, a view) run too when a migration touches them:
 * hence `inDelegateSession` for existing tenants.
 *
 * `observer` is told of each query Kysely runs (the creation's recording).
 *
 * @returns the names of the migrations applied, in order.
 * @throws DatabaseError naming the migration that failed (or the server's error as is, when the connection broke).
 */
export async function migrateTenantInTransaction(
  connection: DriverConnection,
  dialect: TenantryDialect,
  facts: ServerFacts,
  tenant: TenantNames,
  migrations: MigrationProvider,
  observer?: QueryObserver,
): Promise<string[]> {
  const switching = requireRoleSwitching(dialect);
  if (!connection.kyselyInTransaction) throw new Error(`The ${dialect.client} driver cannot run Kysely inside its transaction.`);
  let grant: RoleSwitchState | undefined;
  if (!facts.isSuperuser) {
    const [state] = await connection.query(switching.switchStateQuery(tenant.username, facts));
    if (state && !state.can_set_role) grant = state;
  }
  await connection.run([...(grant ? [switching.grantSwitch(tenant.username, facts.adminRole, grant, facts)] : []), ...switching.enterTenant(tenant)]);

  const db = connection.kyselyInTransaction({ schema: tenant.schemaName, observer });
  let result: MigrationResultSet;
  try {
    result = await new Migrator({ db, provider: migrations, migrationTableSchema: tenant.schemaName }).migrateToLatest();
  } finally {
    await db.destroy();
  }
  if (result.error !== undefined) throw migrationError(dialect, result, tenant.schemaName);

  // Check the role before leaving it: objects made after a switch away would not be the tenant's.
  const [current] = await connection.query(switching.currentRoleQuery());
  await connection.run([...switching.leaveTenant(), ...(grant ? [switching.revokeSwitch(tenant.username, facts.adminRole, grant, facts)] : [])]);
  if (current?.role !== tenant.username) {
    throw new DatabaseError({
      message: `Could not migrate tenant "${tenant.schemaName}": the migrations switched from the tenant role "${tenant.username}" to "${current?.role}"; they must not change roles.`,
    });
  }
  return (result.results ?? []).filter((migration) => migration.status === 'Success').map((migration) => migration.migrationName);
}

/**
 * The Migrator's error as a Tenantry error naming the migration. A broken
 * connection is passed on as is, for the caller to map to `ConnectionError`.
 * Server errors keep their SQLSTATE but are not mapped further: a 42710 from a
 * migration is some object of the tenant's that exists, not the tenant's role.
 */
function migrationError(dialect: TenantryDialect, result: MigrationResultSet, schemaName: string): unknown {
  const error = result.error;
  if (dialect.mapError(error, { action: `migrate tenant "${schemaName}"` }) instanceof ConnectionError) return error;
  const failed = result.results?.find((migration) => migration.status === 'Error')?.migrationName;
  const where = failed === undefined ? '' : `migration "${failed}" failed: `;
  return dialect.toDatabaseError(`Could not migrate tenant "${schemaName}": ${where}`, error);
}
