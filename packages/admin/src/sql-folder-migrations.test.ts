import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { sqlFolderMigrations } from './sql-folder-migrations.js';
import { connectAs, uniqueName, useAdminFixture, type AdminFixture } from './test-support/tenant-fixture.js';

/*
 * Fixtures (packages/admin/fixtures/sql-migrations):
 * - drizzle/v1, drizzle/v2: made by the real drizzle-kit 0.31.11 (drizzle-orm
 *   0.45.4) from drizzle/schema/v1.ts and v2.ts; regenerate them with
 *   scripts/generate-drizzle-fixtures.mjs. v2 is v1's folder two migrations on.
 * - prisma/migrations: NOT made by the Prisma CLI. `prisma migrate diff` needs
 *   the schema engine, a binary downloaded from binaries.prisma.sh, which
 *   cannot be reached here (only the npm registry can). They are written by
 *   hand in Prisma's layout (<timestamp>_<name>/migration.sql beside
 *   migration_lock.toml) and in the style of its output, for prisma/schema.prisma.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/sql-migrations/', import.meta.url));
const DRIZZLE_V1 = join(FIXTURES, 'drizzle', 'v1');
const DRIZZLE_V2 = join(FIXTURES, 'drizzle', 'v2');
const PRISMA = join(FIXTURES, 'prisma', 'migrations');

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** A fresh folder with copies of `sources` (folders) in it, as a project's migrations folder. */
async function folderWith(...sources: string[]): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tenantry-sql-migrations-'));
  folders.push(folder);
  for (const source of sources) await cp(source, folder, { recursive: true });
  return folder;
}

/** Relations, types and functions in the schema, each with its owner. */
async function objectsIn(superuser: pg.Client, schemaName: string): Promise<{ name: string; owner: string }[]> {
  const { rows } = await superuser.query<{ name: string; owner: string }>(
    `SELECT name, owner FROM (
       SELECT c.relname::text AS name, c.relowner::regrole::text AS owner FROM pg_class c WHERE c.relnamespace = $1::text::regnamespace
       UNION ALL SELECT t.typname::text, t.typowner::regrole::text FROM pg_type t WHERE t.typnamespace = $1::text::regnamespace AND t.typtype = 'e'
       UNION ALL SELECT p.proname::text, p.proowner::regrole::text FROM pg_proc p WHERE p.pronamespace = $1::text::regnamespace) o
     ORDER BY name`,
    [schemaName],
  );
  return rows;
}

/** The history, in the order Kysely applied it. */
async function historyOf(superuser: pg.Client, schemaName: string): Promise<string[]> {
  const { rows } = await superuser.query<{ name: string }>(`SELECT name FROM ${superuser.escapeIdentifier(schemaName)}.kysely_migration ORDER BY timestamp, name`);
  return rows.map((row) => row.name);
}

/** The schema of the table each foreign key of `schemaName` references. */
async function foreignKeyTargets(superuser: pg.Client, schemaName: string): Promise<Record<string, string>> {
  const { rows } = await superuser.query<{ conname: string; target: string }>(
    `SELECT c.conname, n.nspname || '.' || t.relname AS target
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND c.connamespace = $1::text::regnamespace ORDER BY 1`,
    [schemaName],
  );
  return Object.fromEntries(rows.map((row) => [row.conname, row.target]));
}

async function schemaExists(superuser: pg.Client, schemaName: string): Promise<boolean> {
  return (await superuser.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName])).rowCount === 1;
}

function newTenant() {
  return { schemaName: uniqueName('t_sqlf'), username: uniqueName('u_sqlf') };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(Error);
  return error as Error;
}

