import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';

/** How many offending schemas or objects a verification row names; the rest are only counted. */
export const VERIFICATION_SAMPLE_SIZE = 10;

/**
 * The role named by a schema marker, read without parsing JSON (a cast to
 * jsonb cannot be guarded in PostgreSQL 14-15): the first `"role":"..."` whose
 * value needs no JSON escape. Only a guess: the caller decodes the marker
 * itself and reads again, naming the role, when the two disagree.
 */
const ROLE_IN_MARKER_PATTERN = '"role":"([^"\\\\[:cntrl:]]*)"';

/** Input of `tenantVerificationQuery`. */
export interface TenantVerificationSpec {
  schemaName: string;
  /** The tenant's role; absent to take the one the schema's marker names (see `ROLE_IN_MARKER_PATTERN`). */
  username?: string | undefined;
  /**
   * PostgreSQL 16+ (`DialectCapabilities.roleGrantOptions`): whether a role
   * inherits a membership is a property of the grant (`inherit_option`), not
   * of the member (`rolinherit`).
   */
  roleGrantOptions: boolean;
}

/** A schema the tenant can reach, with what it holds there. */
export interface SchemaAccess {
  schema: string;
  privileges: string[];
}

/** An object in the tenant's schema owned by a role that is neither the tenant nor the admin. */
export interface ForeignOwnedObject {
  /** As `pg_describe_object` says it, e.g. `table tenant_acme.invoices`. */
  object: string;
  owner: string;
}

/** An object outside the tenant's schema owned by the tenant or by a role it can reach. */
export interface ObjectOutsideSchema {
  /** As `pg_describe_object` says it, e.g. `table elsewhere.stray`. */
  object: string;
  owner: string;
}

/**
 * A role the tenant can reach (see `tenantVerificationQuery`) that breaks a
 * promise: one of the flags below is true, or it carries a Tenantry marker.
 */
export interface ReachableRole {
  role: string;
  /** The roles between the tenant and this one, tenant side first; empty for a direct membership. */
  through: string[];
  /** Every membership on some path from the tenant grants SET: the tenant can `SET ROLE` to it. */
  setRole: boolean;
  /** Every membership on some path grants INHERIT: the tenant holds its privileges without SET ROLE. */
  inherits: boolean;
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
  replication: boolean;
  bypassRls: boolean;
  /** The role running the query: Tenantry's admin. */
  admin: boolean;
  /** A predefined role (`pg_read_all_data`, `pg_execute_server_program`, ...). */
  predefined: boolean;
  /** The role's comment when it starts with the Tenantry marker prefix (another tenant's role, a migrator); else null. */
  marker: string | null;
}

/** Default privileges the tenant lacks on one kind of object the admin creates in its schema. */
export interface MissingDefaultPrivileges {
  objects: 'tables' | 'sequences' | 'functions' | 'types';
  missing: string[];
}

/**
 * One row with everything `verifyTenant` checks. Role columns are null when
 * no role was found; schema columns when the schema does not exist.
 */
