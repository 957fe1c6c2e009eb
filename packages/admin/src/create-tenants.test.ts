import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  DatabaseError,
  TenantAlreadyExistsError,
  TenantryError,
  ValidationError,
  type TenantConfig,
  type TenantCredentials,
} from '@tenantry/core';
import { createDialect } from '@tenantry/sql';
import { mapConcurrent } from './bounded-concurrency.js';
import { createTenants, createTenantsStream, type BulkCreationHost, type CreateOne } from './create-tenants.js';
import { generatedSecretReserveOf } from './generated-secret-reserve.js';
import type { BulkProgress, TenantCreationResult } from './database-admin-options.js';
import { connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

function configsOf(count: number, prefix = 'b'): TenantConfig[] {
  return Array.from({ length: count }, () => ({ schemaName: uniqueName(`${prefix}_t`), username: uniqueName(`${prefix}_u`) }));
}

/** Logs in with the credentials and checks who and where the session is. */
async function expectLogsIn(credentials: TenantCredentials): Promise<void> {
  const client = await connectAs(credentials.connectionString);
  try {
    const { rows } = await client.query('SELECT current_user AS user, current_schema() AS schema');
    expect(rows[0]).toEqual({ user: credentials.username, schema: credentials.schemaName });
  } finally {
    await client.end();
  }
}

/** A `createOne` around the admin's, counting calls and how many run at once. */
function instrumented(createOne: CreateOne) {
  const stats = { calls: 0, running: 0, maxRunning: 0 };
  const wrapped: CreateOne = async (config) => {
    stats.calls += 1;
    stats.running += 1;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    try {
      return await createOne(config);
    } finally {
      stats.running -= 1;
    }
  };
  return { stats, createOne: wrapped };
}

/** An async iterable over `configs` that counts how many were read, with a tick between items. */
function trackedStream(configs: readonly TenantConfig[]) {
  const state = { pulled: 0, closed: false };
  async function* generate(): AsyncGenerator<TenantConfig> {
    try {
      for (const config of configs) {
        await new Promise((resolve) => setImmediate(resolve));
        state.pulled += 1;
        yield config;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, stream: generate() };
}

async function countExisting(superuser: { query: (sql: string, params: unknown[]) => Promise<{ rows: { n: number }[] }> }, configs: readonly TenantConfig[]): Promise<number> {
  const { rows } = await superuser.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ANY($1)', [configs.map((c) => c.schemaName)]);
  return rows[0]!.n;
}

function byStatus(results: readonly TenantCreationResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return counts;
}

describe('bulk creation', () => {
  const fixture = useAdminFixture();

  /** The module functions called directly, with a host over the fixture's admin (as DatabaseAdmin's own, by markers). */
  async function withSession<T>(work: (session: BulkCreationHost, createOne: CreateOne) => Promise<T>): Promise<T> {
    const { admin } = fixture();
    const host: BulkCreationHost = {
      maxConnections: 10,
      isWholeManagedTenant: async (tenant) => {
        const found = await admin.getTenant(tenant.schemaName).catch(() => undefined);
        return found !== undefined && found.username === tenant.username && found.roleIntact;
      },
      mapError: (error, context) => createDialect('postgres').mapError(error, context),
    };
    return work(host, (config) => admin.createTenant(config));
  }

  describe('createTenants', () => {
    it('creates 50 tenants at concurrency 8, returns results in input order, and each can log in', async () => {
      const { admin } = fixture();
      const configs = configsOf(50);
      const results = await admin.createTenants(configs, { concurrency: 8 });

      expect(results).toHaveLength(50);
      results.forEach((result, index) => {
        expect(result).toMatchObject({ index, status: 'created', schemaName: configs[index]!.schemaName, username: configs[index]!.username });
      });
      const created = results.map((r) => (r.status === 'created' ? r.credentials : undefined));
      expect(new Set(created.map((c) => c?.password)).size).toBe(50);
      for (const index of [0, 17, 33, 49]) await expectLogsIn(created[index]!);
      const listed = new Set((await admin.listTenants()).map((t) => t.schemaName));
      expect(configs.every((c) => listed.has(c.schemaName))).toBe(true);
    });

    it('never runs more than `concurrency` at once', async () => {
      await withSession(async (session, createOne) => {
        const probe = instrumented(createOne);
        const results = await createTenants(probe.createOne, session, configsOf(24), { concurrency: 5 });
        expect(byStatus(results)).toEqual({ created: 24 });
        expect(probe.stats.calls).toBe(24);
        expect(probe.stats.maxRunning).toBeLessThanOrEqual(5);
        expect(probe.stats.maxRunning).toBeGreaterThan(1);
      });
    });

    it('reports bad rows with their ValidationError and index, and an existing tenant as failed, creating the rest', async () => {
      const { admin } = fixture();
      const existing = await admin.createTenant({ schemaName: uniqueName('pre_t'), username: uniqueName('pre_u') });
      const good = configsOf(4);
      const configs: TenantConfig[] = [
        good[0]!,
        { schemaName: 'pg_nope', username: uniqueName('u') },
        good[1]!,
        { schemaName: existing.schemaName, username: existing.username },
        { schemaName: uniqueName('t'), username: '' },
        good[2]!,
        { schemaName: 'x'.repeat(64), username: uniqueName('u') },
        null as unknown as TenantConfig,
        good[3]!,
      ];
      const results = await admin.createTenants(configs, { concurrency: 3 });

      expect(results.map((r) => r.status)).toEqual(['created', 'failed', 'created', 'failed', 'failed', 'created', 'failed', 'failed', 'created']);
      results.forEach((result, index) => expect(result.index).toBe(index));
      const failure = (index: number) => {
        const result = results[index]!;
        if (result.status !== 'failed') throw new Error(`row ${index} did not fail`);
        expect(TenantryError.isInstance(result.error)).toBe(true);
        return result.error;
      };
      expect(failure(1)).toBeInstanceOf(ValidationError);
      expect(failure(1)).toMatchObject({ field: 'schemaName', rule: 'reserved-prefix' });
      expect(failure(3)).toBeInstanceOf(TenantAlreadyExistsError);
      expect(failure(4)).toMatchObject({ name: 'ValidationError', field: 'username', rule: 'empty' });
      expect(failure(6)).toMatchObject({ name: 'ValidationError', field: 'schemaName', rule: 'too-long' });
      expect(failure(7)).toMatchObject({ name: 'ValidationError', rule: 'type' });
      expect(results[7]).toMatchObject({ schemaName: '', username: '' });
      expect(results[1]).toMatchObject({ schemaName: 'pg_nope' });
      for (const index of [0, 8]) {
        const result = results[index]!;
        if (result.status === 'created') await expectLogsIn(result.credentials);
      }
      // The existing tenant is untouched: its password still works.
      await expectLogsIn(existing);
    });

    it('with skipExisting, a rerun of the same list skips what exists and creates only the new ones', async () => {
      const { admin } = fixture();
      const first = configsOf(10);
      const firstResults = await admin.createTenants(first, { concurrency: 4 });
      expect(byStatus(firstResults)).toEqual({ created: 10 });

      const rerun = [...first.slice(0, 5), ...configsOf(3, 'new'), ...first.slice(5)];
      const withoutSkip = await admin.createTenants(first.slice(0, 2), { concurrency: 2 });
      expect(withoutSkip.map((r) => r.status === 'failed' && r.error)).toEqual([expect.any(TenantAlreadyExistsError), expect.any(TenantAlreadyExistsError)]);

      const results = await admin.createTenants(rerun, { concurrency: 4, skipExisting: true });
      expect(results.map((r) => r.status)).toEqual([...Array(5).fill('skipped'), 'created', 'created', 'created', ...Array(5).fill('skipped')]);
      results.forEach((result, index) => expect(result).toMatchObject({ index, schemaName: rerun[index]!.schemaName, username: rerun[index]!.username }));
      expect(results[2]).not.toHaveProperty('credentials');
      // Skipping changed nothing: the first run's passwords still work.
      const original = firstResults[7]!;
      if (original.status === 'created') await expectLogsIn(original.credentials);
    });

    it('with skipExisting, still fails a schema or role that is not one managed tenant', async () => {
      const { admin, superuser } = fixture();
      const handmadeSchema = uniqueName('handmade_s');
      const handmadeRole = uniqueName('handmade_r');
      const loneSchema = uniqueName('lone_s');
      await superuser.query(`CREATE SCHEMA ${handmadeSchema}; CREATE ROLE ${handmadeRole}; CREATE SCHEMA ${loneSchema}`);
      try {
        const a = await admin.createTenant({ schemaName: uniqueName('ta'), username: uniqueName('ua') });
        const b = await admin.createTenant({ schemaName: uniqueName('tb'), username: uniqueName('ub') });
        const configs: TenantConfig[] = [
          { schemaName: handmadeSchema, username: handmadeRole }, // both exist, neither managed
          { schemaName: loneSchema, username: uniqueName('u') }, // schema only, unmanaged
          { schemaName: uniqueName('t'), username: handmadeRole }, // role only, unmanaged
          { schemaName: a.schemaName, username: b.username }, // two managed halves of different tenants
          { schemaName: a.schemaName, username: uniqueName('u') }, // a managed schema, without its role
          { schemaName: a.schemaName, username: a.username }, // the whole tenant
        ];
        const results = await admin.createTenants(configs, { skipExisting: true });
        expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'skipped']);
        for (const result of results.slice(0, 5)) {
          expect(result.status === 'failed' && result.error).toBeInstanceOf(TenantAlreadyExistsError);
        }
        // Nothing was created for the failed rows.
        expect(await countExisting(superuser, [configs[2]!])).toBe(0);
      } finally {
        await superuser.query(`DROP SCHEMA ${handmadeSchema}; DROP SCHEMA ${loneSchema}; DROP ROLE ${handmadeRole}`);
      }
    });

    it('reads an async iterable lazily, with an unknown total', async () => {
      const { admin } = fixture();
      const configs = configsOf(12);
      const { state, stream } = trackedStream(configs);
      const progress: BulkProgress[] = [];
      const results = await admin.createTenants(stream, { concurrency: 3, onProgress: (p) => progress.push(p) });
      expect(results.map((r) => [r.index, r.status, r.schemaName])).toEqual(configs.map((c, i) => [i, 'created', c.schemaName]));
      expect(state).toEqual({ pulled: 12, closed: true });
      expect(progress.map((p) => p.total)).toEqual(Array(12).fill(undefined));
    });

    it('reads a plain (sync) iterable too', async () => {
      const { admin } = fixture();
      const configs = configsOf(3);
      const results = await admin.createTenants(new Set(configs), { concurrency: 2 });
      expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    });

    it('reports running totals after each tenant', async () => {
      const { admin } = fixture();
      const existing = await admin.createTenant({ schemaName: uniqueName('pre_t'), username: uniqueName('pre_u') });
      const configs: TenantConfig[] = [
        ...configsOf(5),
        { schemaName: 'public', username: uniqueName('u') },
        { schemaName: existing.schemaName, username: existing.username },
        ...configsOf(2),
      ];
      const progress: BulkProgress[] = [];
      const results = await admin.createTenants(configs, { concurrency: 4, skipExisting: true, onProgress: (p) => progress.push(p) });

      expect(progress).toHaveLength(9);
      progress.forEach((p, i) => {
        expect(p.done).toBe(i + 1);
        expect(p.total).toBe(9);
        expect(p.succeeded + p.skipped + p.failed).toBe(p.done);
      });
      expect(progress.at(-1)).toEqual({ done: 9, total: 9, succeeded: 7, skipped: 1, failed: 1 });
      expect(byStatus(results)).toEqual({ created: 7, skipped: 1, failed: 1 });
      // Each report is a snapshot, not one object mutated under the caller.
      expect(new Set(progress).size).toBe(9);
    });

    it.each([0, 65, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '4'])('rejects concurrency %s before any I/O', async (concurrency) => {
      const { admin, superuser } = fixture();
      const configs = configsOf(2);
      const { state, stream } = trackedStream(configs);
      const error = await admin.createTenants(stream, { concurrency: concurrency as number }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'concurrency', rule: 'out-of-range' });
      expect(() => admin.createTenantsStream(configs, { concurrency: concurrency as number })).toThrow(ValidationError);
      expect(state.pulled).toBe(0);
      expect(await countExisting(superuser, configs)).toBe(0);
    });

    it('accepts concurrency 1 and 64, and rejects an input that is not iterable', async () => {
      const { admin } = fixture();
      expect(byStatus(await admin.createTenants(configsOf(2), { concurrency: 1 }))).toEqual({ created: 2 });
      expect(byStatus(await admin.createTenants(configsOf(2), { concurrency: 64 }))).toEqual({ created: 2 });
      await expect(admin.createTenants(undefined as unknown as TenantConfig[])).rejects.toMatchObject({ name: 'ValidationError', field: 'configs' });
      await expect(admin.createTenants([], { onProgress: 'x' as unknown as () => void })).rejects.toMatchObject({ field: 'onProgress' });
      expect(await admin.createTenants([])).toEqual([]);
    });

    it('a throwing onProgress stops the run: nothing new starts, work in flight settles, then the call rejects with that error', async () => {
      await withSession(async (session, createOne) => {
        const probe = instrumented(createOne);
        const configs = configsOf(20);
        const boom = new Error('progress bar broke');
        const error = await createTenants(probe.createOne, session, configs, {
          concurrency: 3,
          onProgress: (p) => {
            if (p.done === 4) throw boom;
          },
        }).catch((e: unknown) => e);
        expect(error).toBe(boom);
        expect(probe.stats.running).toBe(0); // settled before the rejection
        expect(probe.stats.calls).toBeGreaterThanOrEqual(4);
        expect(probe.stats.calls).toBeLessThanOrEqual(4 + 3);
        const { superuser } = fixture();
        expect(await countExisting(superuser, configs)).toBe(probe.stats.calls);
      });
    });

    it('wraps an error that is not a TenantryError, without the password', async () => {
      await withSession(async (session, createOne) => {
        const password = 'S3cret-Bulk-Pass';
        const configs: TenantConfig[] = [
          { ...configsOf(1)[0]!, password },
          { ...configsOf(1)[0]!, password },
          configsOf(1)[0]!,
        ];
        const leaky: CreateOne = async (config) => {
          if (config === configs[0]) throw new Error(`bad ${password} for postgresql://someone:${password}@db.example:5432/app`);
          if (config === configs[1]) throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' });
          return createOne(config);
        };
        const results = await createTenants(leaky, session, configs, {});
        expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'created']);
        const first = results[0]!.status === 'failed' ? results[0]!.error : undefined;
        expect(first).toBeInstanceOf(DatabaseError);
        expect(first!.message).toContain('unexpected Error');
        expect(first!.message).toContain('db.example');
        expect(first!.message).not.toContain(password);
        expect(first!.cause).toBeUndefined();
        expect(JSON.stringify(results)).not.toContain(password);
        const second = results[1]!.status === 'failed' ? results[1]!.error : undefined;
        expect(TenantryError.isInstance(second)).toBe(true);
        expect(second!.sqlState).toBe('57014');
      });
    });

    it('computes every verifier as a job on libuv\'s thread pool or takes it from the reserve, never on the event loop', async () => {
      // Structural, not timed: an asynchronous PBKDF2 is a PBKDF2REQUEST that
      // runs on the thread pool; a synchronous one would create no such job.
      // The others come from the reserve, made on its worker thread (generated-secret-reserve.test.ts).
      const { admin } = fixture();
      const reserve = generatedSecretReserveOf(admin)!;
      const handedOutBefore = reserve.testing.handedOut();
      const jobs: number[] = [];
      const hook = createHook({
        init(asyncId, type) {
          if (type === 'PBKDF2REQUEST') jobs.push(asyncId);
        },
      }).enable();
      let results: TenantCreationResult[];
      try {
        results = await admin.createTenants(configsOf(40, 'el'), { concurrency: 8 });
      } finally {
        hook.disable();
      }
      expect(byStatus(results)).toEqual({ created: 40 });
      expect(jobs.length + reserve.testing.handedOut() - handedOutBefore).toBe(40);
    });
  });

  describe('createTenantsStream', () => {
    it('yields every result in completion order, with never more than `concurrency` in flight or waiting', async () => {
      await withSession(async (session, createOne) => {
        const probe = instrumented(createOne);
        const configs = configsOf(30);
        const { state, stream } = trackedStream(configs);
        const seen: TenantCreationResult[] = [];
        for await (const result of createTenantsStream(probe.createOne, session, stream, { concurrency: 4 })) {
          seen.push(result);
          // Backpressure: the input is read at most `concurrency` ahead of what was consumed.
          expect(state.pulled).toBeLessThanOrEqual(seen.length + 4);
          if (seen.length % 10 === 0) {
            // A slow consumer: the run waits instead of reading on.
            await new Promise((resolve) => setTimeout(resolve, 150));
            expect(state.pulled).toBeLessThanOrEqual(seen.length + 4);
          }
        }
        expect(seen).toHaveLength(30);
        expect(new Set(seen.map((r) => r.index))).toEqual(new Set(configs.map((_, i) => i)));
        expect(seen.every((r) => r.status === 'created' && r.schemaName === configs[r.index]!.schemaName)).toBe(true);
        expect(probe.stats.maxRunning).toBeLessThanOrEqual(4);
        expect(probe.stats.calls).toBe(30);
      });
    });

    it('does nothing until iterated, and leaving early reads no more input and waits for the work in flight', async () => {
      await withSession(async (session, createOne) => {
        const probe = instrumented(createOne);
        const configs = configsOf(20);
        const { state, stream } = trackedStream(configs);
        const results = createTenantsStream(probe.createOne, session, stream, { concurrency: 4 });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(state.pulled).toBe(0);
        let taken = 0;
        for await (const result of results) {
          expect(result.status).toBe('created');
          if (++taken === 2) break;
        }
        expect(probe.stats.running).toBe(0);
        expect(state.closed).toBe(true);
        expect(state.pulled).toBeLessThanOrEqual(2 + 4);
        const { superuser } = fixture();
        expect(await countExisting(superuser, configs)).toBe(probe.stats.calls);
      });
    });

    it('a throwing onProgress: yields the results of the tenants in flight, then throws', async () => {
      await withSession(async (session, createOne) => {
        const probe = instrumented(createOne);
        const configs = configsOf(20);
        const boom = new Error('stop here');
        const seen: TenantCreationResult[] = [];
        const error = await (async () => {
          for await (const result of createTenantsStream(probe.createOne, session, configs, {
            concurrency: 4,
            onProgress: (p) => {
              if (p.done === 3) throw boom;
            },
          })) {
            seen.push(result);
          }
        })().catch((e: unknown) => e);
        expect(error).toBe(boom);
        // Every tenant that was created was handed over, credentials included.
        expect(seen).toHaveLength(probe.stats.calls);
        expect(seen.every((r) => r.status === 'created')).toBe(true);
        expect(probe.stats.calls).toBeLessThanOrEqual(3 + 4);
      });
    });

    it('an input that throws: the results so far are yielded, then its error', async () => {
      const { admin } = fixture();
      const configs = configsOf(3);
      const broken = new Error('CSV line 4 is malformed');
      async function* input(): AsyncGenerator<TenantConfig> {
        yield* configs;
        throw broken;
      }
      const seen: TenantCreationResult[] = [];
      const error = await (async () => {
        for await (const result of admin.createTenantsStream(input(), { concurrency: 2 })) seen.push(result);
      })().catch((e: unknown) => e);
      expect(error).toBe(broken);
      expect(seen.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    });
  });
});

