import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConnectionError, TenantAlreadyExistsError } from '@tenantry/core';
import { generatePassword } from '@tenantry/core';
import { queryRows } from '@tenantry/testing';
import { executePlan } from '../executor/execute-plan.js';
import { InterceptingConnection, type Operation } from '../test-support/intercepting-connection.js';
import { loginError, useMariadbFixture, type MariadbFixture, createPlan, removePlan } from '../test-support/mariadb-fixture.js';

/*
 * The admin's connection dies in the middle of a create. The executor sends
 * one statement (or catalog query) at a time, so the test can stop it before
 * any one of them: another session KILLs the admin's connection (as an
 * operator, a failover or a proxy would) and waits until the server has
 * ended it; then the statement goes to the dead connection. Killing during a
 * statement leaves one of the same states: a statement the server finished,
 * or one it never ran. So "before each operation" covers every state a kill
 * can leave.
 */

async function killAndWait(fx: MariadbFixture, threadId: number): Promise<void> {
  await fx.asRoot(async (c) => {
    await c.query(`KILL CONNECTION ${threadId}`);
    // KILL is asynchronous; the session is gone when PROCESSLIST no longer shows it.
    for (let attempt = 0; attempt < 500; attempt++) {
      const rows = await queryRows<{ n: number }>(c, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [threadId]);
      if (Number(rows[0]?.n) === 0) return;
      await sleep(10);
    }
    throw new Error(`session ${threadId} outlived KILL`);
  });
}

/** The operations of a create plan, as the executor sends them (recorded from a create that ran through). */
async function recordCreateOperations(fx: MariadbFixture): Promise<Operation[]> {
  const name = fx.scratch.name('kill_probe');
  const admin = await fx.connectAdmin();
  const recorder = new InterceptingConnection(admin, async () => undefined);
  await fx.createTenant(name, name, recorder);
  await admin.close();
  await fx.removeTenant(name, name);
  return recorder.operations;
}

