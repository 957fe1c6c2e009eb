// No imports of vitest or of ../../test-support here: this folder is part of
// the package's build (tsconfig.build.json excludes only *.test.ts and src/test-support).
import pg from 'pg';
import type { TenantCredentials, TenantRef } from '@tenantry/core';

/**
 * What the fixture's `catalogSnapshot` leaves out and a half-done create or
 * remove could leave behind: role attributes, passwords and comments (the role
 * marker), role memberships (a remove by a non-superuser admin grants itself
 * the tenant role), shared dependencies (grants, owners, default privileges, by
 * object name) and every comment on a user object, each list sorted by its
 * text (an aggregate's `ORDER BY 1` would order by the constant 1, leaving the
 * catalog's physical order, which concurrent changes shuffle). Spread it over
 * `catalogSnapshot` to compare the whole catalog.
 */
export async function moreCatalogState(client: pg.Client): Promise<Record<string, unknown>> {
  const { rows } = await client.query(`
    SELECT (SELECT array_agg(rolname::text || ':' || concat_ws(',', rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
                                                      rolreplication, rolbypassrls, rolconnlimit, md5(coalesce(rolpassword, '')))
                             || ':' || coalesce(shobj_description(oid, 'pg_authid'), '') ORDER BY rolname)
              FROM pg_authid) AS role_details,
           (SELECT array_agg(entry ORDER BY entry)
              FROM (SELECT m.roleid::regrole::text || ' > ' || m.member::regrole::text || ' by ' || m.grantor::regrole::text
                           || ' admin=' || m.admin_option AS entry
                      FROM pg_auth_members m) memberships) AS memberships,
           (SELECT array_agg(entry ORDER BY entry)
              FROM (SELECT coalesce(pg_describe_object(d.classid, d.objid, d.objsubid), d.classid || '/' || d.objid)
                           || ' -> ' || CASE WHEN d.refclassid = 'pg_authid'::regclass THEN d.refobjid::regrole::text
                                             ELSE d.refclassid || '/' || d.refobjid END
                           || ' ' || d.deptype::text AS entry
                      FROM pg_shdepend d
                     WHERE d.deptype <> 'p' -- PostgreSQL 14 lists pinned objects here
                       AND d.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))) dependencies) AS shared_dependencies,
           (SELECT array_agg(entry ORDER BY entry)
              FROM (SELECT coalesce(pg_describe_object(classoid, objoid, objsubid), classoid || '/' || objoid) || ': ' || description AS entry
                      FROM pg_description WHERE objoid >= 16384) descriptions) AS descriptions`);
  return rows[0] as Record<string, unknown>;
}

/**
 * Every catalog entry that belongs to one tenant, with its names replaced by
 * `<schema>` / `<role>` and the creation time dropped, so that the footprints
 * of two tenants made by the same admin compare equal. An absent tenant has
 * the footprint {@link ABSENT}.
 */
