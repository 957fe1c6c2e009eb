import { sql, type CompiledQuery } from 'kysely';
import { PermissionError, validateRoleName, validateSchemaName, ValidationError } from '@tenantry/core';
import type { CatalogReader, ServerFacts } from '../dialect.js';
import { compileDdl, compiler } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';

/** The schema `prepare({ poolerAuth })` installs the login lookup in, unless told otherwise. */
export const DEFAULT_POOLER_AUTH_SCHEMA = 'tenantry_pooler';
/** The login lookup's name: `<schema>.tenant_login(username text)`. */
export const POOLER_AUTH_FUNCTION = 'tenant_login';

/** Where the lookup lives and who may call it (PgBouncer's `auth_user`). */
export interface PoolerAuthSpec {
  readonly schema: string;
  readonly role: string;
}

/** `prepare`'s `poolerAuth` option, checked, with the default schema. */
export function resolvePoolerAuth(option: { role: string; schema?: string | undefined }): PoolerAuthSpec {
  if (typeof option !== 'object' || option === null) {
    throw new ValidationError({ field: 'poolerAuth', rule: 'type', message: 'poolerAuth must be { role, schema? }: the role the pooler\'s auth_user logs in as.' });
  }
  return {
    role: validateRoleName(option.role, 'poolerAuth.role'),
    schema: validateSchemaName(option.schema ?? DEFAULT_POOLER_AUTH_SCHEMA, 'poolerAuth.schema'),
  };
}

/**
 * The lookup's body (PL/pgSQL, a constant: it holds no input). It answers
 * with a role's name and SCRAM verifier only when the role is a whole
 * Tenantry tenant of this database:
 * - it can log in, has a SCRAM verifier, has not expired, and has none of
 *   SUPERUSER, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS (so never an
 *   admin, whose CREATEROLE Tenantry needs);
 * - it is a member of no role with those attributes and of no `pg_*` role;
 * - its comment is Tenantry's role marker naming this database and a schema,
 *   not owned by the role, whose marker names the role back.
 * - or it is one of such a tenant's credentials (`issueCredentials`): its
 *   marker names the tenant's role, it is a member of that role, and the
 *   tenant's schema marker names the tenant. A suspended tenant's credentials
 *   cannot log in, so they get nothing by the first rule.
 * A tenant cannot forge this: only CREATEROLE holders (PG 16: with ADMIN
 * OPTION on it) can comment on a role, and only the schema's owner (the
 * admin) on the schema. Anything else gets no row, which PgBouncer takes as
 * "no such user". A malformed marker is no tenant, never an error.
 */
