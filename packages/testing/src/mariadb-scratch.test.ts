import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MariadbAdminLane } from './mariadb-admin-grants.js';
import { dropMariadbObjectsWithPrefix } from './mariadb-cleanup.js';
import { createMariadbScratch, newMariadbRunPrefix, type MariadbScratch } from './mariadb-scratch.js';
import { describeUnavailableMariadbLane, startMariadbTestServer, type MariadbTestServer } from './mariadb-test-server.js';
import { escapeMysqlGrantDatabase, quoteMysqlIdentifier } from './mysql-identifier.js';
import { mysqlNativePasswordHash } from './mysql-native-password.js';
import { withMysqlCredentials } from './mysql-url.js';
import { queryRows, withMysqlConnection, type MysqlConnection } from './with-mysql-connection.js';

let server: MariadbTestServer;
const runPrefix = newMariadbRunPrefix();

beforeAll(async () => {
  const lane = await startMariadbTestServer();
  if (!lane.available) throw new Error(describeUnavailableMariadbLane(lane));
  server = lane.server;
});
afterAll(async () => {
  if (!server) return;
  await dropMariadbObjectsWithPrefix(server.adminUrl, runPrefix);
  await server.stop();
});

const q = quoteMysqlIdentifier;
const account = (user: string) => `${q(user)}@${q('%')}`;
const asRoot = <T>(work: (c: MysqlConnection) => Promise<T>) => withMysqlConnection(server.adminUrl, work);
const errorOf = (work: Promise<unknown>) => work.then(() => 'no error', (error: { errno?: number; sqlState?: string }) => ({ errno: error.errno, sqlState: error.sqlState }));

async function namesUnder(prefix: string): Promise<{ users: string[]; databases: string[] }> {
  return asRoot(async (c) => ({
    users: (await queryRows<{ u: string }>(c, 'SELECT User AS u FROM mysql.user WHERE LEFT(User, ?) = ? ORDER BY 1', [prefix.length, prefix])).map((r) => r.u),
    databases: (await queryRows<{ d: string }>(c, 'SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ? ORDER BY 1', [prefix.length, prefix])).map((r) => r.d),
  }));
}

