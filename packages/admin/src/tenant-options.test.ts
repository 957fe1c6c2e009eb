import { describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { connectAs, expectSqlState, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('creation options, getTenant and tenantExists', () => {
  const fixture = useAdminFixture();

  it('applies connection limit, expiry, settings and labels, and getTenant reports them', async () => {
    const { admin } = fixture();
    const validUntil = new Date('2099-01-02T03:04:05.000Z');
    const tenant = await admin.createTenant({
      schemaName: uniqueName('opts'),
      username: uniqueName('opts'),
      connectionLimit: 2,
      validUntil,
      settings: { statement_timeout: '1500ms', work_mem: '8MB' },
      labels: { plan: 'enterprise', "owner's team": 'billing "core"' },
    });
    const details = await admin.getTenant(tenant.schemaName);
    expect(details).toMatchObject({
      schemaName: tenant.schemaName,
      username: tenant.username,
      connectionLimit: 2,
      labels: { plan: 'enterprise', "owner's team": 'billing "core"' },
      roleIntact: true,
      memberOf: [],
    });
    expect(details?.validUntil?.toISOString()).toBe(validUntil.toISOString());
    expect(details?.settings).toMatchObject({ statement_timeout: '1500ms', work_mem: '8MB' });
    expect(details?.settings['search_path']).toContain(tenant.schemaName);
    expect((await admin.listTenants()).find((t) => t.schemaName === tenant.schemaName)?.labels).toEqual(details?.labels);

    const a = await connectAs(tenant.connectionString);
    const b = await connectAs(tenant.connectionString);
    try {
      const { rows } = await a.query(`SELECT current_setting('statement_timeout') AS t, current_setting('work_mem') AS w`);
      expect(rows[0]).toEqual({ t: '1500ms', w: '8MB' });
      // The third concurrent session is over the limit of 2.
      await expect(connectAs(tenant.connectionString)).rejects.toMatchObject({ code: '53300' });
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('sets a custom setting as superuser; a least-privilege admin gets a PermissionError naming the parameter', async () => {
    const { admin, lane } = fixture();
    const config = { schemaName: uniqueName('t'), username: uniqueName('u'), settings: { 'myapp.tier': 'gold' } };
    if (lane === 'superuser') {
      const tenant = await admin.createTenant(config);
      const asTenant = await connectAs(tenant.connectionString);
      expect((await asTenant.query(`SELECT current_setting('myapp.tier') AS tier`)).rows[0].tier).toBe('gold');
      await asTenant.end();
    } else {
      // Role settings of custom (placeholder) parameters need superuser or GRANT SET ON PARAMETER.
      await expect(admin.createTenant(config)).rejects.toMatchObject({ name: 'PermissionError', privilege: expect.stringMatching(/myapp\.tier/) });
      expect(await admin.tenantExists(config.schemaName)).toBe(false);
    }
  });

  it('grants shared roles: memberOf gives the tenant their rights, grantTo gives a reporting role the tenant\'s', async () => {
    const { admin, superuser, adminUrl } = fixture();
    const shared = uniqueName('shared_ref');
    const reporting = uniqueName('reporting');
    // Created by the lane's admin, so a least-privilege admin holds ADMIN OPTION on them (PG16+).
    const asAdmin = await connectAs(adminUrl);
    await asAdmin.query(`CREATE ROLE ${shared} NOLOGIN; CREATE ROLE ${reporting} LOGIN PASSWORD 'reporting-pass'`);
    await asAdmin.query(`CREATE SCHEMA ${shared}_data; CREATE TABLE ${shared}_data.countries (code text); INSERT INTO ${shared}_data.countries VALUES ('NZ')`);
    await asAdmin.query(`GRANT USAGE ON SCHEMA ${shared}_data TO ${shared}; GRANT SELECT ON ${shared}_data.countries TO ${shared}`);
    await asAdmin.end();

    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), memberOf: [shared], grantTo: [reporting] });
    expect(await admin.getTenant(tenant.schemaName)).toMatchObject({ memberOf: [shared], members: [reporting] });

    const asTenant = await connectAs(tenant.connectionString);
    try {
      await asTenant.query('CREATE TABLE invoices (id int); INSERT INTO invoices VALUES (7)');
      expect((await asTenant.query(`SELECT code FROM ${shared}_data.countries`)).rows).toEqual([{ code: 'NZ' }]);
    } finally {
      await asTenant.end();
    }
    const reportingUrl = new URL(fixture().database.url);
    reportingUrl.username = reporting;
    reportingUrl.password = 'reporting-pass';
    const asReporting = await connectAs(reportingUrl.toString());
    try {
      expect((await asReporting.query(`SELECT id FROM "${tenant.schemaName}".invoices`)).rows).toEqual([{ id: 7 }]);
    } finally {
      await asReporting.end();
    }
    await admin.removeTenant(tenant);
    await superuser.query(`DROP SCHEMA ${shared}_data CASCADE; DROP ROLE ${shared}; DROP ROLE ${reporting}`);
  });

  it('refuses bad options before any I/O, naming the field', async () => {
    const { admin } = fixture();
    const base = { schemaName: uniqueName('t'), username: uniqueName('u') };
    const cases: [object, string][] = [
      [{ connectionLimit: -5 }, 'connectionLimit'],
      [{ connectionLimit: 1.5 }, 'connectionLimit'],
      [{ validUntil: new Date('nope') }, 'validUntil'],
      [{ settings: { search_path: 'public' } }, 'settings'],
      [{ settings: { role: 'postgres' } }, 'settings'],
      [{ settings: { 'bad name; DROP': 'x' } }, 'settings'],
      [{ settings: { statement_timeout: 'a\nb' } }, 'settings'],
      [{ memberOf: ['postgres'] }, 'memberOf'],
      [{ memberOf: ['pg_read_all_data'] }, 'memberOf'],
      [{ grantTo: 'reporting' }, 'grantTo'],
      [{ labels: { a: 1 } }, 'labels'],
      [{ labels: { big: 'x'.repeat(5000) } }, 'labels'],
    ];
    for (const [options, field] of cases) {
      const error = await admin.createTenant({ ...base, ...options } as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    }
    expect(await admin.tenantExists(base.schemaName)).toBe(false);
  });

  it('tenantExists and getTenant find managed tenants only', async () => {
    const { admin, superuser } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const handmade = uniqueName('handmade');
    await superuser.query(`CREATE SCHEMA ${handmade}`);
    expect(await admin.tenantExists(tenant.schemaName)).toBe(true);
    expect(await admin.tenantExists(handmade)).toBe(false);
    expect(await admin.tenantExists(uniqueName('nothing'))).toBe(false);
    expect(await admin.getTenant(handmade)).toBeUndefined();
    await expect(admin.getTenant('pg_catalog')).rejects.toBeInstanceOf(ValidationError);
  });

  it('a tenant cannot change its own connection limit or settings owned by the admin', async () => {
    const { admin } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), connectionLimit: 3 });
    const asTenant = await connectAs(tenant.connectionString);
    try {
      await expectSqlState(asTenant.query('ALTER ROLE CURRENT_USER CONNECTION LIMIT -1'), '42501');
    } finally {
      await asTenant.end();
    }
  });
});
