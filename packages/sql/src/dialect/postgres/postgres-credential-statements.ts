import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { encodeMarker, MARKER_PREFIX, MARKER_VERSION } from '../../tenant-marker.js';
import { managedTenantGuardStatements } from './postgres-managed-tenant-guard.js';
import { CREDENTIAL_MISMATCH_SQLSTATE } from './postgres-plan-specs.js';
import { SESSION_EXIT_WAIT_MILLIS, terminateRoleSessionsStatement } from './postgres-session-statements.js';
import { borrowRolePrivilegesStatement, lockStatement, pinSearchPathStatement, REDACTED_VERIFIER } from './postgres-tenant-statements.js';

/** What issuing one credential needs: the tenant, the new role, its secret and its expiry. */
export interface IssueCredentialSpec {
  schemaName: string;
  username: string;
  /** The credential role's name (`newCredentialName`). */
  credential: string;
  /** The password as its SCRAM-SHA-256 verifier; plaintext is refused by the dialect. */
  passwordVerifier: string;
  validUntil: Date;
  createdAt: Date;
  /** The tenant's database. */
  database: string;
  /** PostgreSQL 16+: memberships take WITH SET/INHERIT options. */
  roleGrantOptions: boolean;
}

/**
 * The statements that issue one credential, sent in one round trip (one
 * implicit transaction): under the tenant's locks, the server checks the
 * tenant is a whole Tenantry tenant and not suspended, then creates the
 * credential role.
 *
 * The role is NOINHERIT and a member of the tenant's role with SET only: it
 * holds no privilege of its own, and `ALTER ROLE ... SET role` puts each of
 * its sessions in the tenant's role from the start, so what it creates
 * belongs to the tenant. A session that runs `RESET ROLE` is left with what
 * PUBLIC has, less than the tenant. It takes the tenant's search_path and
 * settings in this database, and expires by `VALID UNTIL`.
 *
 * The generated SQL (PostgreSQL 16+), after the lock and the check:
 *
 * ```sql
 * CREATE ROLE "tenantry_cred_x" WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS VALID UNTIL '...' PASSWORD '[redacted SCRAM-SHA-256 verifier]';
 * GRANT "acme_user" TO "tenantry_cred_x" WITH SET TRUE, INHERIT FALSE;
 * ALTER ROLE "tenantry_cred_x" SET role = 'acme_user';
 * ALTER ROLE "tenantry_cred_x" IN DATABASE "app" SET search_path = "tenant_acme";
 * DO $tenantry$ ... copy the tenant's other settings in this database ... $tenantry$;
 * COMMENT ON ROLE "tenantry_cred_x" IS 'tenantry:{"v":1,"credentialFor":"acme_user",...}'
 * ```
 */
export function issueCredentialStatements(spec: IssueCredentialSpec): Statement[] {
  const credential = sql.id(spec.credential);
  const createRole = (verifier: string) =>
    compileDdl(
      sql`CREATE ROLE ${credential} WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS VALID UNTIL ${sql.lit(spec.validUntil.toISOString())} PASSWORD ${sql.lit(verifier)}`,
    );
  const options = spec.roleGrantOptions ? sql` WITH SET TRUE, INHERIT FALSE` : sql``;
  const marker = encodeMarker({ v: MARKER_VERSION, credentialFor: spec.username, schema: spec.schemaName, database: spec.database, createdAt: spec.createdAt.toISOString() });
  return [
    pinSearchPathStatement(),
    lockStatement(spec.schemaName, spec.username),
    ...managedTenantGuardStatements(spec, { refuseSuspended: true }),
    new Statement('create the credential login, password as a SCRAM verifier, expiring', createRole(spec.passwordVerifier), createRole(REDACTED_VERIFIER)),
    new Statement('let it switch to the tenant role, inheriting nothing', compileDdl(sql`GRANT ${sql.id(spec.username)} TO ${credential}${options}`)),
    new Statement('start each of its sessions as the tenant, so what it creates belongs to the tenant', compileDdl(sql`ALTER ROLE ${credential} SET role = ${sql.lit(spec.username)}`)),
    new Statement(
      "resolve its unqualified names in the tenant's schema only",
      compileDdl(sql`ALTER ROLE ${credential} IN DATABASE ${sql.id(spec.database)} SET search_path = ${sql.id(spec.schemaName)}`),
    ),
    ...copySettingsStatements(spec.username, spec.credential),
    new Statement('mark it as a Tenantry credential of the tenant', compileDdl(sql`COMMENT ON ROLE ${credential} IS ${sql.lit(marker)}`)),
  ];
}

/** Gives the credential the tenant's settings in this database (statement_timeout and the like), search_path and role aside. */
function copySettingsStatements(tenantRole: string, credential: string): Statement[] {
  return [
    new Statement(
      'hand the tenant role and the credential to the block below',
      compileDdl(
        sql`SELECT pg_catalog.set_config('tenantry.settings_from', ${sql.lit(tenantRole)}, true), pg_catalog.set_config('tenantry.settings_to', ${sql.lit(credential)}, true)`,
      ),
    ),
    new Statement("give the credential the tenant's settings in this database", COPY_SETTINGS_BLOCK),
  ];
}

