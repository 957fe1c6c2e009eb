import { TenantRemovalBlockedError, validateRoleName, validateSchemaName, type TenantRef } from '@tenantry/core';
import { freezePlan, planRemoveTenant as buildRemovePlan, type ExecutablePlan, type Plan } from '@tenantry/sql';
import { roleDependenciesElsewhereQuery } from '@tenantry/sql/postgres';
import type { AdminSession, ServerFacts } from './admin-session.js';
import type { ErrorContext } from './map-database-error.js';
import { databasesOf, describeBlockers, dropOwnedElsewhere, runDropOwnedElsewhere } from './role-in-other-databases.js';

/** Options of `removeTenant` and `planRemoveTenant`. */
export interface RemoveTenantOptions {
  /**
   * Also drop what the tenant's role owns or holds in OTHER databases of the
   * cluster (large objects, default privileges, privileges granted to it),
   * which otherwise stop the removal with `TenantRemovalBlockedError`. The
   * admin connects to each such database with its own credentials and runs
   * DROP OWNED BY there, in one transaction per database, before removing the
   * tenant. Default false: Tenantry changes nothing outside the tenant's
   * database unless asked.
   */
  dropOwnedInOtherDatabases?: boolean;
}

/**
 * Removes a managed tenant: its plan runs in one transaction under the
 * tenant's locks, its checks (a whole Tenantry tenant the admin may drop;
 * nothing in other databases) before the drops. With
 * `dropOwnedInOtherDatabases`, once the same checks passed, what the role has
 * in other databases is dropped first, in a transaction of its own in each of
 * them. The tenant stays whole and listed until the last transaction commits,
 * so a failure on the way can be resumed by calling it again.
 */
export async function removeTenant(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions = {}): Promise<void> {
  const { plan, facts, context, username } = await removePlan(session, ref, options);
  if (options.dropOwnedInOtherDatabases) {
    // The checks first: nothing is dropped anywhere for a role that is not a whole tenant of ours.
    await session.runPlan(plan, context, { checksOnly: true });
    for (const database of await otherDatabases(session, username, context)) {
      await runDropOwnedElsewhere(session.pool, facts, username, database);
    }
  }
  await withDescribedBlockers(session, username, () => session.runPlan(plan, context));
}

/**
 * The statements `removeTenant` would run, after the same checks, without
 * running them: a dry run. With `dropOwnedInOtherDatabases`, the statements
 * for each other database come after the locks, their purpose naming the
 * database they run in.
 */
export async function planRemoveTenant(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions = {}): Promise<Plan> {
  const { plan, facts, context, username } = await removePlan(session, ref, options);
  await withDescribedBlockers(session, username, () => session.runPlan(plan, context, { checksOnly: true }));
  const elsewhere = options.dropOwnedInOtherDatabases ? await otherDatabases(session, username, context) : [];
  if (elsewhere.length === 0) return plan;
  // The locks are the plan's first step; what runs in the other databases is shown right after them.
  const [locks, ...rest] = plan.steps;
  const statementsOf = (steps: ExecutablePlan['steps']) => steps.flatMap((step) => (step.kind === 'run' ? step.statements : []));
  return freezePlan('remove-tenant', [
    ...statementsOf(locks ? [locks] : []),
    ...elsewhere.flatMap((database) => dropOwnedElsewhere(facts, username, database)),
    ...statementsOf(rest),
  ]);
}

/** The other databases where the role owns or holds something, from the shared catalog. */
async function otherDatabases(session: AdminSession, username: string, context: ErrorContext): Promise<string[]> {
  return databasesOf(await session.read(roleDependenciesElsewhereQuery(username), context));
}

/**
 * The plan's blocker names objects elsewhere by counts (all the shared catalog
 * tells); connecting to each database, the admin names them in words.
 */
async function withDescribedBlockers(session: AdminSession, username: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof TenantRemovalBlockedError)) throw error;
    const rows = await session.read(roleDependenciesElsewhereQuery(username), { action: `read what role "${username}" has in other databases` });
    throw new TenantRemovalBlockedError({ schemaName: error.schemaName, username, database: (await session.serverFacts()).row.database, blockers: await describeBlockers(session.pool, username, rows) });
  }
}

async function removePlan(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions) {
  const schemaName = validateSchemaName(ref?.schemaName);
  const username = validateRoleName(ref?.username);
  const facts: ServerFacts = await session.serverFacts();
  const context: ErrorContext = { action: `remove tenant "${schemaName}"`, schemaName, username, database: facts.row.database, adminRole: facts.row.admin_role };
  const plan = buildRemovePlan(
    {
      schemaName,
      username,
      database: facts.row.database,
      adminRole: facts.row.admin_role,
      nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role,
      dropOwnedInOtherDatabases: options.dropOwnedInOtherDatabases ?? false,
    },
    facts.dialect,
  );
  return { plan, facts, context, username };
}
