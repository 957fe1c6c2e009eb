import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TenantAlreadyExistsError, TenantNotManagedError } from '@tenantry/core';
import { DatabaseAdmin } from '../database-admin.js';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';
import { createManyTables, tableCount } from '../test-support/many-tables.js';
import { describeError, settle, terminateBackend, waitUntilBlocked, withApplicationName } from './support/lock-blocker.js';

/*
 * A removal in batches dies half-way: the admin's backend is terminated (as
 * an operator, a failover or a proxy would) while one batch waits for a lock
 * a side session holds on the schema's last table. The batches before it
 * committed. The tenant must be listed as being removed, not as whole, and a
 * second removeTenant must finish it.
 */
describe('removeTenant interrupted between batches', () => {
  const fixture = useAdminFixture();

  it('leaves the tenant marked as being removed, and a second call finishes it', async () => {
    const { admin, adminUrl, adminRole, superuser, database } = fixture();
    const before = await catalogSnapshot(superuser);
    const tenant = { schemaName: uniqueName('half'), username: uniqueName('half') };
    const credentials = await admin.createTenant(tenant);
    // Enough for several batches under the default lock table (a batch holds about a hundred of these).
    await createManyTables(credentials.connectionString, 400);
    const extra = await admin.issueCredentials(tenant, { ttl: 600 });

    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    const applicationName = uniqueName('remover');
    const remover = new DatabaseAdmin(withApplicationName(adminUrl, applicationName));
    try {
      // The last table by name is in the last batch: the ones before it commit, then the batch waits here.
      await blocker.query(`BEGIN; LOCK TABLE "${tenant.schemaName}".t00400 IN ACCESS SHARE MODE`);
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const removal = settle(remover.removeTenant(tenant));
      const [adminPid] = await waitUntilBlocked(superuser, { applicationName, blockerPid, timeoutMs: 30_000 });
      await terminateBackend(superuser, adminPid!);
      const outcome = await removal;
      expect(outcome.ok, outcome.ok ? 'the removal succeeded' : describeError(outcome.error)).toBe(false);
      await blocker.query('ROLLBACK');

      // Half-way: some batches committed, the rest of the schema is there.
      const left = await tableCount(superuser, tenant.schemaName);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(400);
      // Listed, but as being removed, not whole.
      const listed = (await admin.listTenants()).find((info) => info.schemaName === tenant.schemaName);
      expect(listed).toMatchObject({ username: tenant.username, roleIntact: false, removing: { by: adminRole } });
      expect(listed!.removing!.since).toBeInstanceOf(Date);
      expect((await admin.getTenant(tenant.schemaName))?.removing?.by).toBe(adminRole);
      // Its login is shut, and nothing else may act on it meanwhile.
      const login = await connectAs(credentials.connectionString).then((client) => client.end(), (error: unknown) => error);
      expect((login as { code?: string } | undefined)?.code).toBe('28000');
      await expect(admin.createTenant(tenant)).rejects.toBeInstanceOf(TenantAlreadyExistsError);
      await expect(admin.rotatePassword(tenant)).rejects.toBeInstanceOf(TenantNotManagedError);
      await expect(admin.renameTenant(tenant, { schemaName: uniqueName('other') })).rejects.toBeInstanceOf(TenantNotManagedError);
      // Its credentials went when the removal began; none can be issued, and it cannot be suspended or resumed (given logins back).
      const extraLogin = await connectAs(extra.connectionString).then((client) => client.end(), (error: unknown) => error);
      expect((extraLogin as { code?: string } | undefined)?.code).toBe('28P01');
      await expect(admin.issueCredentials(tenant, { ttl: 600 })).rejects.toBeInstanceOf(TenantNotManagedError);
      await expect(admin.suspendTenant(tenant)).rejects.toBeInstanceOf(TenantNotManagedError);
      await expect(admin.resumeTenant(tenant)).rejects.toBeInstanceOf(TenantNotManagedError);
      const report = await admin.doctor();
      expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'tenant-removing', objectName: tenant.schemaName, repaired: false }));

      await admin.removeTenant(tenant);
    } finally {
      await blocker.end();
      await remover.close();
    }
    expect(await tableCount(superuser, tenant.schemaName)).toBe(0);
    expect(await catalogSnapshot(superuser)).toEqual(before);
    expect((await admin.listTenants()).map((info) => info.schemaName)).not.toContain(tenant.schemaName);
  });
});
