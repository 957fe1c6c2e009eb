import type { OptionDef } from './args.js';
import { globalOptions, settingsOptions } from './global-options.js';
import type { CommandDefinition } from './command.js';
import type { Style } from './output.js';

const WIDTH = 80;
const OPTION_COLUMN = 32;

export const EXIT_CODES_HELP = [
  ['0', 'ok (with --dry-run: the plan was printed, nothing was changed)'],
  ['1', 'failure: a database error, a tenant not found, a bad row in --from, a verify report that does not hold, a budget the fleet can exceed, an aborted confirmation'],
  ['2', 'usage: unknown command or option, missing or bad value, missing input file, remove without --yes and without a terminal; nothing was done'],
  ['130', 'interrupted (Ctrl-C): tenants in flight were finished and their credentials written; nothing new was started'],
] as const;

export const ENVIRONMENT_HELP = [
  ['DATABASE_URL', 'admin connection URL, when --database-url is not given'],
  ['PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE', 'libpq variables, when there is no URL (defaults: localhost, 5432, your user name, the user name)'],
  ['PGSSLMODE, PGSSLROOTCERT', 'TLS: disable, require, verify-ca or verify-full (allow/prefer connect without TLS)'],
  ['PGAPPNAME, PGCONNECT_TIMEOUT', 'application_name; seconds to wait for a connection (default 10)'],
  ['TENANTRY_ENV', "the config file's environment section, when --env is not given"],
  ['TENANTRY_CONCURRENCY, TENANTRY_MIGRATIONS, TENANTRY_LABELS', 'defaults for --concurrency, --migrations and labels (k=v;k=v, merged under --label)'],
  ['TENANTRY_TENANT_HOST, TENANTRY_TENANT_PORT, TENANTRY_TENANT_PARAMS', "defaults for --tenant-host, --tenant-port and --tenant-param (k=v;k=v): where tenants connect (a pooler, a proxy)"],
  ['TENANTRY_POOLER_POOL_SIZE', 'default for budget --pool-size'],
  ['NO_COLOR, TERM=dumb', 'no colour (colour is only ever used on a terminal)'],
] as const;

/** Where each setting comes from, first match wins: the same words in --help and the README. */
export const PRECEDENCE_HELP =
  'Each setting comes from the first of: the command-line option; the environment variable; the --env-file file; the config file (--config, else tenantry.config.json in the working directory), its --env/TENANTRY_ENV section over its top level; the built-in default. ' +
  "The config file's databaseUrl is used only when neither the environment nor the env file sets DATABASE_URL or a PG* connection variable. " +
  'Errors about these files name the file, key or line, never a value.';

export function wrap(text: string, width: number, indent: string): string {
  return text
    .split('\n')
    .map((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line !== '' && indent.length + line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else {
          line = line === '' ? word : `${line} ${word}`;
        }
      }
      lines.push(line);
      return lines.map((l) => (l === '' ? '' : indent + l)).join('\n');
    })
    .join('\n');
}

function optionLine(name: string, def: OptionDef): string {
  const flag = `${def.short ? `-${def.short}, ` : ''}--${name}${def.value ? ` ${def.value}` : ''}`;
  const head = `  ${flag}`;
  const description = wrap(def.description, WIDTH, ' '.repeat(OPTION_COLUMN)).trimStart();
  return head.length + 2 <= OPTION_COLUMN ? `${head.padEnd(OPTION_COLUMN)}${description}` : `${head}\n${' '.repeat(OPTION_COLUMN)}${description}`;
}

/** `tenantry <command> --help`. */
export function commandHelp(command: CommandDefinition, style: Style): string {
  const usage = command.usage.map((line, i) => `${i === 0 ? 'Usage: ' : '       '}tenantry ${line}`).join('\n');
  const groups = new Map<string, string[]>();
  for (const [name, def] of Object.entries(command.options)) {
    const group = def.group ?? 'Options';
    groups.set(group, [...(groups.get(group) ?? []), optionLine(name, def)]);
  }
  const order = ['Options', 'Password', 'Bulk', 'Connection', 'Output'];
  const sections = order.filter((group) => groups.has(group)).map((group) => `${style.bold(`${group}:`)}\n${groups.get(group)!.join('\n')}`);
  return (
    `${usage}\n\n${wrap(command.description, WIDTH, '')}\n\n${sections.join('\n\n')}\n\n` +
    `${style.bold('Examples:')}\n${command.examples.map((example) => `  $ ${example}`).join('\n')}\n\n` +
    `${style.bold('Settings:')} ${Object.keys(settingsOptions).map((name) => `--${name}`).join(', ')} go before or after the command (details: tenantry --help).\n` +
    `${style.bold('Exit codes:')} ${EXIT_CODES_HELP.map(([code, text]) => `${code} ${text.split(/[:(]/)[0]!.trim()}`).join(', ')} (details: tenantry --help).\n`
  );
}

/** `tenantry --help`. */
export function mainHelp(commands: readonly CommandDefinition[], style: Style): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 4;
  const table = (rows: readonly (readonly [string, string])[], column: number) =>
    rows.map(([key, text]) => {
      const head = `  ${key}`;
      const body = wrap(text, WIDTH, ' '.repeat(column)).trimStart();
      return head.length + 2 <= column ? `${head.padEnd(column)}${body}` : `${head}\n${' '.repeat(column)}${body}`;
    }).join('\n');
  return (
    `tenantry: provisions schema-per-tenant PostgreSQL tenants. Each tenant is a schema and a login role with every right on that schema and none anywhere else.\n\n` +
    `Usage: tenantry <command> [options]\n       tenantry [global options] <command> [options]\n       tenantry <command> --help\n       tenantry --version\n\n` +
    `${style.bold('Commands:')}\n${table(commands.map((command) => [command.name, command.summary] as const), width + 2)}\n\n` +
    `${style.bold('Global options')} (before the command; --env-file, --config and --env also after it):\n${Object.entries(globalOptions).map(([name, def]) => optionLine(name, def)).join('\n')}\n\n` +
    `${style.bold('Settings:')}\n${wrap(PRECEDENCE_HELP, WIDTH, '  ')}\n\n` +
    `${style.bold('Output:')}\n${wrap('Results go to stdout: a table, SQL, or with --json exactly one JSON document (an {"error": ...} document on failure). Diagnostics and progress go to stderr. A generated password is shown once; a given one is never echoed. --dry-run prints the statements that would run, in order, secrets redacted, and changes nothing.', WIDTH, '  ')}\n\n` +
    `${style.bold('Environment:')}\n${table(ENVIRONMENT_HELP, 20)}\n\n` +
    `${style.bold('Exit codes:')}\n${table(EXIT_CODES_HELP, 8)}\n\n` +
    `${style.bold('Examples:')}\n` +
    [
      'export DATABASE_URL=postgresql://tenantry_admin@db.internal:5432/app PGPASSWORD=...',
      'tenantry init',
      'tenantry create --schema tenant_acme --username acme_user',
      'tenantry create --from tenants.csv --credentials-out creds.jsonl',
      'tenantry list --json',
      'tenantry --env-file .env.staging --env staging migrate',
      'tenantry plan create --schema tenant_acme --username acme_user --database app',
      'tenantry demo',
    ]
      .map((example) => `  $ ${example}`)
      .join('\n') +
    '\n'
  );
}
