import { Kysely, sql, type Migration, type MigrationProvider } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantAlreadyExistsError, TenantNotFoundError, ValidationError } from '@tenantry/core';
import { formatPlan } from '@tenantry/sql';
import { queryRows, withMysqlConnection } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';
import { loginError, serverSnapshot, useMariadbFixture } from '../test-support/mariadb-fixture.js';

/** Migrations as an application would write them, for Kysely's MySQL dialect. */
function migrationsOf(entries: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => entries };
}

const schemaMigrations = migrationsOf({
  '001_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('accounts').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'varchar(40)').execute();
    },
  },
  '002_accounts_view': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE VIEW account_names AS SELECT name FROM accounts`.execute(db);
    },
  },
});

/*
 * The same DatabaseAdmin API, picked by the URL's scheme: the lifecycle of a
 * MariaDB tenant through the seam (dialect plans, one executor, the mysql2
 * driver), and the refusals of what this dialect cannot do yet, each typed.
 */
describe('DatabaseAdmin on a mysql:// URL', () => {
  const fx = useMariadbFixture();
  let admin: DatabaseAdmin;

  beforeAll(() => {
    admin = new DatabaseAdmin(fx.scratch.adminUrl, { mysql: { registryDatabase: fx.scratch.registryDatabase, lockTimeoutMillis: 5_000 } });
  });
  afterAll(async () => {
    await admin?.close();
  });

  it('picks the MySQL dialect from the scheme, and mariadb:// too', async () => {
    expect(admin.dialectName).toBe('mysql');
    expect(new DatabaseAdmin(fx.scratch.adminUrl.replace(/^mysql:/, 'mariadb:')).dialectName).toBe('mysql');
    const info = await admin.serverInfo();
    expect(info.versionNum).toBeGreaterThan(100000);
    expect(info.isSuperuser).toBe(fx.lane === 'superuser');
  });

  it('prepares, creates, lists, shows, verifies, rotates and removes a tenant', async () => {
    // The fixture prepared the registry already: a second prepare changes nothing and says so.
    expect(await admin.prepare()).toMatchObject({ changed: false, statements: [] });
    const name = fx.scratch.name('api_a');
    const created = await admin.createTenant({ schemaName: name, username: name });
    expect(created.connectionString).toMatch(new RegExp(`^mysql://${name}:[A-Za-z0-9]{32}@`));
    await withMysqlConnection(created.connectionString, async (c) => {
      await c.query('CREATE TABLE t (id INT PRIMARY KEY)');
    });
    expect((await admin.listTenants()).map((tenant) => tenant.schemaName)).toContain(name);
    expect(await admin.getTenant(name)).toMatchObject({ schemaName: name, username: name, roleIntact: true });
    expect(await admin.tenantExists(name)).toBe(true);
    expect(await admin.verifyTenant(name)).toMatchObject({ ok: true });

    const rotated = await admin.rotatePassword({ schemaName: name, username: name });
    expect(await loginError(fx, name, created.password)).toMatchObject({ errno: 1045 });
    expect(await loginError(fx, name, rotated.password, name)).toBeUndefined();

    await admin.removeTenant({ schemaName: name, username: name });
    expect(await admin.tenantExists(name)).toBe(false);
    expect(await loginError(fx, name, rotated.password)).toBeDefined();
  });

  it('refuses a second tenant of the same names, and unknown tenants, with typed errors', async () => {
    const name = fx.scratch.name('api_b');
    await admin.createTenant({ schemaName: name, username: name });
    await expect(admin.createTenant({ schemaName: name, username: name })).rejects.toBeInstanceOf(TenantAlreadyExistsError);
    const missing = fx.scratch.name('api_missing');
    await expect(admin.verifyTenant(missing)).rejects.toBeInstanceOf(TenantNotFoundError);
    expect(await admin.getTenant(missing)).toBeUndefined();
  });

  it('runs migrations at creation in a session as the tenant: its tables and views are in its database', async () => {
    const name = fx.scratch.name('api_m');
    const tenant = await admin.createTenant({ schemaName: name, username: name }, { migrations: schemaMigrations });
    await withMysqlConnection(tenant.connectionString, async (c) => {
      await c.query("INSERT INTO accounts VALUES (1, 'acme')");
      expect(await queryRows(c, 'SELECT name FROM account_names')).toEqual([{ name: 'acme' }]);
      // The view's definer is the tenant: the migrations ran in its session, never in the admin's.
      expect(await queryRows(c, `SELECT DEFINER AS definer FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`, [name])).toEqual([{ definer: `${name}@%` }]);
      expect((await queryRows<{ name: string }>(c, 'SELECT name FROM kysely_migration ORDER BY name')).map((row) => row.name)).toEqual(['001_accounts', '002_accounts_view']);
    });
  });

  it('removes the tenant again when its migrations fail, and says which failed', async () => {
    const name = fx.scratch.name('api_f');
    const before = await serverSnapshot(fx);
    const failing = migrationsOf({ '001_bad': { up: async (db: Kysely<unknown>) => void (await sql`CREATE TABLE broken (`.execute(db)) } });
    await expect(admin.createTenant({ schemaName: name, username: name }, { migrations: failing })).rejects.toThrow(/001_bad/);
    expect(await serverSnapshot(fx)).toEqual(before);
  });

  it('creates many tenants with per-tenant results', async () => {
    const names = [1, 2, 3].map((n) => fx.scratch.name(`api_bulk${n}`));
    const results = await admin.createTenants([...names.map((name) => ({ schemaName: name, username: name })), { schemaName: names[0]!, username: names[0]! }], { concurrency: 2, skipExisting: true });
    expect(results.map((result) => result.status)).toEqual(['created', 'created', 'created', 'skipped']);
  });

  it('prints dry runs with the password hash redacted, after the same checks', async () => {
    const name = fx.scratch.name('api_d');
    const plan = await admin.planCreateTenant({ schemaName: name, username: name, password: 'correct horse battery staple' });
    const text = formatPlan(plan);
    expect(text).toContain('CREATE USER');
    expect(text).not.toMatch(/\*[0-9A-F]{40}/);
    await expect(admin.planRemoveTenant({ schemaName: name, username: name })).rejects.toBeInstanceOf(TenantNotFoundError);
  });

  it('refuses, typed and naming the reason, what only PostgreSQL tenants have', async () => {
    const name = fx.scratch.name('api_r');
    for (const [config, field] of [
      [{ connectionLimit: 5 }, 'connectionLimit'],
      [{ settings: { a: 'b' } }, 'settings'],
      [{ memberOf: ['x'] }, 'memberOf'],
      [{ labels: { tier: 'gold' } }, 'labels'],
    ] as const) {
      await expect(admin.createTenant({ schemaName: name, username: name, ...config })).rejects.toMatchObject({ field, rule: 'unsupported-by-dialect' });
    }
    await expect(admin.migrateTenants({ migrations: schemaMigrations })).rejects.toBeInstanceOf(ValidationError);
    await expect(admin.renameTenant({ schemaName: name, username: name }, { username: `${name}_2` })).rejects.toMatchObject({ field: 'dialect', rule: 'unsupported-by-dialect' });
    await expect(admin.doctor()).rejects.toMatchObject({ field: 'dialect', rule: 'unsupported-by-dialect' });
    expect(await admin.tenantExists(name)).toBe(false);
  });

  it('refuses credentials that expire and suspension, typed, naming the dialect, changing nothing', async () => {
    const name = fx.scratch.name('api_c');
    await admin.createTenant({ schemaName: name, username: name });
    const before = await serverSnapshot(fx);
    const tenant = { schemaName: name, username: name };
    for (const call of [
      () => admin.issueCredentials(tenant, { ttl: 60 }),
      () => admin.revokeCredentials(tenant, 'tenantry_cred_aaaaaaaaaaaaaaaaaaaa'),
      () => admin.listCredentials(tenant),
      () => admin.sweepCredentials(),
      () => admin.suspendTenant(tenant),
      () => admin.resumeTenant(tenant),
    ]) {
      const error = await call().then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'dialect', rule: 'unsupported-by-dialect' });
      expect((error as Error).message).toMatch(/not available for the mysql dialect/);
    }
    expect(await serverSnapshot(fx)).toEqual(before);
    await admin.removeTenant(tenant);
  });

  it('refuses a pooler login lookup and a connection budget, which it has no counterpart for', async () => {
    await expect(admin.prepare({ poolerAuth: { role: 'pgbouncer_auth' } })).rejects.toMatchObject({ field: 'poolerAuth', rule: 'unsupported-by-dialect' });
    await expect(admin.connectionBudget({ poolSize: 5 })).rejects.toMatchObject({ field: 'connectionBudget', rule: 'unsupported-by-dialect' });
  });
});
