import { quoteLiteral } from '../../sql-quoting.js';
import { Statement } from '../../statement.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';
import { TENANT_UNMANAGED_SQLSTATE } from './postgres-plan-specs.js';

/**
 * Changes some fields of a tenant role's marker and keeps the others: the
 * marker holds facts written at different times (where the migrations stand,
 * a suspension), and a writer that knows only its own field must not erase
 * another's. A field set to `null` is removed. The role and the patch reach
 * the DO block as transaction-local settings, so its body is a constant.
 *
 * Run under the tenant's locks, after a check that the marker is Tenantry's:
 * a comment that is not a marker stops the transaction.
 *
 * ```ts
 * patchRoleMarkerStatements('acme_user', { suspended: null }, 'record that the tenant is no longer suspended');
 * ```
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT pg_catalog.set_config('tenantry.marker_role', 'acme_user', true), pg_catalog.set_config('tenantry.marker_patch', '{"suspended":null}', true);
 * DO $tenantry$ ... COMMENT ON ROLE <role> IS 'tenantry:' || (old marker || patch, nulls removed) ... $tenantry$
 * ```
 */
export function patchRoleMarkerStatements(username: string, patch: Readonly<Record<string, unknown>>, purpose: string): Statement[] {
  return [
    new Statement(
      'hand the role and the marker fields to the block below',
      // Plain text, not compiled: createTenant with migrations builds it on every call.
      `SELECT pg_catalog.set_config('tenantry.marker_role', ${quoteLiteral(username)}, true), pg_catalog.set_config('tenantry.marker_patch', ${quoteLiteral(JSON.stringify(patch))}, true)`,
    ),
    new Statement(purpose, PATCH_ROLE_MARKER_BLOCK),
  ];
}

const PREFIX_LENGTH = MARKER_PREFIX.length;

/** The constant body of `patchRoleMarkerStatements`. */
const PATCH_ROLE_MARKER_BLOCK =
  `DO $tenantry$ DECLARE role_name text := pg_catalog.current_setting('tenantry.marker_role'); old text; BEGIN ` +
  `SELECT pg_catalog.shobj_description(oid, 'pg_authid') INTO old FROM pg_catalog.pg_roles WHERE rolname = role_name; ` +
  `IF old IS NULL OR pg_catalog.left(old, ${PREFIX_LENGTH + 1}) OPERATOR(pg_catalog.<>) '${MARKER_PREFIX}{' ` +
  `THEN RAISE EXCEPTION 'role % carries no Tenantry marker', role_name USING ERRCODE = '${TENANT_UNMANAGED_SQLSTATE}', DETAIL = 'role'; END IF; ` +
  `EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', role_name, pg_catalog.concat('${MARKER_PREFIX}', ` +
  `pg_catalog.jsonb_strip_nulls(pg_catalog.substr(old, ${PREFIX_LENGTH + 1})::pg_catalog.jsonb OPERATOR(pg_catalog.||) pg_catalog.current_setting('tenantry.marker_patch')::pg_catalog.jsonb))); ` +
  `END $tenantry$`;
