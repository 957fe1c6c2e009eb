import { sql } from 'kysely';
import { DatabaseError, TenantRemovalBlockedError, TenantryError } from '@tenantry/core';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';
import type { ErrorContext } from '../dialect.js';
import type { TenantStateRow } from './postgres-catalog-rows.js';
import { tenantStateSql } from './postgres-catalog-queries.js';
import { REMOVAL_REFUSED_SQLSTATE } from './postgres-plan-specs.js';
import { checkFitsOneTransaction } from './postgres-removal-fit-check.js';
import { estimatedLocks, lockBudget, type RemovalSizeRow } from './postgres-removal-size-queries.js';
import { countedBlockers, roleDependenciesElsewhereSql, roleHasDependenciesElsewhereSql, type RoleDependencyElsewhereRow } from './postgres-role-dependency-queries.js';
import { checkCanRemove, checkManagedTenant } from './postgres-tenant-checks.js';

/** The purpose of the remove plan's server-side check that the tenant is whole, ours and droppable. */
export const REMOVABLE_TENANT_CHECK = 'the tenant is a whole Tenantry tenant the admin may drop';

/** What the remove plan's check looks at besides the tenant itself. */
export interface RemovalGuardOptions {
  /** Stop when the schema does not fit one transaction's locks, or its removal in stages began. */
  stageWhenLarge: boolean;
  /** Stop when the role owns or holds anything in another database. */
  nothingElsewhere: boolean;
  /** PostgreSQL 16+: dropping a role takes ADMIN OPTION on it (CREATEROLE before). */
  roleGrantOptions: boolean;
}

/**
 * The remove plan's checks, made by the server inside the transaction under
 * the tenant's locks, so the removal goes in one round trip: the same catalog
 * reads as `tenantStateQuery`, `removalSizeQuery` (its estimate and budget;
 * the marker is the one just read) and `roleDependenciesElsewhereQuery` (its
 * counts read only when there are some), the same rules as `checkManagedTenant`
 * (a removal that began is allowed), `checkCanRemove` and
 * `checkFitsOneTransaction`. The block is compiled, and each of its queries
 * planned, on every call: what never runs on the way to the drops (the
 * refusals) costs nothing, hence few and cheap queries. On a refusal it raises
 * `REMOVAL_REFUSED_SQLSTATE` with the rows it read as DETAIL (JSON), from which
 * `removalRefusalError` makes the same typed error, in the same words, as
 * those checks. Catalog reads only: nothing of the tenant's is touched. The
 * names reach the block as transaction-local settings, so its body is a
 * constant.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT pg_catalog.set_config('tenantry.schema_name', 'tenant_acme', true), pg_catalog.set_config('tenantry.username', 'acme_user', true);
 * DO $tenantry$ DECLARE ... BEGIN SELECT pg_catalog.to_jsonb(t) INTO tenant_state FROM (SELECT s.oid IS NOT NULL AS schema_exists, ...) t; ...
 *   estimated_locks := (SELECT count(*) + ... FROM pg_catalog.pg_depend o WHERE ...); IF ... THEN RAISE EXCEPTION ... USING ERRCODE = 'TRY10', DETAIL = ...; END IF; ...
 *   IF EXISTS (SELECT 1 FROM pg_catalog.pg_shdepend s ...) THEN ... RAISE EXCEPTION ...; END IF; END $tenantry$
 * ```
 */
export function removalGuardStatements(tenant: { schemaName: string; username: string }, options: RemovalGuardOptions): Statement[] {
  return [
    new Statement(
      'hand the tenant names to the check below',
      compileDdl(
        sql`SELECT pg_catalog.set_config('tenantry.schema_name', ${sql.lit(tenant.schemaName)}, true), pg_catalog.set_config('tenantry.username', ${sql.lit(tenant.username)}, true)`,
      ),
    ),
    new Statement(REMOVABLE_TENANT_CHECK, removalGuardBlock(options)),
  ];
}

const PREFIX = MARKER_PREFIX;
const JSON_FROM = PREFIX.length + 1;
const schemaName = sql.raw<string>('schema_name');
const roleName = sql.raw<string>('role_name');

/**
 * The two marker comments as jsonb values, each NULL when it is not one.
 * One subtransaction for both: when either is not JSON the check refuses
 * anyway (the client decodes the comments again for the words).
 */
function decodeMarkers(markers: { variable: string; comment: string }[]): string {
  const decode = ({ variable, comment }: { variable: string; comment: string }) =>
    `IF pg_catalog.left(${comment}, ${PREFIX.length}) = '${PREFIX}' THEN ${variable} := pg_catalog.substr(${comment}, ${JSON_FROM})::pg_catalog.jsonb; END IF; `;
  return `BEGIN ${markers.map(decode).join('')}EXCEPTION WHEN invalid_text_representation OR untranslatable_character THEN NULL; END; `;
}

function refuse(detail: string): string {
  return `RAISE EXCEPTION 'tenant % may not be removed as planned', schema_name USING ERRCODE = '${REMOVAL_REFUSED_SQLSTATE}', DETAIL = pg_catalog.jsonb_build_object(${detail})::text; `;
}

