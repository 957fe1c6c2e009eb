import fc from 'fast-check';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { buildMigrations, generatedMigrationLists, generatedMigrationProvider, type GeneratedMigrationList } from './generated-migrations.js';
import { readSchemaCatalog, type SchemaCatalog, type SchemaCatalogSubject } from './schema-catalog-snapshot.js';
import { uniqueName, useAdminFixture } from './tenant-fixture.js';
import { createTenantLikeSchema, dropTenantLikeSchema } from './tenant-like-schema.js';

describe('generatedMigrationLists', () => {
  const fixture = useAdminFixture({ prepare: false });

  it('gives providers that return the same migration objects on every call, and buildMigrations new ones', async () => {
    const [list] = fc.sample(generatedMigrationLists(), 1) as [GeneratedMigrationList];
    const first = await generatedMigrationProvider(list).getMigrations();
    expect(await generatedMigrationProvider(list).getMigrations()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);

    const rebuilt = buildMigrations(list.plan);
    expect(Object.keys(rebuilt)).toEqual(Object.keys(first));
    for (const name of Object.keys(first)) expect(rebuilt[name]!.up).not.toBe(first[name]!.up);
  });

  it('plans 2 to 6 migrations, in name order, with every kind of step and no name twice', () => {
    fc.assert(
      fc.property(generatedMigrationLists(), (list) => {
        const names = list.plan.map((migration) => migration.name);
        expect(names.length).toBeGreaterThanOrEqual(2);
        expect(names.length).toBeLessThanOrEqual(6);
        expect(Object.keys(list.migrations)).toEqual(names);
        expect([...names].sort()).toEqual(names);

        const steps = list.plan.flatMap((migration) => migration.steps);
        const kinds = new Set(steps.map((step) => step.kind));
        kinds.delete('add column'); // an extra step only
        expect(kinds).toEqual(
          new Set(['create table', 'create enum', 'create sequence', 'create index', 'create view', 'create function', 'create trigger', 'comment', 'create policy']),
        );
        const objectNames = steps.flatMap((step) => [...('name' in step ? [step.name] : []), ...(step.kind === 'create trigger' ? [step.function] : [])]);
        expect(new Set(objectNames).size).toBe(objectNames.length);
      }),
      { numRuns: 200 },
    );
  });

  it("makes lists that Kysely's Migrator runs to the end in a scratch schema, with equal catalogs in two schemas", async () => {
    const { superuser, database } = fixture();
    await fc.assert(
      fc.asyncProperty(generatedMigrationLists(), async (list) => {
        const catalogs: SchemaCatalog[] = [];
        for (let i = 0; i < 2; i++) {
          const subject = { schemaName: uniqueName('t_gen'), roleName: uniqueName('u_gen') };
          await createTenantLikeSchema(superuser, subject);
          try {
            const result = await migrate(database.url, subject, list);
            expect(result.error, String(result.error)).toBeUndefined();
            expect(result.results?.map((migration) => `${migration.migrationName}: ${migration.status}`)).toEqual(
              list.plan.map((migration) => `${migration.name}: Success`),
            );
            catalogs.push(await readSchemaCatalog(superuser, subject));
          } finally {
            await dropTenantLikeSchema(superuser, subject);
          }
        }
        expect(catalogs[0]!.migrations.history).toEqual(list.plan.map((migration) => migration.name));
        expect(catalogs[1]).toEqual(catalogs[0]);
      }),
      { numRuns: 5 },
    );
  });
});

/**
 * Runs `list` with Kysely's own Migrator, as createTenant does but without
 * Tenantry: logged in as the superuser, acting as the schema's role, with the
 * schema as search_path and as the home of Kysely's tables.
 */
async function migrate(url: string, { schemaName, roleName }: SchemaCatalogSubject, list: GeneratedMigrationList): Promise<MigrationResultSet> {
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: url, max: 1 }),
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`SET search_path = ${pg.escapeIdentifier(schemaName)}`));
        await connection.executeQuery(CompiledQuery.raw(`SET ROLE ${pg.escapeIdentifier(roleName)}`));
      },
    }),
  });
  try {
    return await new Migrator({ db, provider: generatedMigrationProvider(list), migrationTableSchema: schemaName }).migrateToLatest();
  } finally {
    await db.destroy();
  }
}
