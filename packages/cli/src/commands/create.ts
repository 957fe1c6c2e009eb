import { redactConnectionString, type TenantConfig, type TenantCredentials } from '@tenantry/core';
import {
  booleanValue,
  connectionOptions,
  dryRunOption,
  helpOption,
  integerValue,
  jsonOption,
  requireString,
  stringValue,
  tenantTargetOptions,
  tenantTargetValue,
  unqualifyPublicOption,
  type ParsedArgs,
  type TenantTargetSetting,
} from '../args.js';
import type { InputFormatOption } from '../bulk/create-from-file.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields, type Output } from '../output.js';
import { passwordOptions, readGivenPassword } from '../secrets.js';
import { creationFields, creationOptions, type CreationFields } from '../tenant-options.js';
import { asUsage, UsageError } from '../usage-error.js';

/** What --delimiter accepts. */
const DELIMITERS: Readonly<Record<string, ',' | ';' | '\t'>> = { ',': ',', ';': ';', tab: '\t', '\t': '\t', '\\t': '\t' };

export interface CreateOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  username: string;
  /** The password; undefined to have one generated (and shown once). */
  password?: string | undefined;
  fields?: CreationFields;
  /** A folder of migrations (Kysely's, drizzle-kit's or Prisma's) to run in the new schema, in the same transaction. */
  migrations?: string | undefined;
  /** Drop the `public.` qualifiers of drizzle-kit's or Prisma's files. */
  unqualifyPublic?: boolean | undefined;
  dryRun?: boolean;
  json?: boolean;
  /** Where tenants connect, when not the admin's server (`--tenant-host`, ...). */
  tenantConnection?: TenantTargetSetting | undefined;
}

/**
 * Creates one tenant (`admin.createTenant`) and prints its credentials: a
 * generated password is shown once; a given one is never echoed.
 */
export async function createTenant(options: CreateOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  const config: TenantConfig = {
    schemaName: options.schemaName,
    username: options.username,
    password: options.password ?? '',
    ...options.fields,
  };
  await validateConfigUpFront(config, options.databaseUrl, context);
  const { migrationFolder } = await import('../migrations.js');
  const migrations = options.migrations === undefined ? undefined : await migrationFolder(options.migrations, context, { unqualifyPublic: options.unqualifyPublic });
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    if (options.dryRun) {
      const [{ formatPlan }, { planDocument }] = await Promise.all([import('@tenantry/sql'), import('../plans.js')]);
      const plan = await admin.planCreateTenant(config, migrations ? { migrations: migrations.provider } : {});
      const names = migrations ? await migrations.names() : undefined;
      if (options.json) {
        await output.json(planDocument(plan, { schemaName: config.schemaName, username: config.username, ...(names ? { migrations: names } : {}) }));
      } else {
        await output.out(`${formatPlan(plan)}\n`);
        if (names) {
          await output.out(
            `-- then, in the same transaction, as role ${JSON.stringify(config.username)} in schema ${JSON.stringify(config.schemaName)}, the migrations:\n` +
              (names.length > 0 ? names.map((name) => `--   ${name}\n`).join('') : '--   (none: the folder holds no migrations)\n'),
          );
        }
      }
      output.err('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    const credentials = await admin.createTenant(config, migrations ? { migrations: migrations.provider } : {});
    await printCredentials(output, credentials, { generated: options.password === undefined, verb: 'Created tenant', json: options.json ?? false });
    return ExitCode.ok;
  }, { tenantConnection: options.tenantConnection });
}

/**
 * The credentials as the result of create or rotate-password: with a
 * generated password, the password and the full connection string (shown
 * this once); with a given password, neither (the connection string redacted).
 */
