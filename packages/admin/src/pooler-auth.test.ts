import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionError, scramSha256Verifier, ValidationError, type TenantCredentials } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { connectAs, expectSqlState, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * The login lookup `prepare({ poolerAuth })` installs for PgBouncer's
 * auth_query, called as the auth role on a real server: a tenant's verifier
 * for a tenant, nothing for any other role, and nothing a tenant can forge.
 */

describe('prepare({ poolerAuth }): the login lookup for a pooler', () => {
  const fixture = useAdminFixture();
  const authRole = uniqueName('pgb_auth');
  const made: string[] = [];
  let lookupQuery: string;
  let tenant: TenantCredentials;

  /** Runs the pooler's auth_query for `username` as the auth role, and returns its rows. */
  async function lookUp(username: string): Promise<{ usename: string; passwd: string }[]> {
    const { superuser } = fixture();
    await superuser.query('BEGIN');
    try {
      await superuser.query(`SET LOCAL ROLE ${pg.escapeIdentifier(authRole)}`);
      return (await superuser.query<{ usename: string; passwd: string }>(lookupQuery, [username])).rows;
    } finally {
      await superuser.query('ROLLBACK');
    }
  }

  async function makeRole(prefix: string, attributes = ''): Promise<string> {
    const role = uniqueName(prefix);
    await fixture().superuser.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN ${attributes} PASSWORD ${pg.escapeLiteral(await scramSha256Verifier('Role-pw-1'))}`);
    made.push(role);
    return role;
  }

  beforeAll(async () => {
    const { superuser, database } = fixture();
    await superuser.query(`CREATE ROLE ${pg.escapeIdentifier(authRole)} LOGIN`);
    made.push(authRole);
    const installer = new DatabaseAdmin(database.url);
    try {
      const report = await installer.prepare({ poolerAuth: { role: authRole } });
      lookupQuery = report.poolerAuthQuery!;
      expect(report.changed).toBe(true);
    } finally {
      await installer.close();
    }
    tenant = await fixture().admin.createTenant({ schemaName: uniqueName('t_pa'), username: uniqueName('pa') });
  });

  afterAll(async () => {
    const { superuser } = fixture();
    await superuser.query('DROP SCHEMA IF EXISTS tenantry_pooler CASCADE');
    for (const role of made.reverse()) await superuser.query(`DROP OWNED BY ${pg.escapeIdentifier(role)}; DROP ROLE ${pg.escapeIdentifier(role)}`).catch(() => undefined);
  });

  it('reports the auth_query line for the pooler', () => {
    expect(lookupQuery).toBe('SELECT usename, passwd FROM "tenantry_pooler"."tenant_login"($1)');
  });

  it("answers for a tenant with its name and the SCRAM verifier the server holds", async () => {
    const stored = await fixture().superuser.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [tenant.username]);
    expect(await lookUp(tenant.username)).toEqual([{ usename: tenant.username, passwd: stored.rows[0]!.rolpassword }]);
    expect(stored.rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
  });

  it('answers nothing for the admin, a superuser, a role that is not a tenant, nor the auth role itself', async () => {
    const { adminRole, superuser } = fixture();
    const bootstrap = (await superuser.query<{ name: string }>('SELECT current_user AS name')).rows[0]!.name;
    const plain = await makeRole('plain');
    for (const role of [adminRole, bootstrap, plain, authRole, 'nobody_at_all']) expect(await lookUp(role), role).toEqual([]);
  });

  it('answers nothing for a role someone marked as a tenant without a schema that points back, nor for one whose marker names another database', async () => {
    const { superuser, database } = fixture();
    const forged = await makeRole('forged');
    await superuser.query(`COMMENT ON ROLE ${pg.escapeIdentifier(forged)} IS ${pg.escapeLiteral(`tenantry:${JSON.stringify({ v: 1, schema: tenant.schemaName, database: database.name })}`)}`);
    const elsewhere = await makeRole('elsewhere');
    await superuser.query(`COMMENT ON ROLE ${pg.escapeIdentifier(elsewhere)} IS ${pg.escapeLiteral(`tenantry:${JSON.stringify({ v: 1, schema: tenant.schemaName, database: 'another_db' })}`)}`);
    const malformed = await makeRole('malformed');
    await superuser.query(`COMMENT ON ROLE ${pg.escapeIdentifier(malformed)} IS 'tenantry:{not json'`);
    for (const role of [forged, elsewhere, malformed]) expect(await lookUp(role), role).toEqual([]);
  });

  it('answers nothing for a tenant made privileged, a member of a privileged or predefined role, or expired', async () => {
    const { admin, superuser } = fixture();
    const cases: [string, string][] = [
      ['su', 'ALTER ROLE %I SUPERUSER'],
      ['cr', 'ALTER ROLE %I CREATEROLE'],
      ['rep', 'ALTER ROLE %I REPLICATION'],
      ['bypass', 'ALTER ROLE %I BYPASSRLS'],
      ['member_pg', 'GRANT pg_read_all_data TO %I'],
      ['expired', "ALTER ROLE %I VALID UNTIL '2001-01-01'"],
    ];
    for (const [prefix, statement] of cases) {
      const t = await admin.createTenant({ schemaName: uniqueName(`t_${prefix}`), username: uniqueName(prefix) });
      expect(await lookUp(t.username), `${prefix} before`).toHaveLength(1);
      await superuser.query(statement.replace('%I', pg.escapeIdentifier(t.username)));
      expect(await lookUp(t.username), prefix).toEqual([]);
    }
    const privileged = await makeRole('priv', 'CREATEDB');
    const t = await admin.createTenant({ schemaName: uniqueName('t_member'), username: uniqueName('member') });
    await superuser.query(`GRANT ${pg.escapeIdentifier(privileged)} TO ${pg.escapeIdentifier(t.username)}`);
    expect(await lookUp(t.username)).toEqual([]);
  });

  it("answers for a tenant's credential while it is valid, and nothing once it is revoked, expired, suspended, or marked for a role it is not a member of", async () => {
    const { admin, superuser, database } = fixture();
    const owner = await admin.createTenant({ schemaName: uniqueName('t_cr'), username: uniqueName('cr') });
    const credential = await admin.issueCredentials(owner, { ttl: 600 });
    const stored = await superuser.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [credential.username]);
    expect(await lookUp(credential.username)).toEqual([{ usename: credential.username, passwd: stored.rows[0]!.rolpassword }]);

    await admin.suspendTenant(owner);
    expect(await lookUp(credential.username), 'suspended').toEqual([]);
    await admin.resumeTenant(owner);
    expect(await lookUp(credential.username), 'resumed').toHaveLength(1);

    // A credential marker naming another tenant, on a role that is not that tenant's member.
    const stray = await makeRole('stray');
    await superuser.query(
      `COMMENT ON ROLE ${pg.escapeIdentifier(stray)} IS ${pg.escapeLiteral(`tenantry:${JSON.stringify({ v: 1, credentialFor: owner.username, schema: owner.schemaName, database: database.name, createdAt: new Date().toISOString() })}`)}`,
    );
    expect(await lookUp(stray), 'not a member').toEqual([]);

    await superuser.query(`ALTER ROLE ${pg.escapeIdentifier(credential.username)} VALID UNTIL '2001-01-01'`);
    expect(await lookUp(credential.username), 'expired').toEqual([]);
    const second = await admin.issueCredentials(owner, { ttl: 600 });
    await admin.revokeCredentials(owner, second.username);
    expect(await lookUp(second.username), 'revoked').toEqual([]);
  });

  it('a tenant cannot forge what decides: it cannot comment on its own role nor on its schema, and cannot call the lookup', async () => {
    const asTenant = await connectAs(tenant.connectionString);
    try {
      await expectSqlState(asTenant.query(`COMMENT ON ROLE ${pg.escapeIdentifier(tenant.username)} IS 'tenantry:{}'`), '42501');
      await expectSqlState(asTenant.query(`COMMENT ON SCHEMA ${pg.escapeIdentifier(tenant.schemaName)} IS 'tenantry:{}'`), '42501');
      await expectSqlState(asTenant.query(lookupQuery, [tenant.username]), '42501');
    } finally {
      await asTenant.end();
    }
  });

  it('is a SECURITY DEFINER function with a fixed search_path, callable by the auth role and nobody else', async () => {
    const { rows } = await fixture().superuser.query(
      `SELECT p.prosecdef, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may,
              has_function_privilege($1, p.oid, 'EXECUTE') AS auth_may
         FROM pg_proc p WHERE p.oid = 'tenantry_pooler.tenant_login(text)'::regprocedure`,
      [authRole],
    );
    expect(rows[0]).toEqual({ prosecdef: true, proconfig: ['search_path=pg_catalog, pg_temp'], public_may: false, auth_may: true });
  });

  it('is idempotent: a second prepare changes nothing, and its dry run is empty', async () => {
    const installer = new DatabaseAdmin(fixture().database.url);
    try {
      expect((await installer.planPrepare({ poolerAuth: { role: authRole } })).statements).toEqual([]);
      const again = await installer.prepare({ poolerAuth: { role: authRole } });
      expect(again).toMatchObject({ changed: false, statements: [], poolerAuthQuery: lookupQuery });
    } finally {
      await installer.close();
    }
  });

  it('refuses, changing nothing: an admin that is not superuser, a role that does not exist, a schema another role owns', async () => {
    const { admin, lane, superuser, database } = fixture();
    if (lane === 'least-privilege') {
      await expect(admin.prepare({ poolerAuth: { role: authRole, schema: 'lp_pooler' } })).rejects.toBeInstanceOf(PermissionError);
      expect((await superuser.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'lp_pooler'")).rows[0].n).toBe(0);
    }
    const installer = new DatabaseAdmin(database.url);
    try {
      await expect(installer.prepare({ poolerAuth: { role: 'no_such_auth_role' } })).rejects.toMatchObject({ field: 'poolerAuth.role', rule: 'unknown-role' });
      const owner = await makeRole('owner');
      const taken = uniqueName('taken');
      await superuser.query(`CREATE SCHEMA ${pg.escapeIdentifier(taken)} AUTHORIZATION ${pg.escapeIdentifier(owner)}`);
      await expect(installer.prepare({ poolerAuth: { role: authRole, schema: taken } })).rejects.toMatchObject({ field: 'poolerAuth.schema' });
      expect((await superuser.query('SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = $1::regnamespace', [taken])).rows[0].n).toBe(0);
      await superuser.query(`DROP SCHEMA ${pg.escapeIdentifier(taken)}`);
      await expect(installer.prepare({ poolerAuth: { role: 'pg_monitor_x"; --' , schema: 'pg_bad' } })).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await installer.close();
    }
  });
});
