import { createConnection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { TenantAlreadyExistsError, TenantNotFoundError, TenantNotManagedError, TenantryError } from '@tenantry/core';
import { Statement } from '@tenantry/sql';
import { parseMysqlUrl, queryRows, withMysqlConnection, type MysqlConnection } from '@tenantry/testing';
import { loginError, useMariadbFixture, removePlan } from '../test-support/mariadb-fixture.js';

/** The server's error number for `work`, or 0 when it succeeds. */
async function errnoOf(work: Promise<unknown>): Promise<number> {
  try {
    await work;
    return 0;
  } catch (error) {
    return (error as { errno?: number }).errno ?? -1;
  }
}

/** A tenant session that stays open (the test closes it). */
async function openTenantSession(connectionString: string): Promise<MysqlConnection> {
  const { host, port, user, password, database } = parseMysqlUrl(connectionString);
  const connection = await createConnection({ host, port, user, password, ...(database === undefined ? {} : { database }) });
  connection.on('error', () => undefined);
  return connection;
}

describe('MariaDB tenants through the MySQL dialect and the mysql2 driver', () => {
  const fx = useMariadbFixture();

  it('creates a tenant that logs in with its connection string and builds a table, a view and a procedure in its database', async () => {
    const name = fx.scratch.name('life_a');
    const tenant = await fx.createTenant(name, name);
    expect(tenant.connectionString).toMatch(new RegExp(`^mysql://${name}:[A-Za-z0-9]{32}@[^/]+:\\d+/${name}$`));
    await withMysqlConnection(tenant.connectionString, async (c) => {
      await c.query('CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20))');
      await c.query("INSERT INTO t VALUES (1, 'one')");
      await c.query('CREATE VIEW v AS SELECT id FROM t');
      await c.query('CREATE PROCEDURE p() SELECT COUNT(*) AS n FROM v');
      const [result] = await c.query('CALL p()');
      expect((result as Array<Array<{ n: number }>>)[0]?.[0]?.n).toBe(1);
      expect(await queryRows<{ d: string }>(c, 'SELECT DATABASE() AS d')).toEqual([{ d: name }]);
    });
    expect(await fx.listedSchemas()).toContain(name);
    const admin = await fx.connectAdmin();
    try {
      expect(fx.dialect.readVerification(await admin.query(fx.dialect.verificationQuery(name, name)))).toEqual([]);
      const [row] = await admin.query(fx.dialect.tenantQuery(name));
      expect(row).toMatchObject({ schema_name: name, username: name, host: '%', state: 'active', listed: 1, account_locked: 0, database_exists: 1 });
    } finally {
      await admin.close();
    }
  });

  it('reads the server facts: version, the admin as the server names it, superuser or not', async () => {
    const admin = await fx.connectAdmin();
    try {
      const [row] = await admin.query(fx.dialect.serverFactsQuery());
      const facts = fx.dialect.readServerFacts(row);
      expect(facts.version).toMatch(/MariaDB/);
      expect(facts.versionNum).toBeGreaterThanOrEqual(100500);
      expect(facts.adminRole).toBe(`${fx.scratch.adminUser}@%`);
      expect(facts.isSuperuser).toBe(fx.lane === 'superuser');
    } finally {
      await admin.close();
    }
  });

  it('keeps every isolation promise, each refusal with its error code', async () => {
    const one = await fx.createTenant(fx.scratch.name('iso_1'), fx.scratch.name('iso_1'));
    const two = await fx.createTenant(fx.scratch.name('iso_2'), fx.scratch.name('iso_2'));
    await withMysqlConnection(two.connectionString, (c) => c.query('CREATE TABLE secret (x INT)'));
    const admin = await fx.connectAdmin();
    const other = await openTenantSession(two.connectionString);
    try {
      await withMysqlConnection(one.connectionString, async (c) => {
        await c.query('CREATE TABLE mine (x INT)');
        const databases = (await queryRows<{ Database: string }>(c, 'SHOW DATABASES')).map((row) => row.Database).sort();
        expect(databases).toEqual(['information_schema', one.schemaName].sort());
        expect(await errnoOf(c.query(`SELECT * FROM \`${two.schemaName}\`.secret`))).toBe(1142);
        expect(await errnoOf(c.query(`INSERT INTO \`${two.schemaName}\`.secret VALUES (1)`))).toBe(1142);
        expect(await errnoOf(c.query(`CREATE TABLE \`${two.schemaName}\`.planted (x INT)`))).toBe(1142);
        expect(await errnoOf(c.query(`USE \`${two.schemaName}\``))).toBe(1044);
        expect(await errnoOf(c.query('SELECT * FROM mysql.global_priv'))).toBe(1142);
        expect(await errnoOf(c.query('SELECT * FROM mysql.user'))).toBe(1142);
        expect(await errnoOf(c.query(`SELECT * FROM \`${fx.scratch.registryDatabase}\`.tenants`))).toBe(1142);
        expect(await errnoOf(c.query(`CREATE DATABASE \`${fx.scratch.name('iso_3')}\``))).toBe(1044);
        expect(await errnoOf(c.query(`CREATE USER \`${fx.scratch.name('iso_u')}\`@'%'`))).toBe(1227);
        expect(await errnoOf(c.query(`GRANT SELECT ON \`${one.schemaName}\`.* TO \`${two.username}\`@'%'`))).toBe(1044);
        expect(await errnoOf(c.query("LOAD DATA INFILE '/etc/passwd' INTO TABLE mine"))).toBe(1045);
        expect(await errnoOf(c.query("SELECT 1 INTO OUTFILE '/tmp/tenantry-isolation-outfile'"))).toBe(1227);
        const visible = await queryRows<{ n: number }>(c, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER <> ?', [one.username]);
        expect(Number(visible[0]?.n)).toBe(0);
        expect(await errnoOf(c.query(`KILL CONNECTION ${Number(admin.threadId)}`))).toBe(1095);
        expect(await errnoOf(c.query(`KILL CONNECTION ${Number(other.threadId)}`))).toBe(1095);
      });
      // The other tenant's session survived the attempt.
      expect(await queryRows(other, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await other.end();
      await admin.close();
    }
  });

  it('grants on its own database only: _ in its name is no wildcard (GRANT target escaped)', async () => {
    const tenant = await fx.createTenant(fx.scratch.name('w_1'), fx.scratch.name('w_1'));
    const lookalike = fx.scratch.name('wx1'); // what `w_1` would match as a pattern
    await fx.asRoot(async (c) => {
      await c.query(`CREATE DATABASE \`${lookalike}\``);
      await c.query(`CREATE TABLE \`${lookalike}\`.t (x INT)`);
    });
    await withMysqlConnection(tenant.connectionString, async (c) => {
      expect(await errnoOf(c.query(`SELECT * FROM \`${lookalike}\`.t`))).toBe(1142);
    });
  });

  it('verify names what breaks isolation: a grant on another database, GRANT OPTION, a global privilege, a locked account', async () => {
    const name = fx.scratch.name('ver_a');
    await fx.createTenant(name, name);
    const elsewhere = fx.scratch.name('ver_other');
    await fx.asRoot(async (c) => {
      await c.query(`CREATE DATABASE \`${elsewhere}\``);
      await c.query(`GRANT SELECT ON \`${elsewhere.replace(/_/g, '\\_')}\`.* TO \`${name}\`@'%'`);
      await c.query(`GRANT SELECT ON \`${name.replace(/_/g, '\\_')}\`.* TO \`${name}\`@'%' WITH GRANT OPTION`);
      await c.query(`GRANT PROCESS ON *.* TO \`${name}\`@'%'`);
      await c.query(`ALTER USER \`${name}\`@'%' ACCOUNT LOCK`);
    });
    const admin = await fx.connectAdmin();
    try {
      expect(fx.dialect.readVerification(await admin.query(fx.dialect.verificationQuery(name, name)))).toEqual([
        'the account is locked',
        'the user holds a global privilege',
        'the user holds grants on other databases or other hosts',
        'the user holds GRANT OPTION',
      ]);
    } finally {
      await admin.close();
    }
  });

  it("runs create and remove alike when the admin's session has NO_BACKSLASH_ESCAPES and ANSI_QUOTES, for names with quotes and backticks", async () => {
    const schemaName = fx.scratch.name('q').concat("'x_1`");
    const username = fx.scratch.name('q').concat("'u`\"1");
    const admin = await fx.connectAdmin();
    try {
      await admin.run([new Statement('test: the other sql_mode', "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES,ANSI_QUOTES')")]);
      const tenant = await fx.createTenant(schemaName, username, admin);
      await withMysqlConnection(tenant.connectionString, async (c) => {
        expect(await queryRows<{ d: string; u: string }>(c, 'SELECT DATABASE() AS d, CURRENT_USER() AS u')).toEqual([{ d: schemaName, u: `${username}@%` }]);
      });
      expect(fx.dialect.readVerification(await admin.query(fx.dialect.verificationQuery(schemaName, username)))).toEqual([]);
      await fx.run(removePlan(fx.dialect, schemaName, username), 'remove', {}, admin);
    } finally {
      await admin.close();
    }
    expect(await fx.asRoot((c) => queryRows(c, 'SELECT User FROM mysql.global_priv WHERE User = ?', [username]))).toEqual([]);
    expect(await fx.asRoot((c) => queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [schemaName]))).toEqual([]);
  });

  it('removes a tenant: ends its sessions, drops database, user and registry row', async () => {
    const name = fx.scratch.name('rm_a');
    const tenant = await fx.createTenant(name, name);
    const session = await openTenantSession(tenant.connectionString);
    await session.query('CREATE TABLE t (x INT)');
    await session.query('START TRANSACTION');
    await session.query('INSERT INTO t VALUES (1)'); // an open transaction holds a metadata lock DROP DATABASE needs
    await fx.removeTenant(name, name);
    expect(await errnoOf(session.query('SELECT 1'))).not.toBe(0);
    session.destroy();
    const left = await fx.asRoot(async (c) => ({
      users: await queryRows(c, 'SELECT User FROM mysql.global_priv WHERE User = ?', [name]),
      grants: await queryRows(c, 'SELECT Db FROM mysql.db WHERE User = ?', [name]),
      databases: await queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]),
      registry: await queryRows(c, `SELECT * FROM \`${fx.scratch.registryDatabase}\`.tenants WHERE schema_name = ?`, [name]),
    }));
    expect(left).toEqual({ users: [], grants: [], databases: [], registry: [] });
    expect((await loginError(fx, name, tenant.password))?.sqlState).toBe('28000');
    expect(await fx.listedSchemas()).not.toContain(name);
  });

  it('refuses to remove what Tenantry did not create, and names a missing tenant', async () => {
    const foreign = fx.scratch.name('rm_foreign');
    await fx.asRoot((c) => c.query(`CREATE DATABASE \`${foreign}\``));
    const error = await fx.removeTenant(foreign, foreign).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantNotManagedError);
    expect(await fx.asRoot((c) => queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [foreign]))).toHaveLength(1);
    const missing = fx.scratch.name('rm_missing');
    expect(await fx.removeTenant(missing, missing).catch((e: unknown) => e)).toBeInstanceOf(TenantNotFoundError);
    // A tenant's database with another tenant's user is refused too.
    const a = await fx.createTenant(fx.scratch.name('rm_pair_a'), fx.scratch.name('rm_pair_a'));
    const b = await fx.createTenant(fx.scratch.name('rm_pair_b'), fx.scratch.name('rm_pair_b'));
    expect(await fx.removeTenant(a.schemaName, b.username).catch((e: unknown) => e)).toBeInstanceOf(TenantNotManagedError);
    expect(await fx.listedSchemas()).toEqual(expect.arrayContaining([a.schemaName, b.schemaName]));
  });

  it('rotates the password: the old one is refused (28000), the new one works, sessions end when asked', async () => {
    const name = fx.scratch.name('rot_a');
    const tenant = await fx.createTenant(name, name);
    const session = await openTenantSession(tenant.connectionString);
    const fresh = await fx.rotatePassword(name, name, { terminateSessions: true });
    const old = await loginError(fx, name, tenant.password, name);
    expect(old?.errno).toBe(1045);
    expect(old?.sqlState).toBe('28000');
    expect(await loginError(fx, name, fresh, name)).toBeUndefined();
    expect(await errnoOf(session.query('SELECT 1'))).not.toBe(0);
    session.destroy();
  });

  it('refuses a second tenant of either name with TenantAlreadyExistsError and changes nothing', async () => {
    const name = fx.scratch.name('dup_a');
    await fx.createTenant(name, name);
    const sameDatabase = await fx.createTenant(name, fx.scratch.name('dup_other')).catch((e: unknown) => e);
    expect(sameDatabase).toBeInstanceOf(TenantAlreadyExistsError);
    expect((sameDatabase as TenantAlreadyExistsError).objectKind).toBe('schema');
    const sameUser = await fx.createTenant(fx.scratch.name('dup_other2'), name).catch((e: unknown) => e);
    expect((sameUser as TenantAlreadyExistsError).objectKind).toBe('role');
    expect(TenantryError.isInstance(sameUser)).toBe(true);
  });

  it('pages the list on the database name and never lists a half-made tenant', async () => {
    const names = ['pg_c', 'pg_a', 'pg_b'].map((label) => fx.scratch.name(label));
    for (const name of names) await fx.createTenant(name, name);
    await fx.asRoot((c) => c.query(`INSERT INTO \`${fx.scratch.registryDatabase}\`.tenants (schema_name, username, host, state) VALUES (?, ?, '%', 'creating')`, [fx.scratch.name('pg_half'), fx.scratch.name('pg_half')]));
    const admin = await fx.connectAdmin();
    try {
      const prefixRows = async (after?: string) => (await admin.query(fx.dialect.listTenantsQuery({ limit: 2, after }))).map((row) => row.schema_name);
      const first = await prefixRows(fx.scratch.name('pg_'));
      expect(first).toEqual([names[1], names[2]]);
      expect(await prefixRows(first[1])).toEqual(expect.arrayContaining([names[0]]));
      expect(await fx.listedSchemas()).not.toContain(fx.scratch.name('pg_half'));
    } finally {
      await admin.close();
    }
  });
});
