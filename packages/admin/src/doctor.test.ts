import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { generatePassword, scramSha256Verifier } from '@tenantry/core';
import { createMigratorRoleStatements } from '@tenantry/sql/postgres';
import { DatabaseAdmin } from './database-admin.js';
import type { DoctorReport } from './doctor.js';
import { catalogSnapshot, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';
import { createManyTables, tableCount } from './test-support/many-tables.js';

/*
 * Each leftover is made for real: with the statements Tenantry runs (a
 * migrator whose drop never ran), behind Tenantry's back as a superuser
 * would (a role or schema dropped by hand), or by a removal that stopped
 * half-way on a lock timeout.
 */
describe('doctor', () => {
  const fixture = useAdminFixture();

  it('finds an expired migrator login left behind and drops it; one still valid is left alone', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('doc'), username: uniqueName('doc') });
    const expired = uniqueName('tenantry_migrator_x');
    const current = uniqueName('tenantry_migrator_y');
    const asAdmin = new pg.Client({ connectionString: fixture().adminUrl });
    await asAdmin.connect();
    try {
      for (const [migrator, validUntil] of [[expired, new Date(Date.now() - 60_000)], [current, new Date(Date.now() + 600_000)]] as const) {
        const statements = createMigratorRoleStatements({ migrator, tenantRole: tenant.username, passwordVerifier: await scramSha256Verifier(generatePassword(32), { iterations: 4096 }), validUntil, roleGrantOptions: (await admin.serverInfo()).versionNum >= 160000 });
        for (const statement of statements) await asAdmin.query(statement.sql);
      }
    } finally {
      await asAdmin.end();
    }

    const report = await admin.doctor();
    expect(report.kinds).toEqual(['tenant-removing', 'migrator-role', 'schema-without-role', 'role-without-schema', 'expired-credential', 'credential-without-tenant']);
    expect(findingsFor(report, expired)).toEqual([expect.objectContaining({ kind: 'migrator-role', objectKind: 'role', repaired: false, repair: expect.stringContaining('DROP ROLE') })]);
    expect(findingsFor(report, expired)[0]!.why).toContain(tenant.username);
    expect(findingsFor(report, current)).toEqual([]);
    expect(await roleExists(superuser, expired)).toBe(true); // reported only

    const repaired = await admin.doctor({ repair: true });
    expect(findingsFor(repaired, expired)).toEqual([expect.objectContaining({ kind: 'migrator-role', repaired: true })]);
    expect(await roleExists(superuser, expired)).toBe(false);
    expect(await roleExists(superuser, current)).toBe(true);
    expect(findingsFor(await admin.doctor(), expired)).toEqual([]);
    await superuser.query(`DROP ROLE "${current}"`);
    await admin.removeTenant(tenant);
  });

  it('finds a tenant schema whose role was dropped behind its back: drops it when empty, leaves it when it holds objects', async () => {
    const { admin, superuser } = fixture();
    const empty = await admin.createTenant({ schemaName: uniqueName('norole'), username: uniqueName('norole') });
    const full = await admin.createTenant({ schemaName: uniqueName('norole_full'), username: uniqueName('norole_full') });
    await superuser.query(`CREATE TABLE "${full.schemaName}".kept (id int)`);
    for (const tenant of [empty, full]) await superuser.query(`DROP OWNED BY "${tenant.username}"; DROP ROLE "${tenant.username}"`);

    const report = await admin.doctor({ repair: true });

    expect(findingsFor(report, empty.schemaName)).toEqual([expect.objectContaining({ kind: 'schema-without-role', objectKind: 'schema', repaired: true })]);
    expect(findingsFor(report, full.schemaName)).toEqual([expect.objectContaining({ kind: 'schema-without-role', repair: undefined, repaired: false })]);
    expect(findingsFor(report, full.schemaName)[0]!.why).toContain('1 object');
    expect(await schemaExists(superuser, empty.schemaName)).toBe(false);
    expect(await schemaExists(superuser, full.schemaName)).toBe(true);
    await superuser.query(`DROP SCHEMA "${full.schemaName}" CASCADE`);
  });

  it('finds a tenant role whose schema was dropped behind its back, and drops it', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('noschema'), username: uniqueName('noschema') });
    await superuser.query(`DROP SCHEMA "${tenant.schemaName}" CASCADE`);

    const report = await admin.doctor({ repair: true });

    expect(report.scope).toContain("the admin's database only");
    expect(findingsFor(report, tenant.username)).toEqual([expect.objectContaining({ kind: 'role-without-schema', objectKind: 'role', repaired: true })]);
    expect(await roleExists(superuser, tenant.username)).toBe(false);
  });

  it("drops a tenant's expired credential (its session ended) and leaves a valid one; drops a credential whose tenant was dropped behind its back", async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('doc_cr'), username: uniqueName('doc_cr') });
    const expired = await admin.issueCredentials(tenant, { ttl: 600 });
    const valid = await admin.issueCredentials(tenant, { ttl: 600 });
    const session = new pg.Client({ connectionString: expired.connectionString });
    session.on('error', () => undefined);
    await session.connect();
    await superuser.query(`ALTER ROLE "${expired.username}" VALID UNTIL '2001-01-01'`);
    const gone = await admin.createTenant({ schemaName: uniqueName('doc_gone'), username: uniqueName('doc_gone') });
    const orphan = await admin.issueCredentials(gone, { ttl: 600 });
    await superuser.query(`DROP SCHEMA "${gone.schemaName}"; DROP ROLE "${gone.username}"`);

    const report = await admin.doctor();
    expect(findingsFor(report, expired.username)).toEqual([expect.objectContaining({ kind: 'expired-credential', objectKind: 'role', repaired: false })]);
    expect(findingsFor(report, orphan.username)).toEqual([expect.objectContaining({ kind: 'credential-without-tenant', repaired: false })]);
    expect(findingsFor(report, orphan.username)[0]!.why).toContain(gone.username);
    expect(findingsFor(report, valid.username)).toEqual([]);

    const repaired = await admin.doctor({ repair: true });
    expect(findingsFor(repaired, expired.username)).toEqual([expect.objectContaining({ kind: 'expired-credential', repaired: true })]);
    expect(findingsFor(repaired, orphan.username)).toEqual([expect.objectContaining({ kind: 'credential-without-tenant', repaired: true })]);
    expect(await roleExists(superuser, expired.username)).toBe(false);
    expect(await roleExists(superuser, orphan.username)).toBe(false);
    expect(await roleExists(superuser, valid.username)).toBe(true);
    // The expired credential's open session was ended with it.
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    await admin.removeTenant(tenant);
    expect(await roleExists(superuser, valid.username)).toBe(false);
  });

  it('resumes a removal that stopped half-way', async () => {
    const { admin, adminUrl, superuser, database } = fixture();
    const before = await catalogSnapshot(superuser);
    const tenant = { schemaName: uniqueName('stuck'), username: uniqueName('stuck') };
    const credentials = await admin.createTenant(tenant);
    await createManyTables(credentials.connectionString, 400);
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    const impatient = new DatabaseAdmin(adminUrl, { lockTimeoutMillis: 200 });
    try {
      // A batch waits for this lock past the admin's lock timeout: the removal stops with the tenant marked.
      await blocker.query(`BEGIN; LOCK TABLE "${tenant.schemaName}".t00400 IN ACCESS SHARE MODE`);
      await expect(impatient.removeTenant(tenant)).rejects.toMatchObject({ name: 'TenantBusyError' });
      await blocker.query('ROLLBACK');
    } finally {
      await blocker.end();
      await impatient.close();
    }
    expect(await tableCount(superuser, tenant.schemaName)).toBeGreaterThan(0);
    expect((await admin.getTenant(tenant.schemaName))?.removing).toBeDefined();

    const report = await admin.doctor({ repair: true });


    expect(findingsFor(report, tenant.schemaName)).toEqual([expect.objectContaining({ kind: 'tenant-removing', repaired: true })]);
    expect(await schemaExists(superuser, tenant.schemaName)).toBe(false);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });

  it('reports a failed repair on its finding and goes on with the others', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('owns'), username: uniqueName('owns') });
    await superuser.query(`DROP SCHEMA "${tenant.schemaName}" CASCADE`);
    // The role still owns something (a large object): DROP ROLE must stop rather than drop data.
    await superuser.query(`SET ROLE "${tenant.username}"; SELECT lo_create(0); RESET ROLE`);
    const orphan = await admin.createTenant({ schemaName: uniqueName('owns2'), username: uniqueName('owns2') });
    await superuser.query(`DROP SCHEMA "${orphan.schemaName}" CASCADE`);

    const report = await admin.doctor({ repair: true });

    const failed = findingsFor(report, tenant.username)[0]!;
    expect(failed).toMatchObject({ kind: 'role-without-schema', repaired: false });
    expect(failed.error?.sqlState).toBe('2BP01');
    expect(await roleExists(superuser, tenant.username)).toBe(true);
    expect(findingsFor(report, orphan.username)).toEqual([expect.objectContaining({ repaired: true })]);
    await superuser.query(`DROP OWNED BY "${tenant.username}"; DROP ROLE "${tenant.username}"`);
  });
});

function findingsFor(report: DoctorReport, objectName: string) {
  return report.findings.filter((finding) => finding.objectName === objectName);
}

async function roleExists(client: pg.Client, name: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
}

async function schemaExists(client: pg.Client, name: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
}
