import { inspect } from 'node:util';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatabaseAdmin } from './database-admin.js';
import type { TenantEvent } from './tenant-lifecycle-log.js';
import { uniqueName, useAdminFixture, type AdminFixture } from './test-support/tenant-fixture.js';

type Db = Kysely<any>;

const events: TenantEvent[] = [];
const v1: Record<string, Migration> = {
  '001_items': { up: async (db: Db) => void (await db.schema.createTable('items').addColumn('id', 'integer').execute()) },
};
const v2: Record<string, Migration> = {
  ...v1,
  '002_items_name': { up: async (db: Db) => void (await db.schema.alterTable('items').addColumn('name', 'text').execute()) },
};
const provider = (migrations: Record<string, Migration>): MigrationProvider => ({ getMigrations: async () => migrations });

function newTenant() {
  const schemaName = uniqueName('lg_t');
  return { schemaName, username: `${schemaName}_login` };
}

/** The events of one tenant, since the test began. */
const eventsOf = (schemaName: string) => events.filter((event) => event.schemaName === schemaName);

/** What the server stores for the role's password: must never be in an event. */
async function storedVerifier(f: AdminFixture, username: string): Promise<string> {
  const { rows } = await f.superuser.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [username]);
  return rows[0]!.rolpassword;
}

describe('DatabaseAdmin log: tenant events', () => {
  const fixture = useAdminFixture({ log: (event) => void events.push(event) });
  afterEach(() => vi.restoreAllMocks());

  it('reports a tenant created, rotated, migrated and removed: which, by whom, when, how it ended; never a secret', async () => {
    const f = fixture();
    const tenant = newTenant();
    const started = new Date();
    const secrets: string[] = [];

    const created = await f.admin.createTenant(tenant, { migrations: provider(v1) });
    secrets.push(created.password, await storedVerifier(f, tenant.username));
    const rotatedPassword = 'Rotated-Passw0rd-' + uniqueName('x');
    await f.admin.rotatePassword(tenant, { password: rotatedPassword });
    secrets.push(rotatedPassword, await storedVerifier(f, tenant.username));
    await f.admin.migrateTenants({ migrations: provider(v2) });
    await f.admin.removeTenant(tenant);
    const ended = new Date();

    const mine = eventsOf(tenant.schemaName);
    expect(mine.map((event) => [event.type, event.outcome, event.level])).toEqual([
      ['tenant.created', 'succeeded', 'info'],
      ['tenant.password-rotated', 'succeeded', 'info'],
      ['tenant.migrated', 'succeeded', 'info'],
      ['tenant.removed', 'succeeded', 'info'],
    ]);
    for (const event of mine) {
      expect(event).toMatchObject({ schemaName: tenant.schemaName, username: tenant.username, adminRole: f.adminRole, database: f.database.name });
      expect(event.at.getTime()).toBeGreaterThanOrEqual(started.getTime());
      expect(event.at.getTime()).toBeLessThanOrEqual(ended.getTime());
      expect(event.errorCode).toBeUndefined();
    }
    expect(mine[0]!.migrationsApplied).toEqual(['001_items']);
    expect(mine[2]!.migrationsApplied).toEqual(['002_items_name']);

    // Every printable form of every event, against every secret of the tenant.
    expect(secrets.every((secret) => secret.length > 8)).toBe(true);
    for (const event of mine) {
      for (const text of [inspect(event, { depth: null, showHidden: true }), JSON.stringify(event), String(Object.values(event))]) {
        for (const secret of secrets) {
          expect(text).not.toContain(secret);
          expect(text).not.toContain(encodeURIComponent(secret));
        }
        expect(text).not.toContain('SCRAM-SHA-256$');
        expect(text).not.toContain('://'); // no connection string
      }
    }
  });

  it('reports a failed attempt with its error code, and the call still throws', async () => {
    const f = fixture();
    const tenant = newTenant();
    await f.admin.createTenant(tenant);
    const password = 'Given-Passw0rd-' + uniqueName('x');
    await expect(f.admin.createTenant({ ...tenant, password })).rejects.toMatchObject({ code: 'TENANT_ALREADY_EXISTS' });
    await expect(f.admin.removeTenant({ schemaName: uniqueName('lg_none'), username: uniqueName('lg_none') })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });

    const failedCreate = eventsOf(tenant.schemaName).filter((event) => event.outcome === 'failed');
    expect(failedCreate).toHaveLength(1);
    expect(failedCreate[0]).toMatchObject({ type: 'tenant.created', level: 'error', errorCode: 'TENANT_ALREADY_EXISTS', adminRole: f.adminRole });
    expect(JSON.stringify(failedCreate[0])).not.toContain(password);
    expect(inspect(failedCreate[0], { depth: null, showHidden: true })).not.toContain(password);
    expect(events.filter((event) => event.type === 'tenant.removed' && event.errorCode === 'TENANT_NOT_FOUND')).toHaveLength(1);
  });

  it('reports a tenant whose migration failed', async () => {
    const f = fixture();
    const tenant = newTenant();
    await f.admin.createTenant(tenant, { migrations: provider(v1) });
    const broken: Record<string, Migration> = { ...v1, '002_broken': { up: async (db: Db) => void (await db.schema.alterTable('no_such_table').addColumn('x', 'text').execute()) } };
    await f.admin.migrateTenants({ migrations: provider(broken) });
    const migrated = eventsOf(tenant.schemaName).filter((event) => event.type === 'tenant.migrated');
    expect(migrated).toHaveLength(1);
    expect(migrated[0]).toMatchObject({ outcome: 'failed', level: 'error', migrationsApplied: [] });
    expect(migrated[0]!.errorCode).toEqual(expect.any(String));
  });

  it('a listener that throws changes no outcome: the credentials come back, and a process warning says so', async () => {
    const f = fixture();
    const admin = new DatabaseAdmin(f.adminUrl, {
      log: () => {
        throw new Error('audit store down');
      },
    });
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    try {
      const tenant = newTenant();
      const credentials = await admin.createTenant(tenant);
      expect(credentials.schemaName).toBe(tenant.schemaName);
      expect(await admin.tenantExists(tenant.schemaName)).toBe(true);
      const warning = await warned;
      expect(warning.message).toContain('log listener threw');
      expect(warning.message).not.toContain(credentials.password);
    } finally {
      await admin.close();
    }
  });

  it('levels print one JSON line per event of those levels, and nothing else', async () => {
    const f = fixture();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logged = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await using admin = new DatabaseAdmin(f.adminUrl, { log: ['error'] });
    const tenant = newTenant();
    const credentials = await admin.createTenant(tenant);
    expect(printed).not.toHaveBeenCalled();
    await expect(admin.createTenant(tenant)).rejects.toMatchObject({ code: 'TENANT_ALREADY_EXISTS' });
    expect(printed).toHaveBeenCalledTimes(1);
    const line = String(printed.mock.calls[0]![0]);
    expect(line).toMatch(/^\[tenantry\] \{/);
    expect(JSON.parse(line.slice('[tenantry] '.length))).toMatchObject({ type: 'tenant.created', outcome: 'failed', errorCode: 'TENANT_ALREADY_EXISTS', schemaName: tenant.schemaName });
    expect(line).not.toContain(credentials.password);
    expect(logged).not.toHaveBeenCalled();
  });

  it('refuses a log option that is neither levels nor a function, before any I/O', () => {
    const f = fixture();
    for (const log of [['query'], 'info', 42]) {
      expect(() => new DatabaseAdmin(f.adminUrl, { log: log as never })).toThrow(expect.objectContaining({ code: 'VALIDATION', field: 'log' }));
    }
  });
});
