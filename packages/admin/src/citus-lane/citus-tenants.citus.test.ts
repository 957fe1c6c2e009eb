import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { DatabaseError, TenantAlreadyExistsError, ValidationError } from '@tenantry/core';
import { uniqueName } from '@tenantry/testing';
import { DatabaseAdmin } from '../database-admin.js';
import { onEachWorker, useCitusFixture, type CitusFixture } from '../test-support/citus-fixture.js';
import { connectAs } from '../test-support/tenant-fixture.js';

/*
 * Tenantry on a Citus cluster (coordinator + two workers, schema-based
 * sharding), both admin lanes. Each promise is checked on every node, by
 * connecting to each worker directly as its superuser.
 */

const names = () => ({ schemaName: uniqueName('ct_s'), username: uniqueName('ct_u') });

/** How many of the tenant's role and schema each node has (coordinator first): 2 where both are, 0 where neither. */
async function namesOnEveryNode(fixture: CitusFixture, tenant: { schemaName: string; username: string }): Promise<number[]> {
  const sql = 'SELECT (SELECT count(*) FROM pg_roles WHERE rolname = $1) + (SELECT count(*) FROM pg_namespace WHERE nspname = $2) AS n';
  const coordinator = Number((await fixture.superuser.query(sql, [tenant.username, tenant.schemaName])).rows[0].n);
  const workers = (await onEachWorker(fixture, sql, [tenant.username, tenant.schemaName])).map((rows) => Number(rows[0]![0]));
  return [coordinator, ...workers];
}

