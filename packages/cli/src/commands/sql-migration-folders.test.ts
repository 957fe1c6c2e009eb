import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogHas, json, tenantry, uniqueName, useCliDatabase, tableOwners } from '../test-support/cli.js';

// @tenantry/admin's fixtures: drizzle/v1 and v2 made by drizzle-kit 0.31.11 itself;
// prisma/migrations written by hand in Prisma's layout (its CLI cannot run here).
const FIXTURES = fileURLToPath(new URL('../../../admin/fixtures/sql-migrations/', import.meta.url));

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function folderWith(...sources: string[]): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'tenantry-cli-sql-'));
  folders.push(folder);
  for (const source of sources) await cp(source, folder, { recursive: true });
  return folder;
}

// migrate runs every tenant of the database: each layout has a database of its own.
describe('--migrations with a drizzle-kit folder', () => {
  const db = useCliDatabase();

  it("create and migrate run drizzle-kit's files, once told to drop its \"public\". qualifiers", async () => {
    const { run, superuser } = db();
    const dir = await folderWith(join(FIXTURES, 'drizzle', 'v1'));
    const schema = uniqueName('t_drz');
    const user = uniqueName('u_drz');

    const refused = await run(['create', '--schema', schema, '--username', user, '--migrations', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--migrations: Migrations folder ${dir}: 0000_init.sql, line 1: "public"."role" names schema "public"`);
    expect(refused.stderr).toContain('(CLI: --unqualify-public)');
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: false, role: false });

    const dryRun = await run(['create', '--schema', schema, '--username', user, '--migrations', dir, '--unqualify-public', '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/the migrations:\n-- {3}0000_init\n/);

    const created = await run(['create', '--schema', schema, '--username', user, '--migrations', dir, '--unqualify-public']);
    expect(created.code, created.stderr).toBe(0);
    expect(await tableOwners(superuser, schema)).toEqual({ posts: user, users: user });

    await cp(join(FIXTURES, 'drizzle', 'v2'), dir, { recursive: true });
    const migrated = await run(['migrate', '--migrations', dir, '--unqualify-public', '--json']);
    expect(migrated.code, migrated.stderr).toBe(0);
    const report = json<{ migrations: string[]; tenants: { schemaName: string; status: string; applied: string[] }[] }>(migrated);
    expect(report.migrations).toEqual(['0000_init', '0001_comments_and_email', '0002_post_count_function']);
    expect(report.tenants.find((tenant) => tenant.schemaName === schema)).toMatchObject({ status: 'migrated', applied: ['0001_comments_and_email', '0002_post_count_function'] });
    expect(await tableOwners(superuser, schema)).toEqual({ comments: user, posts: user, users: user });
  });

});

describe('--migrations with a Prisma folder', () => {
  const db = useCliDatabase();

  it("create and migrate run Prisma's folders, each migration.sql whole", async () => {
    const { run, superuser } = db();
    const prisma = join(FIXTURES, 'prisma', 'migrations');
    const dir = await folderWith();
    for (const part of ['migration_lock.toml', '20250301090000_init']) await cp(join(prisma, part), join(dir, part), { recursive: true });
    const schema = uniqueName('t_prz');
    const user = uniqueName('u_prz');
    const created = await run(['create', '--schema', schema, '--username', user, '--migrations', dir]);
    expect(created.code, created.stderr).toBe(0);
    expect(await tableOwners(superuser, schema)).toEqual({ Post: user, User: user });

    for (const part of ['20250302090000_empty', '20250303090000_add_email']) await cp(join(prisma, part), join(dir, part), { recursive: true });
    const dryRun = await run(['migrate', '--migrations', dir, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`-- "${schema}" (role "${user}"): would apply 20250302090000_empty, 20250303090000_add_email\n`);
    const migrated = await run(['migrate', '--migrations', dir]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(new RegExp(`${schema} +migrated +20250302090000_empty, 20250303090000_add_email`));
    const { rows } = await superuser.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'User' AND column_name = 'email'`, [schema]);
    expect(rows).toHaveLength(1);
  });

});

describe('--migrations: what is refused, and --help', () => {
  it('refuses, before connecting, a bad folder and --unqualify-public where it does not apply (exit 2)', async () => {
    const mixed = await folderWith(join(FIXTURES, 'prisma', 'migrations'));
    await writeFile(join(mixed, '0000_init.sql'), 'CREATE TABLE t (id int);');
    const kysely = await folderWith();
    await writeFile(join(kysely, '001_users.mjs'), 'export async function up() {}\n');
    // No database: each is refused before any connection is tried.
    const env = { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' };
    const cases: [string[], RegExp][] = [
      [['migrate', '--migrations', mixed], /--migrations: Migrations folder .*: it mixes drizzle-kit's layout \(0000_init\.sql\) and Prisma's \(migration_lock\.toml\)/],
      [['migrate', '--migrations', kysely, '--unqualify-public'], /--unqualify-public applies to the \.sql files of drizzle-kit and Prisma; .* holds no such folder\./],
      [['create', '--schema', 'tenant_x', '--username', 'user_x', '--unqualify-public'], /--unqualify-public only goes with --migrations\./],
    ];
    for (const [args, message] of cases) {
      const result = await tenantry(args, { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('--help says which folders are read', async () => {
    for (const command of ['create', 'migrate']) {
      const help = (await tenantry([command, '--help'])).stdout;
      expect(help).toContain('--unqualify-public');
      expect(help).toMatch(/drizzle-kit[^(]*\(<n>_<name>\.sql/);
      expect(help).toMatch(/Prisma[^(]*\(<timestamp>_<name>\/migration\.sql/);
    }
  });
});
