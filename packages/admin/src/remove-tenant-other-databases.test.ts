import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConnectionError, DatabaseError, TenantRemovalBlockedError, type TenantCredentials, type TenantRef } from '@tenantry/core';
import { createScratchDatabase, withClient, withDatabase, type ScratchDatabase } from '@tenantry/testing';
import { DatabaseAdmin } from './database-admin.js';
import { moreCatalogState } from './faults/support/catalog-state.js';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * A tenant can connect to any database PUBLIC may connect to (`postgres`, say)
 * and make a large object or a default-privileges entry there. DROP OWNED BY in
 * its own database cannot reach those, so DROP ROLE failed (2BP01) and the
 * tenant could not be removed. Now removal names them and stops, or, with
 * dropOwnedInOtherDatabases, drops them there first.
 */

/** The whole catalog of the fixture's database, shared catalogs included. */
async function fullSnapshot(client: pg.Client): Promise<Record<string, unknown>> {
  return { ...((await catalogSnapshot(client)) as Record<string, unknown>), ...(await moreCatalogState(client)) };
}

/** Runs `sql` as the tenant, logged in to another database of the cluster. */
async function asTenantIn<T extends pg.QueryResultRow>(credentials: TenantCredentials, database: string, sql: string): Promise<T[]> {
  const client = await connectAs(withDatabase(credentials.connectionString, database));
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** What is left of a role in one database, by the role's OID (the role itself may be gone). */
async function leftIn(database: string, roleOid: number): Promise<{ large_objects: number; default_acls: number; dependencies: number }> {
  return withClient(withDatabase(inject('tenantryAdminUrl'), database), async (client) => {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM pg_largeobject_metadata WHERE lomowner = $1)::int AS large_objects,
              (SELECT count(*) FROM pg_default_acl WHERE defaclrole = $1)::int AS default_acls,
              (SELECT count(*) FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND refobjid = $1 AND deptype <> 'p'
                AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))::int AS dependencies`,
      [roleOid],
    );
    return rows[0];
  });
}

async function roleOid(client: pg.Client, username: string): Promise<number> {
  return (await client.query<{ oid: number }>('SELECT oid::int AS oid FROM pg_roles WHERE rolname = $1', [username])).rows[0]!.oid;
}

async function loginWorks(credentials: TenantCredentials): Promise<boolean> {
  const client = await connectAs(credentials.connectionString).catch(() => undefined);
  await client?.end();
  return client !== undefined;
}

describe('removeTenant and what the role has in other databases', () => {
  const fixture = useAdminFixture();
  let other: ScratchDatabase;
  const usernames: string[] = [];

  beforeAll(async () => {
    other = await createScratchDatabase(inject('tenantryAdminUrl'), 'other');
  });
  // Registered after the fixture's, so it runs before it (its roles can then be dropped): what a
  // failed test left goes with the other database, and with DROP OWNED BY in `postgres`.
  afterAll(async () => {
    await other?.drop();
    await withClient(inject('tenantryAdminUrl'), async (client) => {
      const { rows } = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [usernames]);
      for (const { rolname } of rows) await client.query(`DROP OWNED BY ${pg.escapeIdentifier(rolname)}`);
    });
  });

  const newTenant = async (): Promise<{ credentials: TenantCredentials; ref: TenantRef; oid: number }> => {
    const { admin, superuser } = fixture();
    const credentials = await admin.createTenant({ schemaName: uniqueName('t_else'), username: uniqueName('u_else') });
    const ref = { schemaName: credentials.schemaName, username: credentials.username };
    usernames.push(ref.username);
    return { credentials, ref, oid: await roleOid(superuser, credentials.username) };
  };

  it('a large object in the postgres database stops removal with TenantRemovalBlockedError naming it, and nothing changes; the option removes all', async () => {
    const { admin, superuser, database } = fixture();
    const { credentials, ref, oid } = await newTenant();
    const [made] = await asTenantIn<{ oid: number }>(credentials, 'postgres', 'SELECT lo_create(0)::int AS oid');
    await asTenantIn(credentials, database.name, 'SELECT lo_create(0)');
    const before = await fullSnapshot(superuser);

    const error = await admin.removeTenant(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantRemovalBlockedError);
    expect(error).toMatchObject({
      code: 'TENANT_REMOVAL_BLOCKED',
      schemaName: ref.schemaName,
      username: ref.username,
      blockers: [{ database: 'postgres', objects: [`large object ${made!.oid}`], count: 1, described: true }],
    });
    const message = (error as Error).message;
    expect(message).toContain(`database "postgres": large object ${made!.oid}`);
    expect(message).toContain('dropOwnedInOtherDatabases: true');
    expect(message).toContain('Nothing was changed');
    // The dry run makes the same check.
    await expect(admin.planRemoveTenant(ref)).rejects.toBeInstanceOf(TenantRemovalBlockedError);

    expect(await fullSnapshot(superuser)).toEqual(before);
    expect(await leftIn('postgres', oid)).toEqual({ large_objects: 1, default_acls: 0, dependencies: 1 });
    expect(await leftIn(database.name, oid)).toMatchObject({ large_objects: 1 });
    expect(await loginWorks(credentials)).toBe(true);
    expect((await admin.listTenants()).map((t) => t.schemaName)).toContain(ref.schemaName);

    const plan = await admin.planRemoveTenant(ref, { dropOwnedInOtherDatabases: true });
    const elsewhere = plan.statements.findIndex((s) => s.purpose.startsWith('in database "postgres"') && s.text === `DROP OWNED BY "${ref.username}"`);
    const dropSchema = plan.statements.findIndex((s) => s.text === `DROP SCHEMA "${ref.schemaName}" CASCADE`);
    expect(elsewhere).toBeGreaterThan(0);
    expect(dropSchema).toBeGreaterThan(elsewhere);
    expect(await fullSnapshot(superuser)).toEqual(before);

    await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true });
    expect(await leftIn('postgres', oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
    expect(await leftIn(database.name, oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE oid = $1', [oid])).rowCount).toBe(0);
    expect(await loginWorks(credentials)).toBe(false);
    expect((await admin.listTenants()).map((t) => t.schemaName)).not.toContain(ref.schemaName);
  });

  it('ALTER DEFAULT PRIVILEGES in another database: named, nothing changes; with the option the entries go in both databases', async () => {
    const { admin, superuser, database } = fixture();
    const { credentials, ref, oid } = await newTenant();
    const grant = 'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC';
    await asTenantIn(credentials, other.name, grant);
    await asTenantIn(credentials, database.name, grant);
    const before = await fullSnapshot(superuser);

    const error = await admin.removeTenant(ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantRemovalBlockedError);
    const described = `default privileges on new relations belonging to role ${ref.username}`;
    expect((error as TenantRemovalBlockedError).blockers).toEqual([{ database: other.name, objects: [described], count: 1, described: true }]);
    expect((error as Error).message).toContain(`database "${other.name}": ${described}`);
    expect(await fullSnapshot(superuser)).toEqual(before);
    expect(await leftIn(other.name, oid)).toMatchObject({ default_acls: 1 });
    expect(await loginWorks(credentials)).toBe(true);

    await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true });
    expect(await leftIn(other.name, oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
    expect(await leftIn(database.name, oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
    expect((await superuser.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [ref.schemaName])).rowCount).toBe(0);
    expect(await loginWorks(credentials)).toBe(false);
  });

  it('a database the admin cannot connect to is counted from the shared catalog; the option then fails without changing anything', async () => {
    const { admin, superuser } = fixture();
    const { credentials, ref, oid } = await newTenant();
    await asTenantIn(credentials, other.name, 'SELECT lo_create(0), lo_create(0)');
    const before = await fullSnapshot(superuser);
    const otherId = pg.escapeIdentifier(other.name);
    await withClient(inject('tenantryAdminUrl'), (client) => client.query(`ALTER DATABASE ${otherId} ALLOW_CONNECTIONS false`));
    try {
      const error = await admin.removeTenant(ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantRemovalBlockedError);
      expect((error as TenantRemovalBlockedError).blockers).toEqual([{ database: other.name, objects: ['2 in pg_largeobject (owned)'], count: 2, described: false }]);
      expect((error as Error).message).toContain('not described: the admin could not connect there');

      const optedIn = await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true }).catch((e: unknown) => e);
      expect(optedIn).toBeInstanceOf(ConnectionError);
      expect((optedIn as Error).message).toContain(`in database "${other.name}"`);
      expect(await fullSnapshot(superuser)).toEqual(before);
      expect(await loginWorks(credentials)).toBe(true);
    } finally {
      await withClient(inject('tenantryAdminUrl'), (client) => client.query(`ALTER DATABASE ${otherId} ALLOW_CONNECTIONS true`));
    }
    expect(await leftIn(other.name, oid)).toMatchObject({ large_objects: 2 });
    await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true });
    expect(await leftIn(other.name, oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
  });

  it("reaches the other database with the admin's own credentials also from a pool the caller made from a pg config", async () => {
    const { adminUrl } = fixture();
    const { credentials, ref, oid } = await newTenant();
    await asTenantIn(credentials, other.name, 'SELECT lo_create(0)');
    const url = new URL(adminUrl);
    // pg-pool hides a config's password from enumeration: the other database's connection must still get it.
    const pool = new pg.Pool({
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
    });
    const admin = new DatabaseAdmin(pool);
    try {
      await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true });
    } finally {
      await pool.end();
    }
    expect(await leftIn(other.name, oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
    expect(await loginWorks(credentials)).toBe(false);
  });

  it('when the last step fails, the tenant is still whole and listed, no borrowed grant is left, and calling again finishes', async () => {
    const { admin, superuser } = fixture();
    const { credentials, ref, oid } = await newTenant();
    await asTenantIn(credentials, other.name, 'SELECT lo_create(0)');
    // Owning a database is something only DROP ROLE notices: the final step fails after the other database is done.
    const owned = uniqueName('owned_by_tenant');
    await superuser.query(`CREATE DATABASE ${pg.escapeIdentifier(owned)} OWNER ${pg.escapeIdentifier(ref.username)}`);
    try {
      const memberships = async () => (await moreCatalogState(superuser))['memberships'];
      const membershipsBefore = await memberships();

      const error = await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).sqlState).toBe('2BP01');
      expect(await leftIn(other.name, oid)).toEqual({ large_objects: 0, default_acls: 0, dependencies: 0 });
      expect(await memberships()).toEqual(membershipsBefore);
      expect(await loginWorks(credentials)).toBe(true);
      expect((await admin.listTenants()).map((t) => t.schemaName)).toContain(ref.schemaName);
      expect((await superuser.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [ref.schemaName])).rowCount).toBe(1);
    } finally {
      await superuser.query(`DROP DATABASE ${pg.escapeIdentifier(owned)}`);
    }
    await admin.removeTenant(ref, { dropOwnedInOtherDatabases: true });
    expect(await loginWorks(credentials)).toBe(false);
    expect((await admin.listTenants()).map((t) => t.schemaName)).not.toContain(ref.schemaName);
  });
});

describe("removeTenant and the tenant's open sessions", () => {
  const fixture = useAdminFixture();

  it('ends them in every database, even one in a transaction holding a lock on its table: their next query fails', async () => {
    const { adminUrl, superuser, database } = fixture();
    // Without ending sessions first, DROP SCHEMA would wait for the tenant's lock: fail fast instead of hanging.
    const url = new URL(adminUrl);
    url.searchParams.set('options', '-c lock_timeout=10000');
    const admin = new DatabaseAdmin(url.toString());
    try {
      const credentials = await admin.createTenant({ schemaName: uniqueName('t_sess'), username: uniqueName('u_sess') });
      const ref = { schemaName: credentials.schemaName, username: credentials.username };
      const open = async (db: string) => {
        const client = await connectAs(withDatabase(credentials.connectionString, db));
        client.on('error', () => undefined); // the server ends the session: the next query reports it
        return client;
      };
      const idleHere = await open(database.name);
      const idleInPostgres = await open('postgres');
      const holdingLock = await open(database.name);
      await holdingLock.query('CREATE TABLE notes (id int); BEGIN; SELECT * FROM notes');
      for (const client of [idleHere, idleInPostgres]) await client.query('SELECT 1');

      await admin.removeTenant(ref);

      for (const client of [idleHere, idleInPostgres, holdingLock]) {
        await expect(client.query('SELECT 1')).rejects.toThrow();
        await client.end().catch(() => undefined);
      }
      const { rows } = await superuser.query('SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE usename = $1', [ref.username]);
      expect(rows[0]).toEqual({ sessions: 0 });
    } finally {
      await admin.close();
    }
  });
});
