import pg from 'pg';
import { sql, type Kysely, type Migration } from 'kysely';
import { describe, expect, it } from 'vitest';
import { TenantNotFoundError, TenantNotManagedError, ValidationError } from '@tenantry/core';
import { openSession, refusedLogin, sessionEnded } from './test-support/session-probes.js';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('suspendTenant and resumeTenant', () => {
  const fixture = useAdminFixture();

  it('ends open sessions, refuses logins of the tenant and its credentials, keeps the data; resume lets them in again', async () => {
    const { admin } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_sus'), username: uniqueName('u_sus') });
    const setup = await connectAs(tenant.connectionString);
    await setup.query(`CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (1), (2)`);
    await setup.end();
    const credentials = await admin.issueCredentials(tenant);
    const ownSession = await openSession(tenant.connectionString);
    const credentialSession = await openSession(credentials.connectionString);

    await admin.suspendTenant(tenant);
    expect(await sessionEnded(ownSession)).toBeDefined();
    expect(await sessionEnded(credentialSession)).toBeDefined();
    expect(await refusedLogin(tenant.connectionString)).toBe('28000');
    expect(await refusedLogin(credentials.connectionString)).toBe('28000');
    const refused = await admin.issueCredentials(tenant).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).rule).toBe('tenant-suspended');

    await admin.resumeTenant(tenant);
    const back = await connectAs(tenant.connectionString);
    expect((await back.query('SELECT count(*)::int AS n FROM invoices')).rows[0].n).toBe(2);
    await back.end();
    await (await connectAs(credentials.connectionString)).end();
    await (await connectAs((await admin.issueCredentials(tenant)).connectionString)).end();
  });

  it('shows a suspended tenant as such in list, show and verify, where it is not broken', async () => {
    const { admin, adminRole } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_sus'), username: uniqueName('u_sus') });
    const before = Date.now();
    await admin.suspendTenant(tenant);
    const listed = (await admin.listTenants()).find((t) => t.schemaName === tenant.schemaName)!;
    expect(listed.suspended?.by).toBe(adminRole);
    expect(listed.suspended!.since.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await admin.getTenant(tenant.schemaName))?.suspended?.by).toBe(adminRole);
    const report = await admin.verifyTenant(tenant.schemaName);
    expect(report.ok).toBe(true);
    expect(report.suspended?.by).toBe(adminRole);
    expect(report.checks.find((check) => check.id === 'role.can-login')?.ok).toBe(true);
    await admin.resumeTenant(tenant);
    expect((await admin.getTenant(tenant.schemaName))?.suspended).toBeUndefined();
    expect((await admin.verifyTenant(tenant.schemaName)).suspended).toBeUndefined();
  });

  it('keeps an expired credential locked out after resume', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_sus'), username: uniqueName('u_sus') });
    const credentials = await admin.issueCredentials(tenant);
    await admin.suspendTenant(tenant);
    await superuser.query(`ALTER ROLE ${pg.escapeIdentifier(credentials.username)} VALID UNTIL '2000-01-01'`);
    await admin.resumeTenant(tenant);
    const { rows } = await superuser.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [credentials.username]);
    expect(rows[0].rolcanlogin).toBe(false);
    // An expired login fails as a wrong password does.
    expect(['28P01', '28000']).toContain(await refusedLogin(credentials.connectionString));
  });

  it('keeps the suspension in the marker when migrations are recorded, and the migrations when it ends', async () => {
    const { admin } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t_sus'), username: uniqueName('u_sus') });
    await admin.suspendTenant(tenant);
    const migrations: Record<string, Migration> = {
      '001_accounts': { up: async (db: Kysely<any>) => void (await sql`CREATE TABLE accounts (id int)`.execute(db)) },
    };
    const outcomes = await admin.migrateTenants({ migrations: { getMigrations: async () => migrations } });
    expect(outcomes.find((o) => o.schemaName === tenant.schemaName)?.status).toBe('migrated');
    const suspended = await admin.getTenant(tenant.schemaName);
    expect(suspended?.suspended).toBeDefined();
    expect(suspended?.migrations).toEqual({ last: '001_accounts', count: 1 });
    await admin.resumeTenant(tenant);
    const resumed = await admin.getTenant(tenant.schemaName);
    expect(resumed?.suspended).toBeUndefined();
    expect(resumed?.migrations).toEqual({ last: '001_accounts', count: 1 });
  });

  it('refuses a tenant it did not create, changing nothing', async () => {
    const { admin, superuser } = fixture();
    const role = uniqueName('handmade');
    const schema = uniqueName('handmade');
    await superuser.query(`CREATE ROLE ${role} LOGIN PASSWORD 'x'; CREATE SCHEMA ${schema}`);
    const before = await catalogSnapshot(superuser);
    await expect(admin.suspendTenant({ schemaName: schema, username: role })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.resumeTenant({ schemaName: schema, username: role })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.suspendTenant({ schemaName: uniqueName('none'), username: uniqueName('none') })).rejects.toBeInstanceOf(TenantNotFoundError);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });
});
