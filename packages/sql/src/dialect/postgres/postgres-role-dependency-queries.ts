import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import type { RemovalBlocker } from '@tenantry/core';
import { compiler } from '../../compile-sql.js';
import { roleOid } from './postgres-catalog-queries.js';

/*
 * What a role owns or holds in databases other than the current one. Those
 * are out of reach of DROP OWNED BY here, and DROP ROLE fails on them (2BP01):
 * a tenant can log in to any database PUBLIC may connect to and make a large
 * object or a default-privileges entry there. Only the shared catalog is read
 * (pg_shdepend, pg_database, pg_roles) and, in each such database, catalog
 * functions: never an object the tenant made.
 */

/** One row per database, catalog and kind of dependency: how many entries the role has there. */
export interface RoleDependencyElsewhereRow {
  /** The database the objects are in. */
  database: string;
  /** The system catalog of the objects, e.g. `pg_largeobject`, `pg_default_acl`, `pg_class`. */
  catalog: string;
  /** `o` the role owns them, `a` it holds privileges on them, `r` a policy names it, `i` initial privileges. */
  deptype: string;
  objects: number;
}

/**
 * The role's entries in `pg_shdepend` for every database but the current one,
 * counted per database, catalog and kind. Entries of shared objects (database
 * 0: databases, tablespaces) and pins are left out: DROP OWNED BY in the
 * current database revokes privileges on shared objects, and no role of a
 * tenant is pinned.
 *
 * The generated SQL (PostgreSQL):
 * ```sql
 * SELECT d.datname::text AS database, s.classid::pg_catalog.regclass::text AS catalog, s.deptype::text AS deptype, count(*)::int AS objects
 * FROM pg_catalog.pg_shdepend s JOIN pg_catalog.pg_database d ON d.oid = s.dbid
 * WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND s.refobjid = (SELECT oid FROM (SELECT pg_catalog.to_regrole(pg_catalog.quote_ident($1))::pg_catalog.oid AS oid) r)
 *   AND s.deptype <> 'p' AND d.datname <> pg_catalog.current_database()
 * GROUP BY d.datname, s.classid, s.deptype ORDER BY d.datname, 2, 3
 * ```
 */
export function roleDependenciesElsewhereQuery(username: string): CompiledQuery<RoleDependencyElsewhereRow> {
  return roleDependenciesElsewhereSql(username).compile(compiler);
}

/** `roleDependenciesElsewhereQuery`'s SQL, the name a bind parameter (a string) or an expression (a literal, in the remove plan's check). */
export function roleDependenciesElsewhereSql(username: string | RawBuilder<string>): RawBuilder<RoleDependencyElsewhereRow> {
  // classid::regclass prints a catalog's name: catalogs have the same OID in every database.
  return sql<RoleDependencyElsewhereRow>`
    SELECT d.datname::text AS database, s.classid::pg_catalog.regclass::text AS catalog, s.deptype::text AS deptype, count(*)::int AS objects
    FROM pg_catalog.pg_shdepend s JOIN pg_catalog.pg_database d ON d.oid = s.dbid
    WHERE s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
      AND s.refobjid = (SELECT oid FROM ${roleOid(username)} r)
      AND s.deptype <> 'p'
      AND d.datname <> pg_catalog.current_database()
    GROUP BY d.datname, s.classid, s.deptype
    ORDER BY d.datname, 2, 3`;
}

/** One object the role owns or holds privileges on in the current database, in words. */
export interface RoleDependencyDescriptionRow {
  /** `pg_describe_object`'s words, e.g. `large object 16386`, `default privileges on new relations belonging to role acme`. */
  description: string;
  /** As in `RoleDependencyElsewhereRow`. */
  deptype: string;
  /** How many entries there are in all, however many rows `limit` let through. */
  total: number;
}

/**
 * Describes, in the database it runs in, up to `limit` of the role's entries in
 * `pg_shdepend` for that database, with `pg_describe_object` (a catalog
 * function: it reads only the catalog). Run it connected to each database
 * `roleDependenciesElsewhereQuery` names.
 *
 * The generated SQL (PostgreSQL):
 * ```sql
 * SELECT o.description, o.deptype, (count(*) OVER ())::int AS total
 * FROM (SELECT coalesce(pg_catalog.pg_describe_object(s.classid, s.objid, s.objsubid), ...) AS description, s.deptype::text AS deptype
 *       FROM pg_catalog.pg_shdepend s
 *       WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) AND ...) o
 * ORDER BY o.description COLLATE "C", o.deptype LIMIT $2
 * ```
 */
export function describeRoleDependenciesQuery(username: string, limit: number): CompiledQuery<RoleDependencyDescriptionRow> {
  // An object dropped since the count has no description any more: name its catalog and OID instead.
  return sql<RoleDependencyDescriptionRow>`
    SELECT o.description, o.deptype, (count(*) OVER ())::int AS total
    FROM (SELECT coalesce(pg_catalog.pg_describe_object(s.classid, s.objid, s.objsubid), s.classid::pg_catalog.regclass::text || ' ' || s.objid::text) AS description,
                 s.deptype::text AS deptype
          FROM pg_catalog.pg_shdepend s
          WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
            AND s.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
            AND s.refobjid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ${username})
            AND s.deptype <> 'p') o
    ORDER BY o.description COLLATE "C", o.deptype
    LIMIT ${limit}`.compile(compiler);
}

const DEPENDENCY_KINDS: Readonly<Record<string, string>> = {
  o: 'owned',
  a: 'privileges granted to it',
  r: 'named in a policy',
  i: 'initial privileges',
};

/**
 * One blocker per other database, its objects as counts per catalog: what the
 * shared catalog tells without connecting there. (The admin replaces them by
 * their descriptions where it can connect.)
 */
export function countedBlockers(rows: readonly RoleDependencyElsewhereRow[]): RemovalBlocker[] {
  const databases = [...new Set(rows.map((row) => row.database))];
  return databases.map((database) => {
    const here = rows.filter((row) => row.database === database);
    return {
      database,
      objects: here.map((row) => `${row.objects} in ${row.catalog} (${DEPENDENCY_KINDS[row.deptype] ?? row.deptype})`),
      count: here.reduce((sum, row) => sum + row.objects, 0),
      described: false,
    };
  });
}
