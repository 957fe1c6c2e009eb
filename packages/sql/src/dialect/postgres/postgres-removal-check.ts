import { sql } from 'kysely';
import { TenantRemovalBlockedError } from '@tenantry/core';
import { compiler } from '../../compile-sql.js';
import { plainCheckStep, type CheckStep } from '../../executable-plan.js';
import type { TenantStateRow } from './postgres-catalog-rows.js';
import { tenantStateSql } from './postgres-catalog-queries.js';
import { checkFitsOneTransaction } from './postgres-removal-fit-check.js';
import { estimatedLocks, lockBudget } from './postgres-removal-size-queries.js';
import { countedBlockers, roleDependenciesElsewhereSql, type RoleDependencyElsewhereRow } from './postgres-role-dependency-queries.js';
import { checkCanRemove, checkManagedTenant } from './postgres-tenant-checks.js';

/** The purpose of the remove plan's check that the tenant is whole, ours and droppable. */
export const REMOVABLE_TENANT_CHECK = 'the tenant is a whole Tenantry tenant the admin may drop';

/** What the remove plan's check looks at besides the tenant itself. */
export interface RemovalCheckOptions {
  /** Stop when the schema does not fit one transaction's locks, or its removal in stages began. */
  stageWhenLarge: boolean;
  /** Stop when the role owns or holds anything in another database. */
  nothingElsewhere: boolean;
  /** PostgreSQL 16+: dropping a role takes ADMIN OPTION on it (CREATEROLE before). */
  roleGrantOptions: boolean;
}

/** The check's row: `tenantStateQuery`'s, with `removalSizeQuery`'s estimate and budget and `roleDependenciesElsewhereQuery`'s rows as asked. */
interface RemovalCheckRow extends TenantStateRow {
  estimated_locks?: number;
  lock_budget?: number;
  elsewhere?: RoleDependencyElsewhereRow[] | null;
}

/**
 * The remove plan's checks, inside its transaction under the tenant's locks:
 * one catalog read, plain SQL with the names as literals, sent with the
 * statements before it (the transaction's start and the locks) in one round
 * trip; the drops and the commit go in a second. The same reads as
 * `tenantStateQuery`, `removalSizeQuery` (estimate and budget) and
 * `roleDependenciesElsewhereQuery`, decided by the same checks as everywhere:
 * `checkManagedTenant` (a removal that began is allowed), `checkCanRemove`,
 * `checkFitsOneTransaction`, and the role's blockers elsewhere. Catalog reads
 * only: nothing of the tenant's is touched.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT t.*, (SELECT count(*) + ... FROM pg_catalog.pg_depend o WHERE ...)::int AS estimated_locks, (...) AS lock_budget,
 *        (SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) FROM (SELECT ... FROM pg_catalog.pg_shdepend s ...) e) AS elsewhere
 * FROM (SELECT s.oid IS NOT NULL AS schema_exists, ... FROM (SELECT pg_catalog.to_regnamespace(pg_catalog.quote_ident('tenant_acme'))::pg_catalog.oid AS oid) s, ...) t
 * ```
 */
export function removalCheckStep(
  tenant: { schemaName: string; username: string; database?: string | undefined; adminRole: string },
  options: RemovalCheckOptions,
): CheckStep {
  const schemaName = sql.lit(tenant.schemaName);
  const username = sql.lit(tenant.username);
  const size = options.stageWhenLarge
    ? sql`, ${estimatedLocks(sql`pg_catalog.to_regnamespace(pg_catalog.quote_ident(${schemaName}))::pg_catalog.oid`)} AS estimated_locks, ${lockBudget()} AS lock_budget`
    : sql``;
  const elsewhere = options.nothingElsewhere
    ? sql`, (SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) FROM (${roleDependenciesElsewhereSql(username)}) e) AS elsewhere`
    : sql``;
  const query = sql<RemovalCheckRow>`SELECT t.*${size}${elsewhere} FROM (${tenantStateSql(schemaName, username, options.roleGrantOptions)}) t`.compile(compiler);
  return plainCheckStep(REMOVABLE_TENANT_CHECK, query, ([row]) => {
    const names = { schemaName: tenant.schemaName, username: tenant.username, database: tenant.database };
    checkManagedTenant(row!, names, { removing: 'allowed' });
    checkCanRemove(row!, { ...names, adminRole: tenant.adminRole });
    if (options.stageWhenLarge) {
      checkFitsOneTransaction({ schema_comment: row!.schema_comment, estimated_locks: row!.estimated_locks!, lock_budget: row!.lock_budget! }, tenant.schemaName);
    }
    if (row!.elsewhere && row!.elsewhere.length > 0) {
      throw new TenantRemovalBlockedError({ ...names, database: tenant.database ?? '', blockers: countedBlockers(row!.elsewhere) });
    }
  });
}
