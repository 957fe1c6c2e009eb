import { isScramSha256Verifier, ValidationError } from '@tenantry/core';
import { executablePlan, runStep, type ExecutablePlan } from '../../executable-plan.js';
import type { CatalogReader, CredentialRecord, IssueCredentialPlanSpec, ServerFacts, TenantCredentialPlans } from '../dialect.js';
import type { TenantNames } from '../tenant-spec.js';
import { newCredentialName, validateCredentialName } from './postgres-credential-names.js';
import { readExpiredCredentials, readTenantCredentials } from './postgres-credential-reads.js';
import { disableCredentialStatements, dropCredentialStatements, issueCredentialStatements } from './postgres-credential-statements.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';

/**
 * PostgreSQL's extra credentials: a NOINHERIT login role per credential that
 * starts every session in the tenant's role, expires by `VALID UNTIL`, and is
 * marked with its tenant (see postgres-credential-statements.ts for the SQL).
 * Every plan is statements only, the checks made by the server: one round trip.
 */
export const postgresTenantCredentials: TenantCredentialPlans = Object.freeze({
  newCredentialName,
  validateCredentialName,
  planIssue(spec: IssueCredentialPlanSpec, facts: ServerFacts): ExecutablePlan {
    if (!isScramSha256Verifier(spec.passwordSecret)) {
      throw new ValidationError({ field: 'passwordSecret', rule: 'type', message: 'passwordSecret must be a SCRAM-SHA-256 verifier; plaintext passwords are refused.' });
    }
    const statements = issueCredentialStatements({
      schemaName: spec.tenant.schemaName,
      username: spec.tenant.username,
      credential: spec.credential,
      passwordVerifier: spec.passwordSecret,
      validUntil: spec.validUntil,
      createdAt: spec.createdAt,
      database: facts.database,
      roleGrantOptions: hasRoleGrantOptions(facts.versionNum),
    });
    return executablePlan('issue-credential', 'transaction', [runStep(statements)]);
  },
  planDisable(tenant: TenantNames, credential: string, _facts: ServerFacts): ExecutablePlan {
    return executablePlan('revoke-credential', 'transaction', [runStep(disableCredentialStatements(tenant, credential))]);
  },
  planDrop(tenant: TenantNames, credential: string, facts: ServerFacts): ExecutablePlan {
    const admin = { nonSuperuserAdmin: nonSuperuserAdmin(facts), roleGrantOptions: hasRoleGrantOptions(facts.versionNum) };
    return executablePlan('revoke-credential', 'transaction', [runStep(dropCredentialStatements(tenant, credential, admin))]);
  },
  readCredentials(read: CatalogReader, tenant: TenantNames, facts: ServerFacts): Promise<CredentialRecord[]> {
    return readTenantCredentials(read, tenant, { database: facts.database, roleGrantOptions: hasRoleGrantOptions(facts.versionNum) });
  },
  readExpiredCredentials(read: CatalogReader, facts: ServerFacts): Promise<CredentialRecord[]> {
    return readExpiredCredentials(read, facts.database);
  },
});
