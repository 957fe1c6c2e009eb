import { generatePassword, TenantCredentials, validateRoleName, validateSchemaName, type TenantRef } from '@tenantry/core';
import { planRotatePassword as buildRotatePlan, type Plan } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import type { RotatePasswordOptions } from './database-admin-options.js';
import type { ErrorContext } from './map-database-error.js';

/**
 * Gives a managed tenant a new password (given or generated), in one
 * transaction under the tenant's locks. New logins need the new password at
 * once; open sessions end only with `terminateSessions`.
 */
export async function rotatePassword(session: AdminSession, tenant: TenantRef, options: RotatePasswordOptions): Promise<TenantCredentials> {
  const password = session.resolvePassword(options.password);
  const { plan, context, schemaName, username } = await rotatePlan(session, tenant, options, password);
  await session.runPlan(plan, context);
  return new TenantCredentials({ schemaName, username, password, connectionString: session.tenantUrl(username, password) });
}

/**
 * The statements `rotatePassword` would run, after the same checks, without
 * running them: the verifier is that of a throwaway password (printed redacted).
 */
export async function planRotatePassword(session: AdminSession, tenant: TenantRef, options: Omit<RotatePasswordOptions, 'password'>): Promise<Plan> {
  const { plan, context } = await rotatePlan(session, tenant, options, generatePassword());
  await session.runPlan(plan, context, { checksOnly: true });
  return plan;
}

async function rotatePlan(session: AdminSession, tenant: TenantRef, options: Omit<RotatePasswordOptions, 'password'>, password: string) {
  const schemaName = validateSchemaName(tenant?.schemaName);
  const username = validateRoleName(tenant?.username);
  const facts = await session.serverFacts();
  const plan = buildRotatePlan(
    {
      schemaName,
      username,
      passwordVerifier: await session.verifierFor(password),
      validUntil: options.validUntil,
      terminateSessions: options.terminateSessions ?? false,
      nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role,
      database: facts.row.database,
    },
    facts.dialect,
  );
  const context: ErrorContext = {
    action: `rotate the password of tenant "${schemaName}"`,
    schemaName,
    username,
    database: facts.row.database,
    adminRole: facts.row.admin_role,
  };
  return { plan, facts, context, schemaName, username };
}
