import type { MigrationProvider } from 'kysely';
import { ConnectionError, DatabaseError, TenantryError, type TenantMigrationsRun } from '@tenantry/core';
import type { CreateTenantPlanSpec, ErrorContext, ExecutablePlan, ServerFacts, TenantNames, TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import { executePlan } from './executor/execute-plan.js';
import { runMigrationsAsTenant } from './drivers/tenant-migrations-over-driver.js';
import { inDelegateSession, requireRoleSwitching } from './delegate-session.js';
import { MigrationList } from './migration-list.js';
import { MigrationRecorder } from './migration-recorder.js';
import { replayProvider, type MigrationReplays } from './migration-replays.js';
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
 *   the new role: a failure rolls everything back. There, the same
 *   migrations a second time are replayed from a recording (`createAndMigrate`).
 * - A dialect's `planAfterCreate` (Citus: what does not propagate, on every
 *   worker) runs once the creation committed.
 * - Where the new role is usable only once committed (Citus), the migrations
 *   run after that, in a delegate's session as for `migrateTenants`.
 * - Elsewhere (the MySQL family), in a session of the new tenant's own login.
 * - After the commit, a failure removes the tenant again.
 */
export async function createTenantFromPlan(
  session: AdminSession,
  toCreate: TenantToCreate,
  migrations: MigrationProvider | undefined,
  replays: MigrationReplays,
): Promise<TenantMigrationsRun | undefined> {
  const { plan, tenant, facts, dialect, context } = toCreate;
  if (migrations && dialect.transactions?.newRoleUsableBeforeCommit && dialect.roleSwitching) {
    const run = await createAndMigrate(session, toCreate, await MigrationList.read(migrations), replays);
    await completeAfterCommit(session, toCreate);
    return run;
  }
  await session.runPlan(plan, context);
  await completeAfterCommit(session, toCreate);
  if (!migrations) return undefined;
  if (dialect.roleSwitching) {
    return { path: 'ran', applied: await migrateAfterCommit(session, toCreate, migrations) };
  }
  try {
    const applied = await runMigrationsAsTenant(dialect, session.tenantUrl({ username: tenant.username, password: toCreate.password, database: tenant.schemaName }), migrations);
    return { path: 'ran', applied };
  } catch (error) {
    await removeAgain(session, dialect, tenant, facts);
    throw TenantryError.isInstance(error)
      ? error
      : new DatabaseError({ message: `Could not create tenant "${tenant.schemaName}": its migrations failed and the tenant was removed again: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/**
 * Creates the tenant and runs its migrations in one transaction.
 *
 * The fast path: when these same migrations (`MigrationReplays`) created a
 * tenant before, what they ran then is replayed, in one round trip where no
 * statement has bound parameters, instead of one per statement. Should the
 * replay fail (something the recording could not foresee), the recording is
 * dropped and the migrations run the ordinary way in a new transaction: the
 * failed one left nothing.
 * The ordinary way records, for the next tenant.
 */
async function createAndMigrate(
  session: AdminSession,
  toCreate: TenantToCreate,
  list: MigrationList,
  replays: MigrationReplays,
): Promise<TenantMigrationsRun> {
  const { plan, tenant, facts, dialect, context } = toCreate;
  // Where the tenant's migrations stand, recorded by the admin in the same transaction (migrateTenants reads it).
  const ledger = list.recordStatements(requireRoleSwitching(dialect), tenant, facts);
  const recording = replays.find(list.migrations);
  if (recording) {
    let replaying = false;
    try {
      const applied = await session.transaction(context, async (connection) => {
        await executePlan(connection, plan);
        replaying = true;
        const applied = await migrateTenantInTransaction(connection, dialect, facts, tenant, replayProvider(recording));
        await connection.run(ledger);
        return applied;
      });
      return { path: 'replayed', applied };
    } catch (error) {
      if (!replaying || session.mapError(error, context) instanceof ConnectionError) throw error;
      replays.forget(recording);
    }
  }
  const recorder = new MigrationRecorder(list.migrations, tenant);
  const applied = await session.transaction(context, async (connection) => {
    await executePlan(connection, plan);
    const applied = await migrateTenantInTransaction(connection, dialect, facts, tenant, recorder.provider, recorder);
    await connection.run(ledger);
    return applied;
  });
  const made = recorder.recording();
  if (made) replays.remember(made);
  return { path: 'ran', applied };
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
async function migrateAfterCommit(session: AdminSession, toCreate: TenantToCreate, migrations: MigrationProvider): Promise<string[]> {
  const { tenant, facts, dialect } = toCreate;
  const list = await MigrationList.read(migrations);
  const afterSuccess = list.recordStatements(requireRoleSwitching(dialect), tenant, facts);
  const result = await inDelegateSession(session, facts, tenant, { action: `migrate new tenant "${tenant.schemaName}"`, access: 'read-write', afterSuccess }, (connection, delegateFacts) =>
    migrateTenantInTransaction(connection, dialect, delegateFacts, tenant, list.provider),
  );
  if (result.ok && result.cleanupError === undefined) return result.value;
  await removeAgain(session, dialect, tenant, facts);
  // Either the migrations failed, or the delegate could not be dropped (checked just above).
  throw removedAgain(result.ok ? result.cleanupError! : result.error, `Could not create tenant "${tenant.schemaName}": `);
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
