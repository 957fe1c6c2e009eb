import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantCredentials } from '@tenantry/core';
import { connectAs, expectSqlState, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

// Each promise of the seed's "Permissions" section, checked by logging in as the tenant.
describe('a tenant, logged in with its connection string', () => {
  const fixture = useAdminFixture();
  let acme: TenantCredentials;
  let globex: TenantCredentials;
  let asAcme: pg.Client;
  let asGlobex: pg.Client;

  beforeAll(async () => {
    const { admin, adminUrl } = fixture();
    acme = await admin.createTenant({ schemaName: uniqueName('tenant_acme'), username: uniqueName('acme') });
    globex = await admin.createTenant({ schemaName: uniqueName('tenant_globex'), username: uniqueName('globex') });
    asAcme = await connectAs(acme.connectionString);
    asGlobex = await connectAs(globex.connectionString);
    await asGlobex.query(`
      CREATE TABLE secrets (id serial PRIMARY KEY, value text);
      INSERT INTO secrets (value) VALUES ('globex data');
      CREATE VIEW secret_view AS SELECT value FROM secrets;
      CREATE FUNCTION secret_fn() RETURNS text LANGUAGE sql AS $$ SELECT 'globex' $$;`);
    const asAdmin = await connectAs(adminUrl);
    await asAdmin.query(`
      CREATE TABLE public.shared_config (k text);
      INSERT INTO public.shared_config VALUES ('admin only');
      CREATE FUNCTION public.admin_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`);
    await asAdmin.end();
  });

  afterAll(async () => {
    await asAcme?.end();
    await asGlobex?.end();
  });

  describe('has full access to its dedicated schema', () => {
    it('creates, uses and drops its own tables, sequences, views, functions and types', async () => {
      await asAcme.query(`
        CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric NOT NULL);
        CREATE SEQUENCE invoice_numbers;
        CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
        CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
        CREATE TYPE order_state AS ENUM ('open', 'paid');
        CREATE INDEX orders_total ON orders (total);
        INSERT INTO orders (total) VALUES (50), (150);`);
      const { rows } = await asAcme.query(`SELECT order_count() AS n, (SELECT count(*) FROM big_orders)::int AS big, nextval('invoice_numbers')::int AS next`);
      expect(rows[0]).toEqual({ n: '2', big: 1, next: 1 });
      const owners = await asAcme.query(
        `SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = $1::regnamespace`,
        [quoteIdent(acme.schemaName)],
      );
      expect(owners.rows).toEqual([{ owner: acme.username }]);
      await asAcme.query(`DROP VIEW big_orders; DROP FUNCTION order_count(); DROP TABLE orders; DROP SEQUENCE invoice_numbers; DROP TYPE order_state;`);
    });

    it('gets every right on tables the admin creates in its schema', async () => {
      const asAdmin = await connectAs(fixture().adminUrl);
      await asAdmin.query(`CREATE TABLE ${quoteIdent(acme.schemaName)}.admin_made (id int)`);
      await asAdmin.end();
      await asAcme.query('INSERT INTO admin_made VALUES (1); UPDATE admin_made SET id = 2; DELETE FROM admin_made; TRUNCATE admin_made');
    });

    it('resolves unqualified names in its schema only', async () => {
      const { rows } = await asAcme.query('SHOW search_path');
      expect(rows[0].search_path).toBe(quoteIdentIfNeeded(acme.schemaName));
    });
  });

  describe("has no access to other tenants' schemas", () => {
    const otherSchema = () => quoteIdent(globex.schemaName);

    it('cannot read, write, or reach their tables, views and sequences', async () => {
      await expectSqlState(asAcme.query(`SELECT * FROM ${otherSchema()}.secrets`), '42501');
      await expectSqlState(asAcme.query(`INSERT INTO ${otherSchema()}.secrets (value) VALUES ('x')`), '42501');
      await expectSqlState(asAcme.query(`SELECT * FROM ${otherSchema()}.secret_view`), '42501');
      await expectSqlState(asAcme.query(`SELECT nextval('${otherSchema()}.secrets_id_seq')`), '42501');
    });

    it('cannot call their functions or create anything in their schema', async () => {
      await expectSqlState(asAcme.query(`SELECT ${otherSchema()}.secret_fn()`), '42501');
      await expectSqlState(asAcme.query(`CREATE TABLE ${otherSchema()}.intruder (id int)`), '42501');
    });

    it('cannot become another tenant', async () => {
      await expectSqlState(asAcme.query(`SET ROLE ${quoteIdent(globex.username)}`), '42501');
      await expectSqlState(asAcme.query(`SET SESSION AUTHORIZATION ${quoteIdent(globex.username)}`), '42501');
    });
  });

  describe('has no access to administrative functions', () => {
    it.each([
      ['CREATE ROLE', 'CREATE ROLE sneaky LOGIN'],
      ['CREATE DATABASE', 'CREATE DATABASE sneaky'],
      ['CREATE SCHEMA', 'CREATE SCHEMA sneaky'],
      ['ALTER ROLE itself', 'ALTER ROLE CURRENT_USER CREATEDB'],
      ['read pg_authid', 'SELECT rolpassword FROM pg_authid'],
      ['read server files', "SELECT pg_read_file('postgresql.conf')"],
      ['COPY ... PROGRAM', "COPY (SELECT 1) TO PROGRAM 'true'"],
    ])('cannot %s', async (_what, statement) => {
      await expectSqlState(asAcme.query(statement), '42501');
    });

    it('cannot become the admin', async () => {
      const { superuser } = fixture();
      const adminRole = (await superuser.query('SELECT current_user AS name')).rows[0].name as string;
      await expectSqlState(asAcme.query(`SET ROLE ${quoteIdent(adminRole)}`), '42501');
    });
  });

  describe('has no access to the public schema', () => {
    it('cannot read tables or call functions the admin put there', async () => {
      await expectSqlState(asAcme.query('SELECT * FROM public.shared_config'), '42501');
      await expectSqlState(asAcme.query('SELECT public.admin_fn()'), '42501');
    });

    it('cannot create anything there, and public is not on its search_path', async () => {
      await expectSqlState(asAcme.query('CREATE TABLE public.squatter (id int)'), '42501');
      const { rows } = await asAcme.query(`SELECT has_schema_privilege('public', 'USAGE') AS usage, current_schemas(false)::text[] AS path`);
      expect(rows[0].usage).toBe(false);
      expect(rows[0].path).toEqual([acme.schemaName]);
    });
  });
});

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// SHOW search_path prints a plain lower-case name without quotes.
function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : quoteIdent(name);
}
