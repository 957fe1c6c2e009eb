import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_POSTGRES_MAJORS } from '@tenantry/sql/postgres';
import { PLAN_MAJORS } from './commands/plan.js';
import { commandHelp } from './help.js';
import type { CliIo } from './io.js';
import { commands, main } from './main.js';
import { plainStyle } from './output.js';
import { json, tenantry } from './test-support/cli.js';

/** A URL nothing listens on, with a password that must never be printed. */
const DEAD_URL = 'postgresql://admin:Sup3r-Secret-PW@127.0.0.1:1/app';

describe.concurrent('help', () => {
  it('tenantry --help lists every command, the exit codes and the environment, and exits 0', async () => {
    const result = await tenantry(['--help']);
    expect(result.code).toBe(0);
    for (const command of commands) expect(result.stdout).toContain(`  ${command.name} `);
    expect(result.stdout).toMatch(/Exit codes:[\s\S]*\b0 +ok[\s\S]*\b1 +failure[\s\S]*\b2 +usage/);
    expect(result.stdout).toContain('DATABASE_URL');
    expect(result.stdout).toContain('PGSSLMODE');
    expect(result.stdout).toContain('NO_COLOR');
    expect(result.stderr).toBe('');
  });

  it('every command has --help with usage, every option and examples', async () => {
    const results = await Promise.all(commands.map((command) => tenantry([command.name, '--help'])));
    for (const [i, command] of commands.entries()) {
      const result = results[i]!;
      expect(result.code, command.name).toBe(0);
      expect(result.stdout).toContain(`Usage: tenantry ${command.name}`);
      expect(result.stdout).toContain('Examples:');
      expect(result.stdout).toContain('Exit codes:');
      for (const option of Object.keys(command.options)) expect(result.stdout, `${command.name} --${option}`).toContain(`--${option}`);
    }
    expect((await tenantry(['help', 'create'])).stdout).toContain('Usage: tenantry create');
  });

  it('help wins over other mistakes on the same line', async () => {
    const result = await tenantry(['create', '--schema', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: tenantry create');
  });

  it('no command at all is a usage error, after the help', async () => {
    const result = await tenantry([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage: tenantry <command>');
  });

  it('--version prints the package version', async () => {
    const result = await tenantry(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe.concurrent('usage errors exit 2 with a hint, and do nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['craete'], /unknown command 'craete'[\s\S]*Did you mean 'create'\?/],
    ['an unknown option', ['create', '--schema', 's', '--username', 'u', '--sheme', 'x'], /unknown option '--sheme'[\s\S]*Did you mean --schema\?[\s\S]*tenantry create --help/],
    ['a missing value', ['create', '--username', 'u', '--schema'], /--schema needs a value/],
    ['a value that looks like an option', ['create', '--schema', '--username', 'u'], /--schema needs a value, but the next argument looks like an option/],
    ['a missing required option', ['create', '--schema', 's'], /--username is required/],
    ['an option given twice', ['create', '--schema', 'a', '--schema', 'b', '--username', 'u'], /--schema was given more than once/],
    ['a value for a flag', ['remove', '--yes=no', '--schema', 's', '--username', 'u'], /--yes takes no value/],
    ['a stray argument', ['list', 'extra'], /unexpected argument 'extra'/],
    ['a bad number', ['list', '--limit', 'ten'], /--limit must be a whole number from 1 to 10000, got 'ten'/],
    ['a bad date', ['create', '--schema', 's', '--username', 'u', '--valid-until', 'tomorrow'], /--valid-until expects an ISO 8601 date/],
    ['a bad key=value', ['create', '--schema', 's', '--username', 'u', '--label', 'gold'], /--label expects key=value, got 'gold'/],
    ['an invalid schema name', ['create', '--schema', 'pg_nope', '--username', 'u'], /reserved by PostgreSQL/],
    ['a command option before the command', ['--yes', 'list'], /unknown option '--yes' before the command[\s\S]*Options of a command go after it/],
    ['a missing migrations folder', ['migrate', '--migrations', '/nonexistent/migrations'], /is not a directory/],
    ['--from without --credentials-out', ['create', '--from', '/dev/null', '--format', 'csv'], /--from needs --credentials-out/],
    ['--from with --schema', ['create', '--from', 'x.csv', '--schema', 's', '--credentials-out', 'c.jsonl'], /--schema cannot be combined with --from/],
    ['a bulk-only option without --from', ['create', '--schema', 's', '--username', 'u', '--concurrency', '8'], /--concurrency only goes with --from/],
    ['a bad --delimiter', ['create', '--from', 'x.csv', '--credentials-out', 'c.jsonl', '--delimiter', '|'], /--delimiter must be ',', ';' or tab, got '\|'/],
    ['an unknown plan', ['plan', 'destroy'], /unknown plan 'destroy'/],
    ['an option of another plan', ['plan', 'init', '--schema', 's'], /--schema does not apply to plan init/],
    ['a plan create without --database', ['plan', 'create', '--schema', 's', '--username', 'u'], /--database is required/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: ${args.join(' ')}`, async () => {
      // A dead server: a usage error must be found before any connection is tried.
      const result = await tenantry(args, { env: { DATABASE_URL: DEAD_URL } });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/Run 'tenantry( [a-z-]+)? --help' for usage\./);
      expect(result.stdout).toBe('');
    });
  }

  it('--password is refused, with the reason and the alternatives', async () => {
    for (const args of [
      ['create', '--schema', 's', '--username', 'u', '--password', 'hunter2'],
      ['rotate-password', '--schema', 's', '--username', 'u', '--password=hunter2'],
    ]) {
      const result = await tenantry(args, { env: { DATABASE_URL: DEAD_URL } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--password is not supported: a password on the command line is visible to every user/);
      expect(result.stderr).toContain('--password-stdin');
      expect(result.stderr).toContain('--password-file');
      expect(result.stderr + result.stdout).not.toContain('hunter2');
    }
  });

  it('with --json, a usage error is the one JSON document', async () => {
    const result = await tenantry(['list', '--json', '--limit', '0'], { env: { DATABASE_URL: DEAD_URL } });
    expect(result.code).toBe(2);
    expect(json(result)).toEqual({ error: { code: 'USAGE', message: expect.stringContaining('--limit') } });
  });

  it('an ambiguous DATABASE_URL is a usage error that does not echo it', async () => {
    const result = await tenantry(['list'], { env: { DATABASE_URL: 'postgresql://admin:pa/ss@db/app' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL is ambiguous');
    expect(result.stderr).not.toContain('pa/ss');
  });
});

describe.concurrent('connection failures', () => {
  it('exit 1, name the target without its password, and print one JSON error with --json', async () => {
    const result = await tenantry(['list', '--json'], { env: { DATABASE_URL: DEAD_URL } });
    expect(result.code).toBe(1);
    expect(json(result)).toMatchObject({ error: { code: 'CONNECTION' } });
    expect(result.stderr).toContain('postgresql://admin:***@127.0.0.1:1/app');
    expect(result.stderr + result.stdout).not.toContain('Sup3r-Secret-PW');
  });

  it('--database-url wins over DATABASE_URL and warns when it carries a password', async () => {
    const result = await tenantry(['list', '--database-url', DEAD_URL], { env: { DATABASE_URL: 'postgresql://other@127.0.0.1:2/x' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--database-url carries a password');
    expect(result.stderr).toContain('127.0.0.1:1/app');
    expect(result.stderr).not.toContain('Sup3r-Secret-PW');
  });

  it('without a URL, the libpq variables are used, and the password never printed', async () => {
    const result = await tenantry(['list'], { env: { PGHOST: '127.0.0.1', PGPORT: '1', PGUSER: 'ops', PGPASSWORD: 'Sup3r-Secret-PW', PGDATABASE: 'app' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('host=127.0.0.1 port=1 user=ops dbname=app');
    expect(result.stderr).not.toContain('Sup3r-Secret-PW');
    const badMode = await tenantry(['list'], { env: { PGHOST: '127.0.0.1', PGSSLMODE: 'sometimes' } });
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toContain('PGSSLMODE must be');
  });
});

describe.concurrent('plan: statements without connecting', () => {
  const offline = { env: { DATABASE_URL: DEAD_URL } };

  it('plan create prints the create statements, the verifier redacted', async () => {
    const result = await tenantry(
      ['plan', 'create', '--schema', 'tenant_acme', '--username', 'acme_user', '--database', 'app', '--setting', 'statement_timeout=5s', '--label', 'plan=gold', '--connection-limit', '3'],
      offline,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`CREATE ROLE "acme_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 PASSWORD '[redacted SCRAM-SHA-256 verifier]';`);
    expect(result.stdout).toContain('CREATE SCHEMA "tenant_acme";');
    expect(result.stdout).toContain(`ALTER ROLE "acme_user" IN DATABASE "app" SET statement_timeout = '5s';`);
    expect(result.stdout).toContain('"labels":{"plan":"gold"}');
    expect(result.stdout).not.toMatch(/SCRAM-SHA-256\$/);
    expect(result.stderr).toContain('without connecting');
  });

  it('plan remove, init and rotate-password follow the version and the admin given', async () => {
    const remove16 = await tenantry(['plan', 'remove', '--schema', 't', '--username', 'u', '--admin-role', 'app_admin'], offline);
    expect(remove16.stdout).toContain('GRANT "u" TO "app_admin" WITH INHERIT TRUE, SET FALSE;');
    const remove15 = await tenantry(['plan', 'remove', '--schema', 't', '--username', 'u', '--admin-role', 'app_admin', '--server-version', '15', '--json'], offline);
    const statements = json<{ statements: { text: string }[]; serverMajor: number }>(remove15);
    expect(statements.serverMajor).toBe(15);
    expect(statements.statements.map((s) => s.text)).toEqual(expect.arrayContaining(['GRANT "u" TO "app_admin"', 'DROP SCHEMA "t" CASCADE', 'DROP OWNED BY "u"', 'DROP ROLE "u"']));
    const init14 = await tenantry(['plan', 'init', '--keep-public-for', 'app', '--server-version', '14'], offline);
    expect(init14.stdout).toContain('-- revoke CREATE, USAGE on schema public from PUBLIC\nREVOKE ALL ON SCHEMA public FROM PUBLIC;');
    expect(init14.stdout).toContain('GRANT USAGE ON SCHEMA public TO "app";');
    const rotate = await tenantry(['plan', 'rotate-password', '--schema', 't', '--username', 'u', '--terminate-sessions', '--valid-until', 'never'], offline);
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain(`ALTER ROLE "u" WITH PASSWORD '[redacted SCRAM-SHA-256 verifier]' VALID UNTIL 'infinity';`);
    expect(rotate.stdout).toContain('pg_terminate_backend');
    const unsupported = await tenantry(['plan', 'init', '--server-version', '13'], offline);
    expect(unsupported.code).toBe(2);
  });
});

describe('main, in-process', () => {
  function io(options: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    return {
      stdin: new PassThrough(),
      stdout,
      stderr,
      env: {},
      stdinIsTTY: false,
      stdoutIsTTY: false,
      stderrIsTTY: false,
      ...options,
      out: () => out,
      err: () => err,
    };
  }
  const args = ['plan', 'init'];

  it('colours only a terminal, and never with NO_COLOR or TERM=dumb', async () => {
    const tty = io({ stdoutIsTTY: true, env: { TERM: 'xterm-256color' } });
    expect(await main(['--help'], tty)).toBe(0);
    expect(tty.out()).toContain('\u001b[1m');
    for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
      const plain = io({ stdoutIsTTY: true, env });
      await main(['--help'], plain);
      expect(plain.out()).not.toContain('\u001b[');
    }
    const piped = io({ env: { TERM: 'xterm-256color' } });
    await main(args, piped);
    expect(piped.out()).not.toContain('\u001b[');
  });

  it('plan offers the majors @tenantry/sql supports', () => {
    expect(PLAN_MAJORS).toEqual([...SUPPORTED_POSTGRES_MAJORS]);
  });

  it('returns exit codes instead of exiting', async () => {
    expect(await main(['nope'], io())).toBe(2);
    expect(await main(args, io())).toBe(0);
  });

  it('the help of every command lists each of its options once', () => {
    for (const command of commands) {
      const help = commandHelp(command, plainStyle);
      for (const option of Object.keys(command.options)) {
        expect(help.match(new RegExp(`--${option}(?![a-z-])`, 'g'))?.length ?? 0, `${command.name} --${option}`).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
