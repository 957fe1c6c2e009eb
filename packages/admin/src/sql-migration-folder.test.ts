import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { readSqlMigrationFolder, sqlMigrationLayoutOf } from './sql-migration-folder.js';

/** drizzle-kit 0.31.11's own output (scripts/generate-drizzle-fixtures.mjs); Prisma's written by hand (see sql-folder-migrations.test.ts). */
const FIXTURES = fileURLToPath(new URL('../fixtures/sql-migrations/', import.meta.url));
const DRIZZLE_V2 = join(FIXTURES, 'drizzle', 'v2');
const PRISMA = join(FIXTURES, 'prisma', 'migrations');

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** A fresh folder holding `files` (path → content; a path ending in / is an empty folder), optionally on top of a fixture's copy. */
async function folderWith(files: Record<string, string>, from?: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tenantry-sql-folder-'));
  folders.push(folder);
  if (from !== undefined) await cp(from, folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    if (file.endsWith('/')) {
      await mkdir(join(folder, file), { recursive: true });
    } else {
      await mkdir(dirname(join(folder, file)), { recursive: true });
      await writeFile(join(folder, file), content);
    }
  }
  return folder;
}

async function refusal(folder: string): Promise<ValidationError> {
  const error = await readSqlMigrationFolder(folder).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `${folder} was read`).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).rule).toBe('migration-folder-layout');
  return error as ValidationError;
}

const JOURNAL = (...tags: string[]) => JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.map((tag, idx) => ({ idx, version: '7', when: 1700000000000 + idx, tag, breakpoints: true })) });

