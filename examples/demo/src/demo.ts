/**
 * The walk-through the README's first command runs: a real PostgreSQL (embedded,
 * scram-sha-256), two tenants, and proof that each is fenced in.
 */
import pg from 'pg';
import { DatabaseAdmin, type TenantCredentials } from '@tenantry/admin';
import { startEmbeddedServer } from '@tenantry/testing';

const step = (text: string) => process.stdout.write(`\n▶ ${text}\n`);
const show = (text: string) => process.stdout.write(`  ${text}\n`);

async function expectDenied(client: pg.Client, what: string, statement: string): Promise<void> {
  try {
    await client.query(statement);
  } catch (error) {
    show(`✔ ${what}: denied (${(error as { code?: string }).code} ${(error as Error).message})`);
    return;
  }
  throw new Error(`${what} was allowed: tenant isolation is broken`);
}

async function main(): Promise<void> {
  const started = Date.now();
  step('Starting an embedded PostgreSQL with scram-sha-256 authentication…');
  const server = await startEmbeddedServer();
  let admin: DatabaseAdmin | undefined;
  const tenants: TenantCredentials[] = [];
  try {
    show(`ready in ${Date.now() - started} ms`);
    admin = new DatabaseAdmin(server.adminUrl);

    step('Preparing the database (PUBLIC loses its rights on schema public)');
    const report = await admin.prepare();
    show(report.changed ? `changed: ${report.statements.join(' ')}` : 'already prepared: nothing to change');

    const setup = new pg.Client({ connectionString: server.adminUrl });
    await setup.connect();
    await setup.query("CREATE TABLE public.app_settings (k text, v text); INSERT INTO public.app_settings VALUES ('plan', 'gold')");
    await setup.end();

    step('Creating tenants with generated passwords');
    const acme = await admin.createTenant({ schemaName: 'tenant_acme', username: 'acme_user', password: '' });
    const globex = await admin.createTenant({ schemaName: 'tenant_globex', username: 'globex_user' });
    tenants.push(acme, globex);
    for (const tenant of tenants) show(`created schema "${tenant.schemaName}" with login role "${tenant.username}"`);

    step('Logging in as acme_user with the returned connection string');
    const asGlobex = new pg.Client({ connectionString: globex.connectionString });
    await asGlobex.connect();
    await asGlobex.query("CREATE TABLE invoices (id serial PRIMARY KEY, amount numeric); INSERT INTO invoices (amount) VALUES (99)");
    await asGlobex.end();

    const asAcme = new pg.Client({ connectionString: acme.connectionString });
    await asAcme.connect();
    try {
      const who = await asAcme.query('SELECT current_user, current_schema()');
      show(`connected as ${who.rows[0].current_user}, current schema ${who.rows[0].current_schema}`);
      await asAcme.query("CREATE TABLE customers (id serial PRIMARY KEY, name text); INSERT INTO customers (name) VALUES ('Wile E. Coyote')");
      const count = await asAcme.query('SELECT count(*)::int AS n FROM customers');
      show(`✔ created table customers in its own schema and inserted ${count.rows[0].n} row`);

      step('Trying to step outside its schema');
      await expectDenied(asAcme, "reading another tenant's table", 'SELECT * FROM tenant_globex.invoices');
      await expectDenied(asAcme, 'reading a table in public', 'SELECT * FROM public.app_settings');
      await expectDenied(asAcme, 'creating a table in public', 'CREATE TABLE public.squatter (id int)');
      await expectDenied(asAcme, 'creating a role', 'CREATE ROLE intruder');
    } finally {
      await asAcme.end();
    }

    step('Credentials (store these in your secrets manager; shown here because this is a demo)');
    for (const tenant of tenants) {
      show(`schema:            ${tenant.schemaName}`);
      show(`username:          ${tenant.username}`);
      show(`password:          ${tenant.password}`);
      show(`connection string: ${tenant.connectionString}`);
      show(`console.log shows: ${String(tenant)}`);
    }

    step('Removing the tenants');
    for (const tenant of tenants.splice(0)) {
      await admin.removeTenant(tenant);
      show(`removed "${tenant.schemaName}" and "${tenant.username}"`);
    }
    show(`tenants left: ${(await admin.listTenants()).length}`);
  } finally {
    for (const tenant of tenants) await admin?.removeTenant(tenant).catch(() => undefined);
    await admin?.close();
    await server.stop();
  }
  step(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
