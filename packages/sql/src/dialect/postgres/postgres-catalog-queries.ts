import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { compiler } from '../../compile-sql.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';
import { DEFAULT_PAGE_SIZE } from '../../page-size.js';
import type { ListTenantsSpec } from './postgres-plan-specs.js';
import type {
  ManagedSchemaRow,
  RoleCommentRow,
  RoleDetailsRow,
  SchemaRow,
  PublicSchemaStateRow,
  ServerFactsRow,
  TenantStateRow,
} from './postgres-catalog-rows.js';


export function serverFactsQuery(): CompiledQuery<ServerFactsRow> {
  return sql<ServerFactsRow>`
    SELECT current_setting('server_version_num')::int AS server_version_num,
           current_database() AS database,
           current_user AS admin_role,
           r.rolsuper AS is_superuser,
           r.rolcreaterole AS can_create_role,
           has_database_privilege(current_database(), 'CREATE') AS can_create_in_database,
           ARRAY(SELECT e.extname::text FROM pg_catalog.pg_extension e ORDER BY 1) AS extensions
    FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`.compile(compiler);
}

export function publicSchemaStateQuery(keepPublicFor: readonly string[]): CompiledQuery<PublicSchemaStateRow> {
  // A role to keep "misses" USAGE when it would lose it with PUBLIC's grant: it
  // is not superuser, not (a member of) the schema's owner, and holds no grant
  // of its own. Checking has_schema_privilege would count PUBLIC's grant too.
  return sql<PublicSchemaStateRow>`
    WITH public_schema AS (SELECT oid, nspowner, nspacl FROM pg_catalog.pg_namespace WHERE nspname = 'public'),
         keep AS (SELECT unnest(${[...keepPublicFor]}::text[]) AS rolname)
    SELECT EXISTS (SELECT 1 FROM public_schema) AS public_schema_exists,
           ARRAY(SELECT DISTINCT a.privilege_type FROM public_schema s, pg_catalog.aclexplode(s.nspacl) a
                 WHERE a.grantee = 0 ORDER BY 1) AS public_privileges,
           ARRAY(SELECT k.rolname FROM keep k JOIN pg_catalog.pg_roles r USING (rolname), public_schema s
                 WHERE NOT r.rolsuper
                   AND NOT pg_catalog.pg_has_role(r.oid, s.nspowner, 'USAGE')
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(s.nspacl) a
                                   WHERE a.grantee = r.oid AND a.privilege_type = 'USAGE')
                 ORDER BY 1) AS roles_missing_usage,
           ARRAY(SELECT k.rolname FROM keep k WHERE NOT EXISTS
                   (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = k.rolname)) AS unknown_roles`.compile(compiler);
}

export function tenantStateQuery(schemaName: string, username: string, roleGrantOptions: boolean): CompiledQuery<TenantStateRow> {
  return tenantStateSql(schemaName, username, roleGrantOptions).compile(compiler);
}

/**
 * `tenantStateQuery`'s SQL, the names as bind parameters (strings) or as
 * expressions (literals, in the remove plan's check).
 */
export function tenantStateSql(schemaName: string | RawBuilder<string>, username: string | RawBuilder<string>, roleGrantOptions: boolean): RawBuilder<TenantStateRow> {
  // pg_has_role is true for a superuser (every role's privileges, ADMIN
  // OPTION on every role), so it needs no \`rolsuper OR\` in front. Before
  // PostgreSQL 16, CREATEROLE may drop any non-superuser role; from 16 on,
  // only roles it holds ADMIN OPTION on (which it gets for roles it creates).
  const canDropRole = roleGrantOptions
    ? sql`pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION')`
    : sql`(SELECT me.rolsuper OR (me.rolcreaterole AND NOT t.rolsuper) FROM pg_catalog.pg_roles me, pg_catalog.pg_roles t WHERE me.rolname = current_user AND t.oid = r.oid)`;
  // Function calls and one-table lookups by OID: cheap to plan, which the
  // remove plan's check, planned on every removal, needs (removalCheckStep).
  return sql<TenantStateRow>`
    SELECT s.oid IS NOT NULL AS schema_exists,
           ${namespaceComment(sql.raw('s.oid'))} AS schema_comment,
           r.oid IS NOT NULL AS role_exists,
           (SELECT d.description FROM pg_catalog.pg_shdescription d
             WHERE d.objoid = r.oid AND d.classoid = 'pg_catalog.pg_authid'::pg_catalog.regclass) AS role_comment,
           (SELECT pg_catalog.pg_has_role(current_user, n.nspowner, 'USAGE') FROM pg_catalog.pg_namespace n WHERE n.oid = s.oid) AS can_drop_schema,
           CASE WHEN r.oid IS NOT NULL THEN ${canDropRole} END AS can_drop_role
    FROM ${namespaceOid(schemaName)} s, ${roleOid(username)} r`;
}

