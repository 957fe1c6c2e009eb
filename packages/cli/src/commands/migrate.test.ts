import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogSnapshot, json, uniqueName, useCliDatabase } from '../test-support/cli.js';

const CUSTOMERS = `export async function up(db) {
  await db.schema.createTable('customers').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('name', 'text').execute();
}
`;
const ORDERS = `export async function up(db) {
  await db.schema.createTable('orders').addColumn('id', 'serial', (c) => c.primaryKey()).execute();
}
`;
const BROKEN = `export async function up(db) {
  await db.schema.createTable('customers').addColumn('id', 'serial').execute(); // exists already
}
`;

async function tableOwners(client: pg.Client, schema: string): Promise<Record<string, string>> {
  const { rows } = await client.query<{ table: string; owner: string }>(
    `SELECT tablename AS table, tableowner AS owner FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'kysely_%' ORDER BY 1`,
    [schema],
  );
  return Object.fromEntries(rows.map((row) => [row.table, row.owner]));
}

describe('migrations', () => {
  const db = useCliDatabase();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tenantry-migrations-'));
    await writeFile(join(dir, '001_customers.mjs'), CUSTOMERS);
  });

  it('create --migrations runs them in the new schema, as the tenant; --dry-run names them', async () => {
    const { run, superuser } = db();
    const schema = uniqueName('t_mig');
    const user = uniqueName('u_mig');
    const dryRun = await run(['create', '--schema', schema, '--username', user, '--migrations', dir, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/-- then, in the same transaction, as role "[^"]+" in schema "[^"]+", the migrations:\n-- {3}001_customers\n/);
    expect(await tableOwners(superuser, schema)).toEqual({});

    const created = await run(['create', '--schema', schema, '--username', user, '--migrations', dir]);
    expect(created.code, created.stderr).toBe(0);
    expect(await tableOwners(superuser, schema)).toEqual({ customers: user });

    // With --from, every new tenant gets them too.
    const bulk = { schema: uniqueName('t_bulkmig'), user: uniqueName('u_bulkmig') };
    const csv = join(dir, '..', `${bulk.schema}.csv`);
    await writeFile(csv, `schema_name,username\n${bulk.schema},${bulk.user}\n`);
    const fromFile = await run(['create', '--from', csv, '--migrations', dir, '--credentials-out', `${csv}.jsonl`]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(await tableOwners(superuser, bulk.schema)).toEqual({ customers: bulk.user });
  });

  it('migrate --dry-run lists what each tenant lacks and changes nothing; migrate applies; a rerun is up to date', async () => {
    const { run, superuser } = db();
    const fresh = { schema: uniqueName('t_fresh'), user: uniqueName('u_fresh') };
    expect((await run(['create', '--schema', fresh.schema, '--username', fresh.user])).code).toBe(0);
    const migrated = { schema: uniqueName('t_done'), user: uniqueName('u_done') };
    expect((await run(['create', '--schema', migrated.schema, '--username', migrated.user, '--migrations', dir])).code).toBe(0);
    await writeFile(join(dir, '002_orders.mjs'), ORDERS);

    const before = await catalogSnapshot(superuser, [fresh.user, migrated.user]);
    const dryRun = await run(['migrate', '--migrations', dir, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`-- "${fresh.schema}" (role "${fresh.user}"): would apply 001_customers, 002_orders`);
    expect(dryRun.stdout).toContain(`-- "${migrated.schema}" (role "${migrated.user}"): would apply 002_orders`);
    const plan = json<{ tenants: { schemaName: string; pending: string[] | null }[] }>(await run(['migrate', '--migrations', dir, '--dry-run', '--json']));
    expect(plan.tenants.find((tenant) => tenant.schemaName === migrated.schema)?.pending).toEqual(['002_orders']);
    expect(await catalogSnapshot(superuser, [fresh.user, migrated.user])).toEqual(before);
    expect(await tableOwners(superuser, fresh.schema)).toEqual({});

    const result = await run(['migrate', '--migrations', dir, '--concurrency', '2']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${fresh.schema} +migrated +001_customers, 002_orders`));
    expect(result.stdout).toMatch(new RegExp(`${migrated.schema} +migrated +002_orders`));
    expect(await tableOwners(superuser, fresh.schema)).toEqual({ customers: fresh.user, orders: fresh.user });

    const again = json<{ migrated: number; failed: number; tenants: { status: string }[] }>(await run(['migrate', '--migrations', dir, '--json']));
    expect(again.migrated).toBe(0);
    expect(again.failed).toBe(0);
    expect(again.tenants.every((tenant) => tenant.status === 'up-to-date')).toBe(true);
  });

  it('a failing migration fails its tenant (exit 1), named on stderr, and every other tenant is still attempted', async () => {
    const { run } = db();
    const broken = await mkdtemp(join(tmpdir(), 'tenantry-migrations-broken-'));
    await writeFile(join(broken, '001_customers.mjs'), BROKEN);
    const schema = uniqueName('t_brk');
    const result = await run(['create', '--schema', schema, '--username', uniqueName('u_brk'), '--migrations', broken]);
    // The tenant has no customers table yet, so the first migration works for a new one.
    expect(result.code, result.stderr).toBe(0);
    await writeFile(join(broken, '002_again.mjs'), BROKEN);
    const failing = await run(['migrate', '--migrations', broken, '--json']);
    expect(failing.code).toBe(1);
    const outcome = json<{ failed: number; tenants: { schemaName: string; status: string; error?: { message: string } }[] }>(failing);
    expect(outcome.tenants.find((tenant) => tenant.schemaName === schema)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('002_again') } });
    // Every tenant has an outcome: one failing does not stop the run.
    const listed = json<{ tenants: unknown[] }>(await run(['list', '--json'])).tenants.length;
    expect(outcome.tenants).toHaveLength(listed);
    expect(failing.stderr).toContain(`${schema}:`);
  });
});
