import { executablePlan, runStep, type ExecutablePlan } from '../../executable-plan.js';
import type { SuspensionMark } from '../../tenant-marker.js';
import type { ServerFacts, TenantSuspension } from '../dialect.js';
import type { TenantNames } from '../tenant-spec.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';
import { endTenantSessionsStatements, resumeTenantStatements, suspendTenantStatements, type SuspensionSpec } from './postgres-suspension-statements.js';

/**
 * PostgreSQL's suspension: NOLOGIN on the tenant's role and its credentials,
 * recorded in the role's marker; sessions ended once that has committed (see
 * postgres-suspension-statements.ts for the SQL).
 */
export const postgresTenantSuspension: TenantSuspension = Object.freeze({
  planSuspend: (tenant: TenantNames, mark: SuspensionMark, facts: ServerFacts): ExecutablePlan =>
    executablePlan('suspend-tenant', 'transaction', [runStep(suspendTenantStatements(specOf(tenant, facts), mark))]),
  planResume: (tenant: TenantNames, facts: ServerFacts): ExecutablePlan =>
    executablePlan('resume-tenant', 'transaction', [runStep(resumeTenantStatements(specOf(tenant, facts)))]),
  planEndSessions: (tenant: TenantNames, facts: ServerFacts): ExecutablePlan =>
    executablePlan('end-tenant-sessions', 'transaction', [runStep(endTenantSessionsStatements(specOf(tenant, facts)))]),
});

function specOf(tenant: TenantNames, facts: ServerFacts): SuspensionSpec {
  return { schemaName: tenant.schemaName, username: tenant.username, nonSuperuserAdmin: nonSuperuserAdmin(facts), roleGrantOptions: hasRoleGrantOptions(facts.versionNum) };
}