/** The schema's OID, NULL when there is none, as a one-row relation `(oid)`: the name read as-is, never as SQL. */
export function namespaceOid(schemaName: string | RawBuilder<string>): RawBuilder<unknown> {
  return sql`(SELECT pg_catalog.to_regnamespace(pg_catalog.quote_ident(${schemaName}))::pg_catalog.oid AS oid)`;
}

/** The comment on the schema of OID `schemaOid` (an expression), NULL when it has none: pg_description by its index, no SQL function. */
export function namespaceComment(schemaOid: RawBuilder<unknown>): RawBuilder<string | null> {
  return sql<string | null>`(SELECT d.description FROM pg_catalog.pg_description d
             WHERE d.objoid = ${schemaOid} AND d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objsubid = 0)`;
}

/** The role's OID, NULL when there is none, as a one-row relation `(oid)`: the name read as-is, never as SQL. */
export function roleOid(username: string | RawBuilder<string>): RawBuilder<unknown> {
  return sql`(SELECT pg_catalog.to_regrole(pg_catalog.quote_ident(${username}))::pg_catalog.oid AS oid)`;
}

export function listTenantsQuery(spec: ListTenantsSpec): CompiledQuery<ManagedSchemaRow> {
  const limit = spec.limit ?? DEFAULT_PAGE_SIZE;
  const after = spec.after === undefined ? sql`` : sql`AND n.nspname > ${spec.after}`;
  // Markers are decoded by the caller, never cast to jsonb here: one malformed
  // comment must not make the whole listing fail.
  return sql<ManagedSchemaRow>`
    SELECT n.nspname AS schema_name, d.description AS schema_comment
    FROM pg_catalog.pg_namespace n
    JOIN pg_catalog.pg_description d
      ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objsubid = 0
    WHERE d.description LIKE ${MARKER_PREFIX + '{%'} ${after}
    ORDER BY n.nspname COLLATE "C"
    LIMIT ${limit}`.compile(compiler);
}

/** The comments (markers) of the named roles. */
export function roleCommentsQuery(usernames: readonly string[]): CompiledQuery<RoleCommentRow> {
  return sql<RoleCommentRow>`
    SELECT rolname::text AS username, pg_catalog.shobj_description(oid, 'pg_authid') AS role_comment
    FROM pg_catalog.pg_roles WHERE rolname = ANY(${[...usernames]}::text[])`.compile(compiler);
}

export function schemaQuery(schemaName: string): CompiledQuery<SchemaRow> {
  return sql<SchemaRow>`
    SELECT nspname AS schema_name, pg_catalog.obj_description(oid, 'pg_namespace') AS schema_comment
    FROM pg_catalog.pg_namespace WHERE nspname = ${schemaName}`.compile(compiler);
}

export function roleDetailsQuery(username: string): CompiledQuery<RoleDetailsRow> {
  return sql<RoleDetailsRow>`
    SELECT pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_comment,
           r.rolconnlimit AS connection_limit,
           r.rolvaliduntil AS valid_until,
           (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
             WHERE s.setrole = r.oid AND d.datname = pg_catalog.current_database()) AS settings,
           ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                 WHERE m.member = r.oid ORDER BY 1) AS member_of,
           ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.member
                 WHERE m.roleid = r.oid AND g.rolname <> current_user ORDER BY 1) AS members
    FROM pg_catalog.pg_roles r WHERE r.rolname = ${username}`.compile(compiler);
}
