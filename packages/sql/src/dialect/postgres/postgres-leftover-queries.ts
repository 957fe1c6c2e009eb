import { sql, type CompiledQuery } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';

/*
 * Catalog reads of a leftover sweep. Markers are decoded by the caller, never
 * cast to jsonb here: one malformed comment must not fail a sweep.
 */

/** A role carrying a Tenantry marker (a tenant's, or a migrator's), cluster-wide. */
export interface MarkedRoleRow {
  username: string;
  role_comment: string;
  /** Null for no expiry. */
  valid_until: Date | number | null;
  expired: boolean;
  has_sessions: boolean;
}

/** A schema of this database carrying a Tenantry marker. */
export interface MarkedSchemaRow {
  schema_name: string;
  schema_comment: string;
  /** Objects in the schema (pg_depend entries on it): a leftover schema is dropped only when this is 0. */
  objects: number;
}

/** The names among `schemaNames` that exist in this database, and among `usernames` that exist in the cluster. */
export interface ExistingNamesRow {
  schemas: string[];
  roles: string[];
}

/** Every role whose comment is a Tenantry marker, with whether it has expired and has open sessions. */
export function markedRolesQuery(): CompiledQuery<MarkedRoleRow> {
  return sql<MarkedRoleRow>`
    SELECT r.rolname::text AS username, pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment,
           r.rolvaliduntil AS valid_until,
           COALESCE(r.rolvaliduntil < pg_catalog.now(), false) AS expired,
           EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.usesysid = r.oid) AS has_sessions
    FROM pg_catalog.pg_roles r
    WHERE pg_catalog.shobj_description(r.oid, 'pg_authid') LIKE ${MARKER_PREFIX + '{%'}
    ORDER BY r.rolname COLLATE "C"`.compile(compiler);
}

/** Every schema of this database whose comment is a Tenantry marker, with how many objects it holds. */
export function markedSchemasQuery(): CompiledQuery<MarkedSchemaRow> {
  return sql<MarkedSchemaRow>`
    SELECT n.nspname::text AS schema_name, d.description AS schema_comment,
           (SELECT count(*) FROM pg_catalog.pg_depend dep
             WHERE dep.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND dep.refobjid = n.oid)::int AS objects
    FROM pg_catalog.pg_namespace n
    JOIN pg_catalog.pg_description d
      ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objsubid = 0
    WHERE d.description LIKE ${MARKER_PREFIX + '{%'}
    ORDER BY n.nspname COLLATE "C"`.compile(compiler);
}

/** Which of the names exist: schemas in this database, roles in the cluster. */
export function existingNamesQuery(schemaNames: readonly string[], usernames: readonly string[]): CompiledQuery<ExistingNamesRow> {
  return sql<ExistingNamesRow>`
    SELECT ARRAY(SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname = ANY(${[...schemaNames]}::text[])) AS schemas,
           ARRAY(SELECT rolname::text FROM pg_catalog.pg_roles WHERE rolname = ANY(${[...usernames]}::text[])) AS roles`.compile(compiler);
}

/** One schema's marker and object count, and whether a role exists: what a repair re-checks under its locks. */
export interface LeftoverStateRow {
  schema_exists: boolean;
  schema_comment: string | null;
  objects: number;
  role_comment: string | null;
  role_exists: boolean;
  expired: boolean;
  has_sessions: boolean;
}

export function leftoverStateQuery(schemaName: string, username: string): CompiledQuery<LeftoverStateRow> {
  return sql<LeftoverStateRow>`
    WITH s AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${schemaName}),
         r AS (SELECT oid, rolvaliduntil FROM pg_catalog.pg_roles WHERE rolname = ${username})
    SELECT EXISTS (SELECT 1 FROM s) AS schema_exists,
           (SELECT pg_catalog.obj_description(s.oid, 'pg_namespace') FROM s) AS schema_comment,
           COALESCE((SELECT count(*) FROM pg_catalog.pg_depend dep, s
                      WHERE dep.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND dep.refobjid = s.oid), 0)::int AS objects,
           (SELECT pg_catalog.shobj_description(r.oid, 'pg_authid') FROM r) AS role_comment,
           EXISTS (SELECT 1 FROM r) AS role_exists,
           COALESCE((SELECT r.rolvaliduntil < pg_catalog.now() FROM r), false) AS expired,
           EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a, r WHERE a.usesysid = r.oid) AS has_sessions`.compile(compiler);
}