describe('the admin connection killed at each step of create (MariaDB)', () => {
  const fx = useMariadbFixture();

  it('leaves nothing listed, no account that can log in, and names a later create and remove can finish', async () => {
    const operations = await recordCreateOperations(fx);
    // 1 SET, 2 GET_LOCK, 1 check, 10 reclaim statements, then the 7 statements that make the tenant.
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const unlockAt = operations.findIndex((op) => /ACCOUNT UNLOCK/.test(op.text));
    expect(unlockAt).toBeGreaterThan(0);
    const firstRelease = operations.findIndex((op) => /RELEASE_LOCK/.test(op.text));
    expect(firstRelease).toBeGreaterThan(unlockAt);
    for (let target = 0; target < operations.length; target++) {
      const name = fx.scratch.name(`kill_${target}`);
      const password = generatePassword();
      const plan = createPlan(fx.dialect, name, name, await fx.dialect.passwordSecret(password));
      const admin = await fx.connectAdmin();
      const connection = new InterceptingConnection(admin, async (_operation, index) => {
        if (index === target) await killAndWait(fx, Number(admin.threadId));
      });
      const raw = await executePlan(connection, plan).catch((e: unknown) => e);
      await admin.close();
      if (target >= firstRelease) {
        // Killed before a RELEASE_LOCK of `finally`: the tenant was complete; the session's end released the locks.
        expect(raw, `kill before operation ${target}: ${operations[target]?.text}`).toBeUndefined();
      } else {
        const error = fx.dialect.mapError(raw, { action: `create tenant "${name}"`, schemaName: name, username: name });
        expect(error, `kill before operation ${target}: ${operations[target]?.text}`).toBeInstanceOf(ConnectionError);
        expect(error.message).not.toContain(password);
      }

      const listed = (await fx.listedSchemas()).includes(name);
      const login = await loginError(fx, name, password, name);
      if (target <= unlockAt) {
        // Before the unlock ran: not a tenant, and whatever account is left is locked (4151) or absent (28000).
        expect(listed, `listed after a kill before operation ${target}`).toBe(false);
        expect(login === undefined ? 'logged in' : login.errno === 4151 || login.sqlState === '28000').toBe(true);
        // A later create of the same names finishes the half-made tenant and succeeds ...
        const again = await fx.createTenant(name, name);
        expect(await loginError(fx, name, again.password, name)).toBeUndefined();
      } else {
        // After the unlock (only the last registry update missed): a complete tenant, listed, that logs in.
        expect(listed).toBe(true);
        expect(login).toBeUndefined();
        expect(await fx.createTenant(name, name).catch((e: unknown) => e)).toBeInstanceOf(TenantAlreadyExistsError);
      }
      // ... and a remove finishes it whatever is left.
      await fx.removeTenant(name, name);
      expect((await fx.listedSchemas()).includes(name)).toBe(false);
      const leftovers = await fx.asRoot(async (c) => ({
        users: await queryRows(c, 'SELECT User FROM mysql.global_priv WHERE User = ?', [name]),
        databases: await queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]),
        registry: await queryRows(c, `SELECT * FROM \`${fx.scratch.registryDatabase}\`.tenants WHERE schema_name = ?`, [name]),
      }));
      expect(leftovers).toEqual({ users: [], databases: [], registry: [] });
    }
  });

  it('a half-made tenant left by a kill before the unlock is finished by remove alone', async () => {
    const operations = await recordCreateOperations(fx);
    const target = operations.findIndex((op) => /ACCOUNT UNLOCK/.test(op.text));
    const name = fx.scratch.name('kill_rm');
    const password = generatePassword();
    const admin = await fx.connectAdmin();
    const connection = new InterceptingConnection(admin, async (_operation, index) => {
      if (index === target) await killAndWait(fx, Number(admin.threadId));
    });
    await executePlan(connection, createPlan(fx.dialect, name, name, await fx.dialect.passwordSecret(password))).catch(() => undefined);
    await admin.close();
    const state = await fx.asRoot((c) => queryRows<{ state: string }>(c, `SELECT state FROM \`${fx.scratch.registryDatabase}\`.tenants WHERE schema_name = ?`, [name]));
    expect(state).toEqual([{ state: 'unlocking' }]);
    expect((await loginError(fx, name, password, name))?.errno).toBe(4151);
    await fx.removeTenant(name, name);
    expect(await fx.asRoot((c) => queryRows(c, 'SELECT User FROM mysql.global_priv WHERE User = ?', [name]))).toEqual([]);
  });

  it('killed at each step of remove: locked before unlisted, and a later remove always finishes', async () => {
    const probe = fx.scratch.name('kill_rm_probe');
    await fx.createTenant(probe, probe);
    const recorderAdmin = await fx.connectAdmin();
    const recorder = new InterceptingConnection(recorderAdmin, async () => undefined);
    await fx.run(removePlan(fx.dialect, probe, probe), 'remove', {}, recorder);
    await recorderAdmin.close();
    const operations = recorder.operations;
    const markAt = operations.findIndex((op) => /SET state = 'removing'/.test(op.text));
    const firstRelease = operations.findIndex((op) => /RELEASE_LOCK/.test(op.text));
    const lockAt = operations.findIndex((op) => /ACCOUNT LOCK$/.test(op.text));
    expect(lockAt).toBeGreaterThan(0);
    expect(markAt).toBeGreaterThan(lockAt); // locked before it stops being listed: never an unlisted account that logs in
    for (let target = 0; target < operations.length; target++) {
      const name = fx.scratch.name(`kill_rm_${target}`);
      const tenant = await fx.createTenant(name, name);
      const admin = await fx.connectAdmin();
      const connection = new InterceptingConnection(admin, async (_operation, index) => {
        if (index === target) await killAndWait(fx, Number(admin.threadId));
      });
      const raw = await executePlan(connection, removePlan(fx.dialect, name, name)).catch((e: unknown) => e);
      await admin.close();
      const listed = (await fx.listedSchemas()).includes(name);
      const login = await loginError(fx, name, tenant.password, name);
      const where = `kill before operation ${target}: ${operations[target]?.text}`;
      if (target < firstRelease) expect(fx.dialect.mapError(raw, { action: 'remove' }), where).toBeInstanceOf(ConnectionError);
      // Listed (intact, perhaps locked) until the registry says 'removing'; never unlisted and loggable.
      expect(listed, where).toBe(target <= markAt);
      if (target <= lockAt) expect(login, where).toBeUndefined();
      else expect(login === undefined ? 'logged in' : login.errno === 4151 || login.sqlState === '28000', where).toBe(true);
      await fx.removeTenant(name, name).catch((error: unknown) => {
        // Killed after the registry row was deleted: nothing is left to finish.
        if (target < firstRelease - 1) throw error;
      });
      const leftovers = await fx.asRoot(async (c) => ({
        users: await queryRows(c, 'SELECT User FROM mysql.global_priv WHERE User = ?', [name]),
        databases: await queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]),
        registry: await queryRows(c, `SELECT * FROM \`${fx.scratch.registryDatabase}\`.tenants WHERE schema_name = ?`, [name]),
      }));
      expect(leftovers, `kill before operation ${target}`).toEqual({ users: [], databases: [], registry: [] });
    }
  });
});