export interface TenantVerificationRow {
  database: string;
  admin_role: string;
  schema_exists: boolean;
  schema_comment: string | null;
  /** The role examined: the one given, else the marker's (see `ROLE_IN_MARKER_PATTERN`). */
  role_name: string | null;
  role_comment: string | null;
  can_login: boolean | null;
  is_superuser: boolean | null;
  can_create_db: boolean | null;
  can_create_role: boolean | null;
  replication: boolean | null;
  bypass_rls: boolean | null;
  /** Roles the tenant's role is a direct member of. */
  member_of: string[] | null;
  /** A sample of the roles it can reach that break a promise, nearest first. */
  reachable_offenders: ReachableRole[] | null;
  reachable_offender_count: number | null;
  schema_owner: string | null;
  owner_is_tenant: boolean | null;
  /** The tenant is a member (directly or not, inheriting or not) of the schema's owner. */
  tenant_member_of_owner: boolean | null;
  /** The owner is another role carrying a Tenantry marker: another tenant. */
  owner_is_other_tenant: boolean | null;
  /** Of USAGE and CREATE, what the tenant holds on its schema. */
  own_schema_privileges: string[] | null;
  missing_default_privileges: MissingDefaultPrivileges[] | null;
  /** The role's `search_path` setting in this database, as stored (identifiers quoted where needed). */
  search_path: string | null;
  /** The setting expected: the schema name, quoted the way PostgreSQL stores it. */
  expected_search_path: string | null;
  /** The role's `search_path` setting for all databases, which applies when there is none for this one. */
  role_wide_search_path: string | null;
  public_schema_exists: boolean;
  /** Privileges PUBLIC holds on schema `public`. */
  public_privileges_of_public: string[];
  /** Privileges the tenant holds on schema `public`, by any route. */
  public_privileges_of_tenant: string[] | null;
  other_tenant_access: SchemaAccess[] | null;
  other_tenant_access_count: number | null;
  foreign_owned_objects: ForeignOwnedObject[] | null;
  foreign_owned_object_count: number | null;
  /** Objects outside its schema owned by the tenant or by a role it can reach. */
  objects_outside_schema: ObjectOutsideSchema[] | null;
  objects_outside_schema_count: number | null;
}


type SchemaAlias = 's' | 'p' | 'o';

/**
 * Whether the tenant holds `privilege` on the namespace row `x`, through any
 * role in `reach` (itself and every role it can reach). `has_schema_privilege`
 * (by OID) counts grants to a role, to PUBLIC, to the roles it inherits from,
 * and predefined roles such as `pg_read_all_data`. It is also always true for
 * a superuser, so for one the privileges are worked out from the ACL and the
 * reachable roles instead: the superuser attribute is then reported once, by
 * its own check, and grants are still seen. (That reckoning leaves out one
 * implicit membership: a database owner's in `pg_database_owner`.)
 */
function holds(x: SchemaAlias, privilege: RawBuilder<unknown>): RawBuilder<boolean> {
  const acl = sql.ref(`${x}.nspacl`);
  const owner = sql.ref(`${x}.nspowner`);
  const oid = sql.ref(`${x}.oid`);
  return sql<boolean>`(EXISTS (SELECT 1 FROM reach_roles g WHERE NOT g.rolsuper AND pg_catalog.has_schema_privilege(g.oid, ${oid}, ${privilege}))
    OR (EXISTS (SELECT 1 FROM reach_roles g WHERE g.rolsuper)
        AND EXISTS (SELECT 1 FROM pg_catalog.aclexplode(COALESCE(${acl}, pg_catalog.acldefault('n', ${owner}))) a
                    WHERE a.privilege_type = ${privilege} AND (a.grantee = 0 OR a.grantee IN (SELECT g.oid FROM reach_roles g)))))`;
}