export async function printCredentials(
  output: Output,
  credentials: TenantCredentials,
  options: { generated: boolean; verb: string; json: boolean },
): Promise<void> {
  const connectionString = options.generated ? credentials.connectionString : redactConnectionString(credentials.connectionString);
  const document = {
    schemaName: credentials.schemaName,
    username: credentials.username,
    passwordGenerated: options.generated,
    ...(options.generated ? { password: credentials.password } : {}),
    connectionString,
  };
  if (options.json) {
    await output.json(document);
  } else {
    const { style } = output;
    await output.out(
      `${style.green('✔')} ${options.verb} ${style.bold(credentials.schemaName)}\n` +
        formatFields(
          [
            ['schema', credentials.schemaName],
            ['username', credentials.username],
            ['password', options.generated ? credentials.password : '(as given; not shown)'],
            ['connection string', connectionString],
          ],
          style,
        ) +
        (options.generated ? `${style.yellow('The generated password is shown this once: store it now.')}\n` : ''),
    );
  }
}

/** Names and options checked before connecting, by the target dialect's rules: a bad value is a usage error (exit 2), nothing is done. */
async function validateConfigUpFront(config: TenantConfig, databaseUrl: string | undefined, context: CommandContext): Promise<void> {
  const dialect = await context.targetDialect(databaseUrl);
  const { parseTenantSpec } = await import('@tenantry/sql');
  asUsage(context.command, () => parseTenantSpec(config, dialect));
}

const bulkOptions = {
  from: {
    type: 'string',
    value: '<file>',
    description: 'Create many tenants from a .csv, .json (array) or .jsonl file, or - for standard input (with --format). Streams: any size.',
    group: 'Bulk',
  },
  format: { type: 'string', value: '<csv|json|jsonl>', description: 'The format of --from, when its extension does not tell (.csv and .tsv are csv).', group: 'Bulk' },
  delimiter: {
    type: 'string',
    value: '<,|;|tab>',
    description: "The CSV delimiter. Default: the one the header line holds, of comma, semicolon and tab. With ';', quote a labels field (k=v;k=v).",
    group: 'Bulk',
  },
  'credentials-out': {
    type: 'string',
    value: '<file>',
    description: 'Where --from writes the credentials, one JSON line per created tenant, as each is created. Created with mode 0600; never overwritten.',
    group: 'Bulk',
  },
  append: { type: 'boolean', description: 'Append to an existing --credentials-out file (to resume a run): a regular file of yours with mode 0600.', group: 'Bulk' },
  concurrency: { type: 'string', value: '<n>', description: 'Tenants created at once with --from, 1 to 64. Default 4.', group: 'Bulk' },
} as const;

