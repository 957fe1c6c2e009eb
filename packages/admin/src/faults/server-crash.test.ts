import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionError,
  generatePassword,
  TenantAlreadyExistsError,
  tenantConnectionString,
  type TenantConfig,
  type TenantCredentials,
} from '@tenantry/core';
import { startEmbeddedServer, uniqueName, withDatabase, type EmbeddedServer } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';
import { currentLane } from '../test-support/tenant-fixture.js';
import { ABSENT, loggedInAs, logIn, tenantFootprint } from './support/catalog-state.js';
import { describeError, settle, sleep, type Outcome } from './support/lock-blocker.js';
import { messagesOf, watchUncaughtErrors } from './support/uncaught-errors.js';

const TENANTS = 200;
const IN_FLIGHT = 4;
const CRASH_AFTER = 50;
/** The admin gives up connecting after this long: a dead server must not make a call hang. */
const CONNECTION_TIMEOUT_MS = 2_000;
/** No single call may take longer than this, crash or not. */
const CALL_DEADLINE_MS = 15_000;

/**
 * The server dies (SIGKILL of postmaster and backends: no shutdown, no
 * checkpoint) in the middle of a batch of creates, on a server of its own.
 * A create the admin reported must survive crash recovery whole; one it did
 * not report may or may not have committed, but never in part; and the batch
 * can simply be run again.
 *
 * Passwords are given (and kept by the test), so that a tenant whose commit
 * reached the server while its answer was lost can be logged into too.
 */
