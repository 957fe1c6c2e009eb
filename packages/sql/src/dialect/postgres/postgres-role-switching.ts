import { generatePassword } from '@tenantry/core';
import { sql, type CompiledQuery } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { checkStep, type CheckStep } from '../../executable-plan.js';
import type { Statement } from '../../statement.js';
import type { RoleSwitching, RoleSwitchState, ServerFacts } from '../dialect.js';
import type { TenantNames } from '../tenant-spec.js';
import { tenantStateQuery } from './postgres-catalog-queries.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';
import { checkManagedTenant } from './postgres-tenant-checks.js';
import {
  canSetRoleQuery,
  createMigratorRoleStatements,
  dropMigratorRoleStatements,
  enterTenantStatements,
  grantSetRoleStatement,
  leaveTenantStatements,
  lockTenantStatement,
  revokeSetRoleStatement,
} from './postgres-tenant-role-statements.js';
import { patchRoleMarkerStatements } from './postgres-role-marker-patch.js';
import { postgresTransactions } from './postgres-transactions.js';
import type { MigrationLedger } from '../../tenant-marker.js';

/**
 * PostgreSQL's way of handing a session to a tenant: a short-lived migrator
 * login that may `SET ROLE` to the tenant's role (SET, not INHERIT) and holds
 * nothing of its own (see postgres-tenant-role-statements.ts for the SQL).
 */
export const postgresRoleSwitching: RoleSwitching = Object.freeze({
  newDelegateName: () => `tenantry_migrator_${generatePassword(20).toLowerCase()}`,
  lockTenant: (tenant: TenantNames) => lockTenantStatement(tenant.schemaName, tenant.username),
  wholeTenantCheck: (tenant: TenantNames, facts: ServerFacts): CheckStep =>
    checkStep('the tenant is a whole Tenantry tenant', tenantStateQuery(tenant.schemaName, tenant.username, hasRoleGrantOptions(facts.versionNum)), ([state]) =>
      checkManagedTenant(state!, { schemaName: tenant.schemaName, username: tenant.username, database: facts.database }),
    ),
  createDelegate: (spec: { delegate: string; tenantRole: string; passwordSecret: string; validUntil: Date }, facts: ServerFacts): Statement[] =>
    createMigratorRoleStatements({
      migrator: spec.delegate,
      tenantRole: spec.tenantRole,
      passwordVerifier: spec.passwordSecret,
      validUntil: spec.validUntil,
      roleGrantOptions: hasRoleGrantOptions(facts.versionNum),
    }),
  dropDelegate: (delegate: string, facts: ServerFacts): Statement[] =>
    dropMigratorRoleStatements({ migrator: delegate, nonSuperuserAdmin: nonSuperuserAdmin(facts), roleGrantOptions: hasRoleGrantOptions(facts.versionNum) }),
  leftoverDelegateAdvice: (delegate: string, tenantRole: string, validUntil: Date): string =>
    `The role was left behind: it holds no rights of its own, may SET ROLE to "${tenantRole}", and cannot log in after ${validUntil.toISOString()}. ` +
    `Drop it as a superuser: DROP OWNED BY "${delegate}" in each database where it still holds something, then DROP ROLE "${delegate}".`,
  // Names resolved in pg_catalog only, standard literals, and lock waits that end, as in the admin's transactions.
  delegateSettings: (options: { lockTimeoutMillis: number }): Statement[] => postgresTransactions.transactionSettings(options),
  switchStateQuery: (tenantRole: string, facts: ServerFacts): CompiledQuery<RoleSwitchState> => canSetRoleQuery(tenantRole, hasRoleGrantOptions(facts.versionNum)),
  grantSwitch: (tenantRole: string, member: string, state: RoleSwitchState, facts: ServerFacts): Statement =>
    grantSetRoleStatement(tenantRole, member, { roleGrantOptions: hasRoleGrantOptions(facts.versionNum), ownGrant: state.has_own_grant }),
  revokeSwitch: (tenantRole: string, member: string, state: RoleSwitchState, facts: ServerFacts): Statement =>
    revokeSetRoleStatement(tenantRole, member, { roleGrantOptions: hasRoleGrantOptions(facts.versionNum), ownGrant: state.has_own_grant }),
  enterTenant: (tenant: TenantNames): Statement[] => enterTenantStatements(tenant.schemaName, tenant.username),
  leaveTenant: (): Statement[] => leaveTenantStatements(),
  currentRoleQuery: (): CompiledQuery<{ role: string }> => sql<{ role: string }>`SELECT current_user AS role`.compile(compiler),
  // Only the ledger changes: the marker's other fields (a suspension) stay.
  recordMigrations: (tenant: TenantNames, ledger: MigrationLedger, _facts: ServerFacts): Statement[] =>
    patchRoleMarkerStatements(tenant.username, { migrations: ledger }, `record that the tenant's migrations stand at ${ledger.last}`),
});