const LOOKUP_BODY = `
DECLARE
  found_role record;
  found_schema record;
  role_marker jsonb;
  schema_marker jsonb;
  role_comment text;
  schema_comment text;
  tenant_role name;
BEGIN
  SELECT a.oid, a.rolname, a.rolpassword INTO found_role
    FROM pg_catalog.pg_authid a
   WHERE a.rolname = username
     AND a.rolcanlogin
     AND NOT (a.rolsuper OR a.rolcreaterole OR a.rolcreatedb OR a.rolreplication OR a.rolbypassrls)
     AND pg_catalog.left(a.rolpassword, 14) = 'SCRAM-SHA-256$'
     AND (a.rolvaliduntil IS NULL OR a.rolvaliduntil > pg_catalog.now());
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_authid p
              WHERE p.oid <> found_role.oid
                AND (p.rolsuper OR p.rolcreaterole OR p.rolcreatedb OR p.rolreplication OR p.rolbypassrls
                     OR pg_catalog.left(p.rolname, 3) = 'pg_')
                AND pg_catalog.pg_has_role(found_role.oid, p.oid, 'MEMBER')) THEN
    RETURN;
  END IF;
  role_comment := pg_catalog.shobj_description(found_role.oid, 'pg_authid');
  IF pg_catalog.left(role_comment, ${MARKER_PREFIX.length}) IS DISTINCT FROM '${MARKER_PREFIX}' THEN
    RETURN;
  END IF;
  BEGIN
    role_marker := pg_catalog.substr(role_comment, ${MARKER_PREFIX.length + 1})::jsonb;
  EXCEPTION WHEN others THEN
    RETURN;
  END;
  IF pg_catalog.jsonb_typeof(role_marker) IS DISTINCT FROM 'object'
     OR (role_marker ->> 'database') IS DISTINCT FROM pg_catalog.current_database() THEN
    RETURN;
  END IF;
  tenant_role := found_role.rolname;
  IF role_marker ? 'credentialFor' THEN
    tenant_role := role_marker ->> 'credentialFor';
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_authid t
                    WHERE t.rolname = tenant_role AND t.oid <> found_role.oid
                      AND NOT (t.rolsuper OR t.rolcreaterole OR t.rolcreatedb OR t.rolreplication OR t.rolbypassrls)
                      AND pg_catalog.pg_has_role(found_role.oid, t.oid, 'MEMBER')) THEN
      RETURN;
    END IF;
  END IF;
  SELECT n.oid, n.nspowner INTO found_schema FROM pg_catalog.pg_namespace n WHERE n.nspname = (role_marker ->> 'schema');
  IF NOT FOUND OR found_schema.nspowner = found_role.oid OR found_schema.nspowner = (SELECT t.oid FROM pg_catalog.pg_authid t WHERE t.rolname = tenant_role) THEN
    RETURN;
  END IF;
  schema_comment := pg_catalog.obj_description(found_schema.oid, 'pg_namespace');
  IF pg_catalog.left(schema_comment, ${MARKER_PREFIX.length}) IS DISTINCT FROM '${MARKER_PREFIX}' THEN
    RETURN;
  END IF;
  BEGIN
    schema_marker := pg_catalog.substr(schema_comment, ${MARKER_PREFIX.length + 1})::jsonb;
  EXCEPTION WHEN others THEN
    RETURN;
  END;
  IF pg_catalog.jsonb_typeof(schema_marker) IS DISTINCT FROM 'object'
     OR (schema_marker ->> 'role') IS DISTINCT FROM tenant_role::text THEN
    RETURN;
  END IF;
  usename := found_role.rolname;
  passwd := found_role.rolpassword;
  RETURN NEXT;
END
`;

/** The search_path the lookup runs with, as `pg_proc.proconfig` holds it. */
const LOOKUP_SEARCH_PATH = 'search_path=pg_catalog, pg_temp';

/** The `auth_query` line for PgBouncer's ini. */
export function poolerAuthQuery(schema: string): string {
  return `SELECT usename, passwd FROM ${compileDdl(sql`${sql.id(schema, POOLER_AUTH_FUNCTION)}`)}($1)`;
}

export interface PoolerAuthStateRow {
  role_exists: boolean;
  /** The schema exists and a role other than the admin owns it: the lookup must not go there. */
  schema_owned_by_other: boolean;
  /** The lookup is there as `prepare` makes it, only the role may call it: nothing to change. */
  ready: boolean;
}

/** What `prepare({ poolerAuth })` finds: whether anything needs changing. */
export function poolerAuthStateQuery(spec: PoolerAuthSpec): CompiledQuery<PoolerAuthStateRow> {
  return sql<PoolerAuthStateRow>`
    WITH r AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ${spec.role}),
         s AS (SELECT oid, nspowner, nspacl FROM pg_catalog.pg_namespace WHERE nspname = ${spec.schema}),
         f AS (SELECT p.oid, p.proowner, p.proacl, p.prosrc, p.prosecdef, p.proconfig
                 FROM pg_catalog.pg_proc p JOIN s ON p.pronamespace = s.oid
                WHERE p.proname = ${POOLER_AUTH_FUNCTION} AND p.proargtypes = '25'::pg_catalog.oidvector)
    SELECT EXISTS (SELECT 1 FROM r) AS role_exists,
           EXISTS (SELECT 1 FROM s WHERE s.nspowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)) AS schema_owned_by_other,
           COALESCE((SELECT f.prosrc = ${LOOKUP_BODY} AND f.prosecdef AND f.proconfig = ARRAY[${LOOKUP_SEARCH_PATH}]
                            AND f.proowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
                            AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(COALESCE(f.proacl, pg_catalog.acldefault('f', f.proowner))) a WHERE a.grantee = 0)
                            AND EXISTS (SELECT 1 FROM pg_catalog.aclexplode(f.proacl) a, r WHERE a.grantee = r.oid AND a.privilege_type = 'EXECUTE')
                            AND NOT EXISTS (SELECT 1 FROM s, pg_catalog.aclexplode(COALESCE(s.nspacl, pg_catalog.acldefault('n', s.nspowner))) a WHERE a.grantee = 0)
                            AND EXISTS (SELECT 1 FROM s, pg_catalog.aclexplode(s.nspacl) a, r WHERE a.grantee = r.oid AND a.privilege_type = 'USAGE')
                       FROM f), false) AS ready`.compile(compiler);
}

