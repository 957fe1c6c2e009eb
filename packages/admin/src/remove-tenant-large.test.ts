import { describe, expect, it } from 'vitest';
import { formatPlan } from '@tenantry/sql';
import { catalogSnapshot, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';
import { createManyTables, lockTableSlots, LOCKS_PER_TABLE, tableCount } from './test-support/many-tables.js';

/*
 * A tenant with tens of thousands of objects, on a server with the default
 * lock table. Dropping its schema in one transaction takes a lock per object
 * and runs out of shared memory (53200); removeTenant drops it in batches.
 */
describe('removeTenant of a tenant too large for one transaction', () => {
  const fixture = useAdminFixture();

  it('succeeds within the default max_locks_per_transaction, in batches, and leaves nothing behind', async () => {
    const { admin, superuser } = fixture();
    const { maxLocksPerTransaction, slots } = await lockTableSlots(superuser);
    expect(maxLocksPerTransaction).toBe(64); // PostgreSQL's default: the test is about the server as it ships
    // Three times the lock table's nominal size: beyond the spare shared memory it may grow into.
    const tables = Math.ceil((3 * slots) / LOCKS_PER_TABLE);
    const before = await catalogSnapshot(superuser);
    const credentials = await admin.createTenant({ schemaName: uniqueName('big'), username: uniqueName('big') });
    await createManyTables(credentials.connectionString, tables);
    const { rows } = await superuser.query<{ objects: number }>(
      `SELECT count(*)::int AS objects FROM pg_depend d JOIN pg_class c ON d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
      [credentials.schemaName],
    );
    expect(rows[0]!.objects).toBeGreaterThan(10_000);

    // The premise: one transaction cannot drop it on this server.
    await superuser.query('BEGIN');
    const oneTransaction = await superuser.query(`DROP SCHEMA "${credentials.schemaName}" CASCADE`).catch((error: unknown) => error);
    await superuser.query('ROLLBACK');
    expect((oneTransaction as { code?: string }).code).toBe('53200');

    // The dry run shows the stages, and changes nothing.
    const unchanged = await catalogSnapshot(superuser);
    const preview = formatPlan(await admin.planRemoveTenant(credentials));
    expect(preview).toContain('NOLOGIN');
    expect(preview).toMatch(/first batch[^\n]*\nDROP TABLE IF EXISTS/);
    expect(preview).toContain('last stage, its own transaction: drop the role');
    expect(await catalogSnapshot(superuser)).toEqual(unchanged);
    expect(await tableCount(superuser, credentials.schemaName)).toBe(tables);

    await admin.removeTenant({ schemaName: credentials.schemaName, username: credentials.username });

    expect(await tableCount(superuser, credentials.schemaName)).toBe(0);
    expect(await catalogSnapshot(superuser)).toEqual(before);
    expect((await admin.listTenants()).map((tenant) => tenant.schemaName)).not.toContain(credentials.schemaName);
  });
});
