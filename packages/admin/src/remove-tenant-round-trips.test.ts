import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseAdmin } from './database-admin.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('removeTenant round trips', () => {
  const fixture = useAdminFixture();

  it('removes a tenant in at most 2 round trips on the admin connection, its checks inside the transaction', async () => {
    const { adminUrl, superuser } = fixture();
    const pool = new pg.Pool({ connectionString: adminUrl, max: 1 });
    const sent: string[] = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        sent.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
        return query(...args);
      };
    });
    const admin = new DatabaseAdmin(pool);
    try {
      const tenant = await admin.createTenant({ schemaName: uniqueName('t_trip'), username: uniqueName('u_trip') });
      sent.length = 0;
      await admin.removeTenant(tenant);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.length).toBeLessThanOrEqual(2);
      expect(sent.join(';')).toContain('DROP ROLE');
      const { rows } = await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [tenant.username]);
      expect(rows).toEqual([]);
    } finally {
      await admin.close();
      await pool.end();
    }
  });
});
