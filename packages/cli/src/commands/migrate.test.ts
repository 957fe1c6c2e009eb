import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generatePassword, scramSha256Verifier } from '@tenantry/core';
import { createScratchDatabase, historySpySql, spyWitnesses, withClient } from '@tenantry/testing';
import { catalogSnapshot, json, uniqueName, urlFor, useCliDatabase, tableOwners } from '../test-support/cli.js';

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
    const latest = { schema: uniqueName('t_latest'), user: uniqueName('u_latest') };
    expect((await run(['create', '--schema', latest.schema, '--username', latest.user, '--migrations', dir])).code).toBe(0);

    const roles = [fresh.user, migrated.user, latest.user];
    const before = await catalogSnapshot(superuser, roles);
    const dryRun = await run(['migrate', '--migrations', dir, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`-- "${fresh.schema}" (role "${fresh.user}"): would apply 001_customers, 002_orders\n`);
    expect(dryRun.stdout).toContain(`-- "${migrated.schema}" (role "${migrated.user}"): would apply 002_orders\n`);
    expect(dryRun.stdout).toContain(`-- "${latest.schema}" (role "${latest.user}"): up to date\n`);
    const plan = json<{ failed: number; tenants: { schemaName: string; status: string; pending: string[] }[] }>(
      await run(['migrate', '--migrations', dir, '--dry-run', '--json']),
    );
    expect(plan.failed).toBe(0);
    const planOf = (schema: string) => plan.tenants.find((tenant) => tenant.schemaName === schema);
    expect(planOf(fresh.schema)).toMatchObject({ status: 'pending', pending: ['001_customers', '002_orders'] });
    expect(planOf(migrated.schema)).toMatchObject({ status: 'pending', pending: ['002_orders'] });
    expect(planOf(latest.schema)).toMatchObject({ status: 'up-to-date', pending: [] });
    // Nothing changed: no Kysely tables for the never-migrated tenant, no migrator role left.
    expect(await catalogSnapshot(superuser, roles)).toEqual(before);
    expect(await tableOwners(superuser, fresh.schema)).toEqual({});
    expect((await superuser.query(`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`, [fresh.schema])).rows).toEqual([]);

    const result = await run(['migrate', '--migrations', dir, '--concurrency', '2']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${fresh.schema} +migrated +001_customers, 002_orders`));
    expect(result.stdout).toMatch(new RegExp(`${migrated.schema} +migrated +002_orders`));
    // Up-to-date tenants are counted, not listed: at 10,000 tenants the table shows what changed.
    expect(result.stdout).not.toContain(latest.schema);
    expect(result.stdout).toMatch(/tenants: \d+ migrated, [1-9]\d* up to date, 0 failed/);
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

describe('migrate --canary, --report and --status', () => {
  const db = useCliDatabase();

  it('stops after a failing canary (exit 1), reports every finished tenant in the file, and counts tenants per migration', async () => {
    const { run } = db();
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-migrations-canary-'));
    await writeFile(join(dir, '001_customers.mjs'), CUSTOMERS);
    const schemas = [uniqueName('t_can_a'), uniqueName('t_can_b'), uniqueName('t_can_c')];
    for (const schema of schemas) expect((await run(['create', '--schema', schema, '--username', `${schema}_login`, '--migrations', dir])).code).toBe(0);
    await writeFile(join(dir, '002_fails.mjs'), `export async function up() { throw new Error('boom'); }\n`);

    const reportFile = join(dir, '..', `${schemas[0]}-report.json`);
    const stopped = await run(['migrate', '--migrations', dir, '--canary', '1', '--concurrency', '1', '--report', reportFile]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('Stopped: a canary tenant failed');
    const { readFile } = await import('node:fs/promises');
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as { stopped: string; failed: number; tenants: { schemaName: string; status: string }[]; startedAt: string };
    expect(report).toMatchObject({ stopped: 'canary-failed', failed: 1 });
    expect(report.tenants).toHaveLength(1);
    expect(report.tenants[0]!.status).toBe('failed');
    expect(Number.isNaN(Date.parse(report.startedAt))).toBe(false);

    const status = await run(['migrate', '--status', '--migrations', dir]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/001_customers +1 +3 +1/);
    expect(status.stdout).toContain('3 tenants; 0 have every migration in');
    const statusJson = json<{ total: number; positions: { last: string; tenants: number }[] }>(await run(['migrate', '--status', '--json']));
    expect(statusJson.total).toBe(3);
    expect(statusJson.positions).toEqual([{ last: '001_customers', applied: 1, tenants: 3 }]);
  });

  it('refuses migrate without --migrations unless --status is given', async () => {
    const { run } = db();
    const result = await run(['migrate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--migrations <dir> is required');
  });
});

/** One tenant as `create --json` reports it. */
interface Created {
  schemaName: string;
  username: string;
  connectionString: string;
}

/** Migrator roles (marked `migratorFor` one of `usernames`) that still exist. */
async function migratorsFor(superuser: pg.Client, usernames: readonly string[]): Promise<string[]> {
  const { rows } = await superuser.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE 'tenantry:%'
        AND (substr(shobj_description(oid, 'pg_authid'), 10)::jsonb ->> 'migratorFor') = ANY($1::text[])`,
    [usernames],
  );
  return rows.map((row) => row.rolname);
}