describe('readSqlMigrationFolder', () => {
  it("reads drizzle-kit's folder in its journal's order, each file whole", async () => {
    const { layout, sources } = await readSqlMigrationFolder(DRIZZLE_V2);
    expect(layout).toBe('drizzle');
    expect(sources.map((source) => [source.name, source.file])).toEqual([
      ['0000_init', '0000_init.sql'],
      ['0001_comments_and_email', '0001_comments_and_email.sql'],
      ['0002_post_count_function', '0002_post_count_function.sql'],
    ]);
    expect(sources[0]!.text).toMatch(/^CREATE TYPE "public"\."role" AS ENUM\('reader', 'writer'\);--> statement-breakpoint\nCREATE TABLE "posts"/);
  });

  it("reads Prisma's folder in the order of its folder names, and passes over dot files", async () => {
    const folder = await folderWith({ '.gitkeep': '', '20250302090000_empty/.DS_Store': '' }, PRISMA);
    const { layout, sources } = await readSqlMigrationFolder(folder);
    expect(layout).toBe('prisma');
    expect(sources.map((source) => [source.name, source.file])).toEqual([
      ['20250301090000_init', '20250301090000_init/migration.sql'],
      ['20250302090000_empty', '20250302090000_empty/migration.sql'],
      ['20250303090000_add_email', '20250303090000_add_email/migration.sql'],
    ]);
    expect(sources[1]!.text).toBe('-- This is an empty migration.\n');
  });

  it('tells the layouts apart, and a folder of neither (Kysely files, with a .sql one beside) from both', async () => {
    expect(await sqlMigrationLayoutOf(DRIZZLE_V2)).toBe('drizzle');
    expect(await sqlMigrationLayoutOf(PRISMA)).toBe('prisma');
    expect(await sqlMigrationLayoutOf(await folderWith({ '001_users.mjs': 'export async function up() {}', '001_users.sql': 'SELECT 1' }))).toBeUndefined();
    expect(await sqlMigrationLayoutOf(await folderWith({}))).toBeUndefined();
    // Marks alone decide: the rest is checked when read.
    expect(await sqlMigrationLayoutOf(await folderWith({ '0000_a.sql': 'SELECT 1' }))).toBe('drizzle');
    expect(await sqlMigrationLayoutOf(await folderWith({ '1_a/migration.sql': 'SELECT 1' }))).toBe('prisma');
  });

  it('refuses a folder of neither layout, naming a Kysely file it holds', async () => {
    const empty = await folderWith({});
    expect((await refusal(empty)).message).toBe(
      `Migrations folder ${empty}: it holds neither drizzle-kit's migrations (<n>_<name>.sql files listed in meta/_journal.json) nor Prisma's (<timestamp>_<name>/migration.sql folders beside migration_lock.toml).`,
    );
    const kysely = await refusal(await folderWith({ '001_users.mjs': 'export async function up() {}' }));
    expect(kysely.message).toContain("It holds 001_users.mjs: Kysely migration files are read with Kysely's FileMigrationProvider.");
  });

  it('refuses a folder that mixes the layouts, naming a file of each', async () => {
    const mixed = await folderWith({ 'migration_lock.toml': 'provider = "postgresql"\n' }, DRIZZLE_V2);
    expect((await refusal(mixed)).message).toContain("it mixes drizzle-kit's layout (meta/_journal.json) and Prisma's (migration_lock.toml)");
    await expect(sqlMigrationLayoutOf(mixed)).rejects.toThrow(ValidationError);
    const seed = await folderWith({ 'seed.sql': 'SELECT 1' }, PRISMA);
    expect((await refusal(seed)).message).toContain("it mixes drizzle-kit's layout (seed.sql) and Prisma's (migration_lock.toml)");
  });

  it('refuses a drizzle-kit folder with a file the journal does not list, a file it lists missing, or anything else', async () => {
    expect((await refusal(await folderWith({ '0003_by_hand.sql': 'SELECT 1' }, DRIZZLE_V2))).message).toMatch(
      /: 0003_by_hand\.sql: it is not listed in meta\/_journal\.json, so drizzle-kit would never apply it/,
    );
    const missing = await folderWith({}, DRIZZLE_V2);
    await rm(join(missing, '0001_comments_and_email.sql'));
    expect((await refusal(missing)).message).toContain('meta/_journal.json lists "0001_comments_and_email", but there is no file 0001_comments_and_email.sql.');
    expect((await refusal(await folderWith({ '0004_users.mjs': 'export async function up() {}' }, DRIZZLE_V2))).message).toContain(
      '0004_users.mjs: a drizzle-kit migrations folder holds only the .sql files meta/_journal.json lists, and meta/.',
    );
    expect((await refusal(await folderWith({ 'seeds/': '' }, DRIZZLE_V2))).message).toContain('seeds: a drizzle-kit migrations folder holds only');
  });

  it('refuses .sql files without a journal, and a journal that is not one', async () => {
    expect((await refusal(await folderWith({ '0000_a.sql': 'SELECT 1' }))).message).toContain('it holds .sql files but no meta/_journal.json');
    expect((await refusal(await folderWith({ '0000_a.sql': 'SELECT 1', 'meta/_journal.json': '{"entries": [' }))).message).toContain('meta/_journal.json is not valid JSON');
    expect((await refusal(await folderWith({ '0000_a.sql': 'SELECT 1', 'meta/_journal.json': '{}' }))).message).toContain('meta/_journal.json has no "entries" list.');
    expect((await refusal(await folderWith({ '0000_a.sql': 'SELECT 1', 'meta/_journal.json': JSON.stringify({ entries: [{ idx: 0 }] }) }))).message).toContain(
      'meta/_journal.json: entry 0 has no "tag".',
    );
    expect((await refusal(await folderWith({ '0000_a.sql': 'SELECT 1', 'meta/_journal.json': JOURNAL('0000_a', '0000_a') }))).message).toContain(
      'meta/_journal.json lists "0000_a" twice.',
    );
  });

  it("refuses a drizzle-kit journal whose order is not the names' order (prefix 'none')", async () => {
    const folder = await folderWith({ 'users.sql': 'SELECT 1', 'add_email.sql': 'SELECT 2', 'meta/_journal.json': JOURNAL('users', 'add_email') });
    expect((await refusal(folder)).message).toContain("users.sql comes before add_email.sql in the tool's order but not in name order");
  });

  it('refuses a Prisma folder without migration_lock.toml, a migration folder without migration.sql, and stray files', async () => {
    expect((await refusal(await folderWith({ '20250101000000_a/migration.sql': 'SELECT 1' }))).message).toContain(
      "it has Prisma's migration folders but no migration_lock.toml",
    );
    expect((await refusal(await folderWith({ '20250304090000_next/': '' }, PRISMA))).message).toContain(
      '20250304090000_next/ has no migration.sql; each Prisma migration folder holds one.',
    );
    expect((await refusal(await folderWith({ '20250301090000_init/down.sql': 'DROP TABLE "User"' }, PRISMA))).message).toContain(
      '20250301090000_init/down.sql: a Prisma migration folder holds only migration.sql.',
    );
    expect((await refusal(await folderWith({ 'README.md': '# notes' }, PRISMA))).message).toContain(
      'README.md: a Prisma migrations folder holds only migration_lock.toml and one folder per migration',
    );
  });

  it('refuses a path that is not a folder', async () => {
    expect((await refusal(join(FIXTURES, 'nonexistent'))).message).toMatch(/nonexistent: it cannot be read as a folder \(ENOENT\)\.$/);
    expect((await refusal(join(PRISMA, 'migration_lock.toml'))).message).toMatch(/: it cannot be read as a folder \(ENOTDIR\)\.$/);
  });
});
