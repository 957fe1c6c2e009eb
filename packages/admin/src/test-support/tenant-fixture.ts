import pg from 'pg';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createScratchDatabase, uniqueName, withClient, type ScratchDatabase } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';
import type { DatabaseAdminOptions } from '../database-admin-options.js';

export { uniqueName };

export interface AdminFixture {
  /** A fresh database of its own, so `prepare` and catalog checks see only this file's work. */
  database: ScratchDatabase;
  /** Tenantry's admin, as the lane's admin role (superuser, or least-privilege). */
  admin: DatabaseAdmin;
  /** The URL `admin` connects with: the lane's admin role on the scratch database. */
  adminUrl: string;
  /** The lane's admin role name. */
  adminRole: string;
  lane: AdminLane;
  /** A superuser client on the scratch database, for setting up and checking. */
  superuser: pg.Client;
}

/**
 * Which admin Tenantry runs as. `superuser` is the self-hosted case.
 * `least-privilege` is what managed clouds give: a role with CREATEROLE that
 * owns the application database, and nothing more (no superuser, no CREATEDB).
 */
export type AdminLane = 'superuser' | 'least-privilege';

export function currentLane(): AdminLane {
  return process.env['TENANTRY_ADMIN_LANE'] === 'least-privilege' ? 'least-privilege' : 'superuser';
}

/**
 * Gives a test file its own database and a `DatabaseAdmin` on it, as the
 * lane's admin, and cleans up afterwards, including the cluster-wide roles.
 */
export function useAdminFixture(options: DatabaseAdminOptions & { prepare?: boolean } = {}): () => AdminFixture {
  let fixture: AdminFixture | undefined;
  let createdAdminRole: string | undefined;
  beforeAll(async () => {
    const lane = currentLane();
    const database = await createScratchDatabase(inject('tenantryAdminUrl'), 'admin');
    const superuser = new pg.Client({ connectionString: database.url });
    await superuser.connect();
    let adminUrl = database.url;
    let adminRole = (await superuser.query<{ name: string }>('SELECT current_user AS name')).rows[0]!.name;
    if (lane === 'least-privilege') {
      adminRole = createdAdminRole = uniqueName('lp_admin');
      adminUrl = await createLeastPrivilegeAdmin(superuser, database.name, adminRole);
    }
    const admin = new DatabaseAdmin(adminUrl, options);
    if (options.prepare !== false) await admin.prepare();
    fixture = { database, admin, adminUrl, adminRole, lane, superuser };
  });
  afterAll(async () => {
    if (!fixture) return;
    await fixture.admin.close();
    await dropRolesMarkedFor(fixture.superuser, fixture.database.name);
    await fixture.superuser.end();
    await fixture.database.drop();
    if (createdAdminRole) {
      await withClient(inject('tenantryAdminUrl'), (client) => client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(createdAdminRole!)}`));
    }
  });
  return () => {
    if (!fixture) throw new Error('fixture used outside a test');
    return fixture;
  };
}

/**
 * A managed-cloud style admin: LOGIN CREATEROLE, owner of the database (so of
 * schema public from PostgreSQL 15 on, through pg_database_owner). PostgreSQL
 * 14's public schema belongs to the bootstrap superuser, so there the database
 * owner is given it, as managed services do.
 */
async function createLeastPrivilegeAdmin(superuser: pg.Client, database: string, role: string): Promise<string> {
  const password = `lp-${uniqueName('pw')}`;
  const id = pg.escapeIdentifier(role);
  await superuser.query(`CREATE ROLE ${id} LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD '${password}'`);
  await superuser.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} OWNER TO ${id}`);
  if (inject('tenantryServerVersion') < 150000) await superuser.query(`ALTER SCHEMA public OWNER TO ${id}`);
  const url = new URL(inject('tenantryAdminUrl'));
  url.username = role;
  url.password = password;
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Roles are cluster-wide: drop the ones this database's tenants left, so a shared server stays clean. */
async function dropRolesMarkedFor(client: pg.Client, database: string): Promise<void> {
  const { rows } = await client.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE 'tenantry:%'
       AND (substr(shobj_description(oid, 'pg_authid'), 10)::jsonb ->> 'database') = $1`,
    [database],
  );
  for (const { rolname } of rows) {
    const role = pg.escapeIdentifier(rolname);
    await client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
  }
}

/** Opens a connection with a tenant's connection string, as a tenant's application would. */
export async function connectAs(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  return client;
}

/** Asserts that a query fails with the given SQLSTATE. */
export async function expectSqlState(query: Promise<unknown>, sqlState: string): Promise<void> {
  const error = await query.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected SQLSTATE ${sqlState}, but the query succeeded`).toBeDefined();
  expect((error as { code?: string }).code).toBe(sqlState);
}

/** Everything in the catalog a tenant operation could touch, to prove "nothing else changed". */
export async function catalogSnapshot(client: pg.Client): Promise<unknown> {
  const { rows } = await client.query(`
    SELECT (SELECT array_agg(nspname::text || ':' || coalesce(nspacl, acldefault('n', nspowner))::text || ':' || coalesce(obj_description(oid, 'pg_namespace'), '') ORDER BY nspname) FROM pg_namespace) AS schemas,
           (SELECT array_agg(rolname::text ORDER BY rolname) FROM pg_roles) AS roles,
           (SELECT array_agg(datname::text || ':' || coalesce(datacl, acldefault('d', datdba))::text ORDER BY datname) FROM pg_database) AS databases,
           (SELECT array_agg(defaclrole::text || ':' || defaclnamespace::text || ':' || defaclacl::text ORDER BY defaclrole, defaclnamespace, defaclobjtype) FROM pg_default_acl) AS default_acls,
           (SELECT array_agg(setdatabase::text || ':' || setrole::text || ':' || setconfig::text ORDER BY setdatabase, setrole) FROM pg_db_role_setting) AS role_settings`);
  return rows[0];
}
