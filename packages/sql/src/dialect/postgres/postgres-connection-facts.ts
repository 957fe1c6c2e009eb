import { sql, type CompiledQuery } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { decodeRoleMarker, MARKER_PREFIX } from '../../tenant-marker.js';
import type { CatalogReader, ServerConnectionFacts } from '../dialect.js';

interface ConnectionSettingsRow {
  max_connections: number;
  superuser_reserved_connections: number;
  /** PostgreSQL 16's `reserved_connections` (for `pg_use_reserved_connections`); null before 16. */
  reserved_connections: number | null;
}

interface MarkedRoleLimitRow {
  role_comment: string;
  connection_limit: number;
}

/** The server's connection slots (`max_connections` and what it keeps for superusers and reserved roles). */
export function connectionSettingsQuery(): CompiledQuery<ConnectionSettingsRow> {
  return sql<ConnectionSettingsRow>`
    SELECT pg_catalog.current_setting('max_connections')::int AS max_connections,
           pg_catalog.current_setting('superuser_reserved_connections')::int AS superuser_reserved_connections,
           NULLIF(pg_catalog.current_setting('reserved_connections', true), '')::int AS reserved_connections`.compile(compiler);
}

/** Every login role carrying a Tenantry marker, with its `CONNECTION LIMIT`; markers decoded by the caller. */
export function markedRoleLimitsQuery(): CompiledQuery<MarkedRoleLimitRow> {
  return sql<MarkedRoleLimitRow>`
    SELECT c.role_comment, c.connection_limit
      FROM (SELECT pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment, r.rolconnlimit AS connection_limit
              FROM pg_catalog.pg_roles r WHERE r.rolcanlogin) c
     WHERE pg_catalog.left(c.role_comment, ${MARKER_PREFIX.length}) = ${MARKER_PREFIX}`.compile(compiler);
}

/**
 * The server's connection slots and the `CONNECTION LIMIT` of each tenant of
 * `database` (-1: none), read in two catalog queries. Markers are decoded
 * here, so one malformed comment cannot fail the read.
 */
export async function readPostgresConnectionFacts(read: CatalogReader, database: string): Promise<ServerConnectionFacts> {
  const [settings] = await read(connectionSettingsQuery());
  const roles = await read(markedRoleLimitsQuery());
  const tenantConnectionLimits = roles.filter((row) => decodeRoleMarker(row.role_comment)?.database === database).map((row) => Number(row.connection_limit));
  return {
    maxConnections: Number(settings!.max_connections),
    reservedConnections: Number(settings!.superuser_reserved_connections) + Number(settings!.reserved_connections ?? 0),
    tenantConnectionLimits,
  };
}
