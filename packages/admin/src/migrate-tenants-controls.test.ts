import { type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { TenantCredentials } from '@tenantry/core';
import type { TenantMigrationOutcome } from './database-admin-options.js';
import { MigrationsStoppedError } from './migrations-stopped-error.js';
import { connectAs, uniqueName, useAdminFixture, type AdminFixture } from './test-support/tenant-fixture.js';

type Db = Kysely<any>;

function provider(migrations: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => migrations };
}

// Each migration leaves a row behind, so a migration that ran twice would show.
const ranOnce = (name: string): Migration => ({ up: async (db: Db) => void (await db.insertInto('runs').values({ migration: name }).execute()) });
const v1: Record<string, Migration> = {
  '001_runs': {
    up: async (db: Db) => {
      await db.schema.createTable('runs').addColumn('migration', 'text', (col) => col.primaryKey()).execute();
      await db.schema.createTable('items').addColumn('id', 'integer').execute();
    },
  },
};
const v2: Record<string, Migration> = {
  ...v1,
  '002_items_name': {
    up: async (db: Db) => {
      await db.schema.alterTable('items').addColumn('name', 'text').execute();
      await db.schema.createIndex('items_name').on('items').column('name').execute();
      await ranOnce('002_items_name').up(db);
    },
  },
};

/** `count` tenants with v1, named so that they sort in creation order. */
async function tenantsAtV1(f: AdminFixture, prefix: string, count: number): Promise<TenantCredentials[]> {
  const tenants: TenantCredentials[] = [];
  const base = uniqueName(prefix);
  for (let i = 0; i < count; i++) {
    tenants.push(await f.admin.createTenant({ schemaName: `${base}_${i}`, username: `${base}_${i}_login` }, { migrations: provider(v1) }));
  }
  return tenants;
}

async function runsIn(f: AdminFixture, schemaName: string): Promise<string[]> {
  const { rows } = await f.superuser.query<{ migration: string }>(`SELECT migration FROM ${f.superuser.escapeIdentifier(schemaName)}.runs ORDER BY 1`);
  return rows.map((row) => row.migration);
}

/** Makes v2 fail in this tenant: its column exists already. */
async function breakTenant(tenant: TenantCredentials): Promise<void> {
  const client = await connectAs(tenant.connectionString);
  await client.query('ALTER TABLE items ADD COLUMN name text').finally(() => client.end());
}

/** Only the tenants whose names start with `prefix` (the file's tenants share one database). */
const only = (prefix: string, outcomes: readonly TenantMigrationOutcome[]) => outcomes.filter((o) => o.schemaName.startsWith(prefix));