describe('mapConcurrent (the engine, without a database)', () => {
  const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

  it('on a failing item: starts nothing new, yields what was in flight, then throws the first error', async () => {
    const started: number[] = [];
    const seen: (number | undefined)[] = [];
    const boom = new Error('item 2');
    const error = await (async () => {
      for await (const value of mapConcurrent(
        Array.from({ length: 10 }, (_, i) => i),
        async (item) => {
          started.push(item);
          await tick(item === 2 ? 1 : 20);
          if (item === 2) throw boom;
          return item === 1 ? undefined : item;
        },
        { concurrency: 3 },
      )) {
        seen.push(value);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect(started).toEqual([0, 1, 2]);
    expect(seen.sort()).toEqual([0, undefined]);
  });

  it('closes a sync source when left early, and stops on an abort with its reason', async () => {
    let closed = false;
    function* numbers(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const value of mapConcurrent(numbers(), async (n) => n, { concurrency: 2 })) if (value >= 5) break;
    expect(closed).toBe(true);

    const controller = new AbortController();
    const seen: number[] = [];
    const error = await (async () => {
      for await (const value of mapConcurrent(numbers(), async (n) => (await tick(), n), { concurrency: 2, signal: controller.signal })) {
        seen.push(value);
        if (seen.length === 3) controller.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'enough' });
    expect(seen.length).toBeLessThanOrEqual(3 + 2);
  });
});

describe('createTenants with migrations', () => {
  const fixture = useAdminFixture();

  it('runs the migrations in every new tenant, as that tenant', async () => {
    const { admin, superuser } = fixture();
    const migrations = {
      getMigrations: async () => ({
        '001_items': { up: async (db: import('kysely').Kysely<any>) => void (await db.schema.createTable('items').addColumn('id', 'integer').execute()) },
      }),
    };
    const configs = Array.from({ length: 3 }, () => ({ schemaName: uniqueName('mig_bulk'), username: uniqueName('mig_bulk') }));
    const results = await admin.createTenants(configs, { concurrency: 2, migrations });
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    for (const config of configs) {
      const { rows } = await superuser.query(
        `SELECT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'items'`,
        [config.schemaName],
      );
      expect(rows).toEqual([{ owner: config.username }]);
    }
  });
});
