import { validateSchemaName } from '@tenantry/core';
import { decodeRoleMarker, decodeSchemaMarker } from '@tenantry/sql';
import { queryRows, type AdminSession } from './admin-session.js';
import type { TenantDetails } from './database-admin-options.js';

/**
 * One managed tenant by its schema name, with its role's settings; undefined
 * when no schema of that name carries Tenantry's marker.
 */
export async function getTenant(session: AdminSession, schemaName: string): Promise<TenantDetails | undefined> {
  validateSchemaName(schemaName);
  const facts = await session.serverFacts();
  return session.inTransaction({ action: `look up tenant "${schemaName}"`, schemaName }, async (client) => {
    const [schema] = await queryRows(client, facts.dialect.schemaQuery(schemaName));
    const marker = decodeSchemaMarker(schema?.schema_comment);
    if (!marker) return undefined;
    const [role] = await queryRows(client, facts.dialect.roleDetailsQuery(marker.role));
    const roleMarker = decodeRoleMarker(role?.role_comment);
    return {
      schemaName,
      username: marker.role,
      createdAt: new Date(marker.createdAt),
      labels: marker.labels ?? {},
      roleIntact: roleMarker?.schema === schemaName && roleMarker.database === facts.row.database,
      connectionLimit: role?.connection_limit ?? -1,
      validUntil: role?.valid_until instanceof Date ? role.valid_until : null,
      settings: parseSettings(role?.settings ?? []),
      memberOf: role?.member_of ?? [],
      members: role?.members ?? [],
    };
  });
}

/** Whether a managed tenant with this schema name exists. */
export async function tenantExists(session: AdminSession, schemaName: string): Promise<boolean> {
  return (await getTenant(session, schemaName)) !== undefined;
}

/** `['search_path=tenant_acme', 'statement_timeout=5s']` to an object, split at the first `=`. */
function parseSettings(entries: string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals > 0) settings[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return settings;
}