// A tenant can turn its history table into a view over its own function: reading it
// runs the tenant's code as whoever reads. The dry run must never read it as the admin.
describe.each(['superuser', 'least-privilege'] as const)('migrate --dry-run over a history table a tenant replaced (%s admin)', (lane) => {
  let leastPrivilegeAdmin: string | undefined;
  // Registered first, so it runs last: after the database and the tenants' roles are gone.
  afterAll(async () => {
    if (leastPrivilegeAdmin) await withClient(inject('tenantryAdminUrl'), (client) => client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(leastPrivilegeAdmin!)}`));
  });
  const db = useCliDatabase();
  let adminEnv: Record<string, string> = {};
  let adminRole = '';
  beforeAll(async () => {
    const { superuser, database } = db();
    adminRole = (await superuser.query<{ name: string }>('SELECT current_user AS name')).rows[0]!.name;
    if (lane === 'least-privilege') {
      // What managed clouds give: CREATEROLE and the database, nothing more. Its password goes in as a verifier.
      adminRole = leastPrivilegeAdmin = uniqueName('lp_admin');
      const password = generatePassword(32);
      const verifier = await scramSha256Verifier(password);
      await superuser.query(`CREATE ROLE ${superuser.escapeIdentifier(adminRole)} LOGIN CREATEROLE NOSUPERUSER NOCREATEDB PASSWORD ${superuser.escapeLiteral(verifier)}`);
      await superuser.query(`ALTER DATABASE ${superuser.escapeIdentifier(database.name)} OWNER TO ${superuser.escapeIdentifier(adminRole)}`);
      adminEnv = { DATABASE_URL: urlFor(database.url, adminRole, password) };
    }
  });

  it("runs the tenant's function only as the tenant, in a migrator's session; honest tenants' reports are right", async () => {
    const { run, superuser } = db();
    const asAdmin = (args: string[]) => run(args, { env: adminEnv });
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-spy-'));
    await writeFile(join(dir, '001_customers.mjs'), CUSTOMERS);
    const create = async (prefix: string, migrations: boolean) => {
      const result = await asAdmin(['create', '--schema', uniqueName(`t_${prefix}`), '--username', uniqueName(`u_${prefix}`), '--json', ...(migrations ? ['--migrations', dir] : [])]);
      expect(result.code, result.stderr).toBe(0);
      return json<Created>(result);
    };
    const fresh = await create('fresh', false);
    const partial = await create('partial', true);
    const quiet = await create('quiet', true);
    const loud = await create('loud', true);
    const victim = await create('victim', true);
    await writeFile(join(dir, '002_orders.mjs'), ORDERS);
    const latest = await create('latest', true);
    const attackers = [quiet, loud];

    await withClient(victim.connectionString, (client) => client.query(`CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ('original')`));
    const channel = uniqueName('spy');
    for (const [tenant, isLoud] of [[quiet, false], [loud, true]] as const) {
      const spy = historySpySql({ schemaName: tenant.schemaName, username: tenant.username, victimSchema: victim.schemaName, channel, loud: isLoud });
      await withClient(tenant.connectionString, (client) => client.query(spy));
    }
    const notified: string[] = [];
    const listener = new pg.Client({ connectionString: db().database.url });
    await listener.connect();
    listener.on('notification', (message) => notified.push(message.payload ?? ''));
    await listener.query(`LISTEN ${listener.escapeIdentifier(channel)}`);
    try {
      const text = await asAdmin(['migrate', '--migrations', dir, '--dry-run']);
      const report = await asAdmin(['migrate', '--migrations', dir, '--dry-run', '--json']);
      await listener.query('SELECT 1'); // notifications committed before this are delivered by now

      // Who ran the function, by every channel it had: the notifications, its tables, its error.
      const seen: { current: string; session: string }[] = [];
      for (const tenant of attackers) {
        const { rows } = await superuser.query<{ current: string; session: string }>(
          `SELECT current_role_name AS current, session_role_name AS session FROM ${superuser.escapeIdentifier(tenant.schemaName)}.seen`,
        );
        seen.push(...rows);
      }
      const ran = spyWitnesses({ text: `${text.stdout}${text.stderr}${report.stdout}${report.stderr}`, seen, notifications: notified });
      // It did run (the loud one says so), and never as the admin: as its tenant, in a migrator's session.
      expect(ran.length).toBeGreaterThan(0);
      for (const who of ran) {
        expect(who.current).not.toBe(adminRole);
        expect(who.session).not.toBe(adminRole);
        expect(attackers.map((tenant) => tenant.username)).toContain(who.current);
        expect(who.session).toMatch(/^tenantry_migrator_[a-z0-9]+$/);
      }
      const { rows: attackerRoles } = await superuser.query<{ rolsuper: boolean }>(`SELECT rolsuper FROM pg_roles WHERE rolname = ANY($1::text[])`, [
        attackers.map((tenant) => tenant.username),
      ]);
      expect(attackerRoles).toEqual([{ rolsuper: false }, { rolsuper: false }]);
      expect((await superuser.query(`SELECT v FROM ${superuser.escapeIdentifier(victim.schemaName)}.secrets`)).rows).toEqual([{ v: 'original' }]);

      // The loud tenant's history could not be read: it is reported, and the exit code says so.
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(new RegExp(`-- "${loud.schemaName}" \\(role "${loud.username}"\\): could not read its history: .*spy ran as current_user=${loud.username} `));
      // Everyone else's report is right, the quiet attacker's too (its function returned its real history).
      const line = (tenant: Created, what: string) => `-- "${tenant.schemaName}" (role "${tenant.username}"): ${what}\n`;
      expect(text.stdout).toContain(line(fresh, 'would apply 001_customers, 002_orders'));
      expect(text.stdout).toContain(line(partial, 'would apply 002_orders'));
      expect(text.stdout).toContain(line(victim, 'would apply 002_orders'));
      expect(text.stdout).toContain(line(quiet, 'would apply 002_orders'));
      expect(text.stdout).toContain(line(latest, 'up to date'));
      expect(report.code).toBe(1);
      const plan = json<{ failed: number; tenants: { schemaName: string; status: string; pending: string[]; error?: { message: string } }[] }>(report);
      expect(plan.failed).toBe(1);
      expect(plan.tenants.map((tenant) => [tenant.schemaName, tenant.status, tenant.pending])).toEqual(
        [
          [fresh.schemaName, 'pending', ['001_customers', '002_orders']],
          [partial.schemaName, 'pending', ['002_orders']],
          [quiet.schemaName, 'pending', ['002_orders']],
          [loud.schemaName, 'failed', []],
          [victim.schemaName, 'pending', ['002_orders']],
          [latest.schemaName, 'up-to-date', []],
        ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
      );
      // Nothing was applied anywhere, and every migrator role is gone.
      expect(await tableOwners(superuser, fresh.schemaName)).toEqual({});
      expect(await migratorsFor(superuser, [fresh, partial, quiet, loud, victim, latest].map((tenant) => tenant.username))).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});

describe('migrate with a migrator role that cannot be dropped', () => {
  const db = useCliDatabase();

  // A real failure: while a migration runs, a superuser grants the migrator a privilege in another
  // database, which DROP OWNED (this database only) cannot take back, so DROP ROLE fails.
  it('names it on stderr with the fix, reports it in --json, and exits 1; the tenant is still migrated', async () => {
    const { run, superuser } = db();
    const tenant = { schema: uniqueName('t_stuck'), user: uniqueName('u_stuck') };
    expect((await run(['create', '--schema', tenant.schema, '--username', tenant.user])).code).toBe(0);
    const bait = await createScratchDatabase(inject('tenantryAdminUrl'), 'bait');
    try {
      await withClient(bait.url, (client) => client.query('CREATE TABLE bait (id integer)'));
      const pgUrl = pathToFileURL(createRequire(import.meta.url).resolve('pg')).href;
      const grant = (table: string) => `import pg from ${JSON.stringify(pgUrl)};
export async function up(db) {
  const client = new pg.Client({ connectionString: process.env.TENANTRY_TEST_BAIT_URL });
  await client.connect();
  try {
    await client.query(\`DO $$ DECLARE r name; BEGIN
      FOR r IN SELECT rolname FROM pg_roles WHERE (substr(shobj_description(oid, 'pg_authid'), 10)::jsonb ->> 'migratorFor') = ${pg.escapeLiteral(tenant.user)}
               AND shobj_description(oid, 'pg_authid') LIKE 'tenantry:%' LOOP
        EXECUTE format('GRANT SELECT ON bait TO %I', r);
      END LOOP; END $$\`);
  } finally {
    await client.end();
  }
  await db.schema.createTable(${JSON.stringify(table)}).addColumn('id', 'integer').execute();
}
`;
      const dir = await mkdtemp(join(tmpdir(), 'tenantry-stuck-'));
      await writeFile(join(dir, '001_first.mjs'), grant('first'));
      const env = { TENANTRY_TEST_BAIT_URL: bait.url };

      const text = await run(['migrate', '--migrations', dir], { env });
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(new RegExp(`${tenant.schema} +migrated +001_first`));
      expect(text.stdout).toContain('1 tenants: 1 migrated, 0 up to date, 0 failed, 1 migrator roles left behind (see above)');
      const [first] = await migratorsFor(superuser, [tenant.user]);
      expect(first).toMatch(/^tenantry_migrator_[a-z0-9]+$/);
      expect(text.stderr).toContain(`${tenant.schema}: the migrator role "${first}" was left behind: Could not drop the migrator role "${first}"`);
      expect(text.stderr).toContain(`DROP ROLE "${first}"`);

      await writeFile(join(dir, '002_second.mjs'), grant('second'));
      const report = await run(['migrate', '--migrations', dir, '--json'], { env });
      expect(report.code).toBe(1);
      const result = json<{ leftoverRoles: number; tenants: { status: string; applied: string[]; leftoverRole?: string; cleanupError?: { sqlState?: string; message: string } }[] }>(report);
      expect(result.leftoverRoles).toBe(1);
      const second = (await migratorsFor(superuser, [tenant.user])).find((role) => role !== first);
      expect(result.tenants).toEqual([
        {
          schemaName: tenant.schema,
          username: tenant.user,
          status: 'migrated',
          applied: ['002_second'],
          leftoverRole: second,
          cleanupError: { code: 'DATABASE', sqlState: '2BP01', message: expect.stringContaining(`(1 object in database ${bait.name})`) },
        },
      ]);
      expect(await tableOwners(superuser, tenant.schema)).toEqual({ first: tenant.user, second: tenant.user });
    } finally {
      await bait.drop();
      for (const role of await migratorsFor(superuser, [tenant.user])) await superuser.query(`DROP ROLE ${superuser.escapeIdentifier(role)}`);
    }
  });
});
