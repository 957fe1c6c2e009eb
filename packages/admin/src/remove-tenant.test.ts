import { describe, expect, it } from 'vitest';
import { TenantNotFoundError, TenantNotManagedError } from '@tenantry/core';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('removeTenant', () => {
  const fixture = useAdminFixture();

  it('drops the schema with objects the tenant made itself, its privileges, default privileges and role', async () => {
    const { admin, superuser } = fixture();
    const before = await catalogSnapshot(superuser);
    const credentials = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const tenant = await connectAs(credentials.connectionString);
    await tenant.query(`
      CREATE TABLE notes (id serial, body text);
      CREATE VIEW note_bodies AS SELECT body FROM notes;
      CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM notes $$;
      CREATE TYPE mood AS ENUM ('ok');
      SELECT lo_create(0);`);
    await tenant.end();

    await admin.removeTenant({ schemaName: credentials.schemaName, username: credentials.username });

    expect(await catalogSnapshot(superuser)).toEqual(before);
    const { rows } = await superuser.query(
      `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = $1)::int AS schemas,
              (SELECT count(*) FROM pg_roles WHERE rolname = $2)::int AS roles,
              (SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = $1)::int AS default_acls`,
      [credentials.schemaName, credentials.username],
    );
    expect(rows[0]).toEqual({ schemas: 0, roles: 0, default_acls: 0 });
    // scram-sha-256 answers 28P01 for an unknown role (not to reveal it); trust answers 28000.
    const loginError = await connectAs(credentials.connectionString).catch((e: unknown) => e);
    expect(['28P01', '28000']).toContain((loginError as { code?: string }).code);
    expect((await admin.listTenants()).map((t) => t.schemaName)).not.toContain(credentials.schemaName);
  });

  it('refuses a schema Tenantry did not create, and changes nothing', async () => {
    const { admin, superuser } = fixture();
    const schema = uniqueName('handmade');
    const role = uniqueName('handmade_role');
    await superuser.query(`CREATE SCHEMA ${schema}; CREATE ROLE ${role}`);
    const before = await catalogSnapshot(superuser);
    await expect(admin.removeTenant({ schemaName: schema, username: role })).rejects.toMatchObject({
      name: 'TenantNotManagedError',
      objectKind: 'schema',
    });
    expect(await catalogSnapshot(superuser)).toEqual(before);
    await superuser.query(`DROP SCHEMA ${schema}; DROP ROLE ${role}`);
  });

  it("refuses to pair a tenant's schema with another role, even a managed one", async () => {
    const { admin } = fixture();
    const a = await admin.createTenant({ schemaName: uniqueName('ta'), username: uniqueName('ua') });
    const b = await admin.createTenant({ schemaName: uniqueName('tb'), username: uniqueName('ub') });
    await expect(admin.removeTenant({ schemaName: a.schemaName, username: b.username })).rejects.toBeInstanceOf(TenantNotManagedError);
    const handmade = uniqueName('handmade_role');
    const { superuser } = fixture();
    await superuser.query(`CREATE ROLE ${handmade}`);
    await expect(admin.removeTenant({ schemaName: a.schemaName, username: handmade })).rejects.toBeInstanceOf(TenantNotManagedError);
    await superuser.query(`DROP ROLE ${handmade}`);
    // Both tenants are still whole.
    for (const credentials of [a, b]) (await connectAs(credentials.connectionString)).end();
    expect((await admin.listTenants()).map((t) => t.schemaName)).toEqual(expect.arrayContaining([a.schemaName, b.schemaName]));
  });

  it('reports a missing tenant as TenantNotFoundError', async () => {
    const { admin } = fixture();
    await expect(admin.removeTenant({ schemaName: uniqueName('nobody'), username: uniqueName('nobody') })).rejects.toBeInstanceOf(
      TenantNotFoundError,
    );
  });

  it('validates names before any I/O', async () => {
    const { admin } = fixture();
    await expect(admin.removeTenant({ schemaName: 'public', username: 'x' })).rejects.toMatchObject({ rule: 'reserved-name' });
  });
});
