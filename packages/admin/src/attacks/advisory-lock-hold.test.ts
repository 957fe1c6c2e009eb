import { afterAll, describe, expect, it } from 'vitest';
import { TenantBusyError } from '@tenantry/core';
import { advisoryLockKey } from '@tenantry/sql/postgres';
import { DatabaseAdmin } from '../database-admin.js';
import { connectAs, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';

/*
 * Tenantry serialises the operations on one tenant with advisory locks whose
 * keys anyone can compute from the names. A tenant that takes its own key in a
 * session of its own must not stall its rotation or removal forever: the admin
 * gives up after lockTimeoutMillis with TenantBusyError, changing nothing, and
 * goes on once the session is gone.
 */
describe('a tenant holding its own advisory lock', () => {
  const fixture = useAdminFixture();
  const admins: DatabaseAdmin[] = [];
  afterAll(async () => {
    for (const admin of admins) await admin.close();
  });

  it('makes rotate and remove fail with TenantBusyError after the lock timeout, and removal works once it lets go', async () => {
    const admin = new DatabaseAdmin(fixture().adminUrl, { lockTimeoutMillis: 300 });
    admins.push(admin);
    const tenant = await admin.createTenant({ schemaName: uniqueName('busy'), username: uniqueName('busy_user') });
    const session = await connectAs(tenant.connectionString);
    try {
      await session.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('role', tenant.username).toString()]);
      const ref = { schemaName: tenant.schemaName, username: tenant.username };
      await expect(admin.rotatePassword(ref)).rejects.toBeInstanceOf(TenantBusyError);
      const error = await admin.removeTenant(ref).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(TenantBusyError);
      expect(error).toMatchObject({ sqlState: '55P03', code: 'TENANT_BUSY' });
      expect((error as Error).message).toContain('300 ms');
      expect(await admin.tenantExists(tenant.schemaName)).toBe(true);
      // The old password still logs in: the rotation changed nothing.
      const again = await connectAs(tenant.connectionString);
      await again.end();
    } finally {
      await session.end().catch(() => undefined);
    }
    await admin.removeTenant({ schemaName: tenant.schemaName, username: tenant.username });
    expect(await admin.tenantExists(tenant.schemaName)).toBe(false);
  });

  it('refuses a lock timeout that is not a whole number of milliseconds', () => {
    expect(() => new DatabaseAdmin(fixture().adminUrl, { lockTimeoutMillis: -1 })).toThrow(/lockTimeoutMillis/);
    expect(() => new DatabaseAdmin(fixture().adminUrl, { lockTimeoutMillis: 1.5 })).toThrow(/lockTimeoutMillis/);
  });
});
