import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import type { RotatePasswordSpec } from './postgres-plan-specs.js';
import { checkStep, runStep, type PlanStep } from '../../executable-plan.js';
import { tenantStateQuery } from './postgres-catalog-queries.js';
import { checkManagedTenant } from './postgres-tenant-checks.js';
import { endTenantRoleSessionsStatements, lockStatement, pinSearchPathStatement, REDACTED_VERIFIER } from './postgres-tenant-statements.js';

/**
 * The steps that give a tenant a new password, under its locks, once the
 * catalog shows it is a whole Tenantry tenant: the new verifier (and expiry),
 * then, if asked, the end of its open sessions. Ending another role's
 * sessions needs that role's privileges, which a non-superuser admin takes on
 * for this transaction only.
 */
export function rotatePasswordSteps(spec: RotatePasswordSpec, roleGrantOptions: boolean): PlanStep[] {
  const [pin, lock, ...changes] = rotatePasswordStatements(spec, roleGrantOptions);
  return [
    runStep([pin!, lock!]),
    checkStep('the tenant is a whole Tenantry tenant', tenantStateQuery(spec.schemaName, spec.username, roleGrantOptions), ([state]) =>
      checkManagedTenant(state!, spec),
    ),
    runStep(changes),
  ];
}

/** The statements of `rotatePasswordSteps`, in order: pin, lock, then the changes. */
function rotatePasswordStatements(spec: RotatePasswordSpec, roleGrantOptions: boolean): Statement[] {
  const role = sql.id(spec.username);
  const validUntil =
    spec.validUntil === undefined
      ? sql``
      : sql` VALID UNTIL ${sql.lit(spec.validUntil === null ? 'infinity' : spec.validUntil.toISOString())}`;
  const alterRole = (verifier: string) => compileDdl(sql`ALTER ROLE ${role} WITH PASSWORD ${sql.lit(verifier)}${validUntil}`);
  const statements = [
    pinSearchPathStatement(),
    lockStatement(spec.schemaName, spec.username),
    new Statement('replace the password (as a SCRAM verifier); new logins need it at once', alterRole(spec.passwordVerifier), alterRole(REDACTED_VERIFIER)),
  ];
  if (!spec.terminateSessions) return statements;
  statements.push(...endTenantRoleSessionsStatements(spec.username, { nonSuperuserAdmin: spec.nonSuperuserAdmin, roleGrantOptions }, "end the tenant's open sessions"));
  return statements;
}
