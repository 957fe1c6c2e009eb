import pg from 'pg';
import { parse } from 'pg-connection-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { statementMigrations } from '@tenantry/testing';
import { DatabaseAdmin } from './database-admin.js';
import { LoginKillingRelay } from './test-support/login-killing-relay.js';
import { connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * tenantConnection's host, port and params send tenants elsewhere (a pooler,
 * a proxy, a TLS endpoint). Here the "elsewhere" is a real TCP proxy in front
 * of the server that records who logs in through it: tenants do, with the
 * string they were handed; the admin and its short-lived migrator logins
 * never do.
 */

describe("tenantConnection's host, port and params", () => {
  const fixture = useAdminFixture();
  let proxy: LoginKillingRelay;
  /** Users that logged in through the proxy, in order. */
  const throughProxy: string[] = [];
  let admin: DatabaseAdmin;

  beforeAll(async () => {
    proxy = await LoginKillingRelay.start(fixture().adminUrl, (startup) => {
      throughProxy.push(startup['user'] ?? '?');
      return false; // forward every session untouched
    });
    admin = new DatabaseAdmin(fixture().adminUrl, { tenantConnection: { host: '127.0.0.1', port: proxy.port, params: { application_name: 'through the proxy' } } });
  });

  afterAll(async () => {
    await admin?.close();
    await proxy?.close();
  });

  it('a tenant gets a string pointing at the proxy, and logs in through it; the admin never goes through it', async () => {
    const t = await admin.createTenant({ schemaName: uniqueName('t_px'), username: uniqueName('px') });
    expect(parse(t.connectionString)).toMatchObject({ host: '127.0.0.1', port: String(proxy.port), application_name: 'through the proxy', user: t.username });
    expect(throughProxy).toEqual([]);
    const client = await connectAs(t.connectionString);
    try {
      const { rows } = await client.query("SELECT current_user AS \"user\", current_setting('application_name') AS app");
      expect(rows[0]).toEqual({ user: t.username, app: 'through the proxy' });
    } finally {
      await client.end();
    }
    expect(throughProxy).toEqual([t.username]);
  });

  it("migrateTenants' migrator logins connect to the admin's server directly, never through the proxy", async () => {
    const t = await admin.createTenant({ schemaName: uniqueName('t_pxm'), username: uniqueName('pxm') });
    const before = throughProxy.length;
    const steps = statementMigrations({ '001_items': ['CREATE TABLE items (id int)'] });
    const outcomes = await admin.migrateTenants({ migrations: { getMigrations: async () => steps } });
    expect(outcomes.find((outcome) => outcome.schemaName === t.schemaName)?.status).toBe('migrated');
    expect(throughProxy.slice(before)).toEqual([]);
    const exists = await fixture().superuser.query('SELECT to_regclass($1) IS NOT NULL AS found', [`${pg.escapeIdentifier(t.schemaName)}.items`]);
    expect(exists.rows[0].found).toBe(true);
  });

  it('applies to an admin made from a pg pool config too', async () => {
    const url = new URL(fixture().adminUrl);
    const fromConfig = new DatabaseAdmin(
      { host: url.hostname, port: Number(url.port), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: decodeURIComponent(url.pathname.slice(1)) },
      { tenantConnection: { port: proxy.port } },
    );
    try {
      const t = await fromConfig.createTenant({ schemaName: uniqueName('t_pxc'), username: uniqueName('pxc') });
      expect(parse(t.connectionString)).toMatchObject({ host: url.hostname, port: String(proxy.port) });
      const client = await connectAs(t.connectionString);
      await client.end();
      expect(throughProxy.at(-1)).toBe(t.username);
    } finally {
      await fromConfig.close();
    }
  });

  it('is checked in the constructor, before any connection: a bad port, host or parameter is a ValidationError', () => {
    const { adminUrl } = fixture();
    expect(() => new DatabaseAdmin(adminUrl, { tenantConnection: { port: 70000 } })).toThrow(ValidationError);
    expect(() => new DatabaseAdmin(adminUrl, { tenantConnection: { host: 'db/../x' } })).toThrow(ValidationError);
    expect(() => new DatabaseAdmin(adminUrl, { tenantConnection: { params: { user: 'someone_else' } } })).toThrow(/cannot set "user"/);
  });

  it('is refused for the MySQL family, whose tenants connect to the admin\'s server', () => {
    const make = () => new DatabaseAdmin('mysql://root@127.0.0.1:3306/app', { tenantConnection: { host: 'proxysql', port: 6033 } });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(expect.objectContaining({ rule: 'unsupported-by-dialect' }));
  });
});