describe('migrateTenants: where each tenant stands is recorded by the admin', () => {
  const fixture = useAdminFixture();

  it('lists where a new tenant stands, and where migrateTenants left it', async () => {
    const f = fixture();
    const [tenant] = await tenantsAtV1(f, 'ledger', 1);
    const stateOf = async () => (await f.admin.getTenant(tenant!.schemaName))?.migrations;
    expect(await stateOf()).toEqual({ last: '001_runs', count: 1 });
    await f.admin.migrateTenants({ migrations: provider(v2) });
    expect(await stateOf()).toEqual({ last: '002_items_name', count: 2 });
  });

  it('finds tenants up to date from the record alone, without reading anything of theirs', async () => {
    const f = fixture();
    const [tenant] = await tenantsAtV1(f, 'ledgeronly', 1);
    // Its own history gone: reading it would show every migration pending. The admin's record says otherwise.
    await f.superuser.query(`DROP TABLE ${tenant!.schemaName}.kysely_migration`);
    const outcomes = only(tenant!.schemaName, await f.admin.migrateTenants({ migrations: provider(v1) }));
    expect(outcomes).toEqual([{ schemaName: tenant!.schemaName, username: tenant!.username, status: 'up-to-date', applied: [] }]);
  });

  it('cannot be changed by the tenant', async () => {
    const f = fixture();
    const [tenant] = await tenantsAtV1(f, 'forge', 1);
    const client = await connectAs(tenant!.connectionString);
    try {
      await expect(client.query(`COMMENT ON ROLE ${client.escapeIdentifier(tenant!.username)} IS 'tenantry:{}'`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});

describe('migrateTenants: canary, busy tenants, resume', () => {
  const fixture = useAdminFixture();

  it('stops after the canary when a canary tenant fails, leaving the others untouched', async () => {
    const f = fixture();
    const tenants = await tenantsAtV1(f, 'canary', 4);
    await breakTenant(tenants[1]!);
    const stopped = await f.admin.migrateTenants({ migrations: provider(v2), canary: 2, concurrency: 1 }).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(MigrationsStoppedError);
    const { reason, outcomes } = stopped as MigrationsStoppedError;
    expect(reason).toBe('canary-failed');
    const mine = only(tenants[0]!.schemaName.slice(0, -2), outcomes);
    expect(mine.map((o) => [o.schemaName, o.status])).toEqual([
      [tenants[0]!.schemaName, 'migrated'],
      [tenants[1]!.schemaName, 'failed'],
    ]);
    for (const tenant of tenants.slice(2)) expect(await runsIn(f, tenant.schemaName)).toEqual([]);
  });

  it('puts a busy tenant aside, migrates the others, and reports it after one more try', async () => {
    const f = fixture();
    const tenants = await tenantsAtV1(f, 'busy', 3);
    // The tenant's own session holds its table: a long transaction in the app.
    const holder = await connectAs(tenants[0]!.connectionString);
    try {
      await holder.query('BEGIN; LOCK TABLE items IN ACCESS SHARE MODE');
      const finished: string[] = [];
      const outcomes = only(tenants[0]!.schemaName.slice(0, -2), await f.admin.migrateTenants({
        migrations: provider(v2),
        concurrency: 1,
        lockTimeoutMillis: 100,
        onProgress: ({ last }) => finished.push(last.schemaName),
      }));
      expect(outcomes.map((o) => [o.status, o.retried ?? false])).toEqual([
        ['failed', true],
        ['migrated', false],
        ['migrated', false],
      ]);
      expect(outcomes[0]!.error?.sqlState).toBe('55P03');
      // Tried again only once all the others were done.
      expect(finished.filter((name) => name.startsWith(tenants[0]!.schemaName.slice(0, -2))).at(-1)).toBe(tenants[0]!.schemaName);
      expect(await runsIn(f, tenants[0]!.schemaName)).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('migrates a tenant that was busy once it is free again, at the end of the run', async () => {
    const f = fixture();
    const tenants = await tenantsAtV1(f, 'freed', 2);
    const holder = await connectAs(tenants[0]!.connectionString);
    try {
      await holder.query('BEGIN; LOCK TABLE items IN ACCESS SHARE MODE');
      const outcomes = only(tenants[0]!.schemaName.slice(0, -2), await f.admin.migrateTenants({
        migrations: provider(v2),
        concurrency: 1,
        lockTimeoutMillis: 3000,
        // The other tenant is done: the app's transaction ends, and the busy tenant's last try waits for it.
        onProgress: ({ last }) => {
          if (last.schemaName === tenants[1]!.schemaName) void holder.query('ROLLBACK');
        },
      }));
      expect(outcomes.map((o) => [o.status, o.retried ?? false])).toEqual([
        ['migrated', true],
        ['migrated', false],
      ]);
      expect(await runsIn(f, tenants[0]!.schemaName)).toEqual(['002_items_name']);
    } finally {
      await holder.end();
    }
  });

  it('goes on after an interrupt where it stopped: no tenant migrated twice, none skipped', async () => {
    const f = fixture();
    const tenants = await tenantsAtV1(f, 'resume', 5);
    const prefix = tenants[0]!.schemaName.slice(0, -2);
    const controller = new AbortController();
    const stopped = (await f.admin
      .migrateTenants({
        migrations: provider(v2),
        concurrency: 1,
        signal: controller.signal,
        onProgress: ({ last }) => {
          if (last.schemaName === tenants[1]!.schemaName) controller.abort();
        },
      })
      .catch((error: unknown) => error)) as MigrationsStoppedError;
    expect(stopped.reason).toBe('aborted');
    // The tenant in flight when the signal came finished too (the next one starts as a result is handed over).
    const before = only(prefix, stopped.outcomes).map((o) => o.status);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(5);
    expect(before).toEqual(Array(before.length).fill('migrated'));

    const resumed = only(prefix, await f.admin.migrateTenants({ migrations: provider(v2), concurrency: 2 }));
    expect(resumed.map((o) => o.status)).toEqual([...Array(before.length).fill('up-to-date'), ...Array(5 - before.length).fill('migrated')]);
    for (const tenant of tenants) expect(await runsIn(f, tenant.schemaName)).toEqual(['002_items_name']);
  });

  it('goes on after a run whose record was not written (interrupted between commit and record)', async () => {
    const f = fixture();
    const [tenant] = await tenantsAtV1(f, 'unrecorded', 1);
    await f.admin.migrateTenants({ migrations: provider(v2) });
    // As if the process died after the tenant's migrations committed, before the admin recorded it.
    const markerWithoutRecord = `tenantry:${JSON.stringify({ v: 1, schema: tenant!.schemaName, database: f.database.name })}`;
    await f.superuser.query(`COMMENT ON ROLE ${f.superuser.escapeIdentifier(tenant!.username)} IS ${f.superuser.escapeLiteral(markerWithoutRecord)}`);
    const outcomes = only(tenant!.schemaName, await f.admin.migrateTenants({ migrations: provider(v2) }));
    expect(outcomes.map((o) => o.status)).toEqual(['up-to-date']);
    expect(await runsIn(f, tenant!.schemaName)).toEqual(['002_items_name']);
    expect((await f.admin.getTenant(tenant!.schemaName))?.migrations).toEqual({ last: '002_items_name', count: 2 });
  });

  it('validates the new options before any I/O', async () => {
    const f = fixture();
    for (const options of [{ canary: -1 }, { canary: 1.5 }, { maxFailures: -1 }, { lockTimeoutMillis: -5 }, { signal: 'stop' }]) {
      await expect(f.admin.migrateTenants({ migrations: provider(v1), ...(options as object) })).rejects.toMatchObject({ code: 'VALIDATION' });
    }
  });
});

describe('migrateTenants: failure threshold', () => {
  // A database of its own: every tenant in it is part of the run.
  const fixture = useAdminFixture();

  it('stops once more tenants failed than maxFailures allows', async () => {
    const f = fixture();
    const tenants = await tenantsAtV1(f, 'threshold', 4);
    await breakTenant(tenants[0]!);
    await breakTenant(tenants[1]!);
    const stopped = (await f.admin.migrateTenants({ migrations: provider(v2), maxFailures: 1, concurrency: 1 }).catch((error: unknown) => error)) as MigrationsStoppedError;
    expect(stopped.reason).toBe('too-many-failures');
    // The second failure stops the run; the tenant already started when it came in finishes.
    expect(stopped.outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'migrated']);
    expect(await runsIn(f, tenants[3]!.schemaName)).toEqual([]);
  });
});

describe('migrationStatus', () => {
  const fixture = useAdminFixture();

  it('counts the tenants at each migration from the records, and what they lack of a list', async () => {
    const f = fixture();
    await tenantsAtV1(f, 'status_a', 2);
    const base = uniqueName('status_b');
    await f.admin.createTenant({ schemaName: base, username: `${base}_login` }, { migrations: provider(v2) });
    await f.admin.createTenant({ schemaName: `${base}_bare`, username: `${base}_bare_login` });

    expect(await f.admin.migrationStatus({ migrations: provider(v2) })).toEqual({
      total: 4,
      upToDate: 1,
      positions: [
        { last: '001_runs', applied: 1, tenants: 2, pending: 1 },
        { last: '002_items_name', applied: 2, tenants: 1, pending: 0 },
        { last: undefined, applied: undefined, tenants: 1, pending: undefined },
      ],
    });
    expect((await f.admin.migrationStatus()).positions.map((p) => [p.last, p.tenants])).toEqual([
      ['001_runs', 2],
      ['002_items_name', 1],
      [undefined, 1],
    ]);
  });
});
