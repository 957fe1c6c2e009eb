import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type TenantCredentials } from '@tenantry/core';
import { DatabaseAdmin } from '../database-admin.js';
import { connectAs, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';

/*
 * A logged-in tenant attacks: the other tenant, the admin, the public schema,
 * its own schema's marker, the server's files and settings. Every attempt must
 * fail with the SQLSTATE given next to it. The same SQLSTATE holds on
 * PostgreSQL 14 to 18 for every attempt here (the messages differ: 16 reworded
 * the role-privilege errors, 15 those of ALTER SYSTEM and CHECKPOINT).
 */

interface Context {
  /** Quoted identifiers. */
  own: string;
  other: string;
  ownRole: string;
  otherRole: string;
  adminRole: string;
  superRole: string;
  db: string;
  otherPid: number;
  adminPid: number;
  superPid: number;
  /** An available trusted extension (pgcrypto if shipped) and an untrusted one, not yet installed. */
  trustedExtension: string | undefined;
  untrustedExtension: string | undefined;
}

interface Attack {
  what: string;
  sql: (c: Context) => string;
  sqlState: string;
  /** Why the attempt cannot run on this server, if it cannot. */
  unavailable?: (c: Context) => string | undefined;
}

const DENIED = '42501'; // insufficient_privilege
const UNDEFINED_FUNCTION = '42883';
const UNDEFINED_TABLE = '42P01';

const attacks: Attack[] = [
  // Another tenant's objects. Without USAGE on its schema, every qualified name fails the same way.
  { what: "read another tenant's table", sql: (c) => `SELECT * FROM ${c.other}.secrets`, sqlState: DENIED },
  { what: "insert into another tenant's table", sql: (c) => `INSERT INTO ${c.other}.secrets (value) VALUES ('pwned')`, sqlState: DENIED },
  { what: "update another tenant's table", sql: (c) => `UPDATE ${c.other}.secrets SET value = 'pwned'`, sqlState: DENIED },
  { what: "delete from another tenant's table", sql: (c) => `DELETE FROM ${c.other}.secrets`, sqlState: DENIED },
  { what: "truncate another tenant's table", sql: (c) => `TRUNCATE ${c.other}.secrets`, sqlState: DENIED },
  { what: "alter another tenant's table", sql: (c) => `ALTER TABLE ${c.other}.secrets ADD COLUMN pwned int`, sqlState: DENIED },
  { what: "take ownership of another tenant's table", sql: (c) => `ALTER TABLE ${c.other}.secrets OWNER TO CURRENT_USER`, sqlState: DENIED },
  { what: "drop another tenant's table", sql: (c) => `DROP TABLE ${c.other}.secrets`, sqlState: DENIED },
  { what: "index another tenant's table", sql: (c) => `CREATE INDEX pwned ON ${c.other}.secrets (value)`, sqlState: DENIED },
  { what: "put a trigger on another tenant's table", sql: (c) => `CREATE TRIGGER pwned BEFORE INSERT ON ${c.other}.secrets FOR EACH ROW EXECUTE FUNCTION ${c.own}.trg()`, sqlState: DENIED },
  { what: "put a policy on another tenant's table", sql: (c) => `CREATE POLICY pwned ON ${c.other}.secrets USING (true)`, sqlState: DENIED },
  { what: "lock another tenant's table", sql: (c) => `BEGIN; LOCK TABLE ${c.other}.secrets IN ACCESS EXCLUSIVE MODE; COMMIT`, sqlState: DENIED },
  { what: "vacuum another tenant's table", sql: (c) => `VACUUM ${c.other}.secrets`, sqlState: DENIED },
  { what: "grant itself another tenant's table", sql: (c) => `GRANT SELECT ON ${c.other}.secrets TO CURRENT_USER`, sqlState: DENIED },
  { what: "grant itself another tenant's schema", sql: (c) => `GRANT USAGE ON SCHEMA ${c.other} TO CURRENT_USER`, sqlState: DENIED },
  { what: "nextval another tenant's sequence", sql: (c) => `SELECT nextval('${c.other}.counter')`, sqlState: DENIED },
  { what: "setval another tenant's sequence", sql: (c) => `SELECT setval('${c.other}.counter', 1000)`, sqlState: DENIED },
  { what: "restart another tenant's sequence", sql: (c) => `ALTER SEQUENCE ${c.other}.counter RESTART`, sqlState: DENIED },
  { what: "read another tenant's view", sql: (c) => `SELECT * FROM ${c.other}.secret_view`, sqlState: DENIED },
  { what: "call another tenant's function", sql: (c) => `SELECT ${c.other}.secret_fn()`, sqlState: DENIED },
  { what: "call another tenant's procedure", sql: (c) => `CALL ${c.other}.secret_proc()`, sqlState: DENIED },
  { what: "look up another tenant's function by name", sql: (c) => `SELECT '${c.other}.secret_fn'::regproc`, sqlState: DENIED },
  { what: "make another tenant's function SECURITY DEFINER", sql: (c) => `ALTER FUNCTION ${c.other}.secret_fn() SECURITY DEFINER`, sqlState: DENIED },
  // With the other schema on search_path it is skipped (no USAGE): the names are simply not found.
  { what: "call another tenant's function through search_path", sql: (c) => `SET search_path = ${c.other}; SELECT secret_fn()`, sqlState: UNDEFINED_FUNCTION },
  { what: "call it through search_path with its own schema too", sql: (c) => `SET search_path = ${c.other}, ${c.own}; SELECT secret_fn()`, sqlState: UNDEFINED_FUNCTION },
  { what: "read another tenant's table through search_path", sql: (c) => `SET search_path = ${c.other}; SELECT * FROM secrets`, sqlState: UNDEFINED_TABLE },
  { what: "read another tenant's view through search_path", sql: (c) => `SET search_path = ${c.other}; SELECT * FROM secret_view`, sqlState: UNDEFINED_TABLE },
  { what: "create a table in another tenant's schema", sql: (c) => `CREATE TABLE ${c.other}.intruder (id int)`, sqlState: DENIED },
  { what: "create a function in another tenant's schema", sql: (c) => `CREATE FUNCTION ${c.other}.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'`, sqlState: DENIED },
  { what: "create a view in another tenant's schema", sql: (c) => `CREATE VIEW ${c.other}.intruder AS SELECT 1 AS one`, sqlState: DENIED },
  { what: "change another tenant's default privileges", sql: (c) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${c.otherRole} GRANT SELECT ON TABLES TO CURRENT_USER`, sqlState: DENIED },
  { what: "take over another tenant's objects", sql: (c) => `REASSIGN OWNED BY ${c.otherRole} TO CURRENT_USER`, sqlState: DENIED },
  { what: "drop another tenant's objects", sql: (c) => `DROP OWNED BY ${c.otherRole}`, sqlState: DENIED },

  // The public schema and what the admin placed there.
  { what: 'create a table in public', sql: () => 'CREATE TABLE public.squatter (id int)', sqlState: DENIED },
  { what: 'create a function in public', sql: () => `CREATE FUNCTION public.squatter() RETURNS int LANGUAGE sql AS 'SELECT 1'`, sqlState: DENIED },
  { what: 'create a view in public', sql: () => 'CREATE VIEW public.squatter AS SELECT 1 AS one', sqlState: DENIED },
  { what: "read the admin's table in public", sql: () => 'SELECT * FROM public.admin_table', sqlState: DENIED },
  { what: "write the admin's table in public", sql: () => `INSERT INTO public.admin_table VALUES ('pwned')`, sqlState: DENIED },
  { what: "read the admin's view in public", sql: () => 'SELECT * FROM public.admin_view', sqlState: DENIED },
  { what: "call the admin's function in public", sql: () => 'SELECT public.admin_fn()', sqlState: DENIED },
  { what: "call the admin's SECURITY DEFINER function in public", sql: () => 'SELECT public.admin_definer()', sqlState: DENIED },
  { what: "nextval the admin's sequence in public", sql: () => `SELECT nextval('public.admin_seq')`, sqlState: DENIED },
  { what: "call the admin's function through search_path", sql: () => 'SET search_path = public; SELECT admin_fn()', sqlState: UNDEFINED_FUNCTION },
  { what: "read the admin's table through search_path", sql: () => 'SET search_path = public; SELECT * FROM admin_table', sqlState: UNDEFINED_TABLE },
  { what: 'grant itself USAGE on public', sql: () => 'GRANT USAGE ON SCHEMA public TO CURRENT_USER', sqlState: DENIED },

  // Becoming someone else.
  { what: 'SET ROLE to another tenant', sql: (c) => `SET ROLE ${c.otherRole}`, sqlState: DENIED },
  { what: 'SET SESSION AUTHORIZATION to another tenant', sql: (c) => `SET SESSION AUTHORIZATION ${c.otherRole}`, sqlState: DENIED },
  { what: 'SET ROLE to the admin', sql: (c) => `SET ROLE ${c.adminRole}`, sqlState: DENIED },
  { what: 'SET SESSION AUTHORIZATION to the admin', sql: (c) => `SET SESSION AUTHORIZATION ${c.adminRole}`, sqlState: DENIED },
  { what: 'SET ROLE to the bootstrap superuser', sql: (c) => `SET ROLE ${c.superRole}`, sqlState: DENIED },
  { what: 'SET SESSION AUTHORIZATION to the bootstrap superuser', sql: (c) => `SET SESSION AUTHORIZATION ${c.superRole}`, sqlState: DENIED },
  { what: 'SET ROLE pg_read_server_files', sql: () => 'SET ROLE pg_read_server_files', sqlState: DENIED },
  { what: 'SET ROLE pg_execute_server_program', sql: () => 'SET ROLE pg_execute_server_program', sqlState: DENIED },

  // Roles and attributes.
  { what: 'CREATE ROLE', sql: () => 'CREATE ROLE sneaky LOGIN', sqlState: DENIED },
  { what: 'CREATE USER ... SUPERUSER', sql: () => `CREATE USER sneaky SUPERUSER PASSWORD 'x'`, sqlState: DENIED },
  { what: 'CREATE DATABASE', sql: () => 'CREATE DATABASE sneaky', sqlState: DENIED },
  { what: 'CREATE SCHEMA', sql: () => 'CREATE SCHEMA sneaky', sqlState: DENIED },
  { what: 'CREATE SCHEMA AUTHORIZATION itself', sql: () => 'CREATE SCHEMA AUTHORIZATION CURRENT_USER', sqlState: DENIED },
  ...(['SUPERUSER', 'CREATEDB', 'CREATEROLE', 'REPLICATION', 'BYPASSRLS', 'CONNECTION LIMIT 1', `VALID UNTIL 'infinity'`, 'NOINHERIT'] as const).map(
    (attribute): Attack => ({ what: `ALTER ROLE CURRENT_USER ${attribute}`, sql: () => `ALTER ROLE CURRENT_USER ${attribute}`, sqlState: DENIED }),
  ),
  // The session user cannot be renamed at all; its markers name it.
  { what: 'rename itself', sql: (c) => `ALTER ROLE ${c.ownRole} RENAME TO sneaky`, sqlState: '0A000' },
  { what: 'set a superuser-only parameter as its role default', sql: () => `ALTER ROLE CURRENT_USER SET log_statement = 'none'`, sqlState: DENIED },
  { what: "change another tenant's password", sql: (c) => `ALTER ROLE ${c.otherRole} PASSWORD 'pwned-password'`, sqlState: DENIED },
  { what: 'lock another tenant out', sql: (c) => `ALTER ROLE ${c.otherRole} NOLOGIN`, sqlState: DENIED },
  { what: 'rename another tenant', sql: (c) => `ALTER ROLE ${c.otherRole} RENAME TO sneaky`, sqlState: DENIED },
  { what: "change another tenant's search_path", sql: (c) => `ALTER ROLE ${c.otherRole} SET search_path = public`, sqlState: DENIED },
  { what: 'drop another tenant', sql: (c) => `DROP ROLE ${c.otherRole}`, sqlState: DENIED },
  { what: "rewrite another tenant's role marker", sql: (c) => `COMMENT ON ROLE ${c.otherRole} IS 'pwned'`, sqlState: DENIED },
  { what: 'rewrite its own role marker', sql: (c) => `COMMENT ON ROLE ${c.ownRole} IS 'tenantry:{"v":1,"schema":"x","database":"y"}'`, sqlState: DENIED },
  { what: "GRANT itself another tenant's role", sql: (c) => `GRANT ${c.otherRole} TO CURRENT_USER`, sqlState: DENIED },
  { what: "GRANT itself the admin's role", sql: (c) => `GRANT ${c.adminRole} TO CURRENT_USER`, sqlState: DENIED },
  { what: 'GRANT itself pg_read_server_files', sql: () => 'GRANT pg_read_server_files TO CURRENT_USER', sqlState: DENIED },
  { what: 'GRANT itself pg_signal_backend', sql: () => 'GRANT pg_signal_backend TO CURRENT_USER', sqlState: DENIED },

  // Its own schema belongs to the admin, so its marker is safe.
  { what: 'COMMENT ON SCHEMA of its own schema (its marker)', sql: (c) => `COMMENT ON SCHEMA ${c.own} IS 'tenantry:{"v":1,"role":"x","createdAt":"2000-01-01T00:00:00Z"}'`, sqlState: DENIED },
  { what: 'DROP SCHEMA of its own schema', sql: (c) => `DROP SCHEMA ${c.own} CASCADE`, sqlState: DENIED },
  { what: 'ALTER SCHEMA ... RENAME of its own schema', sql: (c) => `ALTER SCHEMA ${c.own} RENAME TO sneaky`, sqlState: DENIED },
  { what: 'ALTER SCHEMA ... OWNER of its own schema', sql: (c) => `ALTER SCHEMA ${c.own} OWNER TO CURRENT_USER`, sqlState: DENIED },

  // The database.
  { what: 'ALTER DATABASE ... SET', sql: (c) => `ALTER DATABASE ${c.db} SET search_path = public`, sqlState: DENIED },
  { what: 'ALTER DATABASE ... OWNER', sql: (c) => `ALTER DATABASE ${c.db} OWNER TO CURRENT_USER`, sqlState: DENIED },
  { what: 'COMMENT ON DATABASE', sql: (c) => `COMMENT ON DATABASE ${c.db} IS 'pwned'`, sqlState: DENIED },
  { what: 'DROP DATABASE', sql: (c) => `DROP DATABASE ${c.db}`, sqlState: DENIED },

  // The server's secrets and files.
  { what: 'read pg_authid', sql: () => 'SELECT rolname, rolpassword FROM pg_authid', sqlState: DENIED },
  { what: 'read pg_shadow', sql: () => 'SELECT usename, passwd FROM pg_shadow', sqlState: DENIED },
  { what: 'pg_read_file of postgresql.conf', sql: () => `SELECT pg_read_file('postgresql.conf')`, sqlState: DENIED },
  { what: 'pg_read_file of /etc/passwd', sql: () => `SELECT pg_read_file('/etc/passwd')`, sqlState: DENIED },
  { what: 'pg_read_binary_file', sql: () => `SELECT pg_read_binary_file('/etc/passwd')`, sqlState: DENIED },
  { what: 'pg_ls_dir', sql: () => `SELECT pg_ls_dir('.')`, sqlState: DENIED },
  { what: 'pg_stat_file', sql: () => `SELECT pg_stat_file('postgresql.conf')`, sqlState: DENIED },
  { what: 'pg_ls_logdir', sql: () => 'SELECT pg_ls_logdir()', sqlState: DENIED },
  { what: 'pg_ls_waldir', sql: () => 'SELECT pg_ls_waldir()', sqlState: DENIED },
  { what: 'lo_import of a server file', sql: () => `SELECT lo_import('/etc/passwd')`, sqlState: DENIED },
  { what: 'lo_export to a server file', sql: () => `SELECT lo_export(lo_create(0), '/tmp/tenantry-pwned')`, sqlState: DENIED },
  { what: 'COPY ... TO PROGRAM', sql: () => `COPY (SELECT 1) TO PROGRAM 'true'`, sqlState: DENIED },
  { what: 'COPY ... FROM PROGRAM', sql: (c) => `COPY ${c.own}.mine FROM PROGRAM 'id'`, sqlState: DENIED },
  { what: "COPY ... FROM '/etc/passwd'", sql: (c) => `COPY ${c.own}.mine FROM '/etc/passwd'`, sqlState: DENIED },
  { what: 'COPY ... TO a server file', sql: () => `COPY (SELECT 1) TO '/tmp/tenantry-pwned'`, sqlState: DENIED },
  { what: 'SHOW data_directory', sql: () => 'SHOW data_directory', sqlState: DENIED },
  { what: 'SHOW hba_file', sql: () => 'SHOW hba_file', sqlState: DENIED },
  { what: "current_setting('config_file')", sql: () => `SELECT current_setting('config_file')`, sqlState: DENIED },

  // Code the server would run as itself.
  { what: 'CREATE FUNCTION in language C', sql: (c) => `CREATE FUNCTION ${c.own}.pwned() RETURNS int LANGUAGE c AS 'libc.so.6', 'getpid'`, sqlState: DENIED },
  { what: 'CREATE FUNCTION in language internal', sql: (c) => `CREATE FUNCTION ${c.own}.pwned(cstring) RETURNS int LANGUAGE internal AS 'int4in'`, sqlState: DENIED },
  { what: 'CREATE LANGUAGE', sql: () => 'CREATE LANGUAGE pwned HANDLER plpgsql_call_handler', sqlState: DENIED },
  { what: 'CREATE FOREIGN DATA WRAPPER', sql: () => 'CREATE FOREIGN DATA WRAPPER pwned', sqlState: DENIED },
  { what: 'LOAD a library', sql: () => `LOAD 'plpgsql'`, sqlState: DENIED },
  {
    what: 'CREATE EXTENSION of a trusted extension',
    sql: (c) => `CREATE EXTENSION ${quoteIdent(c.trustedExtension!)}`,
    sqlState: DENIED, // trusted extensions still need CREATE on the database
    unavailable: (c) => (c.trustedExtension ? undefined : 'no trusted extension available on this server'),
  },
  {
    what: 'CREATE EXTENSION of a trusted extension into its own schema',
    sql: (c) => `CREATE EXTENSION ${quoteIdent(c.trustedExtension!)} SCHEMA ${c.own}`,
    sqlState: DENIED,
    unavailable: (c) => (c.trustedExtension ? undefined : 'no trusted extension available on this server'),
  },
  {
    what: 'CREATE EXTENSION of an untrusted extension',
    sql: (c) => `CREATE EXTENSION ${quoteIdent(c.untrustedExtension!)}`,
    sqlState: DENIED,
    unavailable: (c) => (c.untrustedExtension ? undefined : 'no untrusted extension available on this server'),
  },
  { what: 'CREATE EVENT TRIGGER', sql: (c) => `CREATE EVENT TRIGGER pwned ON ddl_command_start EXECUTE FUNCTION ${c.own}.evt()`, sqlState: DENIED },
  { what: 'CREATE PUBLICATION FOR ALL TABLES', sql: () => 'CREATE PUBLICATION pwned FOR ALL TABLES', sqlState: DENIED },
  { what: 'CREATE PUBLICATION for its own table', sql: (c) => `CREATE PUBLICATION pwned FOR TABLE ${c.own}.mine`, sqlState: DENIED },
  { what: 'CREATE SUBSCRIPTION', sql: () => `CREATE SUBSCRIPTION pwned CONNECTION 'dbname=postgres' PUBLICATION p WITH (connect = false)`, sqlState: DENIED },
  { what: 'CREATE TABLESPACE', sql: () => `CREATE TABLESPACE pwned LOCATION '/tmp'`, sqlState: DENIED },

  // Server settings and other sessions.
  { what: 'ALTER SYSTEM', sql: () => `ALTER SYSTEM SET log_statement = 'none'`, sqlState: DENIED },
  { what: 'SET log_statement', sql: () => `SET log_statement = 'none'`, sqlState: DENIED },
  { what: 'SET log_min_duration_statement', sql: () => 'SET log_min_duration_statement = -1', sqlState: DENIED },
  { what: 'SET session_replication_role (skips triggers and foreign keys)', sql: () => 'SET session_replication_role = replica', sqlState: DENIED },
  { what: 'SET track_activities', sql: () => 'SET track_activities = off', sqlState: DENIED },
  { what: 'SET lo_compat_privileges', sql: () => 'SET lo_compat_privileges = on', sqlState: DENIED },
  { what: "set_config('log_statement')", sql: () => `SELECT set_config('log_statement', 'none', false)`, sqlState: DENIED },
  { what: 'pg_reload_conf', sql: () => 'SELECT pg_reload_conf()', sqlState: DENIED },
  { what: 'pg_rotate_logfile', sql: () => 'SELECT pg_rotate_logfile()', sqlState: DENIED },
  { what: 'CHECKPOINT', sql: () => 'CHECKPOINT', sqlState: DENIED },
  { what: "pg_terminate_backend of another tenant's session", sql: (c) => `SELECT pg_terminate_backend(${c.otherPid})`, sqlState: DENIED },
  { what: "pg_cancel_backend of another tenant's session", sql: (c) => `SELECT pg_cancel_backend(${c.otherPid})`, sqlState: DENIED },
  { what: "pg_terminate_backend of the admin's session", sql: (c) => `SELECT pg_terminate_backend(${c.adminPid})`, sqlState: DENIED },
  { what: "pg_terminate_backend of a superuser's session", sql: (c) => `SELECT pg_terminate_backend(${c.superPid})`, sqlState: DENIED },
];

describe('a logged-in tenant attacking', () => {
  const fixture = useAdminFixture();
  let attacker: TenantCredentials;
  let victim: TenantCredentials;
  let asAttacker: pg.Client;
  let asVictim: pg.Client;
  let asAdmin: pg.Client;
  let context: Context;
  let victimStateBefore: unknown;

  beforeAll(async () => {
    const { admin, adminUrl, adminRole, superuser, database } = fixture();
    attacker = await admin.createTenant({ schemaName: uniqueName('attacker'), username: uniqueName('attacker') });
    victim = await admin.createTenant({ schemaName: uniqueName('victim'), username: uniqueName('victim') });
    asVictim = await connectAs(victim.connectionString);
    await asVictim.query(`
      CREATE TABLE secrets (id serial PRIMARY KEY, value text);
      INSERT INTO secrets (value) VALUES ('victim data');
      CREATE SEQUENCE counter;
      CREATE VIEW secret_view AS SELECT value FROM secrets;
      CREATE FUNCTION secret_fn() RETURNS text LANGUAGE sql AS $$ SELECT 'victim' $$;
      CREATE PROCEDURE secret_proc() LANGUAGE sql AS $$ DELETE FROM secrets $$;`);
    asAttacker = await connectAs(attacker.connectionString);
    asAttacker.on('error', () => undefined);
    await asAttacker.query(`
      CREATE TABLE mine (line text);
      CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;`);
    // What the admin places in public, as the admin (not as the superuser).
    asAdmin = await connectAs(adminUrl);
    await asAdmin.query(`
      CREATE TABLE public.admin_table (k text);
      INSERT INTO public.admin_table VALUES ('admin only');
      CREATE VIEW public.admin_view AS SELECT k FROM public.admin_table;
      CREATE SEQUENCE public.admin_seq;
      CREATE FUNCTION public.admin_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
      CREATE FUNCTION public.admin_definer() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM public.admin_table $$;`);

    const pid = async (client: pg.Client) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const superRole = (await superuser.query<{ name: string }>('SELECT current_user AS name')).rows[0]!.name;
    const extensions = await superuser.query<{ name: string; trusted: boolean }>(
      `SELECT name, bool_or(trusted) AS trusted FROM pg_catalog.pg_available_extension_versions
        WHERE installed = false AND name NOT IN (SELECT extname FROM pg_catalog.pg_extension) GROUP BY name`,
    );
    const pick = (preferred: string[], trusted: boolean) =>
      preferred.find((name) => extensions.rows.some((row) => row.name === name && row.trusted === trusted)) ??
      extensions.rows.find((row) => row.trusted === trusted)?.name;
    context = {
      own: quoteIdent(attacker.schemaName),
      other: quoteIdent(victim.schemaName),
      ownRole: quoteIdent(attacker.username),
      otherRole: quoteIdent(victim.username),
      adminRole: quoteIdent(adminRole),
      superRole: quoteIdent(superRole),
      db: quoteIdent(database.name),
      otherPid: await pid(asVictim),
      adminPid: await pid(asAdmin),
      superPid: await pid(superuser),
      trustedExtension: pick(['pgcrypto', 'hstore', 'citext', 'pg_trgm'], true),
      untrustedExtension: pick(['file_fdw', 'dblink', 'postgres_fdw', 'plperlu', 'plpython3u'], false),
    };
    victimStateBefore = await tenantState(superuser, [attacker, victim]);
  });

  afterEach(async () => {
    // An attempt that succeeded could have changed the session: start clean.
    const { rows } = await asAttacker
      .query('RESET search_path')
      .then(() => asAttacker.query<{ current: string; session: string }>('SELECT current_user AS current, session_user AS session'))
      .catch(() => ({ rows: [] as { current: string; session: string }[] }));
    if (rows[0]?.current !== attacker.username || rows[0]?.session !== attacker.username) {
      await asAttacker.end().catch(() => undefined);
      asAttacker = await connectAs(attacker.connectionString);
      asAttacker.on('error', () => undefined);
    }
  });

  afterAll(async () => {
    await asAttacker?.end();
    await asVictim?.end();
    await asAdmin?.end();
  });

  it.for(attacks.map((attack) => [attack.what, attack.sqlState, attack] as const))('cannot %s (%s)', async ([, , attack], { skip }) => {
    const reason = attack.unavailable?.(context);
    if (reason) return skip(reason);
    const statement = attack.sql(context);
    const outcome = await asAttacker.query(statement).then(
      (result) => ({ succeeded: true as const, result }),
      (error: { code?: string; message?: string }) => ({ succeeded: false as const, error }),
    );
    expect(outcome.succeeded, `the attack succeeded: ${statement}`).toBe(false);
    if (!outcome.succeeded) {
      expect(outcome.error.code, `${statement}\n-> ${outcome.error.message}`).toBe(attack.sqlState);
    }
  });

  it("sees neither other sessions' queries nor the admin's last statement in pg_stat_activity", async () => {
    // The admin's pooled session last ran a create-tenant script (with a SCRAM verifier).
    const { rows } = await asAttacker.query<{ usename: string; query: string }>(
      `SELECT usename, query FROM pg_catalog.pg_stat_activity WHERE pid <> pg_backend_pid() AND usename IS NOT NULL`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.query).toBe('<insufficient privilege>');
  });

  it('grants it makes without the right to make them change nothing', async () => {
    // PostgreSQL only warns here (01007): the attacker holds some right on the
    // object, so the GRANT is accepted and grants nothing. Check it grants nothing.
    const { database } = fixture();
    await asAttacker.query(`GRANT CREATE ON DATABASE ${context.db} TO CURRENT_USER`);
    await asAttacker.query(`GRANT USAGE, CREATE ON SCHEMA ${context.own} TO ${context.otherRole}`);
    await asAttacker.query(`GRANT ALL ON SCHEMA ${context.own} TO PUBLIC`);
    const { rows } = await asAttacker.query(
      `SELECT has_database_privilege($1, 'CREATE') AS create_db,
              has_schema_privilege($2, $3, 'USAGE') AS victim_usage,
              has_schema_privilege('public', 'CREATE') AS public_create`,
      [database.name, victim.username, attacker.schemaName],
    );
    expect(rows[0]).toEqual({ create_db: false, victim_usage: false, public_create: false });
  });

  it("leaves the other tenant's data, both roles and both markers exactly as they were", async () => {
    const { superuser } = fixture();
    expect((await asVictim.query('SELECT value FROM secrets')).rows).toEqual([{ value: 'victim data' }]);
    expect(await tenantState(superuser, [attacker, victim])).toEqual(victimStateBefore);
  });
});

// Product finding (critical): the admin's sessions resolve unqualified names
// through the default search_path "$user", public. A tenant whose schema is
// named like the admin role (e.g. "postgres") has CREATE there, so it can put
// functions on the admin's search_path that beat pg_catalog's on overload
// resolution (has_database_privilege(name, text) in the server-facts query,
// unnest(text[]) in prepare, substr(text, text) in listTenants) and run with
// the admin's privileges: superuser in the superuser lane.
describe('a tenant whose schema is named like the admin role', () => {
  const fixture = useAdminFixture();
  let squatter: TenantCredentials | undefined;

  afterAll(async () => {
    // Remove the planted functions before anyone else runs as the admin here.
    if (!squatter) return;
    const { superuser } = fixture();
    await superuser.query(`DROP SCHEMA IF EXISTS ${quoteIdent(squatter.schemaName)} CASCADE`);
    await superuser.query(`DROP OWNED BY ${quoteIdent(squatter.username)}; DROP ROLE IF EXISTS ${quoteIdent(squatter.username)}`);
  });

  it("cannot get its functions run by the admin (the name is refused, or the admin's calls do not resolve to them)", async () => {
    const { admin, adminRole, adminUrl } = fixture();
    const outcome = await admin.createTenant({ schemaName: adminRole, username: uniqueName('squatter') }).catch((e: unknown) => e);
    if (outcome instanceof ValidationError) return; // refusing the name is a fix too
    squatter = outcome as TenantCredentials;
    const schema = quoteIdent(squatter.schemaName);
    const asSquatter = await connectAs(squatter.connectionString);
    try {
      await asSquatter.query(`
        CREATE TABLE hijack_log (who text, via text);
        GRANT INSERT ON hijack_log TO PUBLIC;
        CREATE FUNCTION has_database_privilege(name, text) RETURNS boolean LANGUAGE sql AS
          $$ INSERT INTO ${schema}.hijack_log VALUES (current_user, 'has_database_privilege') RETURNING pg_catalog.has_database_privilege($1::text, $2) $$;
        CREATE FUNCTION unnest(text[]) RETURNS SETOF text LANGUAGE sql AS
          $$ INSERT INTO ${schema}.hijack_log VALUES (current_user, 'unnest'); SELECT pg_catalog.unnest($1) $$;
        CREATE FUNCTION substr(text, text) RETURNS text LANGUAGE sql AS
          $$ INSERT INTO ${schema}.hijack_log VALUES (current_user, 'substr') RETURNING pg_catalog.substr($1, $2::int) $$;
        CREATE FUNCTION pg_advisory_xact_lock(numeric) RETURNS void LANGUAGE sql AS
          $$ INSERT INTO ${schema}.hijack_log VALUES (current_user, 'pg_advisory_xact_lock'); SELECT pg_catalog.pg_advisory_xact_lock($1::bigint) $$;`);

      // What an operator does next, with a fresh admin (as after a restart).
      const fresh = new DatabaseAdmin(adminUrl);
      try {
        await fresh.listTenants().catch(() => undefined);
        await fresh.prepare().catch(() => undefined);
        const other = await fresh.createTenant({ schemaName: uniqueName('bystander'), username: uniqueName('bystander') }).catch(() => undefined);
        if (other) await fresh.removeTenant(other).catch(() => undefined);
      } finally {
        await fresh.close();
      }
      const { rows } = await asSquatter.query('SELECT DISTINCT who, via FROM hijack_log ORDER BY via');
      expect(rows, `functions planted by tenant "${squatter.username}" ran as the admin`).toEqual([]);
    } finally {
      await asSquatter.end();
    }
  });
});

/** Roles' attributes, password verifiers and markers, schemas' owners, ACLs and markers. */
async function tenantState(superuser: pg.Client, tenants: TenantCredentials[]): Promise<unknown> {
  const { rows } = await superuser.query(
    `SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
            r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, a.rolpassword,
            pg_catalog.shobj_description(r.oid, 'pg_authid') AS role_marker,
            n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) AS schema_owner, n.nspacl::text AS schema_acl,
            pg_catalog.obj_description(n.oid, 'pg_namespace') AS schema_marker,
            ARRAY(SELECT m.roleid::regrole::text FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid ORDER BY 1) AS member_of
       FROM pg_catalog.pg_roles r JOIN pg_catalog.pg_authid a ON a.oid = r.oid, pg_catalog.pg_namespace n
      WHERE (r.rolname, n.nspname) IN (SELECT * FROM unnest($1::text[], $2::text[]))
      ORDER BY r.rolname`,
    [tenants.map((t) => t.username), tenants.map((t) => t.schemaName)],
  );
  return rows;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
