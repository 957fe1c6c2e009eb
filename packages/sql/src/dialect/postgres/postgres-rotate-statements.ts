import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import type { RotatePasswordSpec } from '../../plans/plan-specs.js';
import { borrowRolePrivilegesStatement, lockStatement, pinSearchPathStatement, REDACTED_VERIFIER } from './postgres-tenant-statements.js';

/**
 * How many statements open a rotate plan (pin the search_path, take the
 * locks); the orchestrator checks the tenant is Tenantry's before the rest.
 */
export const ROTATE_PLAN_PRELUDE_LENGTH = 2;

/**
 * The statements that give a tenant a new password: the new verifier (and
 * expiry), then, if asked, the end of its open sessions. Ending another role's
 * sessions needs that role's privileges, which a non-superuser admin takes on
 * for this transaction only.
 */
export function rotatePasswordStatements(spec: RotatePasswordSpec, roleGrantOptions: boolean): Statement[] {
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
  const admin = spec.nonSuperuserAdmin === undefined ? undefined : sql.id(spec.nonSuperuserAdmin);
  if (spec.nonSuperuserAdmin !== undefined) {
    statements.push(
      borrowRolePrivilegesStatement(spec.username, spec.nonSuperuserAdmin, roleGrantOptions, "take on the tenant role's privileges, which ending its sessions needs"),
    );
  }
  statements.push(
    new Statement(
      "end the tenant's open sessions",
      compileDdl(
        sql`SELECT pg_catalog.pg_terminate_backend(a.pid) FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE r.rolname = ${sql.lit(spec.username)} AND a.pid <> pg_catalog.pg_backend_pid()`,
      ),
    ),
  );
  if (admin) {
    statements.push(new Statement("give the tenant role's privileges back", compileDdl(sql`REVOKE ${role} FROM ${admin}`)));
  }
  return statements;
}
