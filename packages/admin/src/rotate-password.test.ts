import { describe, expect, it } from 'vitest';
import { TenantNotFoundError, TenantNotManagedError, ValidationError } from '@tenantry/core';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('rotatePassword', () => {
  const fixture = useAdminFixture();

  it('sets a generated password: the new one logs in, the old one stops at once', async () => {
    const { admin } = fixture();
    const before = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const after = await admin.rotatePassword(before);
    expect(after.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(after.password).not.toBe(before.password);
    expect(after.schemaName).toBe(before.schemaName);
    await (await connectAs(after.connectionString)).end();
    const refused = await connectAs(before.connectionString).catch((e: unknown) => e);
    expect(['28P01', '28000']).toContain((refused as { code?: string }).code);
  });

  it('uses a given password and can set or clear an expiry', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const expiry = new Date(Date.now() + 86_400_000);
    const rotated = await admin.rotatePassword(tenant, { password: `New p@ss ${uniqueName('x')}`, validUntil: expiry });
    await (await connectAs(rotated.connectionString)).end();
    const valid = async () =>
      (await superuser.query('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [tenant.username])).rows[0].rolvaliduntil;
    expect((await valid()).getTime()).toBe(Math.floor(expiry.getTime() / 1000) * 1000 + (expiry.getTime() % 1000));
    await admin.rotatePassword(tenant, { password: rotated.password, validUntil: null });
    expect(await valid()).toBe(Infinity);
  });

  it('keeps open sessions by default and ends them with terminateSessions', async () => {
    const { admin } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const open = await connectAs(tenant.connectionString);
    open.on('error', () => undefined);
    await admin.rotatePassword(tenant);
    expect((await open.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await admin.rotatePassword(tenant, { terminateSessions: true });
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => undefined);
  });

  it('leaves a least-privilege admin no member of the tenant role after ending sessions', async () => {
    const { admin, superuser, adminRole } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    await admin.rotatePassword(tenant, { terminateSessions: true });
    const { rows } = await superuser.query(
      `SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles a ON a.oid = m.member
        WHERE g.rolname = $1 AND a.rolname = $2 AND (m.inherit_option OR m.set_option)`,
      [tenant.username, adminRole],
    ).catch(async () =>
      // Before PostgreSQL 16 membership has no options: any row would be a leftover grant.
      superuser.query(
        `SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles a ON a.oid = m.member
          WHERE g.rolname = $1 AND a.rolname = $2`,
        [tenant.username, adminRole],
      ),
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses tenants it did not create and bad input, changing nothing', async () => {
    const { admin, superuser } = fixture();
    const role = uniqueName('handmade');
    const schema = uniqueName('handmade');
    await superuser.query(`CREATE ROLE ${role} LOGIN PASSWORD 'x'; CREATE SCHEMA ${schema}`);
    const before = await catalogSnapshot(superuser);
    await expect(admin.rotatePassword({ schemaName: schema, username: role })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.rotatePassword({ schemaName: uniqueName('none'), username: uniqueName('none') })).rejects.toBeInstanceOf(
      TenantNotFoundError,
    );
    await expect(admin.rotatePassword({ schemaName: schema, username: role }, { password: 'bad\u0000' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const hash = async () => (await superuser.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows[0].rolpassword;
    const hashBefore = await hash();
    expect(await catalogSnapshot(superuser)).toEqual(before);
    expect(await hash()).toBe(hashBefore);
    await superuser.query(`DROP SCHEMA ${schema}; DROP ROLE ${role}`);
  });
});
