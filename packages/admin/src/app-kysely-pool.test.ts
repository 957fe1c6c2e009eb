import { Kysely, PostgresDialect, sql, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * An application already has a `pg` pool under its own Kysely. Tenantry shares
 * that pool (one budget of connections, one copy of each library: kysely and
 * pg are peers) and leaves it open; the Kysely instance itself is refused
 * with the way to pass its pool.
 */
describe("an application's own Kysely and pg pool", () => {
  const fixture = useAdminFixture();

  it('creates tenants through the pool under the app’s Kysely, with the app’s migrations, and leaves both usable', async () => {
    const pool = new pg.Pool({ connectionString: fixture().adminUrl, max: 3 });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    const schemaName = uniqueName('appk');
    const migrations: MigrationProvider = {
      getMigrations: async () => ({
        '001_notes': { up: async (tenantDb) => void (await tenantDb.schema.createTable('notes').addColumn('id', 'integer').execute()) },
      }),
    };
    const admin = new DatabaseAdmin(pool);
    try {
      const credentials = await admin.createTenant({ schemaName, username: uniqueName('appk') }, { migrations });
      const tenant = await connectAs(credentials.connectionString);
      try {
        expect((await tenant.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 0 });
      } finally {
        await tenant.end();
      }
      // The app's Kysely, on the same pool, sees the new schema.
      const found = await db.selectFrom('pg_catalog.pg_namespace').select('nspname').where('nspname', '=', schemaName).execute();
      expect(found).toEqual([{ nspname: schemaName }]);
    } finally {
      await admin.close();
    }
    // close() left the caller's pool open: the app goes on using it.
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
    await db.destroy();
  });

  it('refuses the Kysely instance itself, saying to pass the pool it was made with', async () => {
    const pool = new pg.Pool({ connectionString: fixture().adminUrl, max: 1 });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    try {
      // @ts-expect-error the types take a URL, a pool config or a pool
      const attempt = () => new DatabaseAdmin(db);
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow(/takes the pg pool your Kysely instance was made with/);
      expect(pool.totalCount).toBe(0); // nothing was opened
    } finally {
      await db.destroy();
    }
  });
});
