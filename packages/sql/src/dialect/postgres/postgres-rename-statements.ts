import { sql, type CompiledQuery } from 'kysely';
import { DatabaseError, TenantAlreadyExistsError, ValidationError } from '@tenantry/core';
import { compileDdl, compiler } from '../../compile-sql.js';
import { checkStep, executablePlan, runStep, type ExecutablePlan, type PlanStep } from '../../executable-plan.js';
import { Statement } from '../../statement.js';
import { rewriteMarker } from '../../tenant-marker.js';
import type { CatalogReader, RenameTenantPlanSpec, ServerFacts, TenantRenaming } from '../dialect.js';
import { tenantStateQuery } from './postgres-catalog-queries.js';
import type { TenantStateRow } from './postgres-catalog-rows.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';
import { SESSION_EXIT_WAIT_MILLIS, terminateRoleSessionsStatement } from './postgres-session-statements.js';
import { checkAdminMayAlter, checkManagedTenant } from './postgres-tenant-checks.js';
import { borrowRolePrivilegesStatement, lockNamesStatement, pinSearchPathStatement } from './postgres-tenant-statements.js';

/** What `newNamesQuery` reads. */
interface NewNamesRow {
  schema_taken: boolean;
  role_taken: boolean;
  /** A role other than the tenant's has the new schema name: the schema would be on its default search_path ("$user"). */
  schema_named_like_other_role: boolean;
}

/**
 * Renames a tenant's schema, its login, or both, in one transaction under the
 * locks of the old and the new names. The markers are rewritten with every
 * other field kept (labels, memberships, the migrations ledger, fields this
 * version does not know); the role's `search_path` follows the schema; the
 * tenant's open sessions end (their search_path and user name are stale).
 * Grants, default privileges and ownership follow by themselves (PostgreSQL
 * keeps them by OID), and so do tables inside the schema, Kysely's migration
 * history included. A SCRAM verifier does not depend on the role's name, so
 * the password keeps working (an MD5 one would be cleared: Tenantry writes
 * SCRAM only).
 *
 * The generated SQL (PostgreSQL), in part:
 * ```sql
 * ALTER SCHEMA "tenant_acme" RENAME TO "tenant_acme_corp";
 * ALTER ROLE "acme_user" RENAME TO "acme_corp_user";
 * COMMENT ON SCHEMA "tenant_acme_corp" IS 'tenantry:{"v":1,"role":"acme_corp_user",...}';
 * ALTER ROLE "acme_corp_user" IN DATABASE "app" SET search_path = "tenant_acme_corp";
 * ```
 */
export const postgresRenaming: TenantRenaming = Object.freeze({
  planRename: async (read: CatalogReader, spec: RenameTenantPlanSpec, facts: ServerFacts): Promise<ExecutablePlan> => {
    const [seen] = await read(tenantStateQuery(spec.from.schemaName, spec.from.username, hasRoleGrantOptions(facts.versionNum)));
    return executablePlan('rename-tenant', 'transaction', renameSteps(spec, facts, seen!));
  },
});

function renameSteps(spec: RenameTenantPlanSpec, facts: ServerFacts, seen: TenantStateRow): PlanStep[] {
  const { from, to } = spec;
  const renamesSchema = from.schemaName !== to.schemaName;
  const renamesRole = from.username !== to.username;
  const admin = nonSuperuserAdmin(facts);
  const roleGrantOptions = hasRoleGrantOptions(facts.versionNum);
  const schemaMarker = rewriteMarker(seen.schema_comment, { role: to.username }) ?? '';
  const roleMarker = rewriteMarker(seen.role_comment, { schema: to.schemaName }) ?? '';
  const newSchema = sql.id(to.schemaName);
  const newRole = sql.id(to.username);
  const statements: Statement[] = [];
  if (admin !== undefined) {
    statements.push(borrowRolePrivilegesStatement(from.username, admin, roleGrantOptions, "take on the tenant role's privileges, which ending its sessions needs"));
  }
  if (renamesSchema) {
    statements.push(new Statement('rename the schema', compileDdl(sql`ALTER SCHEMA ${sql.id(from.schemaName)} RENAME TO ${newSchema}`)));
  }
  if (renamesRole) {
    statements.push(new Statement('rename the login role (its SCRAM password stays valid)', compileDdl(sql`ALTER ROLE ${sql.id(from.username)} RENAME TO ${newRole}`)));
  }
  statements.push(
    new Statement("rewrite the schema's marker with the role's name, other fields kept", compileDdl(sql`COMMENT ON SCHEMA ${newSchema} IS ${sql.lit(schemaMarker)}`)),
    new Statement("rewrite the role's marker with the schema's name, other fields kept", compileDdl(sql`COMMENT ON ROLE ${newRole} IS ${sql.lit(roleMarker)}`)),
  );
  if (renamesSchema) {
    statements.push(
      new Statement(
        "resolve the tenant's unqualified names in its renamed schema",
        compileDdl(sql`ALTER ROLE ${newRole} IN DATABASE ${sql.id(facts.database)} SET search_path = ${newSchema}`),
      ),
    );
  }
  statements.push(
    terminateRoleSessionsStatement(to.username, "end the tenant's open sessions: their search_path and user name are the old ones", SESSION_EXIT_WAIT_MILLIS),
  );
  if (admin !== undefined) {
    statements.push(new Statement("give the tenant role's privileges back", compileDdl(sql`REVOKE ${newRole} FROM ${sql.id(admin)}`)));
  }
  return [
    runStep([pinSearchPathStatement(), lockNamesStatement([from.schemaName, to.schemaName], [from.username, to.username])]),
    checkStep('the tenant is a whole Tenantry tenant the admin may rename', tenantStateQuery(from.schemaName, from.username, roleGrantOptions), ([state]) => {
      checkManagedTenant(state!, { ...from, database: facts.database });
      checkAdminMayAlter(state!, { ...from, adminRole: facts.adminRole }, 'rename');
      if (state!.schema_comment !== seen.schema_comment || state!.role_comment !== seen.role_comment) {
        throw new DatabaseError({
          message: `Could not rename tenant "${from.schemaName}": its markers changed while they were being read (another operation on it ran at the same time). Retry. Nothing was changed.`,
        });
      }
    }),
    checkStep('the new names are free', newNamesQuery(spec), ([names]) => {
      if (renamesSchema && names!.schema_taken) throw new TenantAlreadyExistsError({ objectKind: 'schema', objectName: to.schemaName });
      if (renamesRole && names!.role_taken) throw new TenantAlreadyExistsError({ objectKind: 'role', objectName: to.username });
      if (renamesSchema && names!.schema_named_like_other_role) {
        throw new ValidationError({
          field: 'schemaName',
          rule: 'schema-named-like-role',
          message: `Invalid schemaName: a role named "${to.schemaName}" exists, and a schema of that name would be on its default search_path ("$user"), where the tenant could plant objects it runs. Choose another name. Nothing was changed.`,
        });
      }
    }),
    runStep(statements),
  ];
}

function newNamesQuery(spec: RenameTenantPlanSpec): CompiledQuery<NewNamesRow> {
  return sql<NewNamesRow>`
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${spec.to.schemaName}) AS schema_taken,
           EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${spec.to.username}) AS role_taken,
           EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ${spec.to.schemaName}
                     AND rolname <> ${spec.from.username} AND rolname <> ${spec.to.username}) AS schema_named_like_other_role`.compile(compiler);
}
