import { describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * connectionBudget against a real server: its max_connections and reserved
 * slots read from the server, the tenants' CONNECTION LIMITs from their
 * roles, put together with the pooler's pool size and the admin's pool.
 */

describe('connectionBudget', () => {
  const fixture = useAdminFixture();

  /** What the server says, read as the superuser: the slots ordinary logins can take. */
  async function serverSlots(): Promise<{ max: number; reserved: number }> {
    const { rows } = await fixture().superuser.query(
      `SELECT current_setting('max_connections')::int AS max,
              current_setting('superuser_reserved_connections')::int + COALESCE(NULLIF(current_setting('reserved_connections', true), '')::int, 0) AS reserved`,
    );
    return rows[0];
  }

  it('with no tenants: the admin\'s pool against the server, which fits', async () => {
    const budget = await fixture().admin.connectionBudget();
    const { max, reserved } = await serverSlots();
    expect(budget).toEqual({
      maxConnections: max,
      reservedConnections: reserved,
      available: max - reserved,
      adminConnections: 10,
      poolSize: undefined,
      tenants: 0,
      unlimitedTenants: 0,
      tenantConnections: 0,
      worstCase: 10,
      exceeds: false,
      warning: undefined,
    });
  });

  describe('with tenants limited to 3 and 5 connections and one unlimited', () => {
    const created = async () => {
      const { admin } = fixture();
      if ((await admin.listTenants()).length > 0) return;
      await admin.createTenant({ schemaName: uniqueName('t_b3'), username: uniqueName('b3'), connectionLimit: 3 });
      await admin.createTenant({ schemaName: uniqueName('t_b5'), username: uniqueName('b5'), connectionLimit: 5 });
      await admin.createTenant({ schemaName: uniqueName('t_binf'), username: uniqueName('binf') });
    };

    it('connecting directly, the unlimited tenant makes the fleet unbounded: it can exceed the server, and the warning says what to do', async () => {
      await created();
      const budget = await fixture().admin.connectionBudget();
      expect(budget).toMatchObject({ tenants: 3, unlimitedTenants: 1, tenantConnections: null, worstCase: null, exceeds: true });
      expect(budget.warning).toMatch(/no connection limit.*connectionLimit.*pooler/);
    });

    it('behind a pooler with 4 connections per user: min(3, 4) + min(5, 4) + 4 tenant connections, plus the admin\'s 10', async () => {
      await created();
      const budget = await fixture().admin.connectionBudget({ poolSize: 4 });
      expect(budget).toMatchObject({ poolSize: 4, tenants: 3, tenantConnections: 3 + 4 + 4, worstCase: 3 + 4 + 4 + 10, exceeds: false, warning: undefined });
    });

    it("PgBouncer's max_db_connections caps the tenants' total however many there are", async () => {
      await created();
      const budget = await fixture().admin.connectionBudget({ poolSize: 4, poolerMaxConnections: 5 });
      expect(budget).toMatchObject({ poolerMaxConnections: 5, tenantConnections: 5, worstCase: 5 + 10, exceeds: false });
      await expect(fixture().admin.connectionBudget({ poolerMaxConnections: 5 })).rejects.toMatchObject({ field: 'poolerMaxConnections' });
    });

    it('behind a pooler whose pools the server cannot hold: exceeds, with the numbers in the warning', async () => {
      await created();
      const { max, reserved } = await serverSlots();
      const poolSize = max; // the unlimited tenant alone could take every slot
      const budget = await fixture().admin.connectionBudget({ poolSize });
      expect(budget).toMatchObject({ tenantConnections: 3 + 5 + poolSize, worstCase: 3 + 5 + poolSize + 10, exceeds: true });
      expect(budget.warning).toContain(`${3 + 5 + poolSize + 10} server connections`);
      expect(budget.warning).toContain(`the ${max - reserved} the server has`);
    });

    it("counts only this database's tenants, and the admin pool's own max", async () => {
      await created();
      const small = new DatabaseAdmin(fixture().adminUrl.replace(/\?.*$/, ''), {});
      const pooled = new DatabaseAdmin({ connectionString: fixture().adminUrl, max: 3 });
      const elsewhere = uniqueName('elsewhere');
      await fixture().superuser.query(`CREATE ROLE ${elsewhere} LOGIN CONNECTION LIMIT 7`);
      await fixture().superuser.query(`COMMENT ON ROLE ${elsewhere} IS 'tenantry:{"v":1,"schema":"t_x","database":"another_database"}'`);
      try {
        expect((await small.connectionBudget({ poolSize: 1 })).tenants).toBe(3);
        expect((await small.connectionBudget({ poolSize: 1 })).worstCase).toBe(1 + 1 + 1 + 10);
        expect((await pooled.connectionBudget({ poolSize: 1 })).adminConnections).toBe(3);
      } finally {
        await fixture().superuser.query(`DROP ROLE ${elsewhere}`);
        await small.close();
        await pooled.close();
      }
    });
  });

  it.each([0, -1, 2.5, '20', 100_001])('refuses poolSize %j before any I/O', async (poolSize) => {
    await expect(fixture().admin.connectionBudget({ poolSize: poolSize as number })).rejects.toBeInstanceOf(ValidationError);
  });
});
