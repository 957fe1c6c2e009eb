import { quoteLiteral } from '../../sql-quoting.js';
import { Statement } from '../../statement.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';
import { PRIVILEGED_SETTING_SQLSTATE, UNSAFE_ROLE_GRANT_SQLSTATE } from './postgres-plan-specs.js';

/*
 * Guards on what a new tenant is given besides its schema: per-role settings
 * and role memberships. Both are checked by the server, in the transaction
 * that makes the change, against the catalog as it stands there: a client-side
 * list could not know which roles are superusers, or which parameters only a
 * superuser may set. The DO bodies are constants; the names reach them as
 * transaction-local settings (JSON arrays), never spliced into dollar quotes.
 * No backslash appears in a body: its literals must mean the same whatever
 * standard_conforming_strings says.
 */

/**
 * Refuses settings that a plain user could not set in its own session
 * (`pg_settings.context` other than `user`): `log_statement = none` or
 * `track_activities = off` would hide the tenant from auditing. Custom
 * (placeholder) parameters, absent from pg_settings, are a user's to set.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT pg_catalog.set_config('tenantry.settings', '["statement_timeout"]', true);
 * DO $tenantry$ ... WHERE s.context <> 'user' ... RAISE EXCEPTION ... USING ERRCODE = 'TRY04' ... $tenantry$
 * ```
 */
export function userSettableSettingsGuard(settingNames: readonly string[]): Statement[] {
  const body =
    `DECLARE refused text; BEGIN ` +
    `SELECT pg_catalog.string_agg(pg_catalog.format('"%s" (%s)', s.name, s.context), ', ' ORDER BY s.name) INTO refused ` +
    `FROM pg_catalog.pg_settings s ` +
    `WHERE s.name IN (SELECT pg_catalog.lower(t.v) FROM pg_catalog.jsonb_array_elements_text(pg_catalog.current_setting('tenantry.settings')::pg_catalog.jsonb) AS t(v)) ` +
    `AND s.context <> 'user'; ` +
    `IF refused IS NOT NULL THEN RAISE EXCEPTION 'Settings a tenant may not be given (only a superuser or the server configuration may set them): %', refused ` +
    `USING ERRCODE = '${PRIVILEGED_SETTING_SQLSTATE}', DETAIL = 'settings'; END IF; END`;
  return [
    new Statement(
      'hand the setting names to the check below',
      `SELECT pg_catalog.set_config('tenantry.settings', ${quoteLiteral(JSON.stringify(settingNames))}, true)`,
    ),
    new Statement('refuse settings a plain user could not set itself', `DO $tenantry$ ${body} $tenantry$`),
  ];
}

/**
 * Refuses, before the grants and in their transaction, any `memberOf` or
 * `grantTo` role that is, or reaches through membership (whatever its
 * INHERIT or SET options), the admin role; a role with SUPERUSER, CREATEROLE,
 * CREATEDB, REPLICATION or BYPASSRLS; a predefined `pg_*` role; a role
 * Tenantry made (another tenant, a migrator). A `memberOf` role's reach is what
 * the tenant would reach; a `grantTo` role would get the tenant's rights, and
 * must not be one of those either. The error names the role asked for, the
 * role reached and why; nothing is created.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT pg_catalog.set_config('tenantry.member_of', '["shared"]', true), pg_catalog.set_config('tenantry.grant_to', '["reporting"]', true);
 * DO $tenantry$ ... WITH RECURSIVE ... RAISE EXCEPTION ... USING ERRCODE = 'TRY03' ... $tenantry$
 * ```
 */
export function safeRoleGrantsGuard(memberOf: readonly string[], grantTo: readonly string[]): Statement[] {
  const named = (setting: string, field: string) =>
    `SELECT r.rolname::text, '${field}', r.oid FROM pg_catalog.jsonb_array_elements_text(pg_catalog.current_setting('${setting}')::pg_catalog.jsonb) AS g(name) ` +
    `JOIN pg_catalog.pg_roles r ON r.rolname = g.name`;
  const body =
    `DECLARE hit record; BEGIN ` +
    `WITH RECURSIVE reach(asked, field, oid) AS (` +
    `${named('tenantry.member_of', 'memberOf')} UNION ${named('tenantry.grant_to', 'grantTo')} ` +
    `UNION SELECT reach.asked, reach.field, m.roleid FROM reach JOIN pg_catalog.pg_auth_members m ON m.member = reach.oid), ` +
    `judged AS (SELECT reach.asked, reach.field, r.rolname::text AS role, CASE ` +
    `WHEN r.rolname = current_user THEN 'is the admin role' ` +
    `WHEN r.rolsuper THEN 'has SUPERUSER' WHEN r.rolcreaterole THEN 'has CREATEROLE' WHEN r.rolcreatedb THEN 'has CREATEDB' ` +
    `WHEN r.rolreplication THEN 'has REPLICATION' WHEN r.rolbypassrls THEN 'has BYPASSRLS' ` +
    `WHEN pg_catalog.left(r.rolname, 3) = 'pg_' THEN 'is a predefined role' ` +
    `WHEN pg_catalog.left(pg_catalog.shobj_description(r.oid, 'pg_authid'), ${MARKER_PREFIX.length}) = '${MARKER_PREFIX}' THEN 'is a role Tenantry made for another tenant' ` +
    `END AS reason FROM reach JOIN pg_catalog.pg_roles r ON r.oid = reach.oid) ` +
    `SELECT * INTO hit FROM judged WHERE reason IS NOT NULL ORDER BY field DESC, asked, role LIMIT 1; ` +
    `IF FOUND THEN RAISE EXCEPTION '%', CASE WHEN hit.role = hit.asked ` +
    `THEN pg_catalog.format('%s "%s" is refused: it %s.', hit.field, hit.asked, hit.reason) ` +
    `ELSE pg_catalog.format('%s "%s" is refused: it is a member of "%s", which %s.', hit.field, hit.asked, hit.role, hit.reason) END ` +
    `USING ERRCODE = '${UNSAFE_ROLE_GRANT_SQLSTATE}', DETAIL = hit.field; END IF; END`;
  return [
    new Statement(
      'hand the roles to grant to the check below',
      `SELECT pg_catalog.set_config('tenantry.member_of', ${quoteLiteral(JSON.stringify(memberOf))}, true), pg_catalog.set_config('tenantry.grant_to', ${quoteLiteral(JSON.stringify(grantTo))}, true)`,
    ),
    new Statement(
      'refuse memberships that would give the tenant, or hand its rights to, the admin, a privileged, predefined or Tenantry role',
      `DO $tenantry$ ${body} $tenantry$`,
    ),
  ];
}
