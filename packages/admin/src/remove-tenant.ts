import type pg from 'pg';
import { TenantRemovalBlockedError, validateRoleName, validateSchemaName, type TenantRef } from '@tenantry/core';
import { freezePlan, planRemoveTenant as buildRemovePlan, type Plan } from '@tenantry/sql';
import { REMOVE_PLAN_PRELUDE_LENGTH, roleDependenciesElsewhereQuery, type RoleDependencyElsewhereRow } from '@tenantry/sql/postgres';
import { queryOne, queryRows, type AdminSession, type ServerFacts } from './admin-session.js';
import { checkCanRemove, checkManagedTenant } from '@tenantry/sql/postgres';
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
 * Removes a managed tenant in one transaction under its locks: the checks,
 * then (on request) what its role has in other databases, each in a
 * transaction of its own there, then its sessions, schema, objects and role.
 * The tenant stays whole and listed until that last transaction commits, so a
 * failure on the way can be resumed by calling it again.
 */
export async function removeTenant(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions = {}): Promise<void> {
  const { plan, facts, context, tenant } = await removePlan(session, ref);
  const prelude = plan.statements.slice(0, REMOVE_PLAN_PRELUDE_LENGTH);
  const drops = plan.statements.slice(REMOVE_PLAN_PRELUDE_LENGTH);
  await session.inTransaction(context, async (client) => {
    await client.query(prelude.map((statement) => statement.sql).join(';\n'));
    const elsewhere = await checkRemovable(client, session, facts, tenant, options);
    // Committed one by one while this transaction holds the tenant's locks; if
    // the removal below fails, what they dropped stays dropped and a retry goes on.
    for (const database of databasesOf(elsewhere)) await runDropOwnedElsewhere(session.pool, facts, tenant.username, database);
    await client.query(drops.map((statement) => statement.sql).join(';\n'));
  });
}

/**
 * The statements `removeTenant` would run, after the same checks (found,
 * Tenantry's, the admin may drop it, nothing in other databases unless
 * `dropOwnedInOtherDatabases`), without running them: a dry run. With that
 * option, the statements for each other database come after the locks, their
 * purpose naming the database they run in.
 */
export async function planRemoveTenant(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions = {}): Promise<Plan> {
  const { plan, facts, context, tenant } = await removePlan(session, ref);
  const elsewhere = await session.inTransaction(context, (client) => checkRemovable(client, session, facts, tenant, options));
  if (elsewhere.length === 0) return plan;
  return freezePlan('remove-tenant', [
    ...plan.statements.slice(0, REMOVE_PLAN_PRELUDE_LENGTH),
    ...databasesOf(elsewhere).flatMap((database) => dropOwnedElsewhere(facts, tenant.username, database)),
    ...plan.statements.slice(REMOVE_PLAN_PRELUDE_LENGTH),
  ]);
}

interface RemovedTenant {
  schemaName: string;
  username: string;
  database: string;
}

/**
 * The checks of a removal, in its transaction: a whole tenant of Tenantry's,
 * which the admin may drop, and what its role has in other databases, which
 * must be empty unless the caller opted in. Returns that, per database.
 *
 * @throws TenantRemovalBlockedError naming each database and object; nothing is changed.
 */
async function checkRemovable(
  client: pg.ClientBase,
  session: AdminSession,
  facts: ServerFacts,
  tenant: RemovedTenant,
  options: RemoveTenantOptions,
): Promise<RoleDependencyElsewhereRow[]> {
  const state = await queryOne(client, facts.dialect.tenantStateQuery(tenant.schemaName, tenant.username));
  checkManagedTenant(state, tenant);
  checkCanRemove(state, { ...tenant, adminRole: facts.row.admin_role });
  const elsewhere = await queryRows(client, roleDependenciesElsewhereQuery(tenant.username));
  if (elsewhere.length > 0 && options.dropOwnedInOtherDatabases !== true) {
    throw new TenantRemovalBlockedError({ ...tenant, blockers: await describeBlockers(session.pool, tenant.username, elsewhere) });
  }
  return elsewhere;
}

async function removePlan(session: AdminSession, ref: TenantRef) {
  const schemaName = validateSchemaName(ref?.schemaName);
  const username = validateRoleName(ref?.username);
  const facts = await session.serverFacts();
  const context: ErrorContext = { action: `remove tenant "${schemaName}"`, schemaName, username, database: facts.row.database, adminRole: facts.row.admin_role };
  const nonSuperuserAdmin = facts.row.is_superuser ? undefined : facts.row.admin_role;
  const plan = buildRemovePlan({ schemaName, username, nonSuperuserAdmin }, facts.dialect);
  return { plan, facts, context, tenant: { schemaName, username, database: facts.row.database } };
}
