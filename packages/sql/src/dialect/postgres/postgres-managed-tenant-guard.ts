import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';
import { TENANT_MISSING_SQLSTATE, TENANT_SUSPENDED_SQLSTATE, TENANT_UNMANAGED_SQLSTATE } from './postgres-plan-specs.js';

/**
 * Stops the transaction unless the schema and the role are a whole Tenantry
 * tenant of this database, checked by the server itself: the same rules as
 * `checkManagedTenant`, for plans that must go in one round trip and so cannot
 * stop between a catalog read and the change (a tenant whose removal began
 * stops it, as there). With `refuseSuspended`, a suspended tenant stops it too. The names reach the DO block as
 * transaction-local settings, so its body is a constant.
 *
 * Raises `TENANT_MISSING_SQLSTATE`, `TENANT_UNMANAGED_SQLSTATE` (DETAIL
 * `schema` or `role`) or `TENANT_SUSPENDED_SQLSTATE`. Run after the tenant's
 * locks, with names resolved in pg_catalog only (`pinSearchPathStatement`).
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT pg_catalog.set_config('tenantry.schema_name', 'tenant_acme', true), pg_catalog.set_config('tenantry.username', 'acme_user', true);
 * DO $tenantry$ ... RAISE EXCEPTION ... USING ERRCODE = 'TRY05' ... $tenantry$
 * ```
 */
export function managedTenantGuardStatements(tenant: { schemaName: string; username: string }, options: { refuseSuspended: boolean }): Statement[] {
  return [
    new Statement(
      'hand the tenant names to the check below',
      compileDdl(
        sql`SELECT pg_catalog.set_config('tenantry.schema_name', ${sql.lit(tenant.schemaName)}, true), pg_catalog.set_config('tenantry.username', ${sql.lit(tenant.username)}, true)`,
      ),
    ),
    new Statement(
      options.refuseSuspended ? 'refuse anything but a whole Tenantry tenant that is not suspended' : 'refuse anything but a whole Tenantry tenant',
      guardBlock(options.refuseSuspended),
    ),
  ];
}

const PREFIX = `${MARKER_PREFIX}{`;
const JSON_FROM = PREFIX.length;

function guardBlock(refuseSuspended: boolean): string {
  const suspended = refuseSuspended
    ? `IF role_marker ? 'suspended' THEN RAISE EXCEPTION 'tenant % is suspended', schema_name USING ERRCODE = '${TENANT_SUSPENDED_SQLSTATE}'; END IF; `
    : '';
  return (
    `DO $tenantry$ DECLARE schema_name text := pg_catalog.current_setting('tenantry.schema_name'); ` +
    `role_name text := pg_catalog.current_setting('tenantry.username'); schema_comment text; role_comment text; ` +
    `schema_marker pg_catalog.jsonb; role_marker pg_catalog.jsonb; BEGIN ` +
    `SELECT pg_catalog.obj_description(oid, 'pg_namespace') INTO schema_comment FROM pg_catalog.pg_namespace WHERE nspname = schema_name; ` +
    `IF NOT FOUND THEN RAISE EXCEPTION 'schema % does not exist', schema_name USING ERRCODE = '${TENANT_MISSING_SQLSTATE}', DETAIL = 'schema'; END IF; ` +
    `SELECT pg_catalog.shobj_description(oid, 'pg_authid') INTO role_comment FROM pg_catalog.pg_roles WHERE rolname = role_name; ` +
    `IF NOT FOUND THEN RAISE EXCEPTION 'role % does not exist', role_name USING ERRCODE = '${TENANT_MISSING_SQLSTATE}', DETAIL = 'role'; END IF; ` +
    // A comment that is not JSON is no marker: read it as none rather than fail on it.
    `BEGIN ` +
    `IF pg_catalog.left(schema_comment, ${JSON_FROM}) = '${PREFIX}' THEN schema_marker := pg_catalog.substr(schema_comment, ${JSON_FROM})::pg_catalog.jsonb; END IF; ` +
    `IF pg_catalog.left(role_comment, ${JSON_FROM}) = '${PREFIX}' THEN role_marker := pg_catalog.substr(role_comment, ${JSON_FROM})::pg_catalog.jsonb; END IF; ` +
    `EXCEPTION WHEN invalid_text_representation THEN NULL; END; ` +
    `IF schema_marker IS NULL OR (schema_marker ->> 'role') IS DISTINCT FROM role_name ` +
    `THEN RAISE EXCEPTION 'schema % is not the Tenantry schema of role %', schema_name, role_name USING ERRCODE = '${TENANT_UNMANAGED_SQLSTATE}', DETAIL = 'schema'; END IF; ` +
    `IF role_marker IS NULL OR role_marker ? 'credentialFor' OR (role_marker ->> 'schema') IS DISTINCT FROM schema_name ` +
    `OR (role_marker ->> 'database') IS DISTINCT FROM pg_catalog.current_database() ` +
    `THEN RAISE EXCEPTION 'role % is not the Tenantry role of schema % in this database', role_name, schema_name USING ERRCODE = '${TENANT_UNMANAGED_SQLSTATE}', DETAIL = 'role'; END IF; ` +
    // As checkManagedTenant: a tenant whose removal began is no whole tenant (removeTenant resumes it).
    `IF schema_marker ? 'removing' THEN RAISE EXCEPTION 'its removal began and has not finished: removeTenant resumes it' USING ERRCODE = '${TENANT_UNMANAGED_SQLSTATE}', DETAIL = 'schema'; END IF; ` +
    suspended +
    `END $tenantry$`
  );
}