describe.each<MariadbAdminLane>(['superuser', 'least-privilege'])('createMariadbScratch, %s admin', (lane) => {
  let scratch: MariadbScratch;
  beforeAll(async () => {
    scratch = await createMariadbScratch(server.adminUrl, { lane, runPrefix });
  });
  afterAll(() => scratch?.cleanup());

  it('names everything under a prefix of its own', () => {
    expect(scratch.prefix).toMatch(new RegExp(`^${runPrefix}[0-9a-z]{3}_$`));
    expect(scratch.adminUser).toBe(`${scratch.prefix}admin`);
    expect(scratch.registryDatabase).toBe(`${scratch.prefix}registry`);
    expect(scratch.name('acme')).toBe(`${scratch.prefix}acme`);
    expect(() => scratch.name('Acme')).toThrow(RangeError);
    expect(() => scratch.name('x'.repeat(60))).toThrow(/longer than 64/);
  });

  it('its admin can do every step of provisioning and removing a tenant', async () => {
    const tenant = scratch.name('t1');
    const password = 'tenant-password-1';
    const tenantUrl = withMysqlCredentials(server.adminUrl, tenant, password);
    const loginError = () => errorOf(withMysqlConnection(tenantUrl, (c) => c.query('SELECT 1')));
    await withMysqlConnection(scratch.adminUrl, async (admin) => {
      await admin.query(`CREATE DATABASE ${q(scratch.registryDatabase)}`);
      await admin.query(`CREATE DATABASE ${q(tenant)} COMMENT 'tenantry:managed'`);
      await admin.query(`CREATE USER ${account(tenant)} IDENTIFIED BY PASSWORD '${mysqlNativePasswordHash(password)}' ACCOUNT LOCK`);
      expect(await loginError()).toEqual({ errno: 4151, sqlState: 'HY000' });
      await admin.query(`GRANT ALL PRIVILEGES ON ${q(escapeMysqlGrantDatabase(tenant))}.* TO ${account(tenant)}`);
      await admin.query(`ALTER USER ${account(tenant)} ACCOUNT UNLOCK`);
      // Catalog checks.
      const [state] = await queryRows<{ locked: string; plugin: string }>(admin, "SELECT JSON_EXTRACT(Priv, '$.account_locked') AS locked, JSON_VALUE(Priv, '$.plugin') AS plugin FROM mysql.global_priv WHERE User = ? AND Host = '%'", [tenant]);
      expect(state).toEqual({ locked: false, plugin: 'mysql_native_password' });
      const grants = await queryRows<{ db: string; grantable: string }>(admin, "SELECT Db AS db, Grant_priv AS grantable FROM mysql.db WHERE User = ? AND Host = '%'", [tenant]);
      expect(grants).toEqual([{ db: escapeMysqlGrantDatabase(tenant), grantable: 'N' }]);

      // The tenant works in its database; the admin sees its session and ends it.
      await withMysqlConnection(tenantUrl, async (t) => {
        await t.query(`CREATE TABLE ${q(tenant)}.notes (id INT PRIMARY KEY)`);
        const sessions = await queryRows<{ id: number }>(admin, 'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [tenant]);
        expect(sessions).toHaveLength(1);
        await admin.query(`KILL CONNECTION USER ${account(tenant)}`);
        expect(await errorOf(t.query('SELECT 1'))).not.toBe('no error');
      });
      await admin.query(`ALTER USER ${account(tenant)} ACCOUNT LOCK`);
      await admin.query(`DROP USER ${account(tenant)}`);
      await admin.query(`DROP DATABASE ${q(tenant)}`);
    });
    // A login for an account that does not exist: 1045 or 1698 depending on the name (the server fakes a plugin per name), SQLSTATE 28000 both.
    expect(await loginError()).toEqual({ errno: expect.toSatisfy((errno: number) => errno === 1045 || errno === 1698), sqlState: '28000' });
    expect(await namesUnder(scratch.prefix)).toEqual({ users: [scratch.adminUser], databases: [scratch.registryDatabase] });
  });

  if (lane === 'least-privilege') {
    it('its admin holds nothing outside its prefix and the catalog', async () => {
      await withMysqlConnection(scratch.adminUrl, async (admin) => {
        const outside = `${newMariadbRunPrefix()}_elsewhere`;
        expect(await errorOf(admin.query(`CREATE DATABASE ${q(outside)}`))).toEqual({ errno: 1044, sqlState: '42000' });
        expect(await errorOf(admin.query('SELECT * FROM mysql.servers'))).toEqual({ errno: 1142, sqlState: '42000' });
        expect(await errorOf(admin.query('UPDATE mysql.global_priv SET Priv = Priv WHERE 1 = 0'))).toEqual({ errno: 1142, sqlState: '42000' });
        expect(await errorOf(admin.query(`GRANT SELECT ON *.* TO ${account(scratch.adminUser)}`))).toEqual({ errno: 1045, sqlState: '28000' });
        // CONNECTION ADMIN does allow SET GLOBAL of connection settings (max_connections, init_connect): see the facts sheet.
        expect(await errorOf(admin.query('SET GLOBAL general_log = OFF'))).toEqual({ errno: 1227, sqlState: '42000' });
      });
    });
  }
});

describe('MariadbScratch.cleanup and the run prefix', () => {
  it('drops the accounts and databases under its prefix, ending their sessions, and nothing of another scratch', async () => {
    const [mine, other] = await Promise.all([createMariadbScratch(server.adminUrl, { runPrefix }), createMariadbScratch(server.adminUrl, { runPrefix })]);
    try {
      const tenant = mine.name('t_1');
      await withMysqlConnection(mine.adminUrl, async (admin) => {
        await admin.query(`CREATE DATABASE ${q(tenant)}`);
        await admin.query(`CREATE USER ${account(tenant)} IDENTIFIED BY PASSWORD '${mysqlNativePasswordHash('pw')}'`);
        await admin.query(`GRANT ALL PRIVILEGES ON ${q(escapeMysqlGrantDatabase(tenant))}.* TO ${account(tenant)}`);
      });
      await withMysqlConnection(other.adminUrl, (admin) => admin.query(`CREATE DATABASE ${q(other.name('t_1'))}`));
      const outcome = await withMysqlConnection(withMysqlCredentials(server.adminUrl, tenant, 'pw'), async (session) => {
        const report = await mine.cleanup();
        expect(report).toEqual({ users: [`${mine.adminUser}@%`, `${tenant}@%`].sort(), databases: [tenant], killedSessions: 1 });
        return errorOf(session.query('SELECT 1'));
      });
      expect(outcome).not.toBe('no error');
      expect(await namesUnder(mine.prefix)).toEqual({ users: [], databases: [] });
      expect(await namesUnder(other.prefix)).toEqual({ users: [other.adminUser], databases: [other.name('t_1')] });
      expect(await mine.cleanup()).toBe(await mine.cleanup());
    } finally {
      await other.cleanup();
    }
    expect(await namesUnder(other.prefix)).toEqual({ users: [], databases: [] });
  });

  it('dropMariadbObjectsWithPrefix on the run prefix drops what every scratch of the run left', async () => {
    const ownRun = newMariadbRunPrefix();
    const [a, b] = await Promise.all([createMariadbScratch(server.adminUrl, { runPrefix: ownRun }), createMariadbScratch(server.adminUrl, { runPrefix: ownRun })]);
    await withMysqlConnection(a.adminUrl, (admin) => admin.query(`CREATE DATABASE ${q(a.name('left'))}`));
    expect((await namesUnder(ownRun)).users).toHaveLength(2);
    const report = await dropMariadbObjectsWithPrefix(server.adminUrl, ownRun);
    expect(report.users).toEqual(expect.arrayContaining([`${a.adminUser}@%`, `${b.adminUser}@%`]));
    expect(report.databases).toEqual([a.name('left')]);
    expect(await namesUnder(ownRun)).toEqual({ users: [], databases: [] });
    await expect(dropMariadbObjectsWithPrefix(server.adminUrl, 'tr')).rejects.toThrow(RangeError);
  });
});

describe('escapeMysqlGrantDatabase', () => {
  it('is needed: an unescaped _ in GRANT ... ON db.* also grants on databases it matches as a wildcard', async () => {
    const prefix = `${runPrefix}w`;
    const [named, lookalike, user] = [`${prefix}_a`, `${prefix}Xa`, `${prefix}_u`];
    const userUrl = withMysqlCredentials(server.adminUrl, user, 'pw');
    await asRoot(async (c) => {
      await c.query(`CREATE DATABASE ${q(named)}`);
      await c.query(`CREATE DATABASE ${q(lookalike)}`);
      await c.query(`CREATE TABLE ${q(lookalike)}.secret (v INT)`);
      await c.query(`CREATE USER ${account(user)} IDENTIFIED BY PASSWORD '${mysqlNativePasswordHash('pw')}'`);
      await c.query(`GRANT SELECT ON ${q(named)}.* TO ${account(user)}`);
    });
    expect(await withMysqlConnection(userUrl, (c) => queryRows(c, `SELECT * FROM ${q(lookalike)}.secret`))).toEqual([]);
    await asRoot(async (c) => {
      await c.query(`REVOKE SELECT ON ${q(named)}.* FROM ${account(user)}`);
      await c.query(`GRANT SELECT ON ${q(escapeMysqlGrantDatabase(named))}.* TO ${account(user)}`);
    });
    expect(await errorOf(withMysqlConnection(userUrl, (c) => c.query(`SELECT * FROM ${q(lookalike)}.secret`)))).toEqual({ errno: 1142, sqlState: '42000' });
    expect(await withMysqlConnection(userUrl, (c) => queryRows(c, 'SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [named]))).toEqual([{ n: 1 }]);
  });

  it('escapes backslash, _ and % and nothing else; quoteMysqlIdentifier doubles backticks', () => {
    expect(escapeMysqlGrantDatabase('a_b%c\\d-e')).toBe('a\\_b\\%c\\\\d-e');
    expect(quoteMysqlIdentifier('a`b')).toBe('`a``b`');
    expect(() => quoteMysqlIdentifier('a\0b')).toThrow(RangeError);
  });
});
