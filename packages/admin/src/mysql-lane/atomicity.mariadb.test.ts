import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generatePassword, PermissionError, TenantAlreadyExistsError, TenantBusyError } from '@tenantry/core';
import { MysqlDialect, tenantLockNames } from '@tenantry/sql/mysql';
import { mariadbAdminGrants, mysqlNativePasswordHash as harnessHash, parseMysqlUrl, queryRows, withMysqlConnection } from '@tenantry/testing';
import { Mysql2DriverConnection } from '../drivers/mysql2-driver.js';
import { executePlan } from '../executor/execute-plan.js';
import { InterceptingConnection } from '../test-support/intercepting-connection.js';
import { serverSnapshot, useMariadbFixture, createPlan, removePlan } from '../test-support/mariadb-fixture.js';

describe('create is all or nothing on MariaDB (compensation)', () => {
  const fx = useMariadbFixture();

  it('refuses a database that exists outside Tenantry before any change', async () => {
    const name = fx.scratch.name('at_db');
    await fx.asRoot((c) => c.query(`CREATE DATABASE \`${name}\``));
    const before = await serverSnapshot(fx);
    const error = await fx.createTenant(name, name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TenantAlreadyExistsError);
    expect((error as TenantAlreadyExistsError).objectKind).toBe('schema');
    expect(await serverSnapshot(fx)).toEqual(before);
  });

  it('refuses a user that exists outside Tenantry (on any host) before any change', async () => {
    const name = fx.scratch.name('at_user');
    await fx.asRoot((c) => c.query(`CREATE USER \`${name}\`@'localhost' ACCOUNT LOCK`));
    const before = await serverSnapshot(fx);
    const error = await fx.createTenant(name, name).catch((e: unknown) => e);
    expect((error as TenantAlreadyExistsError).objectKind).toBe('role');
    expect(await serverSnapshot(fx)).toEqual(before);
  });

  // The check runs under the named locks, but a session outside Tenantry takes
  // none: these make a step fail for real after earlier steps committed.
  for (const { step, intrude, drop } of [
    { step: /^CREATE USER/, intrude: (n: string) => `CREATE USER \`${n}\`@'%' ACCOUNT LOCK`, drop: (n: string) => `DROP USER \`${n}\`@'%'` },
    { step: /^CREATE DATABASE/, intrude: (n: string) => `CREATE DATABASE \`${n}\``, drop: (n: string) => `DROP DATABASE \`${n}\`` },
  ]) {
    it(`undoes every completed step when ${step.source.slice(1)} fails because another session made the name after the check`, async () => {
      const name = fx.scratch.name(`at_mid_${step.source.includes('USER') ? 'u' : 'd'}`);
      const before = await serverSnapshot(fx);
      const admin = await fx.connectAdmin();
      let intruded = false;
      const connection = new InterceptingConnection(admin, async (operation) => {
        if (!intruded && operation.kind === 'run' && step.test(operation.text)) {
          intruded = true;
          await fx.asRoot((c) => c.query(intrude(name)));
        }
      });
      const error = await fx.createTenant(name, name, connection).catch((e: unknown) => e);
      await admin.close();
      expect(intruded).toBe(true);
      expect(error).toBeInstanceOf(TenantAlreadyExistsError);
      // mysql2 puts the statement (with the hash) on its error: the driver strips it.
      expect(inspect(error, { depth: 10 })).not.toMatch(/\*[0-9A-F]{40}/);
      await fx.asRoot((c) => c.query(drop(name)));
      expect(await serverSnapshot(fx)).toEqual(before);
      // Both names are free again.
      await fx.createTenant(name, name);
      expect(await fx.listedSchemas()).toContain(name);
    });
  }

  it('gives exactly one winner among 16 concurrent creates of one name; the rest get TenantAlreadyExistsError', async () => {
    const name = fx.scratch.name('race');
    const results = await Promise.allSettled(Array.from({ length: 16 }, () => fx.createTenant(name, name)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(15);
    for (const reason of lost) expect(reason).toBeInstanceOf(TenantAlreadyExistsError);
    expect((await fx.listedSchemas()).filter((schema) => schema === name)).toEqual([name]);
  });

  it('least-privilege: a database outside the admin\'s grant pattern fails at CREATE DATABASE (1044) as PermissionError, undone; superuser: it works', async () => {
    const username = fx.scratch.name('perm');
    const database = `x${fx.scratch.prefix}perm`; // not under the admin's `prefix\_%` pattern
    const before = await serverSnapshot(fx);
    const error = await fx.createTenant(database, username).catch((e: unknown) => e);
    if (fx.lane === 'least-privilege') {
      expect(error).toBeInstanceOf(PermissionError);
      expect((error as PermissionError).sqlState).toBe('42000');
      expect((error as PermissionError).message).toContain(database);
      expect(await serverSnapshot(fx)).toEqual(before);
      expect(await fx.asRoot((c) => queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]))).toEqual([]);
    } else {
      expect(error).not.toBeInstanceOf(Error);
      await fx.removeTenant(database, username);
      expect(await serverSnapshot(fx)).toEqual(before);
    }
  });

  it("a tenant squatting the named lock makes create fail with TenantBusyError after the lock timeout, changing nothing", async () => {
    const squatter = await fx.createTenant(fx.scratch.name('busy_sq'), fx.scratch.name('busy_sq'));
    const name = fx.scratch.name('busy');
    const [databaseLock] = tenantLockNames(name, name);
    const impatient = new MysqlDialect({ flavor: 'mariadb', registryDatabase: fx.scratch.registryDatabase, lockTimeoutMillis: 300 });
    const before = await serverSnapshot(fx);
    await withMysqlConnection(squatter.connectionString, async (c) => {
      expect(await queryRows(c, 'SELECT GET_LOCK(?, 0) AS got', [databaseLock!])).toEqual([{ got: 1 }]);
      const plan = createPlan(impatient, name, name, await impatient.passwordSecret(generatePassword()));
      const error = await fx.run(plan, `create tenant "${name}"`, { schemaName: name, username: name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantBusyError);
    });
    expect(await serverSnapshot(fx)).toEqual(before);
    await fx.createTenant(name, name); // the squatter's session ended: the lock is free
  });

  it('a remove that cannot end the sessions (no CONNECTION ADMIN) fails as PermissionError and undoes the lock and the mark', async () => {
    const tenant = await fx.createTenant(fx.scratch.name('weak_t'), fx.scratch.name('weak_t'));
    const weak = fx.scratch.name('weak_admin');
    const password = generatePassword();
    await fx.asRoot(async (c) => {
      await c.query(`CREATE USER \`${weak}\`@'%' IDENTIFIED BY PASSWORD '${harnessHash(password)}'`);
      for (const grant of mariadbAdminGrants('least-privilege', `\`${weak}\`@'%'`, fx.scratch.prefix)) await c.query(grant);
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${fx.scratch.registryDatabase}\`.* TO \`${weak}\`@'%'`);
      await c.query(`REVOKE CONNECTION ADMIN ON *.* FROM \`${weak}\`@'%'`);
    });
    const before = await serverSnapshot(fx);
    const { host, port } = parseMysqlUrl(fx.rootUrl);
    const admin = await Mysql2DriverConnection.connect({ host, port, user: weak, password });
    await withMysqlConnection(tenant.connectionString, async (session) => {
      const raw = await executePlan(admin, removePlan(fx.dialect, tenant.schemaName, tenant.username)).catch((e: unknown) => e);
      await admin.close();
      const error = fx.dialect.mapError(raw, { action: 'remove' });
      expect(error).toBeInstanceOf(PermissionError);
      expect((error as PermissionError).privilege).toBe('CONNECTION ADMIN');
      // The tenant is as it was: its session lives, it is listed, unlocked, and logs in.
      expect(await queryRows(session, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    });
    expect(await serverSnapshot(fx)).toEqual(before);
    expect(await fx.listedSchemas()).toContain(tenant.schemaName);
  });
});
