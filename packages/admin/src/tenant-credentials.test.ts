import { inspect } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { IssuedCredentials, TenantNotFoundError, TenantNotManagedError, ValidationError } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { openSession, refusedLogin, sessionEnded } from './test-support/session-probes.js';
import { catalogSnapshot, connectAs, expectSqlState, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';
import { queryRecordingPool } from './test-support/query-recording-pool.js';

describe('issueCredentials', () => {
  const fixture = useAdminFixture();

  async function newTenant() {
    return fixture().admin.createTenant({ schemaName: uniqueName('t_cred'), username: uniqueName('u_cred') });
  }

  it('issues a login that acts as the tenant, expires at now + ttl, and leaves the tenant its own password', async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const before = Date.now();
    const credentials = await admin.issueCredentials(tenant, { ttl: 600 });
    expect(credentials).toBeInstanceOf(IssuedCredentials);
    expect(credentials.username).toMatch(/^tenantry_cred_[a-z0-9]{20}$/);
    expect(credentials.schemaName).toBe(tenant.schemaName);
    expect(credentials.tenantUsername).toBe(tenant.username);
    expect(credentials.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    expect(credentials.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
    const { rows: catalog } = await superuser.query('SELECT rolvaliduntil, rolinherit, rolcanlogin FROM pg_roles WHERE rolname = $1', [credentials.username]);
    expect(catalog[0].rolvaliduntil.getTime()).toBe(credentials.expiresAt.getTime());
    expect(catalog[0].rolinherit).toBe(false);
    expect(catalog[0].rolcanlogin).toBe(true);

    const session = await connectAs(credentials.connectionString);
    const { rows } = await session.query('SELECT current_user AS acting, session_user AS login, current_schema() AS schema');
    expect(rows[0]).toEqual({ acting: tenant.username, login: credentials.username, schema: tenant.schemaName });
    await session.query('CREATE TABLE made_by_credential (id int)');
    await session.end();
    const owner = await superuser.query(
      `SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'made_by_credential'`,
      [tenant.schemaName],
    );
    expect(owner.rows[0].tableowner).toBe(tenant.username);

    const own = await connectAs(tenant.connectionString);
    expect((await own.query('SELECT count(*)::int AS n FROM made_by_credential')).rows[0].n).toBe(0);
    await own.end();
    // A credential is a member of the tenant's role, never the other way round: the tenant's isolation holds.
    expect((await admin.verifyTenant(tenant.schemaName)).ok).toBe(true);
    const { rows: memberships } = await superuser.query(
      `SELECT g.rolname AS of FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles c ON c.oid = m.member WHERE c.rolname = $1`,
      [credentials.username],
    );
    expect(memberships).toEqual([{ of: tenant.username }]);
  });

  it('keeps the password out of util.inspect, JSON and spreads', async () => {
    const { admin } = fixture();
    const credentials = await admin.issueCredentials(await newTenant());
    for (const shown of [inspect(credentials), JSON.stringify(credentials), String(credentials), JSON.stringify({ ...credentials })]) {
      expect(shown).not.toContain(credentials.password);
    }
    expect(Object.keys(credentials)).not.toContain('password');
    expect(credentials.password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('issues in a single round trip on the admin connection', async () => {
    const { adminUrl } = fixture();
    const { pool, sent } = queryRecordingPool(adminUrl);
    const admin = new DatabaseAdmin(pool);
    try {
      const tenant = await admin.createTenant({ schemaName: uniqueName('t_trip'), username: uniqueName('u_trip') });
      sent.length = 0;
      const credentials = await admin.issueCredentials(tenant, { ttl: 60 });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toContain('CREATE ROLE');
      expect(sent[0]).not.toContain(credentials.password);
      await (await connectAs(credentials.connectionString)).end();
      await admin.removeTenant(tenant);
    } finally {
      await admin.close();
      await pool.end();
    }
  });

  it('refuses a bad ttl, a tenant it did not create and one that does not exist, creating nothing', async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const role = uniqueName('handmade');
    const schema = uniqueName('handmade');
    await superuser.query(`CREATE ROLE ${role} LOGIN PASSWORD 'x'; CREATE SCHEMA ${schema}`);
    const before = await catalogSnapshot(superuser);
    for (const ttl of [0, -1, 1.5, 365 * 24 * 3600 + 1, Number.NaN, '60' as unknown as number]) {
      const error = await admin.issueCredentials(tenant, { ttl }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('ttl');
    }
    await expect(admin.issueCredentials({ schemaName: schema, username: role })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.issueCredentials({ schemaName: tenant.schemaName, username: role })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.issueCredentials({ schemaName: uniqueName('none'), username: uniqueName('none') })).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(admin.issueCredentials({ schemaName: tenant.schemaName, username: uniqueName('none') })).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(admin.listCredentials({ schemaName: schema, username: role })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.listCredentials({ schemaName: uniqueName('none'), username: uniqueName('none') })).rejects.toBeInstanceOf(TenantNotFoundError);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });

  it('lets an expired credential log in no more, lists it as expired, and the sweep drops it and ends its session', async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const expiring = await admin.issueCredentials(tenant, { ttl: 3600 });
    const lasting = await admin.issueCredentials(tenant, { ttl: 3600 });
    const open = await openSession(expiring.connectionString);
    // Expire it now, as time would: no sleep, no dependence on the machine's speed.
    await superuser.query(`ALTER ROLE ${pg.escapeIdentifier(expiring.username)} VALID UNTIL '2000-01-01'`);
    expect(['28P01', '28000']).toContain(await refusedLogin(expiring.connectionString));
    await (await connectAs(lasting.connectionString)).end();

    const listed = await admin.listCredentials(tenant);
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect(listed.map(({ name, expired }) => ({ name, expired })).sort(byName)).toEqual(
      [
        { name: expiring.username, expired: true },
        { name: lasting.username, expired: false },
      ].sort(byName),
    );
    expect(listed.find((c) => c.name === lasting.username)!.expiresAt.getTime()).toBe(lasting.expiresAt.getTime());

    const swept = await admin.sweepCredentials();
    expect(swept.filter((c) => c.schemaName === tenant.schemaName).map(({ name, dropped }) => ({ name, dropped }))).toEqual([{ name: expiring.username, dropped: true }]);
    expect(await sessionEnded(open)).toBeDefined();
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [expiring.username])).rowCount).toBe(0);
    expect((await admin.listCredentials(tenant)).map((c) => c.name)).toEqual([lasting.username]);
  });

  it('leaves credentials alone when the tenant password is rotated', async () => {
    const { admin } = fixture();
    const tenant = await newTenant();
    const credentials = await admin.issueCredentials(tenant);
    await admin.rotatePassword(tenant, { terminateSessions: true });
    await (await connectAs(credentials.connectionString)).end();
  });
});

describe('revokeCredentials', () => {
  const fixture = useAdminFixture();

  it('ends its open sessions and drops it; the tenant and its other credentials stay', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_rev'), username: uniqueName('u_rev') });
    const revoked = await admin.issueCredentials(tenant);
    const kept = await admin.issueCredentials(tenant);
    const open = await openSession(revoked.connectionString);
    await admin.revokeCredentials(tenant, revoked.username);
    expect(await sessionEnded(open)).toBeDefined();
    expect(['28P01', '28000']).toContain(await refusedLogin(revoked.connectionString));
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [revoked.username])).rowCount).toBe(0);
    await (await connectAs(kept.connectionString)).end();
    await (await connectAs(tenant.connectionString)).end();
    expect((await admin.listCredentials(tenant)).map((c) => c.name)).toEqual([kept.username]);
  });

  it("refuses an unknown credential, another tenant's, a tenant's own login and a bad name, changing nothing", async () => {
    const { admin, superuser } = fixture();
    const first = await admin.createTenant({ schemaName: uniqueName('t_rev'), username: uniqueName('u_rev') });
    const second = await admin.createTenant({ schemaName: uniqueName('t_rev'), username: uniqueName('u_rev') });
    const ofSecond = await admin.issueCredentials(second);
    const before = await catalogSnapshot(superuser);
    await expect(admin.revokeCredentials(first, ofSecond.username)).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.revokeCredentials(first, 'tenantry_cred_aaaaaaaaaaaaaaaaaaaa')).rejects.toBeInstanceOf(TenantNotFoundError);
    await expect(admin.revokeCredentials(first, first.username)).rejects.toBeInstanceOf(ValidationError);
    await expect(admin.revokeCredentials(first, 'tenantry_cred_"; DROP ROLE x; --')).rejects.toBeInstanceOf(ValidationError);
    expect(await catalogSnapshot(superuser)).toEqual(before);
    await (await connectAs(ofSecond.connectionString)).end();
  });

  it('can do nothing its tenant cannot, even as itself (SET ROLE NONE), and what it makes as itself does not block revocation', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_lim'), username: uniqueName('u_lim') });
    const other = await admin.createTenant({ schemaName: uniqueName('t_lim'), username: uniqueName('u_lim') });
    const otherSession = await connectAs(other.connectionString);
    await otherSession.query('CREATE TABLE secrets (v text)');
    await otherSession.end();
    const credentials = await admin.issueCredentials(tenant);
    const session = await openSession(credentials.connectionString);
    // As the tenant: nothing of the other tenant's, no role switch elsewhere.
    await expectSqlState(session.query(`SELECT * FROM ${pg.escapeIdentifier(other.schemaName)}.secrets`), '42501');
    await expectSqlState(session.query(`SET ROLE ${pg.escapeIdentifier(other.username)}`), '42501');
    await expectSqlState(session.query(`CREATE ROLE ${uniqueName('r')}`), '42501');
    // RESET ROLE goes back to the login's default role: the tenant's.
    await session.query('RESET ROLE');
    expect((await session.query('SELECT current_user AS who')).rows[0].who).toBe(tenant.username);
    // As itself, after SET ROLE NONE: less than the tenant, not even its own schema.
    await session.query('SET ROLE NONE');
    expect((await session.query('SELECT current_user AS who')).rows[0].who).toBe(credentials.username);
    await expectSqlState(session.query(`CREATE TABLE ${pg.escapeIdentifier(tenant.schemaName)}.as_itself (id int)`), '42501');
    await expectSqlState(session.query(`SELECT * FROM ${pg.escapeIdentifier(other.schemaName)}.secrets`), '42501');
    await expectSqlState(session.query('CREATE TABLE public.as_itself (id int)'), '42501');
    await expectSqlState(session.query(`ALTER ROLE ${pg.escapeIdentifier(credentials.username)} VALID UNTIL 'infinity'`), '42501');
    // What PUBLIC lets any login make, it makes as itself: a large object.
    await session.query('SELECT lo_create(0)');
    const owned = await superuser.query('SELECT count(*)::int AS n FROM pg_largeobject_metadata m JOIN pg_roles r ON r.oid = m.lomowner WHERE r.rolname = $1', [credentials.username]);
    expect(owned.rows[0].n).toBe(1);
    await admin.revokeCredentials(tenant, credentials.username);
    expect(await sessionEnded(session)).toBeDefined();
    expect((await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credentials.username])).rowCount).toBe(0);
  });

  it('goes with its tenant: removeTenant drops every credential, open sessions and objects of its own included', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_rm'), username: uniqueName('u_rm') });
    const first = await admin.issueCredentials(tenant);
    const second = await admin.issueCredentials(tenant);
    const session = await openSession(first.connectionString);
    await session.query('CREATE TABLE kept_until_removal (id int)');
    await session.query('SET ROLE NONE');
    await session.query('SELECT lo_create(0)');
    await admin.removeTenant(tenant);
    expect(await sessionEnded(session)).toBeDefined();
    const { rows } = await superuser.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[first.username, second.username, tenant.username]]);
    expect(rows).toEqual([]);
  });
});
