import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { catalogSnapshot, uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';

/*
 * `memberOf` and `grantTo` hand out role power, and `settings` change what the
 * server records about a session. An operator's typo or a hostile bulk row
 * must not make a tenant the admin, a superuser or another tenant, nor hide it
 * from auditing. The server checks the catalog in the creating transaction;
 * each refusal names the role or setting and why, and leaves nothing behind.
 */
describe('creation refuses memberships and settings that give a tenant more than its own', () => {
  const fixture = useAdminFixture();
  /** Plain roles made by the superuser for these tests, dropped at the end. */
  const made: string[] = [];
  let dba: string; // SUPERUSER
  let chain: string; // a plain role, member of `middle`, member of `dba`
  let middle: string;
  let roleMaker: string; // CREATEROLE
  let bypasser: string; // BYPASSRLS
  let harmless: string; // nothing at all
  let reporting: string; // nothing at all, for grantTo
  let existingTenant: { schemaName: string; username: string };

  async function makeRole(prefix: string, attributes = ''): Promise<string> {
    const role = uniqueName(prefix);
    await fixture().superuser.query(`CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN ${attributes}`);
    made.push(role);
    // The least-privilege admin may grant only roles it holds ADMIN OPTION on: give it that, as an operator would.
    if (fixture().lane === 'least-privilege') {
      await fixture().superuser.query(`GRANT ${pg.escapeIdentifier(role)} TO ${pg.escapeIdentifier(fixture().adminRole)} WITH ADMIN OPTION`);
    }
    return role;
  }

  beforeAll(async () => {
    dba = await makeRole('dba', 'SUPERUSER');
    middle = await makeRole('middle');
    chain = await makeRole('chain');
    await fixture().superuser.query(`GRANT ${pg.escapeIdentifier(dba)} TO ${pg.escapeIdentifier(middle)}`);
    await fixture().superuser.query(`GRANT ${pg.escapeIdentifier(middle)} TO ${pg.escapeIdentifier(chain)}`);
    roleMaker = await makeRole('role_maker', 'CREATEROLE');
    bypasser = await makeRole('bypasser', 'BYPASSRLS');
    harmless = await makeRole('harmless');
    reporting = await makeRole('reporting');
    const created = await fixture().admin.createTenant({ schemaName: uniqueName('victim'), username: uniqueName('victim_user') });
    existingTenant = { schemaName: created.schemaName, username: created.username };
  });

  afterAll(async () => {
    for (const role of made.reverse()) {
      await fixture().superuser.query(`DROP OWNED BY ${pg.escapeIdentifier(role)}; DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`).catch(() => undefined);
    }
  });

  /** Creates with `options`, expects a ValidationError on `field` whose message contains every part, and no change. */
  async function expectRefused(options: Record<string, unknown>, field: string, rule: string, ...parts: string[]): Promise<void> {
    const before = await catalogSnapshot(fixture().superuser);
    const error = await fixture()
      .admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), ...options })
      .then(() => undefined, (caught: unknown) => caught);
    expect(error, 'the create should have been refused').toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field, rule });
    for (const part of parts) expect((error as Error).message).toContain(part);
    expect(await catalogSnapshot(fixture().superuser)).toEqual(before);
  }

  it('refuses memberOf the admin role', async () => {
    // The superuser lane's admin is "postgres", a name refused before any I/O; the least-privilege admin is refused by the server.
    const rule = fixture().adminRole === 'postgres' ? 'reserved-name' : 'unsafe-role';
    await expectRefused({ memberOf: [fixture().adminRole] }, 'memberOf', rule, `"${fixture().adminRole}"`);
  });

  it('refuses memberOf a superuser role, directly and through a chain of plain roles', async () => {
    await expectRefused({ memberOf: [dba] }, 'memberOf', 'unsafe-role', `"${dba}"`, 'SUPERUSER');
    await expectRefused({ memberOf: [chain] }, 'memberOf', 'unsafe-role', `memberOf "${chain}"`, `"${dba}"`, 'SUPERUSER');
  });

  it('refuses memberOf roles with CREATEROLE or BYPASSRLS', async () => {
    await expectRefused({ memberOf: [roleMaker] }, 'memberOf', 'unsafe-role', 'CREATEROLE');
    await expectRefused({ memberOf: [harmless, bypasser] }, 'memberOf', 'unsafe-role', `"${bypasser}"`, 'BYPASSRLS');
  });

  it("refuses memberOf another tenant's role, and grantTo another tenant's role", async () => {
    await expectRefused({ memberOf: [existingTenant.username] }, 'memberOf', 'unsafe-role', `"${existingTenant.username}"`, 'Tenantry');
    await expectRefused({ grantTo: [existingTenant.username] }, 'grantTo', 'unsafe-role', `grantTo "${existingTenant.username}"`, 'Tenantry');
  });

  it('refuses grantTo the admin and grantTo a superuser role', async () => {
    const rule = fixture().adminRole === 'postgres' ? 'reserved-name' : 'unsafe-role';
    await expectRefused({ grantTo: [fixture().adminRole] }, 'grantTo', rule, `"${fixture().adminRole}"`);
    await expectRefused({ grantTo: [dba] }, 'grantTo', 'unsafe-role', 'SUPERUSER');
  });

  it('refuses a predefined role even when named in another case or reached through a plain role', async () => {
    const readsAll = await makeRole('reads_all');
    const predefined = fixture().lane === 'superuser' ? 'pg_read_all_data' : undefined;
    if (predefined && (await fixture().superuser.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [predefined])).rows.length > 0) {
      await fixture().superuser.query(`GRANT ${predefined} TO ${pg.escapeIdentifier(readsAll)}`);
    } else {
      // pg_read_all_data is PostgreSQL 14+; the least-privilege admin cannot grant predefined roles: use one every version has.
      await fixture().superuser.query(`GRANT pg_read_all_settings TO ${pg.escapeIdentifier(readsAll)}`);
    }
    await expectRefused({ memberOf: [readsAll] }, 'memberOf', 'unsafe-role', `memberOf "${readsAll}"`, 'predefined role');
  });

  it('still grants harmless roles, and the tenant gets exactly them', async () => {
    const tenant = await fixture().admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), memberOf: [harmless], grantTo: [reporting] });
    expect(await fixture().admin.getTenant(tenant.schemaName)).toMatchObject({ memberOf: [harmless], members: [reporting] });
  });

  it('refuses settings only a superuser may set, naming them, and keeps user-settable ones', async () => {
    await expectRefused(
      { settings: { statement_timeout: '5s', log_statement: 'none', track_activities: 'off' } },
      'settings',
      'privileged-setting',
      '"log_statement"',
      '"track_activities"',
    );
    await expectRefused({ settings: { LOG_MIN_DURATION_STATEMENT: '-1' } }, 'settings', 'privileged-setting', '"log_min_duration_statement"');
    const tenant = await fixture().admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), settings: { statement_timeout: '5s' } });
    expect((await fixture().admin.getTenant(tenant.schemaName))?.settings).toMatchObject({ statement_timeout: '5s' });
  });

  it('refuses labels with control characters before any I/O', async () => {
    const hostile: Record<string, string>[] = [{ note: 'a\u001b[2Jb' }, { 'a\rb': 'x' }, { note: 'a\u009bb' }];
    for (const labels of hostile) {
      await expect(fixture().admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), labels })).rejects.toMatchObject({
        field: 'labels',
        rule: 'control-character',
      });
    }
  });
});