export async function tenantFootprint(client: pg.Client, ref: TenantRef): Promise<Record<string, unknown>> {
  const { rows } = await client.query(
    `WITH s AS (SELECT * FROM pg_namespace WHERE nspname = $1),
          r AS (SELECT * FROM pg_authid WHERE rolname = $2),
          db AS (SELECT * FROM pg_database WHERE datname = current_database())
     SELECT ARRAY(SELECT 'owner=' || s.nspowner::regrole::text || ' acl=' || coalesce(s.nspacl::text, '')
                         || ' comment=' || coalesce(obj_description(s.oid, 'pg_namespace'), '') FROM s) AS schema,
            ARRAY(SELECT concat_ws(',', rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls,
                                   rolconnlimit, rolvaliduntil, rolpassword LIKE 'SCRAM-SHA-256$4096:%')
                         || ' comment=' || coalesce(shobj_description(r.oid, 'pg_authid'), '') FROM r) AS role,
            ARRAY(SELECT d.defaclrole::regrole::text || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text
                    FROM pg_default_acl d WHERE d.defaclnamespace IN (SELECT oid FROM s) OR d.defaclrole IN (SELECT oid FROM r) ORDER BY 1) AS default_acls,
            ARRAY(SELECT coalesce(st.setdatabase::text, '') || ' ' || st.setconfig::text
                    FROM pg_db_role_setting st WHERE st.setrole IN (SELECT oid FROM r) ORDER BY 1) AS role_settings,
            ARRAY(SELECT a.privilege_type || ' by ' || a.grantor::regrole::text
                    FROM db, aclexplode(db.datacl) a WHERE a.grantee IN (SELECT oid FROM r) ORDER BY 1) AS database_grants,
            ARRAY(SELECT m.roleid::regrole::text || ' > ' || m.member::regrole::text || ' admin=' || m.admin_option
                    FROM pg_auth_members m WHERE m.roleid IN (SELECT oid FROM r) OR m.member IN (SELECT oid FROM r) ORDER BY 1) AS memberships,
            ARRAY(SELECT coalesce(pg_describe_object(d.classid, d.objid, d.objsubid), d.classid || '/' || d.objid) || ' ' || d.deptype::text
                    FROM pg_shdepend d WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid IN (SELECT oid FROM r)
                     AND d.dbid IN (0, (SELECT oid FROM db)) ORDER BY 1) AS role_dependents,
            ARRAY(SELECT pg_describe_object(d.classid, d.objid, d.objsubid) || ' ' || d.deptype::text
                    FROM pg_depend d WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid IN (SELECT oid FROM s) ORDER BY 1) AS schema_dependents`,
    [ref.schemaName, ref.username],
  );
  return normalise(rows[0] as Record<string, string[]>, ref);
}

/** The footprint of a tenant of which nothing exists. */
export const ABSENT: Readonly<Record<string, unknown>> = Object.freeze({
  schema: [],
  role: [],
  default_acls: [],
  role_settings: [],
  database_grants: [],
  memberships: [],
  role_dependents: [],
  schema_dependents: [],
});

function normalise(row: Record<string, string[]>, ref: TenantRef): Record<string, unknown> {
  // Longest first: one name may contain the other.
  const names: [string, string][] = [
    [ref.schemaName, '<schema>'],
    [ref.username, '<role>'],
  ];
  names.sort((a, b) => b[0].length - a[0].length);
  const replace = (text: string): string => {
    let result = text.replace(/"createdAt":"[^"]*"/g, '"createdAt":"<time>"');
    for (const [name, placeholder] of names) {
      // Names appear bare and quoted ("x" with "" doubled, and JSON-escaped inside markers).
      for (const form of [`"${name.replaceAll('"', '""')}"`, JSON.stringify(name), name]) result = result.replaceAll(form, placeholder);
    }
    return result;
  };
  return Object.fromEntries(Object.entries(row).map(([key, values]) => [key, values.map(replace)]));
}

/**
 * Logs in with the tenant's connection string, creates and drops a table in
 * its schema (unqualified: through its search_path), and says who and where it
 * was. Equal to {@link loggedInAs} of the credentials when the tenant works.
 */
export async function logIn(connectionString: string, options: pg.ClientConfig = {}): Promise<{ user: string; schema: string }> {
  const tenant = new pg.Client({ ...options, connectionString });
  await tenant.connect();
  try {
    await tenant.query('CREATE TABLE tenantry_fault_probe (id int); DROP TABLE tenantry_fault_probe');
    const { rows } = await tenant.query<{ user: string; schema: string }>('SELECT current_user AS user, current_schema() AS schema');
    return rows[0]!;
  } finally {
    await tenant.end();
  }
}

/** What {@link logIn} returns for a working tenant. */
export function loggedInAs(credentials: TenantCredentials): { user: string; schema: string } {
  return { user: credentials.username, schema: credentials.schemaName };
}
