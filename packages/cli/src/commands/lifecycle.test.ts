import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { withDatabase } from '@tenantry/testing';
import { main } from '../main.js';
import { catalogHas, catalogSnapshot, json, loginAs, loginRefused, tenantry, uniqueName, urlFor, useCliDatabase } from '../test-support/cli.js';

/** One CLI run's credentials output (--json). */
interface CredentialsJson {
  schemaName: string;
  username: string;
  passwordGenerated: boolean;
  password?: string;
  connectionString: string;
}

describe('init', () => {
  const db = useCliDatabase({ init: false });

  it('--dry-run prints the REVOKE and changes nothing; init prepares; a second init changes nothing', async () => {
    const { run, superuser } = db();
    const publicAcl = async () => (await superuser.query<{ acl: string | null }>(`SELECT nspacl::text AS acl FROM pg_namespace WHERE nspname = 'public'`)).rows[0]!.acl;
    const before = await publicAcl();

    const dryRun = await run(['init', '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain('REVOKE ALL ON SCHEMA public FROM PUBLIC;');
    expect(dryRun.stderr).toContain('Dry run: nothing was changed.');
    expect(await publicAcl()).toBe(before);

    const unknown = await run(['init', '--keep-public-for', 'no_such_role_anywhere', '--dry-run']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no_such_role_anywhere');

    const init = await run(['init', '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(json(init)).toMatchObject({ changed: true, revokedFromPublic: ['USAGE'], statements: ['REVOKE ALL ON SCHEMA public FROM PUBLIC;'] });
    expect(await publicAcl()).not.toBe(before);

    const again = await run(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already prepared: nothing to change');
    const dryAgain = await run(['init', '--dry-run', '--json']);
    expect(json(dryAgain)).toMatchObject({ dryRun: true, changed: false, statements: [] });
  });
});

describe('create, show, list, verify, rotate-password, remove', () => {
  const db = useCliDatabase();

  it('create generates a password, shows it once with the connection string, and the tenant can log in', async () => {
    const { run } = db();
    const schema = uniqueName('t_gen');
    const user = uniqueName('u_gen');
    const human = await run(['create', '--schema', schema, '--username', user]);
    expect(human.code, human.stderr).toBe(0);
    const password = /password +([A-Za-z0-9]{32})\n/.exec(human.stdout)?.[1];
    const url = /connection string +(\S+)\n/.exec(human.stdout)?.[1];
    expect(password).toBeDefined();
    expect(url).toContain(`${user}:${password}@`);
    expect(human.stdout).toContain('shown this once');
    expect(human.stderr).not.toContain(password!);
    expect(await loginAs(url!)).toEqual({ user, schema });

    const schema2 = uniqueName('t_json');
    const user2 = uniqueName('u_json');
    const result = await run(['create', '--schema', schema2, '--username', user2, '--json']);
    const created = json<CredentialsJson>(result);
    expect(created).toMatchObject({ schemaName: schema2, username: user2, passwordGenerated: true });
    expect(created.password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await loginAs(created.connectionString)).toEqual({ user: user2, schema: schema2 });
  });

  it('without a URL, the libpq variables connect, and the tenant URL is built from their host, port and database', async () => {
    const { database } = db();
    const admin = new URL(database.url);
    const env = {
      DATABASE_URL: undefined,
      PGHOST: admin.hostname,
      PGPORT: admin.port,
      PGUSER: decodeURIComponent(admin.username),
      PGPASSWORD: decodeURIComponent(admin.password),
      PGDATABASE: database.name,
      PGAPPNAME: 'tenantry-test',
    };
    const schema = uniqueName('t_libpq');
    const user = uniqueName('u_libpq');
    const result = await tenantry(['create', '--schema', schema, '--username', user, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const created = json<CredentialsJson>(result);
    expect(created.connectionString).toBe(
      `postgresql://${user}:${created.password}@${admin.hostname}:${admin.port}/${database.name}?application_name=tenantry-test`,
    );
    expect(await loginAs(created.connectionString)).toEqual({ user, schema });
    expect(result.stdout + result.stderr).not.toContain(env.PGPASSWORD);
  });

  it('--password-stdin and --password-file: the given password works and is never echoed', async () => {
    const { run, database } = db();
    const schema = uniqueName('t_stdin');
    const user = uniqueName('u_stdin');
    const password = 'Given: p@ss/w?rd#1 with spaces';
    const result = await run(['create', '--schema', schema, '--username', user, '--password-stdin', '--json'], { input: `${password}\n` });
    expect(result.code, result.stderr).toBe(0);
    const created = json<CredentialsJson>(result);
    expect(created.passwordGenerated).toBe(false);
    expect(created.password).toBeUndefined();
    expect(created.connectionString).toContain(':***@');
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
    }
    expect(await loginAs(urlFor(database.url, user, password))).toEqual({ user, schema });

    const human = await run(['create', '--schema', uniqueName('t_stdin'), '--username', uniqueName('u_stdin'), '--password-stdin'], { input: 'Another-Given-1' });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('(as given; not shown)');
    expect(human.stdout + human.stderr).not.toContain('Another-Given-1');

    const dir = await mkdtemp(join(tmpdir(), 'tenantry-cli-'));
    const file = join(dir, 'pw');
    await writeFile(file, 'From-A-File-2\n');
    await chmod(file, 0o644);
    const schema3 = uniqueName('t_file');
    const user3 = uniqueName('u_file');
    const fromFile = await run(['create', '--schema', schema3, '--username', user3, '--password-file', file]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stderr).toContain('can be read by other users (mode 0644)');
    expect(fromFile.stdout + fromFile.stderr).not.toContain('From-A-File-2');
    expect(await loginAs(urlFor(database.url, user3, 'From-A-File-2'))).toEqual({ user: user3, schema: schema3 });

    const empty = await run(['create', '--schema', uniqueName('t_e'), '--username', uniqueName('u_e'), '--password-stdin'], { input: '\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('is empty');
  });

  it('create --dry-run prints the statements, secrets redacted, and changes nothing', async () => {
    const { run, superuser } = db();
    const schema = uniqueName('t_dry');
    const user = uniqueName('u_dry');
    const before = await catalogSnapshot(superuser, [user]);
    const result = await run(['create', '--schema', schema, '--username', user, '--setting', 'statement_timeout=5s', '--dry-run', '--password-stdin'], { input: 'Dry-Run-Secret-9' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`CREATE ROLE "${user}" WITH LOGIN NOSUPERUSER`);
    expect(result.stdout).toContain(`PASSWORD '[redacted SCRAM-SHA-256 verifier]'`);
    expect(result.stdout).toContain(`CREATE SCHEMA "${schema}";`);
    expect(result.stdout).toContain(`SET statement_timeout = '5s';`);
    expect(result.stdout + result.stderr).not.toContain('Dry-Run-Secret-9');
    expect(result.stdout).not.toMatch(/SCRAM-SHA-256\$/);
    expect(await catalogSnapshot(superuser, [user])).toEqual(before);
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: false, role: false });

    const asJson = json<{ dryRun: boolean; statements: { purpose: string; text: string }[] }>(await run(['create', '--schema', schema, '--username', user, '--dry-run', '--json']));
    expect(asJson.dryRun).toBe(true);
    expect(asJson.statements.map((s) => s.text)).toContain(`CREATE SCHEMA "${schema}"`);
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: false, role: false });
  });

  it('creation options reach the catalog, and show reports them', async () => {
    const { run, superuser } = db();
    const reporting = uniqueName('reporting');
    await superuser.query(`CREATE ROLE ${pg.escapeIdentifier(reporting)} NOLOGIN`);
    try {
      const schema = uniqueName('t_opts');
      const user = uniqueName('u_opts');
      const created = await run([
        'create', '--schema', schema, '--username', user,
        '--connection-limit', '7', '--valid-until', '2031-05-01T00:00:00Z',
        '--setting', 'statement_timeout=5s', '--setting', 'work_mem=8MB',
        '--grant-to', reporting, '--label', 'plan=gold', '--label', 'region=eu',
      ]);
      expect(created.code, created.stderr).toBe(0);
      const shown = json<Record<string, unknown>>(await run(['show', schema, '--json']));
      expect(shown).toMatchObject({
        schemaName: schema,
        username: user,
        roleIntact: true,
        connectionLimit: 7,
        validUntil: '2031-05-01T00:00:00.000Z',
        settings: { search_path: schema, statement_timeout: '5s', work_mem: '8MB' },
        members: [reporting],
        labels: { plan: 'gold', region: 'eu' },
      });
      const human = await run(['show', schema]);
      expect(human.stdout).toMatch(/connection limit +7/);
      expect(human.stdout).toMatch(/labels +plan=gold;region=eu/);
      await run(['remove', '--schema', schema, '--username', user, '--yes']);
    } finally {
      await superuser.query(`DROP ROLE ${pg.escapeIdentifier(reporting)}`);
    }
  });

  it('failures: an existing tenant exits 1 with one JSON error; an unknown tenant in show exits 1', async () => {
    const { run } = db();
    const schema = uniqueName('t_dup');
    const user = uniqueName('u_dup');
    expect((await run(['create', '--schema', schema, '--username', user])).code).toBe(0);
    const again = await run(['create', '--schema', schema, '--username', user, '--json']);
    expect(again.code).toBe(1);
    expect(json(again)).toMatchObject({ error: { code: 'TENANT_ALREADY_EXISTS' } });
    expect(again.stderr).toContain('already exists');
    const missing = await run(['show', uniqueName('t_none')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No Tenantry tenant');
    expect((await run(['show', 'pg_bad'])).code).toBe(2);
  });

  it('list prints a table, --json a document, and --limit/--after pages', async () => {
    const { run } = db();
    const prefix = uniqueName('l');
    const names = ['a', 'b', 'c'].map((letter) => ({ schema: `${prefix}_${letter}`, user: `${prefix}_${letter}_user` }));
    for (const { schema, user } of names) expect((await run(['create', '--schema', schema, '--username', user, '--label', 'batch=list'])).code).toBe(0);

    const table = await run(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SCHEMA +USERNAME +CREATED +ROLE +LABELS\n/);
    for (const { schema, user } of names) expect(table.stdout).toMatch(new RegExp(`${schema} +${user} +\\S+ +ok +batch=list`));

    const all = json<{ tenants: { schemaName: string; labels: Record<string, string> }[] }>(await run(['list', '--json']));
    const ours = all.tenants.filter((tenant) => tenant.schemaName.startsWith(prefix));
    expect(ours.map((tenant) => tenant.schemaName)).toEqual(names.map((name) => name.schema));

    const first = json<{ tenants: { schemaName: string }[]; nextCursor?: string }>(await run(['list', '--limit', '1', '--after', names[0]!.schema, '--json']));
    expect(first.tenants.map((tenant) => tenant.schemaName)).toEqual([names[1]!.schema]);
    expect(first.nextCursor).toBe(names[1]!.schema);
    const page = await run(['list', '--limit', '1', '--after', names[1]!.schema]);
    expect(page.stdout).toContain(names[2]!.schema);
    expect(page.stderr).toContain('--after');
  });

  it('verify exits 0 for an intact tenant and 1 once a promise is broken', async () => {
    const { run, superuser } = db();
    const schema = uniqueName('t_verify');
    const user = uniqueName('u_verify');
    expect((await run(['create', '--schema', schema, '--username', user])).code).toBe(0);
    const ok = await run(['verify', schema]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/all \d+ checks hold/);
    expect(json(await run(['verify', schema, '--json']))).toMatchObject({ schemaName: schema, username: user, ok: true });

    await superuser.query(`ALTER ROLE ${pg.escapeIdentifier(user)} CREATEDB`);
    const broken = await run(['verify', schema]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAIL +role\.no-createdb/);
    const report = json<{ ok: boolean; checks: { id: string; ok: boolean }[] }>(await run(['verify', schema, '--json']));
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.id === 'role.no-createdb')?.ok).toBe(false);
    expect((await run(['verify', uniqueName('t_none')])).code).toBe(1);
  });

  it('rotate-password: --dry-run changes nothing; a generated password replaces the old one; --password-stdin is not echoed', async () => {
    const { run, superuser, database } = db();
    const schema = uniqueName('t_rot');
    const user = uniqueName('u_rot');
    const created = json<CredentialsJson>(await run(['create', '--schema', schema, '--username', user, '--json']));

    const before = await catalogSnapshot(superuser, [user]);
    const dryRun = await run(['rotate-password', '--schema', schema, '--username', user, '--terminate-sessions', '--valid-until', '2030-01-01', '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`ALTER ROLE "${user}" WITH PASSWORD '[redacted SCRAM-SHA-256 verifier]' VALID UNTIL '2030-01-01T00:00:00.000Z';`);
    expect(dryRun.stdout).toContain('pg_terminate_backend');
    expect(await catalogSnapshot(superuser, [user])).toEqual(before);
    expect(await loginAs(created.connectionString)).toEqual({ user, schema });

    const rotated = json<CredentialsJson>(await run(['rotate-password', '--schema', schema, '--username', user, '--json']));
    expect(rotated.passwordGenerated).toBe(true);
    expect(rotated.password).not.toBe(created.password);
    expect(await loginRefused(created.connectionString)).toBe(true);
    expect(await loginAs(rotated.connectionString)).toEqual({ user, schema });

    const given = await run(['rotate-password', '--schema', schema, '--username', user, '--password-stdin', '--valid-until', 'never'], { input: 'Rotated-Given-3\n' });
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout + given.stderr).not.toContain('Rotated-Given-3');
    expect(await loginAs(urlFor(database.url, user, 'Rotated-Given-3'))).toEqual({ user, schema });

    const unknown = await run(['rotate-password', '--schema', uniqueName('t_none'), '--username', user, '--dry-run']);
    expect(unknown.code).toBe(1);
  });

  it('remove: refuses without a terminal and without --yes (exit 2); --dry-run changes nothing; --yes removes', async () => {
    const { run, superuser } = db();
    const schema = uniqueName('t_rm');
    const user = uniqueName('u_rm');
    expect((await run(['create', '--schema', schema, '--username', user])).code).toBe(0);

    const refused = await run(['remove', '--schema', schema, '--username', user], { input: `${schema}\n` });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('standard input is not a terminal');
    expect(refused.stderr).toContain('--yes');
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: true, role: true });

    const before = await catalogSnapshot(superuser, [user]);
    const dryRun = await run(['remove', '--schema', schema, '--username', user, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`DROP SCHEMA "${schema}" CASCADE;\n`);
    expect(dryRun.stdout).toContain(`DROP ROLE "${user}";`);
    expect(await catalogSnapshot(superuser, [user])).toEqual(before);

    const removed = await run(['remove', '--schema', schema, '--username', user, '--yes', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json(removed)).toEqual({ removed: true, schemaName: schema, username: user });
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: false, role: false });

    const again = await run(['remove', '--schema', schema, '--username', user, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No schema named "${schema}"`);
  });

  it('remove: what the tenant made in another database stops it (exit 1, named); --drop-owned-in-other-databases shows it in --dry-run and drops it', async () => {
    const { run, superuser } = db();
    const schema = uniqueName('t_rm_else');
    const user = uniqueName('u_rm_else');
    const created = json<CredentialsJson>(await run(['create', '--schema', schema, '--username', user, '--json']));
    const inPostgres = async <T,>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
      const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };
    const oid = await inPostgres(created.connectionString, async (client) => (await client.query<{ oid: number }>('SELECT lo_create(0)::int AS oid')).rows[0]!.oid);
    const largeObjectLeft = () => inPostgres(inject('tenantryAdminUrl'), async (client) => (await client.query('SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1', [oid])).rowCount);
    try {
      const blocked = await run(['remove', '--schema', schema, '--username', user, '--yes', '--json']);
      expect(blocked.code).toBe(1);
      expect(json(blocked)).toMatchObject({ error: { code: 'TENANT_REMOVAL_BLOCKED' } });
      expect(blocked.stderr).toContain(`database "postgres": large object ${oid}`);
      expect(blocked.stderr).toContain('--drop-owned-in-other-databases');
      expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: true, role: true });
      expect(await loginAs(created.connectionString)).toEqual({ user, schema });

      const dryRun = await run(['remove', '--schema', schema, '--username', user, '--drop-owned-in-other-databases', '--dry-run']);
      expect(dryRun.code, dryRun.stderr).toBe(0);
      expect(dryRun.stdout).toContain(`-- in database "postgres" (connected there, in a transaction of its own): drop the role's objects and privileges in that database\nDROP OWNED BY "${user}";`);
      expect(dryRun.stdout.indexOf(`DROP OWNED BY "${user}";`)).toBeLessThan(dryRun.stdout.indexOf(`DROP SCHEMA "${schema}" CASCADE;`));
      expect(await largeObjectLeft()).toBe(1);

      const removed = await run(['remove', '--schema', schema, '--username', user, '--yes', '--drop-owned-in-other-databases', '--json']);
      expect(removed.code, removed.stderr).toBe(0);
      expect(json(removed)).toEqual({ removed: true, schemaName: schema, username: user });
      expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: false, role: false });
      expect(await largeObjectLeft()).toBe(0);
    } finally {
      // A failed run must not leave the large object (and so the role) behind on the server.
      await inPostgres(inject('tenantryAdminUrl'), (client) => client.query('SELECT lo_unlink($1) FROM pg_largeobject_metadata WHERE oid = $1', [oid]));
    }
  });

  it('remove on a terminal asks for the schema name: another answer aborts (exit 1), the name removes', async () => {
    const { superuser, env, run } = db();
    const schema = uniqueName('t_ask');
    const user = uniqueName('u_ask');
    expect((await run(['create', '--schema', schema, '--username', user])).code).toBe(0);
    const terminal = (answer: string) => {
      const stdin = new PassThrough();
      stdin.end(answer);
      let err = '';
      const stderr = new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString()));
      const io = { stdin, stdout: new PassThrough(), stderr, env, stdinIsTTY: true, stdoutIsTTY: false, stderrIsTTY: true };
      return { io, err: () => err };
    };
    const no = terminal('yes\n');
    expect(await main(['remove', '--schema', schema, '--username', user], no.io)).toBe(1);
    expect(no.err()).toContain('Type the schema name to confirm');
    expect(no.err()).toContain('Aborted');
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: true, role: true });

    const yes = terminal(`${schema}\n`);
    expect(await main(['remove', '--schema', schema, '--username', user], yes.io)).toBe(0);
    expect(await catalogHas(superuser, { schema, role: user })).toEqual({ schema: false, role: false });
  });
});