const COPY_SETTINGS_BLOCK =
  `DO $tenantry$ DECLARE entry text; setting_name text; BEGIN ` +
  `FOR entry IN SELECT pg_catalog.unnest(s.setconfig) FROM pg_catalog.pg_db_role_setting s ` +
  `JOIN pg_catalog.pg_roles r ON r.oid = s.setrole JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase ` +
  `WHERE r.rolname = pg_catalog.current_setting('tenantry.settings_from') AND d.datname = pg_catalog.current_database() LOOP ` +
  `setting_name := pg_catalog.split_part(entry, '=', 1); ` +
  `CONTINUE WHEN setting_name IN ('search_path', 'role'); ` +
  `EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET %s = %L', pg_catalog.current_setting('tenantry.settings_to'), pg_catalog.current_database(), ` +
  `pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(part) FROM pg_catalog.unnest(pg_catalog.string_to_array(setting_name, '.')) part), '.'), ` +
  `pg_catalog.substr(entry, pg_catalog.length(setting_name) + 2)); ` +
  `END LOOP; END $tenantry$`;

/**
 * Stops the transaction unless `credential` is a credential role of this
 * tenant (its marker names the tenant's role, schema and database). Raises
 * `CREDENTIAL_MISMATCH_SQLSTATE` with DETAIL `unknown` or `other`.
 */
export function credentialOfTenantGuardStatements(tenant: { schemaName: string; username: string }, credential: string): Statement[] {
  return [
    new Statement(
      'hand the tenant and the credential to the check below',
      compileDdl(
        sql`SELECT pg_catalog.set_config('tenantry.schema_name', ${sql.lit(tenant.schemaName)}, true), pg_catalog.set_config('tenantry.username', ${sql.lit(tenant.username)}, true), pg_catalog.set_config('tenantry.credential', ${sql.lit(credential)}, true)`,
      ),
    ),
    new Statement("refuse anything but one of this tenant's credentials", CREDENTIAL_GUARD_BLOCK),
  ];
}

const CREDENTIAL_GUARD_BLOCK =
  `DO $tenantry$ DECLARE credential text := pg_catalog.current_setting('tenantry.credential'); comment text; marker pg_catalog.jsonb; BEGIN ` +
  `SELECT pg_catalog.shobj_description(oid, 'pg_authid') INTO comment FROM pg_catalog.pg_roles WHERE rolname = credential; ` +
  `IF NOT FOUND THEN RAISE EXCEPTION 'no credential named % exists', credential USING ERRCODE = '${CREDENTIAL_MISMATCH_SQLSTATE}', DETAIL = 'unknown'; END IF; ` +
  `BEGIN IF pg_catalog.left(comment, ${MARKER_PREFIX.length + 1}) = '${MARKER_PREFIX}{' THEN marker := pg_catalog.substr(comment, ${MARKER_PREFIX.length + 1})::pg_catalog.jsonb; END IF; ` +
  `EXCEPTION WHEN invalid_text_representation THEN NULL; END; ` +
  `IF marker IS NULL OR (marker ->> 'credentialFor') IS DISTINCT FROM pg_catalog.current_setting('tenantry.username') ` +
  `OR (marker ->> 'schema') IS DISTINCT FROM pg_catalog.current_setting('tenantry.schema_name') OR (marker ->> 'database') IS DISTINCT FROM pg_catalog.current_database() ` +
  `THEN RAISE EXCEPTION 'role % is not a credential of tenant %', credential, pg_catalog.current_setting('tenantry.schema_name') USING ERRCODE = '${CREDENTIAL_MISMATCH_SQLSTATE}', DETAIL = 'other'; END IF; ` +
  `END $tenantry$`;

/** The first half of a revocation, committed on its own: no new login, so none can slip in before the drop. */
export function disableCredentialStatements(tenant: { schemaName: string; username: string }, credential: string): Statement[] {
  return [
    pinSearchPathStatement(),
    lockStatement(tenant.schemaName, tenant.username),
    ...credentialOfTenantGuardStatements(tenant, credential),
    new Statement('refuse new logins of the credential', compileDdl(sql`ALTER ROLE ${sql.id(credential)} NOLOGIN`)),
  ];
}

/**
 * The second half of a revocation (and what a sweep runs for an expired
 * credential): its open sessions end, what it came to own here is dropped
 * (a session that left the tenant's role can still make a large object or a
 * temporary table as itself), and the role goes.
 */
export function dropCredentialStatements(
  tenant: { schemaName: string; username: string },
  credential: string,
  admin: { nonSuperuserAdmin: string | undefined; roleGrantOptions: boolean },
): Statement[] {
  const role = sql.id(credential);
  return [
    pinSearchPathStatement(),
    lockStatement(tenant.schemaName, tenant.username),
    ...credentialOfTenantGuardStatements(tenant, credential),
    ...(admin.nonSuperuserAdmin === undefined
      ? []
      : [borrowRolePrivilegesStatement(credential, admin.nonSuperuserAdmin, admin.roleGrantOptions, "take on the credential's privileges, which ending its sessions and DROP OWNED BY need")]),
    terminateRoleSessionsStatement(credential, "end the credential's open sessions in every database, and wait for them to exit", SESSION_EXIT_WAIT_MILLIS),
    new Statement('drop what the credential owns or holds in this database', compileDdl(sql`DROP OWNED BY ${role}`)),
    new Statement('drop the credential role', compileDdl(sql`DROP ROLE ${role}`)),
  ];
}
