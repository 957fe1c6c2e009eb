import { ValidationError, type TenantRef } from '@tenantry/core';
import { parseTenantNames, type ErrorContext, type TenantryDialect, type TenantSuspension } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';

/**
 * Suspends a tenant (the unpaid account): its login and every credential of
 * it can no longer log in, then, once that has committed, their open sessions
 * end. Its schema, data and rights stay. Suspending a suspended tenant
 * records the new time and admin.
 */
export async function suspendTenant(session: AdminSession, ref: TenantRef): Promise<void> {
  const names = parseTenantNames(ref, session.dialect.rules);
  requireSuspension(session.dialect);
  const { facts, dialect } = await session.server();
  const suspension = requireSuspension(dialect);
  const context = contextOf('suspend', names, facts);
  await session.runPlan(suspension.planSuspend(names, { by: facts.adminRole, since: new Date().toISOString() }, facts), context);
  // After the commit: from now on no new login can start, so none slips past this.
  await session.runPlan(suspension.planEndSessions(names, facts), context);
}

/** Resumes a suspended tenant: its login works again, and so does each credential of it not yet expired. */
export async function resumeTenant(session: AdminSession, ref: TenantRef): Promise<void> {
  const names = parseTenantNames(ref, session.dialect.rules);
  requireSuspension(session.dialect);
  const { facts, dialect } = await session.server();
  await session.runPlan(requireSuspension(dialect).planResume(names, facts), contextOf('resume', names, facts));
}

function contextOf(verb: string, names: { schemaName: string; username: string }, facts: { database: string; adminRole: string }): ErrorContext {
  return { action: `${verb} tenant "${names.schemaName}"`, schemaName: names.schemaName, username: names.username, database: facts.database, adminRole: facts.adminRole };
}

function requireSuspension(dialect: TenantryDialect): TenantSuspension {
  if (dialect.suspension) return dialect.suspension;
  throw new ValidationError({
    field: 'dialect',
    rule: 'unsupported-by-dialect',
    message: `Suspending a tenant is not available for the ${dialect.name} dialect: it has no counterpart Tenantry can promise and test yet. Nothing was changed.`,
  });
}