describe('sqlFolderMigrations: a drizzle-kit folder', () => {
  const fixture = useAdminFixture();

  it("creates each tenant's tables, enum and view in its schema, owned by its role, and migrateTenants applies the files added later", async () => {
    const f: AdminFixture = fixture();
    const folder = await folderWith(DRIZZLE_V1);
    const migrations = sqlFolderMigrations(folder, { unqualifyPublic: true });
    const first = newTenant();
    const second = newTenant();
    const credentials = await f.admin.createTenant(first, { migrations });
    await f.admin.createTenant(second, { migrations });

    for (const { schemaName, username } of [first, second]) {
      const objects = await objectsIn(f.superuser, schemaName);
      expect(objects.map((object) => object.name)).toEqual([
        'kysely_migration',
        'kysely_migration_lock',
        'kysely_migration_lock_pkey',
        'kysely_migration_pkey',
        'post_counts',
        'posts',
        'posts_id_seq',
        'posts_pkey',
        'posts_user_id',
        'role',
        'users',
        'users_id_seq',
        'users_pkey',
      ]);
      expect(objects.filter((object) => object.owner !== username)).toEqual([]);
      expect(await historyOf(f.superuser, schemaName)).toEqual(['0000_init']);
      expect(await foreignKeyTargets(f.superuser, schemaName)).toEqual({ posts_user_id_users_id_fk: `${schemaName}.users` });
    }
    // drizzle-kit's "public". qualifiers were dropped: nothing of theirs went to public.
    const { rows: inPublic } = await f.superuser.query(
      `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace UNION ALL SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'`,
    );
    expect(inPublic).toEqual([]);

    const tenant = await connectAs(credentials.connectionString);
    try {
      await tenant.query(`INSERT INTO users (name, role) VALUES ('ada', 'writer')`);
      await tenant.query(`INSERT INTO posts (user_id, body) SELECT id, 'hello' FROM users`);
      expect((await tenant.query('SELECT u.name, c.posts::int FROM post_counts c JOIN users u ON u.id = c.user_id')).rows).toEqual([{ name: 'ada', posts: 1 }]);
    } finally {
      await tenant.end();
    }

    // The project's folder moves on: drizzle-kit's next two migrations (one of them custom, with a function).
    await cp(DRIZZLE_V2, folder, { recursive: true });
    const outcomes = (await f.admin.migrateTenants({ migrations })).map(({ schemaName, status, applied, error }) => ({ schemaName, status, applied, error }));
    expect(outcomes).toEqual(
      [first, second]
        .map(({ schemaName }) => ({ schemaName, status: 'migrated', applied: ['0001_comments_and_email', '0002_post_count_function'], error: undefined }))
        .sort((a, b) => (a.schemaName < b.schemaName ? -1 : 1)),
    );
    for (const { schemaName, username } of [first, second]) {
      const objects = await objectsIn(f.superuser, schemaName);
      expect(objects.map((object) => object.name)).toEqual(expect.arrayContaining(['comments', 'comments_id_seq', 'comments_pkey', 'post_count', 'users_email']));
      expect(objects.filter((object) => object.owner !== username)).toEqual([]);
      expect(await historyOf(f.superuser, schemaName)).toEqual(['0000_init', '0001_comments_and_email', '0002_post_count_function']);
      expect(await foreignKeyTargets(f.superuser, schemaName)).toEqual({
        comments_post_id_posts_id_fk: `${schemaName}.posts`,
        comments_user_id_users_id_fk: `${schemaName}.users`,
        posts_user_id_users_id_fk: `${schemaName}.users`,
      });
    }
    const again = await connectAs(credentials.connectionString);
    try {
      // The comment kept its literal text: 'public.docs' in a string is no qualifier.
      expect((await again.query(`SELECT obj_description('post_counts'::regclass, 'pg_class') AS comment`)).rows).toEqual([{ comment: 'posts per user (see public.docs)' }]);
      expect((await again.query('SELECT post_count(id)::int AS n FROM users')).rows).toEqual([{ n: 1 }]);
    } finally {
      await again.end();
    }
    const rerun = await f.admin.migrateTenants({ migrations });
    expect(rerun.map((outcome) => outcome.status)).toEqual(['up-to-date', 'up-to-date']);
  });

  it('refuses drizzle-kit\'s "public". qualifiers unless told to drop them, naming the file and line; no tenant is left', async () => {
    const f = fixture();
    const migrations = sqlFolderMigrations(await folderWith(DRIZZLE_V1));
    const refused = await rejection(migrations.getMigrations());
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ rule: 'public-schema-reference', field: 'migrations' });
    expect(refused.message).toMatch(/: 0000_init\.sql, line 1: "public"\."role" names schema "public" \(3 times in this file\)\. Tenant migrations run in the tenant's schema/);
    expect(refused.message).toContain('pass { unqualifyPublic: true } (CLI: --unqualify-public)');

    const tenant = newTenant();
    const error = await rejection(f.admin.createTenant(tenant, { migrations }));
    expect(error.message).toContain('0000_init.sql, line 1: "public"."role" names schema "public"');
    expect(await schemaExists(f.superuser, tenant.schemaName)).toBe(false);
  });

  it('rolls the tenant back when a statement fails, naming the migration', async () => {
    const f = fixture();
    const folder = await folderWith(DRIZZLE_V1);
    // A journal entry and file as drizzle-kit writes them; the second statement fails.
    await writeFile(join(folder, '0001_broken.sql'), 'CREATE TABLE "audit" ("id" integer);--> statement-breakpoint\nALTER TABLE "missing" ADD COLUMN "x" integer;');
    const journal = JSON.parse(await readFile(join(folder, 'meta', '_journal.json'), 'utf8'));
    journal.entries.push({ idx: 1, version: '7', when: journal.entries[0].when + 1, tag: '0001_broken', breakpoints: true });
    await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));

    const tenant = newTenant();
    const error = await rejection(f.admin.createTenant(tenant, { migrations: sqlFolderMigrations(folder, { unqualifyPublic: true }) }));
    expect(error.message).toContain('migration "0001_broken" failed: relation "missing" does not exist');
    expect(await schemaExists(f.superuser, tenant.schemaName)).toBe(false);
  });
});

