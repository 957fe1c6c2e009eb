import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseAdmin } from '../database-admin.js';
import { connectAs, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';

/*
 * With standard_conforming_strings off, a backslash in an ordinary string
 * literal escapes the quote after it. A plan is sent as one query string,
 * which the server parses whole before any `SET LOCAL` in it runs, so only
 * quoting that means the same under either setting keeps names and values
 * inside their literals. Each case below smuggles a `CREATE ROLE` through a
 * valid name or value and checks that it never ran, and that the name or value
 * reached the catalog exactly as given.
 */
describe('with standard_conforming_strings off for the admin', () => {
  const fixture = useAdminFixture();
  const admins: DatabaseAdmin[] = [];
  const smuggled: string[] = [];

  /** An admin whose every session starts with the setting off, as a role or database default would. */
  function adminWithStandardStringsOff(): DatabaseAdmin {
    const admin = new DatabaseAdmin({ connectionString: fixture().adminUrl, options: '-c standard_conforming_strings=off' });
    admins.push(admin);
    return admin;
  }

  /** The role an injection would create, and whether it exists. */
  function smuggledRole(): string {
    const role = uniqueName('zz_evil').replace(/[^a-z0-9_]/g, '');
    smuggled.push(role);
    return role;
  }

  async function roleExists(role: string): Promise<boolean> {
    const { rows } = await fixture().superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    return rows.length > 0;
  }

  afterAll(async () => {
    for (const admin of admins) await admin.close();
    for (const role of smuggled) await fixture().superuser.query(`DROP ROLE IF EXISTS "${role}"`);
  });

  it('the admin session really has the setting off', async () => {
    const admin = adminWithStandardStringsOff();
    const { rows } = await fixture().superuser.query<{ on: string }>(
      `SELECT setting AS on FROM pg_settings WHERE name = 'standard_conforming_strings'`,
    );
    expect(rows[0]?.on).toBe('on'); // the superuser's own session is unchanged
    const tenant = await admin.createTenant({ schemaName: uniqueName('scs_probe'), username: uniqueName('scs_probe_user') });
    expect(await admin.tenantExists(tenant.schemaName)).toBe(true);
  });

  it('a username ending a literal early creates nothing else, and the role has exactly that name', async () => {
    const admin = adminWithStandardStringsOff();
    const evil = smuggledRole();
    const username = `u\\', true); CREATE ROLE ${evil}; --`;
    const schemaName = uniqueName('scs_user');
    const result = await admin.createTenant({ schemaName, username }).then(
      (credentials) => credentials,
      (error: unknown) => error,
    );
    expect(await roleExists(evil)).toBe(false);
    expect(result).toMatchObject({ username, schemaName });
    const tenant = await admin.getTenant(schemaName);
    expect(tenant?.username).toBe(username);
  });

  it('a setting value ending its literal early creates nothing else, and the value is stored as given', async () => {
    const admin = adminWithStandardStringsOff();
    const evil = smuggledRole();
    const value = `\\'; CREATE ROLE ${evil}; --`;
    const schemaName = uniqueName('scs_setting');
    const username = uniqueName('scs_setting_user');
    await admin.createTenant({ schemaName, username, settings: { application_name: value } }).catch(() => undefined);
    expect(await roleExists(evil)).toBe(false);
    const { rows } = await fixture().superuser.query<{ setconfig: string[] }>(
      `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = $1`,
      [username],
    );
    expect(rows[0]?.setconfig).toContain(`application_name=${value}`);
  });

  it('a label with a backslash and a quote keeps the tenant listed, with the label as given', async () => {
    const admin = adminWithStandardStringsOff();
    const schemaName = uniqueName('scs_label');
    const label = `a\\"b\\'c`;
    await admin.createTenant({ schemaName, username: uniqueName('scs_label_user'), labels: { note: label } });
    const listed = (await admin.listTenants()).find((tenant) => tenant.schemaName === schemaName);
    expect(listed?.labels).toEqual({ note: label });
  });

  it('rotating with terminateSessions for a username ending a literal early ends only that tenant and runs nothing else', async () => {
    const evil = smuggledRole();
    const username = `r\\'; CREATE ROLE ${evil}; --`;
    const schemaName = uniqueName('scs_rotate');
    const created = await fixture().admin.createTenant({ schemaName, username });
    const bystander = await fixture().admin.createTenant({ schemaName: uniqueName('scs_bystander'), username: uniqueName('scs_bystander_user') });
    const bystanderSession = await connectAs(bystander.connectionString);
    try {
      const admin = adminWithStandardStringsOff();
      await admin.rotatePassword({ schemaName, username: created.username }, { terminateSessions: true }).catch(() => undefined);
      expect(await roleExists(evil)).toBe(false);
      const { rows } = await bystanderSession.query<{ one: number }>('SELECT 1 AS one');
      expect(rows[0]?.one).toBe(1);
    } finally {
      await bystanderSession.end().catch(() => undefined);
    }
  });
});