export const create: CommandDefinition = {
  name: 'create',
  summary: 'Create a tenant (a schema and a login role fenced into it), or many from a file.',
  usage: [
    'create --schema <name> --username <name> [--password-stdin | --password-file <path>] [options]',
    'create --from <tenants.csv|.json|.jsonl> --credentials-out <file> [--append] [--concurrency <n>] [options]',
  ],
  description:
    'Creates a login role and a schema it has every right on, and none anywhere else, in one transaction: either all of it happens or none of it. ' +
    'Without --password-stdin or --password-file a 32-character password is generated and shown once, with the connection string. ' +
    'There is no --password flag: a password in the arguments is visible to every user in ps.\n\n' +
    'With --from, every row becomes a tenant, --concurrency at a time. CSV columns: schema_name,username[,password][,connection_limit][,labels] ' +
    '(labels as k=v;k=v); JSON: an array of objects with TenantConfig fields (schemaName, username, password, connectionLimit, validUntil, settings, memberOf, grantTo, labels). ' +
    'Bad rows are reported with their line number and do not stop the others; tenants that already exist are skipped, so a rerun resumes. ' +
    'A JSON array is read up to a syntax error or an element larger than 64 KiB, which stops the read at its line; for a file you want read past broken rows, use JSON Lines (.jsonl: one object per line) or CSV, which skip a bad line and go on. ' +
    'The creation options given on the command line apply to every row (labels are merged).',
  options: {
    schema: { type: 'string', value: '<name>', description: "The tenant's schema, used exactly as given (case-sensitive)." },
    username: { type: 'string', value: '<name>', description: "The tenant's login role, used exactly as given." },
    ...passwordOptions,
    ...creationOptions,
    migrations: {
      type: 'string',
      value: '<dir>',
      description:
        "Run the migrations in <dir> in each new schema, as the tenant, in the same transaction: Kysely's (.js/.mjs files exporting up), or the .sql files of drizzle-kit (<n>_<name>.sql with meta/_journal.json) or Prisma (<timestamp>_<name>/migration.sql with migration_lock.toml).",
    },
    ...unqualifyPublicOption,
    ...dryRunOption,
    ...bulkOptions,
    ...connectionOptions,
    ...tenantTargetOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: [
    'tenantry create --schema tenant_acme --username acme_user',
    'printf %s "$ACME_PASSWORD" | tenantry create --schema tenant_acme --username acme_user --password-stdin',
    'tenantry create --schema tenant_acme --username acme_user --setting statement_timeout=5s --label plan=gold --dry-run',
    'tenantry create --from tenants.csv --credentials-out creds.jsonl --concurrency 8',
    'tenantry create --from tenants.csv --credentials-out creds.jsonl --append   # resume: existing tenants are skipped',
    'tenantry create --schema tenant_acme --username acme_user --migrations ./drizzle --unqualify-public',
  ],
  async run(args: ParsedArgs, context) {
    const command = context.command;
    const { defaults } = context;
    const given = creationFields(args, command);
    // Labels from the config file or TENANTRY_LABELS under the --label ones, key by key.
    const fields = defaults.labels ? { ...given, labels: { ...defaults.labels, ...given.labels } } : given;
    const migrations = stringValue(args, 'migrations') ?? defaults.migrations;
    if (booleanValue(args, 'unqualify-public') && migrations === undefined) {
      throw new UsageError('--unqualify-public only goes with --migrations.', { command });
    }
    const tenantConnection = tenantTargetValue(args, command, defaults.tenantConnection);
    const from = stringValue(args, 'from');
    if (from !== undefined) {
      for (const single of ['schema', 'username', 'password-stdin', 'password-file']) {
        if (args.values[single] !== undefined) throw new UsageError(`--${single} cannot be combined with --from.`, { command });
      }
      const format = stringValue(args, 'format');
      if (format !== undefined && !['csv', 'json', 'jsonl'].includes(format)) {
        throw new UsageError(`--format must be csv, json or jsonl, got '${format}'.`, { command });
      }
      const delimiterText = stringValue(args, 'delimiter');
      const delimiter = delimiterText !== undefined && Object.hasOwn(DELIMITERS, delimiterText) ? DELIMITERS[delimiterText] : undefined;
      if (delimiterText !== undefined && delimiter === undefined) throw new UsageError(`--delimiter must be ',', ';' or tab, got '${delimiterText}'.`, { command });
      const { createFromFile } = await import('../bulk/create-from-file.js');
      return createFromFile(
        {
          databaseUrl: databaseUrlOf(args),
          from,
          format: format as InputFormatOption,
          delimiter,
          credentialsOut: stringValue(args, 'credentials-out'),
          append: booleanValue(args, 'append'),
          concurrency: integerValue(args, 'concurrency', command, { min: 1, max: 64 }) ?? defaults.concurrency ?? 4,
          defaults: fields,
          migrations,
          unqualifyPublic: booleanValue(args, 'unqualify-public'),
          dryRun: booleanValue(args, 'dry-run'),
          json: booleanValue(args, 'json'),
          tenantConnection,
        },
        context,
      );
    }
    for (const bulkOnly of ['credentials-out', 'append', 'concurrency', 'format', 'delimiter']) {
      if (args.values[bulkOnly] !== undefined) throw new UsageError(`--${bulkOnly} only goes with --from.`, { command });
    }
    const schemaName = requireString(args, 'schema', command);
    const username = requireString(args, 'username', command);
    const password = await readGivenPassword(args, context);
    return createTenant(
      {
        databaseUrl: databaseUrlOf(args),
        schemaName,
        username,
        password,
        fields,
        migrations,
        unqualifyPublic: booleanValue(args, 'unqualify-public'),
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
        tenantConnection,
      },
      context,
    );
  },
};