function removalGuardBlock(options: RemovalGuardOptions): string {
  const isString = (value: string) => `pg_catalog.jsonb_typeof(${value}) IS DISTINCT FROM 'string'`;
  // checkManagedTenant and checkCanRemove, in the server's words: anything that would fail them refuses.
  const notRemovable = [
    `NOT (tenant_state ->> 'schema_exists')::boolean`,
    `NOT (tenant_state ->> 'role_exists')::boolean`,
    `pg_catalog.jsonb_typeof(schema_marker) IS DISTINCT FROM 'object'`,
    isString(`schema_marker -> 'role'`),
    isString(`schema_marker -> 'createdAt'`),
    `(schema_marker ->> 'role') IS DISTINCT FROM role_name`,
    `pg_catalog.jsonb_typeof(role_marker) IS DISTINCT FROM 'object'`,
    isString(`role_marker -> 'schema'`),
    isString(`role_marker -> 'database'`),
    `role_marker ? 'credentialFor'`,
    `(role_marker ->> 'schema') IS DISTINCT FROM schema_name`,
    `(role_marker ->> 'database') IS DISTINCT FROM pg_catalog.current_database()`,
    `(tenant_state ->> 'can_drop_schema') IS DISTINCT FROM 'true'`,
    `(tenant_state ->> 'can_drop_role') IS DISTINCT FROM 'true'`,
  ].join(' OR ');
  // removalSizeQuery's row, its marker the one read above (the tenant's locks keep it as it is).
  const tooLarge = options.stageWhenLarge
    ? `estimated_locks := ${compileDdl(estimatedLocks(sql.raw('pg_catalog.to_regnamespace(pg_catalog.quote_ident(schema_name))::pg_catalog.oid')))}; ` +
      `lock_budget := ${compileDdl(lockBudget())}; ` +
      `IF (pg_catalog.jsonb_typeof(schema_marker -> 'removing' -> 'since') = 'string' AND pg_catalog.jsonb_typeof(schema_marker -> 'removing' -> 'by') = 'string') ` +
      `OR estimated_locks > lock_budget ` +
      `THEN ${refuse(`'state', tenant_state, 'size', pg_catalog.jsonb_build_object('schema_comment', tenant_state -> 'schema_comment', 'estimated_locks', estimated_locks, 'lock_budget', lock_budget)`)}END IF; `
    : '';
  // The counts are read (and planned) only when there is something to count; they decide, as before.
  const elsewhere = options.nothingElsewhere
    ? `IF ${compileDdl(roleHasDependenciesElsewhereSql(roleName))} THEN ` +
      `SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) INTO elsewhere FROM (${compileDdl(roleDependenciesElsewhereSql(roleName))}) e; END IF; ` +
      `IF elsewhere IS NOT NULL THEN ${refuse(`'state', tenant_state, 'elsewhere', elsewhere`)}END IF; `
    : '';
  return (
    `DO $tenantry$ DECLARE schema_name text := pg_catalog.current_setting('tenantry.schema_name'); ` +
    `role_name text := pg_catalog.current_setting('tenantry.username'); ` +
    `tenant_state pg_catalog.jsonb; estimated_locks integer; lock_budget integer; elsewhere pg_catalog.jsonb; schema_marker pg_catalog.jsonb; role_marker pg_catalog.jsonb; BEGIN ` +
    `SELECT pg_catalog.to_jsonb(t) INTO tenant_state FROM (${compileDdl(tenantStateSql(schemaName, roleName, options.roleGrantOptions))}) t; ` +
    decodeMarkers([
      { variable: 'schema_marker', comment: `tenant_state ->> 'schema_comment'` },
      { variable: 'role_marker', comment: `tenant_state ->> 'role_comment'` },
    ]) +
    `IF ${notRemovable} THEN ${refuse(`'state', tenant_state`)}END IF; ` +
    tooLarge +
    elsewhere +
    `END $tenantry$`
  );
}

/** What the server-side check read before it refused, as its DETAIL carries it. */
interface RemovalRefusal {
  state: TenantStateRow;
  size?: RemovalSizeRow;
  elsewhere?: RoleDependencyElsewhereRow[];
}

/**
 * The typed error for a refusal of `removalGuardStatements`: the checks the
 * server made, run again on the rows it read, raise the very error (and
 * words) they would have raised as client-side checks.
 */
export function removalRefusalError(detail: string | undefined, serverMessage: string, context: ErrorContext): TenantryError {
  try {
    const refusal = JSON.parse(detail ?? '') as RemovalRefusal;
    const tenant = { schemaName: context.schemaName ?? '?', username: context.username ?? '?', database: context.database };
    checkManagedTenant(refusal.state, tenant, { removing: 'allowed' });
    checkCanRemove(refusal.state, { ...tenant, adminRole: context.adminRole ?? 'the admin' });
    if (refusal.size) checkFitsOneTransaction(refusal.size, tenant.schemaName);
    if (refusal.elsewhere && refusal.elsewhere.length > 0) {
      throw new TenantRemovalBlockedError({ ...tenant, database: context.database ?? '', blockers: countedBlockers(refusal.elsewhere) });
    }
  } catch (error) {
    if (TenantryError.isInstance(error)) return error;
  }
  // The server refused where the client-side rules would not: say so rather than guess.
  return new DatabaseError({ sqlState: REMOVAL_REFUSED_SQLSTATE, message: `Could not ${context.action}: ${serverMessage} (${detail ?? 'no detail'}). Nothing was changed.` });
}