describe('the server crashes while tenants are being created', () => {
  let server: EmbeddedServer;
  let superuserUrl: string;
  let adminUrl: string;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    ({ superuserUrl, adminUrl } = await setUpDatabase(server));
  });

  afterAll(async () => {
    await server?.stop();
  });

  it(`crash after ~${CRASH_AFTER} of ${TENANTS} creates: reported tenants are whole, none is partial, a rerun completes the batch`, async () => {
    const configs: Required<Pick<TenantConfig, 'schemaName' | 'username' | 'password'>>[] = Array.from({ length: TENANTS }, () => ({
      schemaName: uniqueName('crash_s'),
      username: uniqueName('crash_u'),
      password: generatePassword(24),
    }));
    const admin = new DatabaseAdmin(adminUrl, { connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
    const superuser = new pg.Client({ connectionString: superuserUrl });
    let wholeTenant: Record<string, unknown> = {};
    const reported = new Map<number, TenantCredentials>();
    const failed = new Map<number, unknown>();
    const uncaught = watchUncaughtErrors();
    try {
      await admin.prepare();
      const reference = await admin.createTenant({ schemaName: uniqueName('reference'), username: uniqueName('reference_user') });
      await superuser.connect();
      try {
        wholeTenant = await tenantFootprint(superuser, reference);
      } finally {
        await superuser.end();
      }

      // The batch: IN_FLIGHT creates at a time; the server is killed once CRASH_AFTER are reported.
      let crashed: Promise<void> | undefined;
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < TENANTS; i = next++) {
          const outcome = await withDeadline(admin.createTenant(configs[i]!), CALL_DEADLINE_MS);
          if (outcome.ok) reported.set(i, outcome.value);
          else failed.set(i, outcome.error);
          if (reported.size >= CRASH_AFTER) crashed ??= server.crash();
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      await crashed;
      await sleep(100); // let any late socket event of the dead connections arrive
    } finally {
      uncaught.stop();
      await admin.close();
    }

    expect(reported.size + failed.size, 'every call ended, one way or the other').toBe(TENANTS);
    expect(reported.size).toBeGreaterThanOrEqual(CRASH_AFTER);
    // crash() takes a moment (it freezes, then kills, the whole process tree): a few more creates may get through.
    expect(failed.size, 'the crash interrupted the batch').toBeGreaterThan(0);

    await server.restart();
    const check = new pg.Client({ connectionString: superuserUrl });
    await check.connect();
    const fresh = new DatabaseAdmin(adminUrl, { connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
    try {
      // Every tenant the admin reported is whole and logs in with what it returned.
      for (const credentials of reported.values()) {
        expect(await tenantFootprint(check, credentials), credentials.schemaName).toEqual(wholeTenant);
      }
      await inBatches([...reported.values()], 8, async (credentials) => {
        expect(await logIn(credentials.connectionString)).toEqual(loggedInAs(credentials));
      });
      // The password really is checked (scram-sha-256).
      const sample = reported.values().next().value!;
      const wrong = tenantConnectionString(adminUrl, { username: sample.username, password: `${sample.password}x` });
      await expect(logIn(wrong)).rejects.toMatchObject({ code: '28P01' });

      // No tenant exists in part: each is whole or absent, and the markers pair up.
      const states = await Promise.all(configs.map(async (config) => tenantFootprint(check, config)));
      const partial = configs.filter((_, i) => !isEqual(states[i], wholeTenant) && !isEqual(states[i], ABSENT));
      expect(partial.map((config) => config.schemaName)).toEqual([]);
      expect(await unpairedTenantObjects(check)).toEqual([]);

      // The calls that failed said why in a typed way: the connection broke.
      expect([...failed.values()].filter((error) => !(error instanceof ConnectionError)).map(describeError)).toEqual([]);

      // The rerun: create each again; an existing tenant (both names, as one managed tenant) is skipped.
      const managed = new Map((await fresh.listTenants()).map((tenant) => [tenant.schemaName, tenant]));
      const problems: string[] = [];
      let skipped = 0;
      await inBatches(configs, IN_FLIGHT, async (config) => {
        const outcome = await withDeadline(fresh.createTenant(config), CALL_DEADLINE_MS);
        if (outcome.ok) return;
        const existing = managed.get(config.schemaName);
        if (outcome.error instanceof TenantAlreadyExistsError && existing?.username === config.username && existing.roleIntact) {
          skipped++;
          return;
        }
        problems.push(`${config.schemaName}: ${describeError(outcome.error)}`);
      });
      expect(problems).toEqual([]);
      expect(skipped).toBeGreaterThanOrEqual(reported.size);

      // All of them are now there, whole, and log in with the password the caller chose.
      const listed = new Map((await fresh.listTenants()).map((tenant) => [tenant.schemaName, tenant]));
      for (const config of configs) {
        expect(listed.get(config.schemaName), config.schemaName).toMatchObject({ username: config.username, roleIntact: true });
        expect(await tenantFootprint(check, config), config.schemaName).toEqual(wholeTenant);
      }
      await inBatches(configs, 8, async (config) => {
        const url = tenantConnectionString(adminUrl, { username: config.username, password: config.password });
        expect(await logIn(url)).toEqual({ user: config.username, schema: config.schemaName });
      });
      expect(await unpairedTenantObjects(check)).toEqual([]);
    } finally {
      await fresh.close();
      await check.end();
    }
    // Last, so that everything above is checked too: a pg client that loses its
    // connection while a call holds it must not throw out of the event loop.
    expect(messagesOf(uncaught.errors), 'uncaught errors during the crash (they end a real process)').toEqual([]);
  });
});

/**
 * A database of its own for the tenants and, in the least-privilege lane, a
 * managed-cloud style admin (LOGIN CREATEROLE, owner of the database), as the
 * shared fixture makes one.
 */
async function setUpDatabase(server: EmbeddedServer): Promise<{ superuserUrl: string; adminUrl: string }> {
  const database = uniqueName('crash');
  const superuserUrl = withDatabase(server.adminUrl, database);
  const postgres = new pg.Client({ connectionString: server.adminUrl });
  await postgres.connect();
  try {
    await postgres.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    if (currentLane() === 'superuser') return { superuserUrl, adminUrl: superuserUrl };
    const role = uniqueName('lp_admin');
    const password = generatePassword(24);
    await postgres.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD '${password}'`);
    await postgres.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} OWNER TO ${pg.escapeIdentifier(role)}`);
    if (server.serverVersionNum < 150000) {
      const inDatabase = new pg.Client({ connectionString: superuserUrl });
      await inDatabase.connect();
      await inDatabase.query(`ALTER SCHEMA public OWNER TO ${pg.escapeIdentifier(role)}`).finally(() => inDatabase.end());
    }
    const url = new URL(superuserUrl);
    url.username = role;
    url.password = password;
    return { superuserUrl, adminUrl: url.toString() };
  } finally {
    await postgres.end();
  }
}

/** Tenant schemas whose marker names a role that does not point back, and tenant roles whose schema does not. */
async function unpairedTenantObjects(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ problem: string }>(`
    WITH schemas AS (
           SELECT n.nspname, substr(obj_description(n.oid, 'pg_namespace'), 10)::jsonb AS marker
             FROM pg_namespace n WHERE obj_description(n.oid, 'pg_namespace') LIKE 'tenantry:%'),
         roles AS (
           SELECT r.rolname, substr(shobj_description(r.oid, 'pg_authid'), 10)::jsonb AS marker
             FROM pg_roles r WHERE shobj_description(r.oid, 'pg_authid') LIKE 'tenantry:%')
    SELECT 'schema ' || s.nspname || ' without its role' AS problem
      FROM schemas s LEFT JOIN roles r ON r.rolname = s.marker ->> 'role' AND r.marker ->> 'schema' = s.nspname
     WHERE r.rolname IS NULL
    UNION ALL
    SELECT 'role ' || r.rolname || ' without its schema'
      FROM roles r LEFT JOIN schemas s ON s.nspname = r.marker ->> 'schema' AND s.marker ->> 'role' = r.rolname
     WHERE r.marker ->> 'database' = current_database() AND s.nspname IS NULL
    ORDER BY 1`);
  return rows.map((row) => row.problem);
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: new Error(`no answer within ${ms} ms: the call hangs`) }), ms);
  });
  return Promise.race([settle(promise), deadline]).finally(() => clearTimeout(timer));
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!);
  };
  await Promise.all(Array.from({ length: size }, worker));
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
