import { booleanValue, connectionOptions, helpOption, jsonOption, requireString, stringValue, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields } from '../output.js';
import { usableTenantNames } from '../tenant-arguments.js';
import { UsageError } from '../usage-error.js';

export interface RenameOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  username: string;
  /** The schema's new name; unchanged when absent. */
  newSchemaName?: string | undefined;
  /** The login's new name; unchanged when absent. */
  newUsername?: string | undefined;
  json?: boolean;
}

/** Renames a tenant's schema, login, or both (`admin.renameTenant`). */
export async function renameTenant(options: RenameOptions, context: CommandContext): Promise<number> {
  const { output, command } = context;
  if (options.newSchemaName === undefined && options.newUsername === undefined) {
    throw new UsageError('nothing to rename: give --new-schema, --new-username, or both.', { command });
  }
  await usableTenantNames(options, options.databaseUrl, context);
  await usableTenantNames({ schemaName: options.newSchemaName ?? options.schemaName, username: options.newUsername ?? options.username }, options.databaseUrl, context);
  const ref = { schemaName: options.schemaName, username: options.username };
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    const renamed = await admin.renameTenant(ref, { schemaName: options.newSchemaName, username: options.newUsername });
    if (options.json) {
      await output.json({ renamed: true, schemaName: renamed.schemaName, username: renamed.username, previous: renamed.previous, connectionString: renamed.connectionString });
      return ExitCode.ok;
    }
    await output.out(
      `${output.style.green('✔')} Renamed tenant ${output.style.bold(ref.schemaName)} (login ${JSON.stringify(ref.username)}):\n` +
        formatFields(
          [
            ['schema', renamed.schemaName],
            ['username', renamed.username],
            ['connection', renamed.connectionString],
          ],
          output.style,
        ),
    );
    output.err('The password did not change and is not shown (Tenantry keeps none): add it to the connection string, or run rotate-password for a new one. Open sessions of the tenant were ended.');
    return ExitCode.ok;
  });
}

export const rename: CommandDefinition = {
  name: 'rename',
  summary: "Rename a tenant's schema, login, or both.",
  usage: ['rename --schema <name> --username <name> [--new-schema <name>] [--new-username <name>] [--json]'],
  description:
    "Renames the tenant's schema and/or login role in one transaction: the markers are rewritten (labels, memberships and the migrations ledger kept), " +
    "the login's search_path follows the schema, and the tenant's open sessions are ended (their search_path and user name are the old ones). " +
    'Tables stay where they are, Kysely\'s migration history included. The password keeps working under the new name; it is not shown. ' +
    'A new name that is taken is refused (exit 1) and nothing is changed. PostgreSQL only: the MySQL family and Citus refuse it (exit 1).',
  options: {
    schema: { type: 'string', value: '<name>', description: "The tenant's schema now." },
    username: { type: 'string', value: '<name>', description: "The tenant's role now." },
    'new-schema': { type: 'string', value: '<name>', description: "The schema's new name." },
    'new-username': { type: 'string', value: '<name>', description: "The role's new name." },
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: [
    'tenantry rename --schema tenant_acme --username acme_user --new-schema tenant_acme_corp --new-username acme_corp_user',
    'tenantry rename --schema tenant_acme --username acme_user --new-username acme_app',
  ],
  run: (args: ParsedArgs, context) =>
    renameTenant(
      {
        databaseUrl: databaseUrlOf(args),
        schemaName: requireString(args, 'schema', context.command),
        username: requireString(args, 'username', context.command),
        newSchemaName: stringValue(args, 'new-schema'),
        newUsername: stringValue(args, 'new-username'),
        json: booleanValue(args, 'json'),
      },
      context,
    ),
};
