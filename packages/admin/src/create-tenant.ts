import type { MigrationProvider } from 'kysely';
import { DatabaseError, TenantryError } from '@tenantry/core';
import type { CreateTenantPlanSpec, ErrorContext, ExecutablePlan, ServerFacts, TenantNames, TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import { executePlan } from './executor/execute-plan.js';
import { runMigrationsAsTenant } from './drivers/tenant-migrations-over-driver.js';
import { inDelegateSession } from './delegate-session.js';
import { migrateTenantInTransaction } from './tenant-migrations.js';

/** A tenant about to be created, with what creating it needs. */
export interface TenantToCreate {
  /** What the plans were made from. */
  readonly spec: CreateTenantPlanSpec;
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
 * Creates a tenant as its dialect plans it, then runs its first migrations,
 * if any, as the tenant, so that the tables are the tenant's. Nothing is left
 * when any part fails.
 *
 * - Where DDL is transactional and a new role can be switched to before it
 *   commits (PostgreSQL), the migrations run in the creating transaction, as
 *   the new role: a failure rolls everything back.
 * - A dialect's `planAfterCreate` (Citus: what does not propagate, on every
 *   worker) runs once the creation committed.
 * - Where the new role is usable only once committed (Citus), the migrations
 *   run after that, in a delegate's session as for `migrateTenants`.
 * - Elsewhere (the MySQL family), in a session of the new tenant's own login.
 * - After the commit, a failure removes the tenant again.
 */
export async function createTenantFromPlan(session: AdminSession, toCreate: TenantToCreate, migrations: MigrationProvider | undefined): Promise<void> {
  const { plan, tenant, facts, dialect, context } = toCreate;
  if (migrations && dialect.transactions?.newRoleUsableBeforeCommit && dialect.roleSwitching) {
    await session.transaction(context, async (connection) => {
      await executePlan(connection, plan);
      await migrateTenantInTransaction(connection, dialect, facts, tenant, migrations);
    });
    await completeAfterCommit(session, toCreate);
    return;
  }
  await session.runPlan(plan, context);
  await completeAfterCommit(session, toCreate);
  if (!migrations) return;
  if (dialect.roleSwitching) {
    await migrateAfterCommit(session, toCreate, migrations);
    return;
  }
  try {
    await runMigrationsAsTenant(dialect, session.tenantUrl({ username: tenant.username, password: toCreate.password, database: tenant.schemaName }), migrations);
  } catch (error) {
    await removeAgain(session, dialect, tenant, facts);
    throw TenantryError.isInstance(error)
      ? error
      : new DatabaseError({ message: `Could not create tenant "${tenant.schemaName}": its migrations failed and the tenant was removed again: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** The dialect's `planAfterCreate`, once the creation committed; a failure removes the tenant again. */
async function completeAfterCommit(session: AdminSession, toCreate: TenantToCreate): Promise<void> {
  const { spec, tenant, facts, dialect, context } = toCreate;
  const after = dialect.planAfterCreate?.(spec, facts);
  if (after === undefined) return;
  try {
    await session.runPlan(after, context);
  } catch (error) {
    await removeAgain(session, dialect, tenant, facts);
    throw removedAgain(session.mapError(error, context), '');
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
  throw removedAgain(failure, `Could not create tenant "${tenant.schemaName}": `);
}

/** What failed after the creation committed, saying the tenant was removed again. */
function removedAgain(failure: TenantryError, prefix: string): DatabaseError {
  return new DatabaseError({ sqlState: failure.sqlState, cause: failure, message: `${prefix}${failure.message.replace(/\.$/, '')}. The tenant was removed again.` });
}

/** Undoes a creation whose migrations failed; a failure here leaves what `removeTenant` can finish later. */
async function removeAgain(session: AdminSession, dialect: TenantryDialect, tenant: TenantNames, facts: ServerFacts): Promise<void> {
  const plan = dialect.planRemoveTenant({ ...tenant, dropOwnedInOtherDatabases: false }, facts);
  await session.runPlan(plan, { action: `remove tenant "${tenant.schemaName}" again`, schemaName: tenant.schemaName, username: tenant.username }).catch(() => undefined);
}
