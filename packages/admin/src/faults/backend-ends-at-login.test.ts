import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import type { Migration } from 'kysely';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '@tenantry/core';
import { DatabaseAdmin } from '../database-admin.js';
import { LoginKillingRelay, TERMINATION_MESSAGE } from '../test-support/login-killing-relay.js';
import { uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';
import { messagesOf, watchUncaughtErrors } from './support/uncaught-errors.js';

/*
 * A backend the server ends the instant it is ready (pg_terminate_backend
 * landing right after login, a fast shutdown) makes `pg` emit 'error' on a
 * pool client in the window where pg-pool has already taken its own listener
 * off (it hands the client over) and the caller has not put one on yet. Nobody
 * hears it and Node ends the process. The relay puts the FATAL right behind the
 * login's ReadyForQuery, so every session dies inside that window.
 */

/** pg-pool's own Pool class, as another copy of `pg` would export it: not `instanceof pg.Pool`. */
const ForeignPool = createRequire(createRequire(import.meta.url).resolve('pg'))('pg-pool') as new (
  options: pg.PoolConfig,
  Client: typeof pg.Client,
) => pg.Pool;

const fixture = useAdminFixture();

/** Runs `call`, lets the connection's last events arrive, and returns what it threw and what went uncaught. */
async function outcomeOf(call: () => Promise<unknown>): Promise<{ error: unknown; uncaught: string[] }> {
  const watch = watchUncaughtErrors();
  try {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    // The relay closes the socket after the FATAL: let 'end' and 'close' run too.
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    return { error, uncaught: messagesOf(watch.errors) };
  } finally {
    watch.stop();
  }
}

function expectTerminated(error: unknown): void {
  expect(error).toBeInstanceOf(ConnectionError);
  expect((error as ConnectionError).sqlState).toBe('57P01');
  expect((error as Error).message).toContain(TERMINATION_MESSAGE);
}

describe('a backend ended the instant it is ready', () => {
  let relay: LoginKillingRelay;
  beforeAll(async () => {
    relay = await LoginKillingRelay.start(fixture().adminUrl);
  });
  afterAll(() => relay?.close());

  it('fails the call with ConnectionError and never crashes the process, on the pool Tenantry creates', async () => {
    const admin = new DatabaseAdmin(relay.url(fixture().adminUrl));
    try {
      const killedBefore = relay.killed;
      const listing = await outcomeOf(() => admin.listTenants());
      const creation = await outcomeOf(() => admin.createTenant({ schemaName: uniqueName('t_killed'), username: uniqueName('u_killed') }));
      expect(listing.uncaught).toEqual([]);
      expect(creation.uncaught).toEqual([]);
      expectTerminated(listing.error);
      expectTerminated(creation.error);
      expect(relay.killed - killedBefore).toBe(2);
    } finally {
      await admin.close();
    }
  });

  it("does the same on the caller's pool, and keeps (then leaves alone) the caller's own listeners", async () => {
    const pool = new pg.Pool({ connectionString: relay.url(fixture().adminUrl) });
    const callersErrors: unknown[] = [];
    const callersListener = (error: unknown): void => void callersErrors.push(error);
    pool.on('error', callersListener);
    const listenersBefore = { error: pool.listenerCount('error'), connect: pool.listenerCount('connect') };
    const admin = new DatabaseAdmin(pool);
    try {
      const { error, uncaught } = await outcomeOf(() => admin.listTenants());
      expect(uncaught).toEqual([]);
      expectTerminated(error);
      expect(pool.listeners('error')).toContain(callersListener);
    } finally {
      await admin.close();
    }
    // close() takes Tenantry's listeners off a pool it does not own, and does not end it.
    expect({ error: pool.listenerCount('error'), connect: pool.listenerCount('connect') }).toEqual(listenersBefore);
    expect(pool.ending).toBe(false);
    await pool.end();
  });

  it('does the same on a pool from another copy of pg', async () => {
    const pool = new ForeignPool({ connectionString: relay.url(fixture().adminUrl) }, pg.Client);
    expect(pool).not.toBeInstanceOf(pg.Pool);
    const admin = new DatabaseAdmin(pool);
    try {
      const { error, uncaught } = await outcomeOf(() => admin.listTenants());
      expect(uncaught).toEqual([]);
      expectTerminated(error);
    } finally {
      await admin.close();
      await pool.end();
    }
  });

  it("fails a migration with ConnectionError when the migrator's own session is the one ended", async () => {
    // Only the migrator's logins die: the admin's own sessions pass through untouched.
    const migratorRelay = await LoginKillingRelay.start(fixture().adminUrl, (startup) => (startup['user'] ?? '').startsWith('tenantry_migrator_'));
    const admin = new DatabaseAdmin(migratorRelay.url(fixture().adminUrl));
    try {
      const tenant = { schemaName: uniqueName('t_mig'), username: uniqueName('u_mig') };
      await admin.createTenant(tenant);
      const migrations: Record<string, Migration> = { '001': { up: async () => undefined } };
      const { error, uncaught } = await outcomeOf(async () => {
        const outcomes = await admin.migrateTenants({ migrations: { getMigrations: async () => migrations } });
        const outcome = outcomes.find((o) => o.schemaName === tenant.schemaName)!;
        expect(outcome.status).toBe('failed');
        throw outcome.error;
      });
      expect(uncaught).toEqual([]);
      expect(migratorRelay.killed).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(ConnectionError);
    } finally {
      await admin.close();
      await migratorRelay.close();
    }
  });
});

describe('a pool from another copy of pg', () => {
  it('is used as the pool it is: Tenantry works on the database it points at and leaves it open', async () => {
    const { adminUrl, database, superuser } = fixture();
    const pool = new ForeignPool({ connectionString: adminUrl, max: 3 }, pg.Client);
    expect(pool).not.toBeInstanceOf(pg.Pool);
    const admin = new DatabaseAdmin(pool);
    const tenant = { schemaName: uniqueName('t_foreign'), username: uniqueName('u_foreign') };
    const watch = watchUncaughtErrors();
    try {
      const credentials = await admin.createTenant(tenant);
      // Its connections went through the caller's pool, to the scratch database.
      expect(pool.totalCount).toBeGreaterThan(0);
      const schema = await superuser.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tenant.schemaName]);
      expect(schema.rowCount).toBe(1);
      expect(parse(credentials.connectionString).database).toBe(database.name);
      expect(parse(credentials.connectionString).user).toBe(tenant.username);
    } finally {
      watch.stop();
      await admin.close();
    }
    expect(messagesOf(watch.errors)).toEqual([]);
    expect(pool.ending).toBe(false); // the caller's to end
    await pool.end();
  });

  it('is any object that behaves as a pool: a hand-made wrapper works too', async () => {
    // A hand-made wrapper: connect/query/end/on and options, nothing else.
    const inner = new pg.Pool({ connectionString: fixture().adminUrl, max: 2 });
    const wrapper = new (class extends EventEmitter {
      readonly options = inner.options;
      constructor() {
        super();
        inner.on('connect', (client) => this.emit('connect', client));
        inner.on('error', (error, client) => this.emit('error', error, client));
      }
      connect = () => inner.connect();
      query = (...args: Parameters<pg.Pool['query']>) => (inner.query as (...a: unknown[]) => unknown)(...args);
      end = () => inner.end();
    })();
    const admin = new DatabaseAdmin(wrapper as unknown as pg.Pool);
    try {
      await admin.listTenants();
      expect(inner.totalCount).toBeGreaterThan(0);
    } finally {
      await admin.close();
      await inner.end();
    }
  });
});
