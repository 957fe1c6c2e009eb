import type { MigrationProvider } from 'kysely';
import { DatabaseError, TenantryError } from '@tenantry/core';
import type { ErrorContext, ExecutablePlan, ServerFacts, TenantNames, TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import { executePlan } from './executor/execute-plan.js';
import { runMigrationsAsTenant } from './drivers/tenant-migrations-over-driver.js';
import { inDelegateSession } from './delegate-session.js';
import { migrateTenantInTransaction } from './tenant-migrations.js';

/** A tenant about to be created, with what creating it needs. */
export interface TenantToCreate {
  readonly plan: ExecutablePlan;
  readonly tenant: TenantNames;
  /** WARNING: the new tenant's password. */
  readonly password: string;
  readonly facts: ServerFacts;
  /** The dialect for this server. */
  readonly dialect: TenantryDialect;
  readonly context: ErrorContext;
}

/**
 * Creates a tenant and runs its first migrations as the tenant, so that the
 * tables are the tenant's and nothing is left if a migration fails.
 *
 * - Where DDL is transactional and a session can switch to the tenant's role
 *   (PostgreSQL), the migrations run in the creating transaction, as the new
 *   role: a failure rolls everything back.
 * - Elsewhere (the MySQL family), the tenant is created, then migrated in a
 *   session of its own new login; if that fails, it is removed again.
 */
export async function createWithMigrations(session: AdminSession, toCreate: TenantToCreate, migrations: MigrationProvider): Promise<void> {
  const { plan, tenant, password, facts, dialect, context } = toCreate;
  if (dialect.transactions?.newRoleUsableBeforeCommit && dialect.roleSwitching) {
    await session.transaction(context, async (connection) => {
      await executePlan(connection, plan);
      await migrateTenantInTransaction(connection, dialect, facts, tenant, migrations);
    });
    return;
  }
  await session.runPlan(plan, context);
  if (dialect.roleSwitching) {
    await migrateAfterCommit(session, toCreate, migrations);
    return;
  }
  try {
    await runMigrationsAsTenant(dialect, session.tenantUrl({ username: tenant.username, password, database: tenant.schemaName }), migrations);
  } catch (error) {
    await removeAgain(session, dialect, tenant, facts);
    throw TenantryError.isInstance(error)
      ? error
      : new DatabaseError({ message: `Could not create tenant "${tenant.schemaName}": its migrations failed and the tenant was removed again: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/**
 * The migrations of a tenant whose creation committed (the new role is usable
 * only now: Citus), in a delegate's session as for `migrateTenants`; if they
 * fail, or the delegate cannot be dropped, the tenant is removed again.
 */
async function migrateAfterCommit(session: AdminSession, toCreate: TenantToCreate, migrations: MigrationProvider): Promise<void> {
  const { tenant, facts, dialect } = toCreate;
  const result = await inDelegateSession(session, facts, tenant, { action: `migrate new tenant "${tenant.schemaName}"`, access: 'read-write' }, (connection, delegateFacts) =>
    migrateTenantInTransaction(connection, dialect, delegateFacts, tenant, migrations),
  );
  const failure = result.ok ? result.cleanupError : result.error;
  if (failure === undefined) return;
  await removeAgain(session, dialect, tenant, facts);
  throw new DatabaseError({
    sqlState: failure.sqlState,
    cause: failure,
    message: `Could not create tenant "${tenant.schemaName}": ${failure.message.replace(/\.$/, '')}. The tenant was removed again.`,
  });
}

/** Undoes a creation whose migrations failed; a failure here leaves what `removeTenant` can finish later. */
async function removeAgain(session: AdminSession, dialect: TenantryDialect, tenant: TenantNames, facts: ServerFacts): Promise<void> {
  const plan = dialect.planRemoveTenant({ ...tenant, dropOwnedInOtherDatabases: false }, facts);
  await session.runPlan(plan, { action: `remove tenant "${tenant.schemaName}" again`, schemaName: tenant.schemaName, username: tenant.username }).catch(() => undefined);
}
