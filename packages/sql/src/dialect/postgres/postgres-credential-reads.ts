import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { decodeCredentialMarker, MARKER_PREFIX } from '../../tenant-marker.js';
import type { CatalogReader, CredentialRecord } from '../dialect.js';
import { tenantStateQuery } from './postgres-catalog-queries.js';
import { CREDENTIAL_NAME_PREFIX } from './postgres-credential-names.js';
import { checkManagedTenant } from './postgres-tenant-checks.js';

/** A credential role as the catalog shows it; its marker decoded in code. */
interface CredentialRow {
  name: string;
  role_comment: string | null;
  valid_until: Date | number | null;
  expired: boolean;
}

/*
 * Credentials as the catalog records them: login roles named
 * `tenantry_cred_...` whose marker names their tenant. Markers are decoded
 * here, never cast to jsonb in SQL, so one malformed comment cannot fail a
 * listing. Expiry is the server's own clock (`VALID UNTIL <= now()`).
 */

/**
 * The credentials of one tenant, oldest first.
 * @throws TenantNotFoundError, TenantNotManagedError when it is not a whole Tenantry tenant of this database.
 */
export async function readTenantCredentials(
  read: CatalogReader,
  tenant: { schemaName: string; username: string },
  facts: { database: string; roleGrantOptions: boolean },
): Promise<CredentialRecord[]> {
  const { database } = facts;
  const [state] = await read(tenantStateQuery(tenant.schemaName, tenant.username, facts.roleGrantOptions));
  checkManagedTenant(state!, { ...tenant, database });
  const rows = await read(credentialsQuery(sql`EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles t ON t.oid = m.roleid
                                                       WHERE m.member = r.oid AND t.rolname = ${tenant.username})`));
  return records(rows, database).filter((record) => record.username === tenant.username && record.schemaName === tenant.schemaName);
}

/** The expired credentials of every tenant of this database. */
export async function readExpiredCredentials(read: CatalogReader, database: string): Promise<CredentialRecord[]> {
  return records(await read(credentialsQuery(sql`r.rolvaliduntil <= pg_catalog.now()`)), database);
}

function credentialsQuery(condition: RawBuilder<unknown>): CompiledQuery<CredentialRow> {
  return sql<CredentialRow>`
    SELECT r.rolname::text AS name, pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment,
           r.rolvaliduntil AS valid_until, coalesce(r.rolvaliduntil <= pg_catalog.now(), false) AS expired
    FROM pg_catalog.pg_roles r
    WHERE pg_catalog.starts_with(r.rolname, ${CREDENTIAL_NAME_PREFIX})
      AND pg_catalog.starts_with(pg_catalog.shobj_description(r.oid, 'pg_authid'), ${`${MARKER_PREFIX}{`})
      AND ${condition}
    ORDER BY r.rolname`.compile(compiler);
}

function records(rows: readonly CredentialRow[], database: string): CredentialRecord[] {
  const found: CredentialRecord[] = [];
  for (const row of rows) {
    const marker = decodeCredentialMarker(row.role_comment);
    if (!marker || marker.database !== database || !(row.valid_until instanceof Date)) continue;
    found.push({
      name: row.name,
      schemaName: marker.schema,
      username: marker.credentialFor,
      createdAt: new Date(marker.createdAt),
      expiresAt: row.valid_until,
      expired: row.expired,
    });
  }
  return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.name < b.name ? -1 : 1));
}