describe('sqlFolderMigrations: a Prisma folder', () => {
  const fixture = useAdminFixture();

  it('runs each migration.sql as one script as the tenant, in folder-name order, and migrateTenants applies a folder added later', async () => {
    const f = fixture();
    const folder = await folderWith();
    for (const part of ['migration_lock.toml', '20250301090000_init', '20250302090000_empty']) await cp(join(PRISMA, part), join(folder, part), { recursive: true });
    const migrations = sqlFolderMigrations(folder);
    const tenant = newTenant();
    const credentials = await f.admin.createTenant(tenant, { migrations });

    const objects = await objectsIn(f.superuser, tenant.schemaName);
    expect(objects.map((object) => object.name)).toEqual(expect.arrayContaining(['Post', 'Post_authorId_idx', 'Post_id_seq', 'Post_pkey', 'Role', 'User', 'User_id_seq', 'User_pkey']));
    expect(objects.filter((object) => object.owner !== tenant.username)).toEqual([]);
    expect(await historyOf(f.superuser, tenant.schemaName)).toEqual(['20250301090000_init', '20250302090000_empty']);
    expect(await foreignKeyTargets(f.superuser, tenant.schemaName)).toEqual({ Post_authorId_fkey: `${tenant.schemaName}.User` });

    await cp(join(PRISMA, '20250303090000_add_email'), join(folder, '20250303090000_add_email'), { recursive: true });
    const [outcome] = await f.admin.migrateTenants({ migrations });
    expect(outcome).toMatchObject({ schemaName: tenant.schemaName, status: 'migrated', applied: ['20250303090000_add_email'] });
    expect(await historyOf(f.superuser, tenant.schemaName)).toEqual(['20250301090000_init', '20250302090000_empty', '20250303090000_add_email']);
    const client = await connectAs(credentials.connectionString);
    try {
      await client.query(`INSERT INTO "User" (name, email) VALUES ('ada', 'ada@example.com')`);
      // The unique index of the last migration is there.
      await expect(client.query(`INSERT INTO "User" (name, email) VALUES ('eve', 'ada@example.com')`)).rejects.toMatchObject({ code: '23505' });
      expect((await client.query(`SELECT name, role FROM "User"`)).rows).toEqual([{ name: 'ada', role: 'READER' }]);
    } finally {
      await client.end();
    }
  });

  it('refuses a bad folder through createTenant, naming the file; no tenant is left', async () => {
    const f = fixture();
    const folder = await folderWith(PRISMA);
    await writeFile(join(folder, '0000_init.sql'), 'CREATE TABLE t (id int);');
    const tenant = newTenant();
    const error = await rejection(f.admin.createTenant(tenant, { migrations: sqlFolderMigrations(folder) }));
    expect(error.message).toContain(`Migrations folder ${folder}: it mixes drizzle-kit's layout (0000_init.sql) and Prisma's (migration_lock.toml)`);
    expect(await schemaExists(f.superuser, tenant.schemaName)).toBe(false);
  });
});

describe('sqlFolderMigrations: the migrations it returns', () => {
  it('are the same objects on every call while their files are unchanged, and new ones for a changed file', async () => {
    const folder = await folderWith(DRIZZLE_V2);
    const migrations = sqlFolderMigrations(folder, { unqualifyPublic: true });
    const [first, second] = await Promise.all([migrations.getMigrations(), migrations.getMigrations()]);
    const third = await migrations.getMigrations();
    expect(Object.keys(third)).toEqual(['0000_init', '0001_comments_and_email', '0002_post_count_function']);
    for (const name of Object.keys(third)) {
      expect(second[name]).toBe(first[name]);
      expect(third[name]).toBe(first[name]);
      expect(third[name]!.up).toBe(first[name]!.up);
      expect(Object.keys(third[name]!)).toEqual(['up']);
      expect(Object.isFrozen(third[name])).toBe(true);
    }

    await writeFile(join(folder, '0002_post_count_function.sql'), 'CREATE TABLE "changed" ("id" integer);');
    const changed = await migrations.getMigrations();
    expect(changed['0000_init']).toBe(first['0000_init']);
    expect(changed['0001_comments_and_email']).toBe(first['0001_comments_and_email']);
    expect(changed['0002_post_count_function']).not.toBe(first['0002_post_count_function']);
    expect(changed['0002_post_count_function']!.up).not.toBe(first['0002_post_count_function']!.up);

    // Another provider for the same folder makes its own objects.
    const other = await sqlFolderMigrations(folder, { unqualifyPublic: true }).getMigrations();
    expect(other['0000_init']).not.toBe(first['0000_init']);
  });

  it('checks its options at once', () => {
    expect(() => sqlFolderMigrations('')).toThrow(ValidationError);
    expect(() => sqlFolderMigrations('./drizzle', { unqualifyPublic: 'yes' as unknown as boolean })).toThrow(/unqualifyPublic must be true or false/);
  });
});
