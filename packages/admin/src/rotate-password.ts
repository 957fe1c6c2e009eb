import { TenantCredentials, validateRoleName, validateSchemaName, type TenantRef } from '@tenantry/core';
import { planRotatePassword, ROTATE_PLAN_PRELUDE_LENGTH } from '@tenantry/sql';
import { queryOne, type AdminSession } from './admin-session.js';
import type { RotatePasswordOptions } from './database-admin-options.js';
import { checkManagedTenant } from './managed-tenant.js';
import type { ErrorContext } from './map-database-error.js';

/**
 * Gives a managed tenant a new password (given or generated), in one
 * transaction under the tenant's locks. New logins need the new password at
 * once; open sessions end only with `terminateSessions`.
 */
export async function rotatePassword(session: AdminSession, tenant: TenantRef, options: RotatePasswordOptions): Promise<TenantCredentials> {
  const schemaName = validateSchemaName(tenant?.schemaName);
  const username = validateRoleName(tenant?.username);
  const password = session.resolvePassword(options.password);
  const facts = await session.serverFacts();
  const plan = planRotatePassword(
    {
      schemaName,
      username,
      passwordVerifier: await session.verifierFor(password),
      validUntil: options.validUntil,
      terminateSessions: options.terminateSessions ?? false,
      nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role,
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
  const prelude = plan.statements.slice(0, ROTATE_PLAN_PRELUDE_LENGTH);
  const changes = plan.statements.slice(ROTATE_PLAN_PRELUDE_LENGTH);
  await session.inTransaction(context, async (client) => {
    await client.query(prelude.map((statement) => statement.sql).join(';\n'));
    checkManagedTenant(await queryOne(client, facts.dialect.tenantStateQuery(schemaName, username)), {
      schemaName,
      username,
      database: facts.row.database,
    });
    await client.query(changes.map((statement) => statement.sql).join(';\n'));
  });
  return new TenantCredentials({ schemaName, username, password, connectionString: session.tenantUrl(username, password) });
}
