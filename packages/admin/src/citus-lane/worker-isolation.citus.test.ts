import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '@tenantry/testing';
import { useCitusFixture } from '../test-support/citus-fixture.js';
import { connectAs, expectSqlState } from '../test-support/tenant-fixture.js';

/*
 * Isolation where the data lives: a tenant's role and password reach every
 * worker, so a tenant can log in to a worker directly. There it must still
 * reach nothing of another tenant's, shards included.
 */
describe('tenant isolation on the Citus workers', () => {
  const fixture = useCitusFixture();

  it("lists both tenants, and neither can read the other's shards on any worker, logged in there directly", async () => {
    const { admin, superuser, workerUrls } = fixture();
    const [a, b] = [0, 1].map(() => ({ schemaName: uniqueName('wi_s'), username: uniqueName('wi_u') }));
    const credentials = [await admin.createTenant(a!), await admin.createTenant(b!)];
    try {
      for (const [index, tenant] of credentials.entries()) {
        const client = await connectAs(tenant.connectionString);
        await client.query(`CREATE TABLE secrets (id int PRIMARY KEY, body text); INSERT INTO secrets VALUES (${index}, 'only mine')`).finally(() => client.end());
      }
      const listed = (await admin.listTenants()).map((tenant) => tenant.schemaName);
      expect(listed).toEqual(expect.arrayContaining([a!.schemaName, b!.schemaName]));

      // Where b's table lives, shard by shard (a distributed schema's tables have one shard).
      const shards = await superuser.query<{ shard_name: string; nodeport: number }>(
        `SELECT shard_name::text, nodeport FROM citus_shards WHERE table_name = $1::regclass`,
        [`${pg.escapeIdentifier(b!.schemaName)}.secrets`],
      );
      expect(shards.rows.length).toBeGreaterThan(0);
      for (const url of workerUrls) {
        const onWorker = new URL(credentials[0]!.connectionString);
        onWorker.port = new URL(url).port;
        const intruder = await connectAs(onWorker.toString());
        try {
          expect((await intruder.query('SELECT current_user AS me')).rows).toEqual([{ me: a!.username }]);
          for (const shard of shards.rows.filter((row) => String(row.nodeport) === onWorker.port)) {
            await expectSqlState(intruder.query(`SELECT * FROM ${pg.escapeIdentifier(b!.schemaName)}.${pg.escapeIdentifier(shard.shard_name.split('.').pop()!)}`), '42501');
          }
          await expectSqlState(intruder.query(`CREATE TABLE ${pg.escapeIdentifier(b!.schemaName)}.planted (id int)`), '42501');
        } finally {
          await intruder.end();
        }
      }
    } finally {
      await admin.removeTenant(a!);
      await admin.removeTenant(b!);
    }
  });
});
