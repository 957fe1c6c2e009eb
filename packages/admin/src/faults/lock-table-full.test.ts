import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { removalSizeQuery, type RemovalSizeRow } from '@tenantry/sql/postgres';
import { catalogSnapshot, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';
import { createManyTables, LOCKS_PER_TABLE, tableCount } from '../test-support/many-tables.js';

/*
 * The estimate says one transaction will do, but the server's lock table is
 * shared: another session holds most of it. The one-transaction removal runs
 * out of locks (53200) and rolls back whole; removeTenant goes on in stages,
 * whose batches are smaller, and finishes.
 */
describe('removeTenant when the lock table is nearly full', () => {
  const fixture = useAdminFixture();

  it('falls back from one transaction to batches on "out of shared memory"', async () => {
    const { admin, superuser, database } = fixture();
    const before = await catalogSnapshot(superuser);
    // Under the estimate's threshold (a quarter of the lock table), so the first attempt is one transaction.
    const tables = 170;
    const tenant = { schemaName: uniqueName('crowded'), username: uniqueName('crowded') };
    const credentials = await admin.createTenant(tenant);
    await createManyTables(credentials.connectionString, tables);
    const size = removalSizeQuery(tenant.schemaName);
    const [estimate] = (await superuser.query<RemovalSizeRow>(size.sql, [...size.parameters])).rows;
    expect(estimate!.estimated_locks).toBeLessThanOrEqual(estimate!.lock_budget);

    const hog = new pg.Client({ connectionString: database.url });
    await hog.connect();
    try {
      // Session-level advisory locks share the table with every other lock: take them until it is full.
      let held = 0;
      for (;;) {
        const full = await hog.query(`SELECT pg_advisory_lock(k) FROM generate_series(${held + 1}, ${held + 500}) k`).then(() => false, (error: { code?: string }) => error.code === '53200');
        held = Number((await hog.query(`SELECT count(*) AS n FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'`)).rows[0].n);
        if (full) break;
      }
      // Room for a batch (about 100 tables' worth) but not for the whole schema (about 1,700 locks).
      const room = Math.round(tables * LOCKS_PER_TABLE * 0.8);
      await hog.query(`SELECT pg_advisory_unlock(k) FROM generate_series(${held - room + 1}, ${held}) k`);

      // The premise: one transaction cannot drop the schema now.
      await superuser.query('BEGIN');
      const oneTransaction = await superuser.query(`DROP SCHEMA "${tenant.schemaName}" CASCADE`).catch((error: unknown) => error);
      await superuser.query('ROLLBACK');
      expect((oneTransaction as { code?: string }).code).toBe('53200');

      await admin.removeTenant(tenant);
    } finally {
      await hog.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await hog.end();
    }
    expect(await tableCount(superuser, tenant.schemaName)).toBe(0);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });
});