/**
 * Installs (or brings back to what it must be) the login lookup PgBouncer's
 * `auth_query` calls: a SECURITY DEFINER function owned by the admin, which
 * must be a superuser to read `pg_authid`, with a fixed search_path, callable
 * by `role` alone (PUBLIC's EXECUTE revoked), in a schema PUBLIC cannot use.
 *
 * The generated SQL (PostgreSQL), for `{ schema: 'tenantry_pooler', role: 'pgbouncer_auth' }`:
 *
 * ```sql
 * CREATE SCHEMA IF NOT EXISTS "tenantry_pooler";
 * REVOKE ALL ON SCHEMA "tenantry_pooler" FROM PUBLIC;
 * CREATE OR REPLACE FUNCTION "tenantry_pooler"."tenant_login"(username text) RETURNS TABLE (usename name, passwd text)
 *   LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS '<the body above>';
 * REVOKE ALL ON FUNCTION "tenantry_pooler"."tenant_login"(text) FROM PUBLIC;
 * GRANT USAGE ON SCHEMA "tenantry_pooler" TO "pgbouncer_auth";
 * GRANT EXECUTE ON FUNCTION "tenantry_pooler"."tenant_login"(text) TO "pgbouncer_auth";
 * ```
 */
export function poolerAuthStatements(spec: PoolerAuthSpec): Statement[] {
  const schema = sql.id(spec.schema);
  const lookup = sql.id(spec.schema, POOLER_AUTH_FUNCTION);
  const role = sql.id(spec.role);
  return [
    new Statement('a schema for the pooler login lookup', compileDdl(sql`CREATE SCHEMA IF NOT EXISTS ${schema}`)),
    new Statement('PUBLIC cannot use that schema', compileDdl(sql`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`)),
    new Statement(
      'the pooler login lookup: a tenant role\'s verifier, nothing for any other role',
      compileDdl(
        sql`CREATE OR REPLACE FUNCTION ${lookup}(username text) RETURNS TABLE (usename name, passwd text) LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${sql.lit(LOOKUP_BODY)}`,
      ),
    ),
    new Statement('PUBLIC cannot call the lookup', compileDdl(sql`REVOKE ALL ON FUNCTION ${lookup}(text) FROM PUBLIC`)),
    new Statement('the pooler\'s auth_user reaches the lookup\'s schema', compileDdl(sql`GRANT USAGE ON SCHEMA ${schema} TO ${role}`)),
    new Statement('the pooler\'s auth_user may call the lookup', compileDdl(sql`GRANT EXECUTE ON FUNCTION ${lookup}(text) TO ${role}`)),
  ];
}

/**
 * Reads whether the lookup needs installing, after refusing what cannot work:
 * an admin that is not superuser (only a superuser's SECURITY DEFINER function
 * can read `pg_authid`; managed clouds give none), a role that does not exist,
 * a schema someone else owns (its owner could swap the function).
 */
export async function readPoolerAuthState(read: CatalogReader, facts: ServerFacts, spec: PoolerAuthSpec): Promise<PoolerAuthStateRow> {
  if (!facts.isSuperuser) {
    throw new PermissionError({
      privilege: 'SUPERUSER',
      message:
        `Cannot install the pooler login lookup: the admin role "${facts.adminRole}" is not a superuser, and only a superuser's function can read the password verifiers in pg_authid. ` +
        'Run prepare with poolerAuth once as a superuser (self-hosted); on managed clouds without one (RDS, Cloud SQL, Azure) use the provider\'s own pooler instead. Nothing was changed.',
    });
  }
  const [state] = await read(poolerAuthStateQuery(spec));
  if (!state!.role_exists) {
    throw new ValidationError({ field: 'poolerAuth.role', rule: 'unknown-role', message: `poolerAuth.role "${spec.role}" does not exist: create it (LOGIN, with a password for the pooler's auth_file) first. Nothing was changed.` });
  }
  if (state!.schema_owned_by_other) {
    throw new ValidationError({
      field: 'poolerAuth.schema',
      rule: 'reserved-name',
      message: `poolerAuth.schema "${spec.schema}" exists and belongs to another role, who could replace the lookup: name another schema. Nothing was changed.`,
    });
  }
  return state!;
}
