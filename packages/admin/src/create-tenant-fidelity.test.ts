import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantCredentials } from '@tenantry/core';
import { realisticSchemaMigrations } from '@tenantry/testing';
import { DatabaseAdmin } from './database-admin.js';
import { tenantFootprint } from './faults/support/catalog-state.js';
import { generatedMigrationLists, generatedMigrationProvider } from './test-support/generated-migrations.js';
import { readSchemaCatalog } from './test-support/schema-catalog-snapshot.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

// A tenant made by replaying a recording must be the tenant that running the migrations makes:
// the same catalog in its schema (every object, definition, owner, grant, comment, the history)
// and the same footprint outside it (role, marker, memberships, default privileges).
describe('createTenant fast path: the replayed tenant is the tenant the migrations make', () => {
  const fixture = useAdminFixture();
  let admin: DatabaseAdmin;
  beforeAll(() => {
    admin = new DatabaseAdmin(fixture().adminUrl);
  });
  afterAll(async () => admin?.close());

  const names = (prefix: string) => {
    const schemaName = uniqueName(prefix);
    return { schemaName, username: `${schemaName}_login` };
  };
  const catalogOf = async (tenant: TenantCredentials) => ({
    schema: await readSchemaCatalog(fixture().superuser, { schemaName: tenant.schemaName, roleName: tenant.username }),
    footprint: await tenantFootprint(fixture().superuser, tenant),
  });

  it('for the benchmark schema (31 migrations, 100 tables, views, functions, triggers, enums, comments)', async () => {
    const migrations = realisticSchemaMigrations();
    const provider = { getMigrations: async () => migrations };
    const ran = await admin.createTenant(names('fid_bench_ran'), { migrations: provider });
    const replayed = await admin.createTenant(names('fid_bench_replay'), { migrations: provider });

    expect([ran.migrations?.path, replayed.migrations?.path]).toEqual(['ran', 'replayed']);
    expect(replayed.migrations?.applied).toHaveLength(31);
    const expected = await catalogOf(ran);
    expect(expected.schema.tables).toHaveLength(100 + 2); // and Kysely's two
    expect(await catalogOf(replayed)).toEqual(expected);
    expect((await admin.verifyTenant(replayed.schemaName)).ok).toBe(true);
  });

  it('for generated migration lists', async () => {
    await fc.assert(
      fc.asyncProperty(generatedMigrationLists(), async (list) => {
        const provider = generatedMigrationProvider(list);
        const ran = await admin.createTenant(names('fid_gen_ran'), { migrations: provider });
        const replayed = await admin.createTenant(names('fid_gen_replay'), { migrations: provider });
        expect([ran.migrations?.path, replayed.migrations?.path]).toEqual(['ran', 'replayed']);
        expect(await catalogOf(replayed)).toEqual(await catalogOf(ran));
        expect((await admin.verifyTenant(replayed.schemaName)).ok).toBe(true);
      }),
      { numRuns: 5 },
    );
  });
});
