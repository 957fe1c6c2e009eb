import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMariadbScratch, describeUnavailableMariadbLane, startMariadbTestServer, withMysqlConnection, type MariadbScratch } from '@tenantry/testing';
import { tenantry } from '../test-support/cli.js';

/*
 * The tenantry command on a mysql:// DATABASE_URL, against the real MariaDB
 * the harness finds (the machine's, TEST_MYSQL_URL, or a spawned mariadbd).
 * Where none can run, this fails loudly instead of skipping.
 */
describe('tenantry with a mysql:// DATABASE_URL', () => {
  let scratch: MariadbScratch;
  let env: Record<string, string>;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const lane = await startMariadbTestServer();
    if (!lane.available) throw new Error(describeUnavailableMariadbLane(lane));
    stop = lane.server.kind === 'spawned' ? () => lane.server.stop() : undefined;
    scratch = await createMariadbScratch(lane.server.adminUrl, { lane: 'least-privilege' });
    env = { DATABASE_URL: scratch.adminUrl, TENANTRY_MYSQL_REGISTRY: scratch.registryDatabase };
  });
  afterAll(async () => {
    await scratch?.cleanup();
    await stop?.();
  });

  it('init, create, list, show, verify, rotate-password and remove a tenant', async () => {
    expect((await tenantry(['init'], { env })).code).toBe(0);
    const name = scratch.name('cli_a');
    const created = await tenantry(['create', '--schema', name, '--username', name, '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    const credentials = JSON.parse(created.stdout) as { connectionString: string };
    expect(credentials.connectionString).toMatch(new RegExp(`^mysql://${name}:`));
    await withMysqlConnection(credentials.connectionString, async (c) => {
      await c.query('CREATE TABLE t (id INT)');
    });

    const listed = await tenantry(['list', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(listed.stdout))).toContain(name);
    expect((await tenantry(['show', name], { env })).stdout).toContain(name);
    const verified = await tenantry(['verify', name], { env });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const rotated = await tenantry(['rotate-password', '--schema', name, '--username', name, '--json'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).not.toContain(credentials.connectionString);

    const removed = await tenantry(['remove', '--schema', name, '--username', name, '--yes'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse((await tenantry(['list', '--json'], { env })).stdout))).not.toContain(name);
  });

  it("checks a tenant's names by MySQL's rules, not PostgreSQL's, before connecting", async () => {
    // A 70-character user name: MariaDB takes up to 128, PostgreSQL refuses more than 63 bytes.
    const name = scratch.name('cli_n');
    const user = scratch.name('cli_long_user').padEnd(70, 'x');
    const created = await tenantry(['create', '--schema', name, '--username', user, '--json'], { env });
    expect(created.code, created.stderr).toBe(0);
    expect((await tenantry(['show', name], { env })).code).toBe(0);
    const removed = await tenantry(['remove', '--schema', name, '--username', user, '--yes'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    // `mysql` is a fine PostgreSQL schema name, and MySQL's system database: a usage error (exit 2), nothing done.
    const reserved = await tenantry(['create', '--schema', 'mysql', '--username', user], { env });
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toMatch(/schemaName/);
    expect((await tenantry(['rotate-password', '--schema', 'mysql', '--username', user], { env })).code).toBe(2);
  });

  it('migrate refuses with a typed error that says why, and exits 1', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tenantry-mysql-migrations-'));
    await writeFile(join(folder, '001_accounts.mjs'), 'export async function up(db) { await db.schema.createTable("accounts").addColumn("id", "integer").execute(); }\n');
    const result = await tenantry(['migrate', '--migrations', folder, '--json'], { env });
    await rm(folder, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/not available for the mysql dialect/);
  });

  it('credentials and suspend refuse with a typed error that says why, and exit 1', async () => {
    const name = scratch.name('cli_c');
    for (const args of [
      ['credentials', 'issue', '--schema', name, '--username', name],
      ['credentials', 'sweep'],
      ['suspend', '--schema', name, '--username', name],
    ]) {
      const result = await tenantry([...args, '--json'], { env });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/not available for the mysql dialect/);
    }
  });
});
