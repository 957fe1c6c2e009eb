import { decodeRoleMarker, decodeSchemaMarker, type SchemaMarker } from '../../tenant-marker.js';
import type { CatalogReader, TenantLoginDetails, TenantRecord, TenantRecordPage } from '../dialect.js';
import { listTenantsQuery, roleCommentsQuery, roleDetailsQuery, schemaQuery } from './postgres-catalog-queries.js';
import type { RoleDetailsRow } from './postgres-catalog-rows.js';

/*
 * Tenants as PostgreSQL's catalog records them: a schema whose comment is
 * Tenantry's marker naming the role, and a role whose marker points back.
 * Markers are decoded here, never cast to jsonb in SQL: one malformed comment
 * must not make a whole listing fail.
 */

/** One page of managed tenants: the marked schemas, then their roles' markers (two queries). */
export async function readPostgresTenantPage(read: CatalogReader, page: { limit: number; after: string | undefined }, database: string): Promise<TenantRecordPage> {
  const schemas = await read(listTenantsQuery(page));
  const roles = schemas.map((row) => decodeSchemaMarker(row.schema_comment)?.role).filter((role) => role !== undefined);
  const roleComments = new Map((await read(roleCommentsQuery(roles))).map((row) => [row.username, row.role_comment]));
  const tenants: TenantRecord[] = [];
  for (const row of schemas) {
    const marker = decodeSchemaMarker(row.schema_comment);
    if (marker) tenants.push(record(row.schema_name, marker, roleComments.get(marker.role), database));
  }
  const last = schemas.at(-1);
  return { tenants, nextCursor: schemas.length === page.limit && last ? last.schema_name : undefined };
}

/** One managed tenant with its role's attributes, settings in this database and memberships. */
export async function readPostgresTenant(read: CatalogReader, schemaName: string, database: string): Promise<TenantRecord | undefined> {
  const [schema] = await read(schemaQuery(schemaName));
  const marker = decodeSchemaMarker(schema?.schema_comment);
  if (!marker) return undefined;
  const [role] = await read(roleDetailsQuery(marker.role));
  return { ...record(schemaName, marker, role?.role_comment, database), login: loginDetails(role) };
}

function record(schemaName: string, marker: SchemaMarker, roleComment: string | null | undefined, database: string): TenantRecord {
  const roleMarker = decodeRoleMarker(roleComment);
  return {
    schemaName,
    username: marker.role,
    createdAt: new Date(marker.createdAt),
    labels: marker.labels ?? {},
    // A tenant whose removal began is no longer whole, whatever is left of it.
    intact: marker.removing === undefined && roleMarker?.schema === schemaName && roleMarker.database === database,
    migrations: roleMarker?.migrations,
    suspended: roleMarker?.suspended,
    ...(marker.removing ? { removing: { since: new Date(marker.removing.since), by: marker.removing.by } } : {}),
  };
}

function loginDetails(role: RoleDetailsRow | undefined): TenantLoginDetails {
  return {
    connectionLimit: role?.connection_limit ?? -1,
    validUntil: role?.valid_until instanceof Date ? role.valid_until : null,
    settings: parseSettings(role?.settings ?? []),
    memberOf: role?.member_of ?? [],
    members: role?.members ?? [],
  };
}

/** `['search_path=tenant_acme', 'statement_timeout=5s']` to an object, split at the first `=`. */
function parseSettings(entries: readonly string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals > 0) settings[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return settings;
}