/** Of USAGE and CREATE, in that order, those the tenant holds on the namespace row `x`. */
function heldOn(x: SchemaAlias): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(SELECT v.privilege FROM (VALUES (1, 'USAGE'), (2, 'CREATE')) v(i, privilege)
                             WHERE ${holds(x, sql`v.privilege`)} ORDER BY v.i)`;
}

/** The owner of an object in a schema, by the catalog it lives in; null for kinds without one. */
const OWNER_BY_CATALOG = sql`CASE o.classid
      WHEN 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.relowner FROM pg_catalog.pg_class x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.proowner FROM pg_catalog.pg_proc x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.typowner FROM pg_catalog.pg_type x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_collation'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.collowner FROM pg_catalog.pg_collation x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_conversion'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.conowner FROM pg_catalog.pg_conversion x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_operator'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.oprowner FROM pg_catalog.pg_operator x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_opclass'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.opcowner FROM pg_catalog.pg_opclass x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_opfamily'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.opfowner FROM pg_catalog.pg_opfamily x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_ts_config'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.cfgowner FROM pg_catalog.pg_ts_config x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_ts_dict'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.dictowner FROM pg_catalog.pg_ts_dict x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.stxowner FROM pg_catalog.pg_statistic_ext x WHERE x.oid = o.objid)
      WHEN 'pg_catalog.pg_extension'::pg_catalog.regclass::pg_catalog.oid THEN (SELECT x.extowner FROM pg_catalog.pg_extension x WHERE x.oid = o.objid)
    END`;

/**
 * Everything `verifyTenant` checks about one tenant, read from the catalog in
 * one query: the schema and its marker, the role the marker names (or the one
 * given) with its attributes, memberships and `search_path`, the privileges it
 * holds on its schema, on `public` and on every other managed tenant's schema,
 * the admin's default privileges for it, objects in its schema owned by third
 * roles, and objects it owns anywhere else. Names are bound parameters.
 *
 * ```ts
 * const query = tenantVerificationQuery({ schemaName: 'tenant_acme', roleGrantOptions: true });
 * const { rows: [row] } = await client.query(query.sql, [...query.parameters]);
 * ```
 *
 * Objects in the schema are found through their dependency on it (`pg_depend`),
 * objects the role owns through its ownership dependencies (`pg_shdepend`),
 * both by index, so the cost does not grow with the number of tenants' tables.
 *
 * Reachable roles: every role at the end of a chain of memberships
 * (`pg_auth_members`) from the tenant's role, whatever their options, except
 * that from PostgreSQL 16 a membership with none of SET, INHERIT and ADMIN
 * grants nothing and is not followed. (ADMIN alone is followed: with it the
 * tenant can grant itself the role WITH SET.) Before 16 every membership lets
 * the member SET ROLE, NOINHERIT or not. The chain is not followed beyond the
 * admin, which is an offence by itself (and often a member of every tenant role). The
 * privilege checks count the rights of every reachable role, and the objects
 * they own; `reachable_offenders` lists those that break a promise.
 */
export function tenantVerificationQuery(spec: TenantVerificationSpec): CompiledQuery<TenantVerificationRow> {
  // What one membership row `m` (of member `x`) grants; see "Reachable roles" above.
  const edge = spec.roleGrantOptions
    ? { set: sql`m.set_option`, inherit: sql`m.inherit_option`, followed: sql`(m.set_option OR m.inherit_option OR m.admin_option)` }
    : { set: sql`true`, inherit: sql`x.rolinherit`, followed: sql`true` };
  const markerLike = `${MARKER_PREFIX}{%`;
  const namespaceClass = sql`'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid`;
  return sql<TenantVerificationRow>`
    WITH RECURSIVE
      s AS (SELECT n.oid, n.nspname, n.nspowner, n.nspacl, pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment
            FROM pg_catalog.pg_namespace n WHERE n.nspname = ${spec.schemaName}),
      r AS (SELECT a.oid, a.rolname, a.rolcanlogin, a.rolsuper, a.rolcreatedb, a.rolcreaterole, a.rolreplication, a.rolbypassrls
            FROM pg_catalog.pg_roles a
            WHERE a.rolname = COALESCE(${spec.username ?? null}::text,
                                       (SELECT pg_catalog.substring(s.comment, ${ROLE_IN_MARKER_PATTERN}::text) FROM s
                                        WHERE s.comment LIKE ${markerLike}))),
      db AS (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()),
      me AS (SELECT a.oid FROM pg_catalog.pg_roles a WHERE a.rolname = CURRENT_USER),
      reach(oid, path, via_set, via_inherit) AS (
        SELECT r.oid, ARRAY[]::pg_catalog.oid[], true, true FROM r
        UNION
        SELECT m.roleid, p.path || m.roleid, p.via_set AND ${edge.set}, p.via_inherit AND ${edge.inherit}
        FROM reach p
        JOIN pg_catalog.pg_auth_members m ON m.member = p.oid
        JOIN pg_catalog.pg_roles x ON x.oid = m.member
        WHERE ${edge.followed} AND m.roleid <> ALL (p.path) AND p.oid NOT IN (SELECT me.oid FROM me)),
      reach_roles AS (
        SELECT g.oid, g.rolname, g.rolsuper FROM pg_catalog.pg_roles g WHERE g.oid IN (SELECT reach.oid FROM reach)),
      reachable AS (
        SELECT DISTINCT ON (p.oid) p.oid, p.path,
               pg_catalog.bool_or(p.via_set) OVER w AS via_set, pg_catalog.bool_or(p.via_inherit) OVER w AS via_inherit
        FROM reach p, r WHERE p.oid <> r.oid
        WINDOW w AS (PARTITION BY p.oid)
        ORDER BY p.oid, pg_catalog.cardinality(p.path), p.path),
      offenders AS (
        SELECT y.*, pg_catalog.cardinality(y.through) AS depth FROM (
          SELECT g.rolname::text AS role,
                 ARRAY(SELECT v.rolname::text FROM pg_catalog.unnest(p.path[1:pg_catalog.cardinality(p.path) - 1]) WITH ORDINALITY u(oid, i)
                       JOIN pg_catalog.pg_roles v ON v.oid = u.oid ORDER BY u.i) AS through,
                 p.via_set AS "setRole", p.via_inherit AS inherits,
                 g.rolsuper AS superuser, g.rolcreaterole AS "createRole", g.rolcreatedb AS "createDb",
                 g.rolreplication AS replication, g.rolbypassrls AS "bypassRls",
                 g.oid IN (SELECT me.oid FROM me) AS admin,
                 pg_catalog.starts_with(g.rolname::text, 'pg_') AS predefined,
                 (SELECT c.comment FROM (SELECT pg_catalog.shobj_description(g.oid, 'pg_authid') AS comment) c
                  WHERE pg_catalog.starts_with(c.comment, ${MARKER_PREFIX}::text)) AS marker
          FROM reachable p JOIN pg_catalog.pg_roles g ON g.oid = p.oid) y
        WHERE y.superuser OR y."createRole" OR y."createDb" OR y.replication OR y."bypassRls" OR y.admin OR y.predefined
           OR y.marker IS NOT NULL),
      member_of(oid) AS (
        SELECT m.roleid FROM r JOIN pg_catalog.pg_auth_members m ON m.member = r.oid
        UNION
        SELECT m.roleid FROM member_of p JOIN pg_catalog.pg_auth_members m ON m.member = p.oid),
      other_access AS (
        SELECT o.nspname, ${heldOn('o')} AS privileges
        FROM pg_catalog.pg_namespace o
        JOIN pg_catalog.pg_description d
          ON d.objoid = o.oid AND d.classoid = ${namespaceClass} AND d.objsubid = 0
        CROSS JOIN r
        WHERE d.description LIKE ${markerLike} AND o.nspname <> ${spec.schemaName}),
      in_schema AS (
        SELECT DISTINCT dep.classid, dep.objid FROM pg_catalog.pg_depend dep, s
        WHERE dep.refclassid = ${namespaceClass} AND dep.refobjid = s.oid),
      foreign_owned AS (
        SELECT COALESCE(pg_catalog.pg_describe_object(o.classid, o.objid, 0), pg_catalog.format('object %s of %s', o.objid, o.classid::pg_catalog.regclass)) AS object,
               g.rolname::text AS owner
        FROM in_schema o JOIN pg_catalog.pg_roles g ON g.oid = ${OWNER_BY_CATALOG}, s, r
        WHERE g.oid <> r.oid AND g.oid <> s.nspowner AND g.oid NOT IN (SELECT me.oid FROM me)),
      outside AS (
        SELECT (SELECT g.rolname::text FROM reach_roles g WHERE g.oid = t.refobjid) AS owner,
               CASE WHEN t.dbid IN (0, db.oid)
                    THEN COALESCE(pg_catalog.pg_describe_object(t.classid, t.objid, 0), pg_catalog.format('object %s of %s', t.objid, t.classid::pg_catalog.regclass))
                    ELSE pg_catalog.format('object %s of %s in database %I', t.objid, t.classid::pg_catalog.regclass, od.datname) END AS object
        FROM pg_catalog.pg_shdepend t
        CROSS JOIN r CROSS JOIN db
        LEFT JOIN s ON true
        LEFT JOIN pg_catalog.pg_database od ON od.oid = t.dbid
        WHERE t.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass::pg_catalog.oid AND t.deptype = 'o'
          AND t.refobjid IN (SELECT g.oid FROM reach_roles g)
          AND NOT (t.dbid = db.oid
                   AND ((t.classid = ${namespaceClass} AND t.objid = s.oid)
                        OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                                   WHERE dep.classid = t.classid AND dep.objid = t.objid
                                     AND dep.refclassid = ${namespaceClass} AND dep.refobjid = s.oid))))
    SELECT pg_catalog.current_database()::text AS database,
           CURRENT_USER::text AS admin_role,
           s.oid IS NOT NULL AS schema_exists,
           s.comment AS schema_comment,
           r.rolname::text AS role_name,
           pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment,
           r.rolcanlogin AS can_login,
           r.rolsuper AS is_superuser,
           r.rolcreatedb AS can_create_db,
           r.rolcreaterole AS can_create_role,
           r.rolreplication AS replication,
           r.rolbypassrls AS bypass_rls,
           CASE WHEN r.oid IS NOT NULL THEN
             ARRAY(SELECT DISTINCT g.rolname::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                   WHERE m.member = r.oid ORDER BY 1) END AS member_of,
           CASE WHEN r.oid IS NOT NULL THEN
             (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(x) - 'depth' ORDER BY x.depth, x.role), '[]'::jsonb)
              FROM (SELECT * FROM offenders ORDER BY depth, role LIMIT ${VERIFICATION_SAMPLE_SIZE}) x) END AS reachable_offenders,
           CASE WHEN r.oid IS NOT NULL THEN (SELECT pg_catalog.count(*)::int FROM offenders) END AS reachable_offender_count,
           (SELECT g.rolname::text FROM pg_catalog.pg_roles g WHERE g.oid = s.nspowner) AS schema_owner,
           s.nspowner = r.oid AS owner_is_tenant,
           CASE WHEN r.oid IS NOT NULL AND s.oid IS NOT NULL THEN s.nspowner IN (SELECT member_of.oid FROM member_of) END AS tenant_member_of_owner,
           CASE WHEN r.oid IS NOT NULL AND s.oid IS NOT NULL THEN
             s.nspowner <> r.oid AND COALESCE(pg_catalog.shobj_description(s.nspowner, 'pg_authid') LIKE ${markerLike}, false) END AS owner_is_other_tenant,
           CASE WHEN r.oid IS NOT NULL AND s.oid IS NOT NULL THEN ${heldOn('s')} END AS own_schema_privileges,
           CASE WHEN r.oid IS NOT NULL AND s.oid IS NOT NULL THEN
             (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('objects', k.objects, 'missing', k.missing) ORDER BY k.i), '[]'::jsonb)
              FROM (SELECT kind.i, kind.objects,
                           ARRAY(SELECT a.privilege_type FROM pg_catalog.aclexplode(pg_catalog.acldefault(kind.acl_kind::"char", r.oid)) a
                                 WHERE a.grantee = r.oid
                                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_default_acl da, pg_catalog.aclexplode(da.defaclacl) g
                                                   WHERE da.defaclnamespace = s.oid AND da.defaclobjtype = kind.objtype::"char"
                                                     AND da.defaclrole <> r.oid AND g.grantee = r.oid
                                                     AND g.privilege_type = a.privilege_type)
                                 ORDER BY 1) AS missing
                    FROM (VALUES (1, 'r', 'r', 'tables'), (2, 'S', 's', 'sequences'), (3, 'f', 'f', 'functions'), (4, 'T', 'T', 'types'))
                         AS kind(i, objtype, acl_kind, objects)) k
              WHERE pg_catalog.cardinality(k.missing) > 0) END AS missing_default_privileges,
           (SELECT pg_catalog.substr(c.setting, 13) FROM pg_catalog.pg_db_role_setting st CROSS JOIN db, pg_catalog.unnest(st.setconfig) c(setting)
            WHERE st.setrole = r.oid AND st.setdatabase = db.oid AND pg_catalog.starts_with(c.setting, 'search_path=') LIMIT 1) AS search_path,
           pg_catalog.quote_ident(s.nspname) AS expected_search_path,
           (SELECT pg_catalog.substr(c.setting, 13) FROM pg_catalog.pg_db_role_setting st, pg_catalog.unnest(st.setconfig) c(setting)
            WHERE st.setrole = r.oid AND st.setdatabase = 0 AND pg_catalog.starts_with(c.setting, 'search_path=') LIMIT 1) AS role_wide_search_path,
           p.oid IS NOT NULL AS public_schema_exists,
           ARRAY(SELECT DISTINCT a.privilege_type FROM pg_catalog.aclexplode(COALESCE(p.nspacl, pg_catalog.acldefault('n', p.nspowner))) a
                 WHERE a.grantee = 0 ORDER BY 1) AS public_privileges_of_public,
           CASE WHEN r.oid IS NOT NULL THEN
             CASE WHEN p.oid IS NULL THEN ARRAY[]::text[] ELSE ${heldOn('p')} END END AS public_privileges_of_tenant,
           CASE WHEN r.oid IS NOT NULL THEN
             (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('schema', x.nspname::text, 'privileges', x.privileges) ORDER BY x.nspname), '[]'::jsonb)
              FROM (SELECT * FROM other_access WHERE pg_catalog.cardinality(privileges) > 0 ORDER BY nspname LIMIT ${VERIFICATION_SAMPLE_SIZE}) x) END AS other_tenant_access,
           CASE WHEN r.oid IS NOT NULL THEN
             (SELECT pg_catalog.count(*)::int FROM other_access WHERE pg_catalog.cardinality(privileges) > 0) END AS other_tenant_access_count,
           CASE WHEN r.oid IS NOT NULL AND s.oid IS NOT NULL THEN
             (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('object', x.object, 'owner', x.owner) ORDER BY x.object), '[]'::jsonb)
              FROM (SELECT * FROM foreign_owned ORDER BY object LIMIT ${VERIFICATION_SAMPLE_SIZE}) x) END AS foreign_owned_objects,
           CASE WHEN r.oid IS NOT NULL AND s.oid IS NOT NULL THEN (SELECT pg_catalog.count(*)::int FROM foreign_owned) END AS foreign_owned_object_count,
           CASE WHEN r.oid IS NOT NULL THEN
             (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('object', x.object, 'owner', x.owner) ORDER BY x.object, x.owner), '[]'::jsonb)
              FROM (SELECT * FROM outside ORDER BY object, owner LIMIT ${VERIFICATION_SAMPLE_SIZE}) x) END AS objects_outside_schema,
           CASE WHEN r.oid IS NOT NULL THEN (SELECT pg_catalog.count(*)::int FROM outside) END AS objects_outside_schema_count
    FROM (SELECT 1) AS one
    LEFT JOIN s ON true
    LEFT JOIN r ON true
    LEFT JOIN pg_catalog.pg_namespace p ON p.nspname = 'public'`.compile(compiler);
}
