import { PermissionError } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { describe, expect, it } from 'vitest';
import { connectAs, expectSqlState, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('prepare', () => {
  const fixture = useAdminFixture({ prepare: false });

  it('revokes PUBLIC on schema public, keeps named roles, and reports it; a second run changes nothing', async () => {
    const { admin, superuser, database } = fixture();
    const appRole = uniqueName('app_role');
    await superuser.query(`
      GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC;
      CREATE ROLE ${appRole} LOGIN PASSWORD 'app-pass';
      CREATE TABLE public.app_table (id int);
      GRANT SELECT ON public.app_table TO ${appRole};`);

    const first = await admin.prepare({ keepPublicFor: [appRole] });
    expect(first).toMatchObject({
      database: database.name,
      changed: true,
      revokedFromPublic: ['CREATE', 'USAGE'],
      grantedUsageTo: [appRole],
    });
    expect(first.statements).toEqual(['REVOKE ALL ON SCHEMA public FROM PUBLIC;', `GRANT USAGE ON SCHEMA public TO "${appRole}";`]);

    const second = await admin.prepare({ keepPublicFor: [appRole] });
    expect(second).toMatchObject({ changed: false, revokedFromPublic: [], grantedUsageTo: [], statements: [] });

    const { rows } = await superuser.query(
      `SELECT has_schema_privilege($1, 'public', 'USAGE') AS app_usage,
              EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0) AS public_has_rights`,
      [appRole],
    );
    expect(rows[0]).toEqual({ app_usage: true, public_has_rights: false });

    const appUrl = new URL(database.url);
    appUrl.username = appRole;
    appUrl.password = 'app-pass';
    const app = await connectAs(appUrl.toString());
    try {
      await app.query('SELECT * FROM public.app_table');
      await expectSqlState(app.query('CREATE TABLE public.app_new (id int)'), '42501');
    } finally {
      await app.end();
    }
    await superuser.query(`DROP TABLE public.app_table; REVOKE ALL ON SCHEMA public FROM ${appRole}; DROP ROLE ${appRole}`);
  });

  it('refuses to keep roles that do not exist, changing nothing', async () => {
    const { admin, superuser } = fixture();
    await superuser.query('GRANT USAGE ON SCHEMA public TO PUBLIC');
    await expect(admin.prepare({ keepPublicFor: [uniqueName('ghost')] })).rejects.toMatchObject({ rule: 'unknown-role' });
    const { rows } = await superuser.query(
      `SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0) AS open`,
    );
    expect(rows[0].open).toBe(true);
    await admin.prepare();
  });
});

describe('prepare by an admin that does not own schema public', () => {
  const fixture = useAdminFixture({ prepare: false });

  it('fails with a PermissionError naming the ownership it lacks, and changes nothing', async () => {
    const { superuser, database } = fixture();
    const outsider = uniqueName('outsider');
    await superuser.query(`
      GRANT USAGE ON SCHEMA public TO PUBLIC;
      CREATE ROLE ${outsider} LOGIN CREATEROLE PASSWORD 'outsider-pass';
      GRANT CREATE ON DATABASE ${database.name} TO ${outsider};`);
    const url = new URL(database.url);
    url.username = outsider;
    url.password = 'outsider-pass';
    const admin = new DatabaseAdmin(url.toString());
    try {
      const error = await admin.prepare().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionError);
      expect(error).toMatchObject({ privilege: 'ownership of schema public' });
      const { rows } = await superuser.query(
        `SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0) AS open`,
      );
      expect(rows[0].open).toBe(true);
    } finally {
      await admin.close();
      await superuser.query(`REVOKE ALL ON DATABASE ${database.name} FROM ${outsider}; DROP ROLE ${outsider}`);
    }
  });
});