describe('Tenantry on a Citus cluster', () => {
  const fixture = useCitusFixture();

  it('runs the Citus dialect on the coordinator, and refuses a worker', async () => {
    const { admin, adminUrl, workerUrls } = fixture();
    await admin.serverInfo();
    expect(admin.dialectName).toBe('citus');
    const onWorker = new URL(adminUrl);
    onWorker.port = new URL(workerUrls[0]!).port;
    const misplaced = new DatabaseAdmin(onWorker.toString());
    try {
      const error = await misplaced.serverInfo().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ rule: 'not-coordinator' });
    } finally {
      await misplaced.close();
    }
  });

  it('refuses credentials that expire and suspension, typed and naming the dialect, changing nothing', async () => {
    const { admin } = fixture();
    const tenant = names();
    await admin.createTenant(tenant);
    try {
      for (const call of [() => admin.issueCredentials(tenant), () => admin.listCredentials(tenant), () => admin.sweepCredentials(), () => admin.suspendTenant(tenant)]) {
        const error = await call().then(() => undefined, (caught: unknown) => caught);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ rule: 'unsupported-by-dialect' });
        expect((error as Error).message).toMatch(/not available for the citus dialect/);
      }
      expect((await admin.getTenant(tenant.schemaName))?.suspended).toBeUndefined();
    } finally {
      await admin.removeTenant(tenant);
    }
  });

  it('creates a distributed tenant schema that works through the coordinator, and removes it from every node', async () => {
    const { admin, superuser } = fixture();
    const tenant = names();
    const credentials = await admin.createTenant(tenant);
    expect(await namesOnEveryNode(fixture(), tenant)).toEqual([2, 2, 2]);
    const client = await connectAs(credentials.connectionString);
    try {
      // The coordinator opens worker connections as the tenant: the node-to-node model at work.
      await client.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
      await client.query(`INSERT INTO notes VALUES (1, 'kept')`);
      expect((await client.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
    } finally {
      await client.end();
    }
    const distributed = await superuser.query('SELECT schema_name::text FROM citus_schemas WHERE schema_name::text = $1', [tenant.schemaName]);
    expect(distributed.rows).toHaveLength(1);
    // What Citus does not propagate is made on every worker once the schema is there: default privileges and the marker.
    const defaults = 'SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = $1';
    expect((await onEachWorker(fixture(), defaults, [tenant.schemaName])).map((rows) => Number(rows[0]![0]))).toEqual([4, 4]);
    const marker = "SELECT obj_description(oid, 'pg_namespace') LIKE 'tenantry:{%' FROM pg_namespace WHERE nspname = $1";
    expect((await onEachWorker(fixture(), marker, [tenant.schemaName])).map((rows) => rows[0]![0])).toEqual([true, true]);
    const report = await admin.verifyTenant(tenant.schemaName);
    expect(report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(report.checks.every((check) => check.description.endsWith('(on the coordinator and every worker)'))).toBe(true);
    await admin.removeTenant(tenant);
    expect(await namesOnEveryNode(fixture(), tenant)).toEqual([0, 0, 0]);
  });

  it('prepare closes schema public on every worker (Citus does not propagate it), and says so in its dry run', async () => {
    const { admin, workers } = fixture();
    await workers[1]!.query('GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC');
    const plan = await admin.planPrepare();
    expect(plan.statements.map((statement) => statement.purpose)).toContain('on every worker: revoke USAGE on schema public from PUBLIC');
    const report = await admin.prepare();
    expect(report.changed).toBe(true);
    const publicGrants = "SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0";
    expect((await onEachWorker(fixture(), publicGrants)).map((rows) => Number(rows[0]![0]))).toEqual([0, 0]);
    expect((await admin.prepare()).changed).toBe(false);
  });

  it("prepare's pooler login lookup answers for a tenant on the coordinator; where Citus propagates it to the workers, PUBLIC cannot call it there", async () => {
    const { superuser } = fixture();
    const authRole = uniqueName('ct_pgb');
    await superuser.query(`CREATE ROLE ${pg.escapeIdentifier(authRole)} LOGIN`);
    // The lookup reads pg_authid: a superuser installs it, whichever the lane's admin.
    const installer = new DatabaseAdmin(inject('tenantryCitusUrl'));
    try {
      const report = await installer.prepare({ poolerAuth: { role: authRole } });
      const tenant = await installer.createTenant(names());
      await superuser.query('BEGIN');
      await superuser.query(`SET LOCAL ROLE ${pg.escapeIdentifier(authRole)}`);
      const { rows } = await superuser.query(report.poolerAuthQuery!, [tenant.username]);
      await superuser.query('ROLLBACK');
      expect(rows.map((row: { usename: string }) => row.usename)).toEqual([tenant.username]);
      const lookup = "SELECT count(*) FROM pg_proc p WHERE p.proname = 'tenant_login' AND (has_function_privilege('public', p.oid, 'EXECUTE') OR NOT p.prosecdef)";
      expect((await onEachWorker(fixture(), lookup)).map((workerRows) => Number(workerRows[0]![0]))).toEqual([0, 0]);
      await installer.removeTenant(tenant);
    } finally {
      await installer.close();
      await superuser.query(`DROP SCHEMA IF EXISTS tenantry_pooler CASCADE; DROP ROLE ${pg.escapeIdentifier(authRole)}`);
    }
  });

  it('refuses a name already taken on a worker, naming the worker, and creates nothing anywhere', async () => {
    const { admin, workers, workerUrls } = fixture();
    const tenant = names();
    // A role made on one worker only, with a right no tenant may have: Citus would adopt it as the tenant's.
    await workers[0]!.query(`SET citus.enable_create_role_propagation = off; CREATE ROLE ${pg.escapeIdentifier(tenant.username)}; GRANT pg_read_all_data TO ${pg.escapeIdentifier(tenant.username)}`);
    try {
      const error = await admin.createTenant(tenant).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TenantAlreadyExistsError);
      expect((error as Error).message).toContain(`on Citus worker 127.0.0.1:${new URL(workerUrls[0]!).port}`);
      const { superuser } = fixture();
      expect((await superuser.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [tenant.schemaName])).rows[0].n).toBe(0);
    } finally {
      await workers[0]!.query(`DROP ROLE ${pg.escapeIdentifier(tenant.username)}`);
    }
  });

  it('runs migrations at creation with sharding on; a failing one leaves the tenant on no node', async () => {
    const { admin, superuser } = fixture();
    const tenant = names();
    const migrations = {
      async getMigrations() {
        return {
          '001_accounts': {
            async up(db: import('kysely').Kysely<any>) {
              await db.schema.createTable('accounts').addColumn('id', 'integer', (column) => column.primaryKey()).execute();
            },
          },
        };
      },
    };
    const credentials = await admin.createTenant(tenant, { migrations });
    const owner = await superuser.query(
      `SELECT c.relowner::regrole::text AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'accounts'`,
      [tenant.schemaName],
    );
    expect(owner.rows).toEqual([{ owner: tenant.username }]);
    const client = await connectAs(credentials.connectionString);
    await client.query('INSERT INTO accounts VALUES (1)').finally(() => client.end());
    await admin.removeTenant(tenant);

    const failing = names();
    const broken = {
      async getMigrations() {
        return {
          '001_broken': {
            async up(db: import('kysely').Kysely<any>) {
              await db.schema.createTable('t').addColumn('id', 'no_such_type' as 'integer').execute();
            },
          },
        };
      },
    };
    const error = await admin.createTenant(failing, { migrations: broken }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as Error).message).toMatch(/001_broken|no_such_type/);
    expect((error as Error).message).toContain('removed again');
    expect(await namesOnEveryNode(fixture(), failing)).toEqual([0, 0, 0]);
  });

  it('verify reads every worker: a right granted on one worker alone fails the checks, naming the worker', async () => {
    const { admin, workers, workerUrls } = fixture();
    const tenant = names();
    await admin.createTenant(tenant);
    const role = pg.escapeIdentifier(tenant.username);
    await workers[1]!.query(`SET citus.enable_create_role_propagation = off; GRANT pg_read_all_data TO ${role}`);
    try {
      const report = await admin.verifyTenant(tenant.schemaName);
      expect(report.ok).toBe(false);
      const failed = report.checks.filter((check) => !check.ok);
      expect(failed.map((check) => check.id)).toContain('role.reachable-roles');
      expect(failed.every((check) => check.detail!.includes(`On Citus worker 127.0.0.1:${new URL(workerUrls[1]!).port}`))).toBe(true);
    } finally {
      await workers[1]!.query(`SET citus.enable_create_role_propagation = off; REVOKE pg_read_all_data FROM ${role}`);
      await admin.removeTenant(tenant);
    }
  });

  it("rotatePassword with terminateSessions ends the tenant's own sessions on the workers too", async () => {
    const { admin, workers, workerUrls, lane, superuser, adminRole } = fixture();
    if (lane === 'least-privilege') await superuser.query(`GRANT pg_signal_backend TO ${pg.escapeIdentifier(adminRole)}`);
    const tenant = names();
    const credentials = await admin.createTenant(tenant);
    // A tenant's role and password are on every worker: it can log in there directly.
    const onWorker = new URL(credentials.connectionString);
    onWorker.port = new URL(workerUrls[0]!).port;
    const direct = await connectAs(onWorker.toString());
    direct.on('error', () => undefined);
    const sessions = 'SELECT count(*) FROM pg_stat_activity WHERE usename = $1';
    expect(Number((await workers[0]!.query(sessions, [tenant.username])).rows[0].count)).toBe(1);
    await admin.rotatePassword(tenant, { terminateSessions: true });
    expect(Number((await workers[0]!.query(sessions, [tenant.username])).rows[0].count)).toBe(0);
    await direct.end().catch(() => undefined);
    await admin.removeTenant(tenant);
  });

  it('refuses renameTenant and doctor, typed and naming Citus, and changes nothing', async () => {
    const { admin } = fixture();
    const tenant = names();
    await admin.createTenant(tenant);
    const renamed = await admin.renameTenant(tenant, { username: `${tenant.username}_2` }).catch((caught: unknown) => caught);
    expect(renamed).toMatchObject({ name: 'ValidationError', field: 'dialect', rule: 'unsupported-by-dialect' });
    expect((renamed as Error).message).toContain('citus');
    await expect(admin.doctor()).rejects.toMatchObject({ rule: 'unsupported-by-dialect' });
    expect((await admin.getTenant(tenant.schemaName))?.username).toBe(tenant.username);
    await admin.removeTenant(tenant);
  });

  it('says where a tenant lives, and moves it to the other worker: its data and its tenant go with it', async () => {
    const { admin, workerUrls } = fixture();
    const tenant = names();
    const credentials = await admin.createTenant(tenant);
    expect((await admin.getTenant(tenant.schemaName))?.placement).toEqual({ distributed: true, node: undefined });
    const client = await connectAs(credentials.connectionString);
    try {
      await client.query(`CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'moves along')`);
      const nodes = workerUrls.map((url) => `127.0.0.1:${new URL(url).port}`);
      const before = (await admin.getTenant(tenant.schemaName))?.placement?.node;
      expect(nodes).toContain(before);
      const target = nodes.find((node) => node !== before)!;
      await admin.moveTenant(tenant, { to: target });
      expect((await admin.getTenant(tenant.schemaName))?.placement).toEqual({ distributed: true, node: target });
      expect((await client.query('SELECT body FROM notes')).rows).toEqual([{ body: 'moves along' }]);
      // A least-privilege admin borrowed the tenant role for the move, and gave it back.
      const memberships = 'SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles a ON a.oid = m.member WHERE r.rolname = $1 AND a.rolname = $2';
      expect((await fixture().superuser.query(memberships, [tenant.username, fixture().adminRole])).rows[0].n).toBe(0);
      const unknown = await admin.moveTenant(tenant, { to: '127.0.0.1:1' }).catch((caught: unknown) => caught);
      expect(unknown).toBeInstanceOf(ValidationError);
      expect(unknown).toMatchObject({ rule: 'unknown-node' });
    } finally {
      await client.end();
      await admin.removeTenant(tenant);
    }
  });
});
