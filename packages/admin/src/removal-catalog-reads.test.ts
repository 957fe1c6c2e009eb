import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { hasRoleGrantOptions, removalSizeQuery, tenantStateQuery, type RemovalSizeRow, type TenantStateRow } from '@tenantry/sql/postgres';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * The catalog reads of removeTenant's server-side check, written to be cheap
 * to plan (function calls, lookups by OID, pg_depend's indexes), against the
 * plainer SQL they replaced: the same rows, whoever asks, whatever the names.
 */

/** The tenant state as it was read before: pg_roles, obj_description, shobj_description. */
function previousTenantStateSql(roleGrantOptions: boolean): string {
  const canDropRole = roleGrantOptions ? `pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION')` : `(me.rolcreaterole AND NOT r.rolsuper)`;
  return `
    WITH me AS (SELECT rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user),
         s AS (SELECT oid, nspowner FROM pg_catalog.pg_namespace WHERE nspname = $1),
         r AS (SELECT oid, rolsuper FROM pg_catalog.pg_roles WHERE rolname = $2)
    SELECT EXISTS (SELECT 1 FROM s) AS schema_exists,
           (SELECT pg_catalog.obj_description(s.oid, 'pg_namespace') FROM s) AS schema_comment,
           EXISTS (SELECT 1 FROM r) AS role_exists,
           (SELECT pg_catalog.shobj_description(r.oid, 'pg_authid') FROM r) AS role_comment,
           (SELECT me.rolsuper OR pg_catalog.pg_has_role(current_user, s.nspowner, 'USAGE') FROM me, s) AS can_drop_schema,
           (SELECT me.rolsuper OR ${canDropRole} FROM me, r) AS can_drop_role`;
}

/** The estimate as it was counted before: the schema's dependents, and the dependents of every relation in it (pg_class by relnamespace). */
const PREVIOUS_ESTIMATE_SQL = `
  SELECT ((SELECT count(*) FROM pg_catalog.pg_depend d WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.refobjid = n.oid)
        + (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid
            WHERE c.relnamespace = n.oid))::int AS estimated_locks
  FROM pg_catalog.pg_namespace n WHERE n.nspname = $1`;

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

describe("removeTenant's catalog reads", () => {
  const fixture = useAdminFixture();

  it('tenantStateQuery reads what the pg_roles and obj_description query read, for the admin of either lane', async () => {
    const { admin, adminUrl, adminRole, superuser } = fixture();
    const info = await admin.serverInfo();
    const roleGrantOptions = hasRoleGrantOptions(info.versionNum);
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_state'), username: uniqueName('u_state') });
    // Made by the superuser: a pair the least-privilege admin may not drop, names that need quoting, a superuser role.
    const foreign = { schemaName: uniqueName('s_foreign'), username: uniqueName('r_foreign') };
    const hostile = { schemaName: `Sch${uniqueName('h')}."x y'é`, username: `Rol${uniqueName('h')} "é.z` };
    const superRole = uniqueName('r_super');
    const member = { schemaName: uniqueName('s_member'), username: uniqueName('r_member') };
    await superuser.query(
      `CREATE ROLE ${foreign.username}; CREATE SCHEMA ${foreign.schemaName} AUTHORIZATION ${foreign.username};
       COMMENT ON SCHEMA ${foreign.schemaName} IS 'tenantry:{"v":1,"role":"${foreign.username}","createdAt":"2026-01-01T00:00:00.000Z"}';
       COMMENT ON ROLE ${foreign.username} IS 'tenantry:{"v":1,"schema":"${foreign.schemaName}","database":"${info.database}"}';
       CREATE ROLE ${quoted(hostile.username)}; CREATE SCHEMA ${quoted(hostile.schemaName)} AUTHORIZATION ${quoted(hostile.username)};
       COMMENT ON SCHEMA ${quoted(hostile.schemaName)} IS 'not a marker';
       CREATE ROLE ${superRole} SUPERUSER;
       CREATE ROLE ${member.username}; CREATE SCHEMA ${member.schemaName} AUTHORIZATION ${member.username};
       GRANT ${member.username} TO ${quoted(adminRole)}`,
    );
    const reader = new pg.Client({ connectionString: adminUrl });
    await reader.connect();
    try {
      const refs = [
        tenant,
        foreign,
        hostile,
        member,
        { schemaName: tenant.schemaName, username: superRole },
        { schemaName: tenant.schemaName, username: foreign.username },
        { schemaName: uniqueName('none'), username: tenant.username },
        { schemaName: tenant.schemaName, username: uniqueName('none') },
        { schemaName: uniqueName('none'), username: uniqueName('none') },
      ];
      const differing: unknown[] = [];
      for (const ref of refs) {
        const query = tenantStateQuery(ref.schemaName, ref.username, roleGrantOptions);
        const [now] = (await reader.query<TenantStateRow>(query.sql, [...query.parameters])).rows;
        const [before] = (await reader.query<TenantStateRow>(previousTenantStateSql(roleGrantOptions), [ref.schemaName, ref.username])).rows;
        if (JSON.stringify(now) !== JSON.stringify(before)) differing.push({ ref, now, before });
      }
      expect(differing).toEqual([]);
    } finally {
      await reader.end();
      await superuser.query(
        `REVOKE ${member.username} FROM ${quoted(adminRole)};
         DROP SCHEMA ${foreign.schemaName}, ${quoted(hostile.schemaName)}, ${member.schemaName};
         DROP ROLE ${foreign.username}, ${quoted(hostile.username)}, ${superRole}, ${member.username}`,
      );
      await admin.removeTenant(tenant);
    }
  });

  it("removalSizeQuery's estimate, counted through pg_depend, is the relation count's on tables, indexes, sequences and views, and no more than the locks DROP SCHEMA takes", async () => {
    const { superuser } = fixture();
    const plain = uniqueName('s_plain');
    const varied = uniqueName('s_varied');
    await superuser.query(
      `CREATE SCHEMA ${plain};
       CREATE TABLE ${plain}.a (id serial PRIMARY KEY, body text UNIQUE, n int GENERATED ALWAYS AS IDENTITY);
       CREATE INDEX ON ${plain}.a (body, n);
       CREATE SEQUENCE ${plain}.s;
       CREATE TABLE ${plain}.b (id bigint DEFAULT nextval('${plain}.s') PRIMARY KEY, note text);
       CREATE VIEW ${plain}.v AS SELECT a.id, b.note FROM ${plain}.a JOIN ${plain}.b ON b.id = a.id;
       CREATE MATERIALIZED VIEW ${plain}.m AS SELECT id FROM ${plain}.a;
       CREATE INDEX ON ${plain}.m (id);
       CREATE SCHEMA ${varied};
       CREATE TABLE ${varied}.a (id serial PRIMARY KEY, body text);
       CREATE TABLE ${varied}.b (id int PRIMARY KEY, a_id int REFERENCES ${varied}.a (id), CHECK (id > 0));
       CREATE TABLE ${varied}.p (k int PRIMARY KEY, x text) PARTITION BY RANGE (k);
       CREATE TABLE ${varied}.p1 PARTITION OF ${varied}.p FOR VALUES FROM (0) TO (10);
       CREATE TYPE ${varied}.pair AS (x int, y text);
       CREATE TYPE ${varied}.mood AS ENUM ('ok', 'not');
       CREATE DOMAIN ${varied}.positive AS int CHECK (VALUE > 0);
       CREATE FUNCTION ${varied}.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
       CREATE TABLE ${varied}.c (x ${varied}.positive, m ${varied}.mood, t ${varied}.pair);`,
    );
    const estimate = async (schemaName: string) => {
      const query = removalSizeQuery(schemaName);
      return (await superuser.query<RemovalSizeRow>(query.sql, [...query.parameters])).rows[0];
    };
    const previous = async (schemaName: string) => (await superuser.query<{ estimated_locks: number }>(PREVIOUS_ESTIMATE_SQL, [schemaName])).rows[0]!.estimated_locks;
    const locksTaken = async (schemaName: string) => {
      const held = `SELECT count(*)::int AS n FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid()`;
      await superuser.query('BEGIN');
      try {
        const before = (await superuser.query<{ n: number }>(held)).rows[0]!.n;
        await superuser.query(`DROP SCHEMA ${schemaName} CASCADE`);
        return (await superuser.query<{ n: number }>(held)).rows[0]!.n - before;
      } finally {
        await superuser.query('ROLLBACK');
      }
    };
    try {
      const plainSize = await estimate(plain);
      expect(plainSize!.estimated_locks).toBeGreaterThan(20);
      expect(plainSize!.estimated_locks).toBe(await previous(plain));
      expect(plainSize!.estimated_locks).toBeLessThanOrEqual(await locksTaken(plain));
      const variedSize = await estimate(varied);
      expect(variedSize!.estimated_locks).toBeGreaterThan(20);
      expect(variedSize!.estimated_locks).toBeLessThanOrEqual(await locksTaken(varied));
      expect(plainSize!.schema_comment).toBeNull();
      expect(plainSize!.lock_budget).toBeGreaterThan(0);
      expect(await estimate(uniqueName('none'))).toBeUndefined();
    } finally {
      await superuser.query(`DROP SCHEMA ${plain}, ${varied} CASCADE`);
    }
  });
});
