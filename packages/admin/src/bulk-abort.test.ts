import type { Migration, MigrationProvider } from 'kysely';
import { describe, expect, it } from 'vitest';
import { TenantryError, type TenantConfig } from '@tenantry/core';
import { BulkAbortedError } from './bulk-aborted-error.js';
import type { TenantCreationResult } from './database-admin-options.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

function configsOf(count: number): TenantConfig[] {
  return Array.from({ length: count }, () => ({ schemaName: uniqueName('ab_t'), username: uniqueName('ab_u') }));
}

async function abortedBy(call: Promise<unknown>): Promise<BulkAbortedError<unknown>> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BulkAbortedError);
  expect(TenantryError.isInstance(error) && error.code).toBe('ABORTED');
  return error as BulkAbortedError<unknown>;
}

describe('AbortSignal on bulk calls', () => {
  const fixture = useAdminFixture();

  it('createTenants: an aborted signal starts nothing', async () => {
    const f = fixture();
    const configs = configsOf(2);
    const reason = new Error('shutting down');
    const error = await abortedBy(f.admin.createTenants(configs, { signal: AbortSignal.abort(reason) }));
    expect(error.call).toBe('createTenants');
    expect(error.cause).toBe(reason);
    expect(error.results).toEqual([]);
    for (const config of configs) expect(await f.admin.tenantExists(config.schemaName)).toBe(false);
  });

  it('createTenants: aborting mid-run starts no further tenant, and hands over the ones created', async () => {
    const f = fixture();
    const configs = configsOf(3);
    const controller = new AbortController();
    const error = await abortedBy(f.admin.createTenants(configs, { concurrency: 1, signal: controller.signal, onProgress: () => controller.abort() }));
    expect(error.message).toContain('createTenants was aborted');
    const results = error.results as TenantCreationResult[];
    expect(results.map((result) => [result.schemaName, result.status])).toEqual([[configs[0]!.schemaName, 'created']]);
    expect(results[0]!.status === 'created' && results[0]!.credentials.password.length).toBeGreaterThan(0);
    expect(await f.admin.tenantExists(configs[0]!.schemaName)).toBe(true);
    expect(await f.admin.tenantExists(configs[1]!.schemaName)).toBe(false);
    expect(await f.admin.tenantExists(configs[2]!.schemaName)).toBe(false);
  });

  it('createTenantsStream: the in-flight results are yielded, then the stream throws', async () => {
    const f = fixture();
    const configs = configsOf(4);
    const controller = new AbortController();
    const yielded: string[] = [];
    const error = await abortedBy(
      (async () => {
        const stream = f.admin.createTenantsStream(configs, { concurrency: 2, signal: controller.signal, onProgress: () => controller.abort() });
        for await (const result of stream) yielded.push(result.schemaName);
      })(),
    );
    expect(error.call).toBe('createTenantsStream');
    // Two were in flight when the first finished (and aborted): both finish and are yielded, no third starts.
    expect(yielded.sort()).toEqual([configs[0]!.schemaName, configs[1]!.schemaName].sort());
    expect(await f.admin.tenantExists(configs[2]!.schemaName)).toBe(false);
    expect(await f.admin.tenantExists(configs[3]!.schemaName)).toBe(false);
  });

  it('planMigrateTenants: aborting reads no further tenant; the reports so far come with the error', async () => {
    const f = fixture();
    for (const config of configsOf(3)) await f.admin.createTenant(config);
    const controller = new AbortController();
    let reads = 0;
    // Kysely spreads each migration when it reads a tenant's history: the getter marks the first read.
    const migration: Migration = {
      get up() {
        reads += 1;
        controller.abort();
        return async () => undefined;
      },
    };
    const migrations: MigrationProvider = { getMigrations: async () => ({ '001_first': migration }) };
    const error = await abortedBy(f.admin.planMigrateTenants({ migrations, concurrency: 1, signal: controller.signal }));
    expect(error.call).toBe('planMigrateTenants');
    expect(reads).toBe(1);
    // The first tenant (of this file's, by schema name) was in flight: its report, and no other.
    const reports = error.results as { schemaName: string; status: string }[];
    expect(reports.map((report) => report.status)).toEqual(['pending']);
    expect(reports[0]!.schemaName).toBe((await f.admin.listTenants())[0]!.schemaName);
  });

  it('refuses a signal that is not an AbortSignal, before any I/O', async () => {
    const f = fixture();
    await expect(f.admin.createTenants(configsOf(1), { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'VALIDATION', field: 'signal' });
    await expect(f.admin.planMigrateTenants({ migrations: { getMigrations: async () => ({}) }, signal: 'stop' as unknown as AbortSignal })).rejects.toMatchObject({ code: 'VALIDATION', field: 'signal' });
  });
});
