import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseAdmin } from './database-admin.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

type Db = Kysely<any>;

/** A new tenant's schema and login names. */
function names(prefix: string): { schemaName: string; username: string } {
  const schemaName = uniqueName(prefix);
  return { schemaName, username: `${schemaName}_login` };
}

/** A provider that returns the same migration objects every time, as Kysely's `FileMigrationProvider` does. */
function provider(migrations: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => migrations };
}

const accounts = (): Record<string, Migration> => ({
  '001_accounts': {
    up: async (db: Db) => {
      await db.schema.createTable('accounts').addColumn('id', 'integer', (col) => col.primaryKey().generatedAlwaysAsIdentity()).addColumn('name', 'text').execute();
      await db.schema.createIndex('accounts_name').on('accounts').column('name').execute();
    },
  },
  '002_seed': {
    up: async (db: Db) => void (await db.insertInto('accounts').values({ name: 'first' }).execute()),
  },
});

describe('createTenant fast path (record, then replay)', () => {
  const fixture = useAdminFixture();
  let admin: DatabaseAdmin;
  beforeAll(() => {
    // An admin of its own: the recordings belong to a DatabaseAdmin.
    admin = new DatabaseAdmin(fixture().adminUrl);
  });
  afterAll(async () => admin?.close());

  const tablesOf = async (schemaName: string) =>
    (
      await fixture().superuser.query<{ relname: string; owner: string }>(
        `SELECT c.relname, c.relowner::regrole::text AS owner FROM pg_class c WHERE c.relnamespace = $1::regnamespace ORDER BY 1`,
        [schemaName],
      )
    ).rows;
  const historyOf = async (schemaName: string) =>
    (await fixture().superuser.query<{ name: string }>(`SELECT name FROM ${fixture().superuser.escapeIdentifier(schemaName)}.kysely_migration ORDER BY name`)).rows.map(
      (row) => row.name,
    );

  it('runs the migrations for the first tenant and replays them for the next, with the same tables, owners, rows and history', async () => {
    const migrations = provider(accounts());
    const first = await admin.createTenant(names('fp_first'), { migrations });
    const second = await admin.createTenant(names('fp_second'), { migrations });

    expect(first.migrations).toEqual({ path: 'ran', applied: ['001_accounts', '002_seed'] });
    expect(second.migrations).toEqual({ path: 'replayed', applied: ['001_accounts', '002_seed'] });
    const firstTables = await tablesOf(first.schemaName);
    const secondTables = await tablesOf(second.schemaName);
    expect(secondTables.map((t) => t.relname)).toEqual(firstTables.map((t) => t.relname));
    expect(new Set(secondTables.map((t) => t.owner))).toEqual(new Set([second.username]));
    expect(await historyOf(second.schemaName)).toEqual(['001_accounts', '002_seed']);
    const rows = await fixture().superuser.query(`SELECT id, name FROM ${fixture().superuser.escapeIdentifier(second.schemaName)}.accounts`);
    expect(rows.rows).toEqual([{ id: 1, name: 'first' }]);
  });

  it('does not replay for migrations that only look the same (other function objects)', async () => {
    await admin.createTenant(names('fp_look_a'), { migrations: provider(accounts()) });
    const other = await admin.createTenant(names('fp_look_b'), { migrations: provider(accounts()) });
    expect(other.migrations?.path).toBe('ran');
  });

  it('does not record migrations that name the tenant, and records for the next tenant instead', async () => {
    const migrations = provider({ '001_users': { up: async (db: Db) => void (await db.schema.createTable('users').addColumn('id', 'integer').execute()) } });
    const named = await admin.createTenant({ schemaName: 'users', username: uniqueName('fp_users_login') }, { migrations });
    const next = await admin.createTenant(names('fp_after_users'), { migrations });
    const third = await admin.createTenant(names('fp_third'), { migrations });
    expect([named.migrations?.path, next.migrations?.path, third.migrations?.path]).toEqual(['ran', 'ran', 'replayed']);
  });

  it('does not record when a query failed inside a migration (and was rolled back to a savepoint)', async () => {
    const migrations = provider({
      '001_tolerant': {
        up: async (db: Db) => {
          await db.schema.createTable('kept').addColumn('id', 'integer').execute();
          await sql`SAVEPOINT tolerant`.execute(db);
          await db.schema.createTable('undone').addColumn('id', 'integer').execute();
          await sql`SELECT 1 / 0`.execute(db).catch(() => undefined);
          await sql`ROLLBACK TO SAVEPOINT tolerant`.execute(db);
        },
      },
    });
    const first = await admin.createTenant(names('fp_tolerant_a'), { migrations });
    const second = await admin.createTenant(names('fp_tolerant_b'), { migrations });
    expect([first.migrations?.path, second.migrations?.path]).toEqual(['ran', 'ran']);
    expect((await tablesOf(second.schemaName)).map((t) => t.relname)).toContain('kept');
    expect((await tablesOf(second.schemaName)).map((t) => t.relname)).not.toContain('undone');
  });

  it('falls back to running the migrations when a replay fails, and records again', async () => {
    // The migration picks a column type by what the server has: its recording names the type it saw.
    const shared = uniqueName('fp_shared');
    const superuser = fixture().superuser;
    await superuser.query(`CREATE SCHEMA ${shared}; GRANT USAGE ON SCHEMA ${shared} TO PUBLIC; CREATE TYPE ${shared}.mood AS ENUM ('ok')`);
    const migrations = provider({
      '001_moods': {
        up: async (db: Db) => {
          const { rows } = await sql<{ v2: boolean }>`SELECT pg_catalog.to_regtype(${`${shared}.mood_v2`}) IS NOT NULL AS v2`.execute(db);
          await db.schema.createTable('moods').addColumn('m', sql.raw(`${shared}.${rows[0]!.v2 ? 'mood_v2' : 'mood'}`)).execute();
        },
      },
    });
    const recorded = await admin.createTenant(names('fp_mood_a'), { migrations });
    await superuser.query(`CREATE TYPE ${shared}.mood_v2 AS ENUM ('ok', 'fine')`);
    const replayed = await admin.createTenant(names('fp_mood_b'), { migrations });
    await superuser.query(`DROP TABLE ${recorded.schemaName}.moods, ${replayed.schemaName}.moods; DROP TYPE ${shared}.mood`);

    const fellBack = await admin.createTenant(names('fp_mood_c'), { migrations });
    const replayedAgain = await admin.createTenant(names('fp_mood_d'), { migrations });

    expect([recorded.migrations?.path, replayed.migrations?.path, fellBack.migrations?.path, replayedAgain.migrations?.path]).toEqual(['ran', 'replayed', 'ran', 'replayed']);
    const type = await superuser.query<{ type: string }>(`SELECT atttypid::regtype::text AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'm'`, [
      `${replayedAgain.schemaName}.moods`,
    ]);
    expect(type.rows[0]!.type).toBe(`${shared}.mood_v2`);
  });

  it("shows a tenant's migrations only their own schema through Kysely's introspection", async () => {
    const seen: string[][] = [];
    const migrations = provider({
      '001_look_around': {
        up: async (db: Db) => {
          await db.schema.createTable('mine').addColumn('id', 'integer').execute();
          seen.push((await db.introspection.getTables()).map((table) => `${table.schema}.${table.name}`));
          seen.push((await db.introspection.getSchemas()).map((schema) => schema.name));
        },
      },
    });
    await admin.createTenant(names('fp_neighbour'), { migrations: provider(accounts()) });
    const tenant = await admin.createTenant(names('fp_looker'), { migrations });
    expect(seen).toEqual([[`${tenant.schemaName}.mine`], [tenant.schemaName]]);
  });
});
