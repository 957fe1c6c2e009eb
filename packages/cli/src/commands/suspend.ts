import { booleanValue, connectionOptions, helpOption, jsonOption, requireString, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { usableTenantNames } from '../tenant-arguments.js';

export interface SuspensionOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  username: string;
  json?: boolean;
}

/** Suspends a tenant (`admin.suspendTenant`) or ends its suspension (`admin.resumeTenant`). */
export async function changeSuspension(action: 'suspend' | 'resume', options: SuspensionOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  const ref = { schemaName: options.schemaName, username: options.username };
  await usableTenantNames(ref, options.databaseUrl, context);
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    if (action === 'suspend') await admin.suspendTenant(ref);
    else await admin.resumeTenant(ref);
    const tenant = await admin.getTenant(ref.schemaName);
    if (options.json) {
      await output.json({ schemaName: ref.schemaName, username: ref.username, suspended: tenant?.suspended ?? null });
    } else {
      const { style } = output;
      await output.out(
        action === 'suspend'
          ? `${style.green('✔')} Suspended ${style.bold(ref.schemaName)}: it and its credentials cannot log in, their sessions ended; its data stays.\n`
          : `${style.green('✔')} Resumed ${style.bold(ref.schemaName)}: it and its unexpired credentials can log in again.\n`,
      );
    }
    return ExitCode.ok;
  });
}

const tenantOptions = {
  schema: { type: 'string', value: '<name>', description: "The tenant's schema." },
  username: { type: 'string', value: '<name>', description: "The tenant's role." },
  ...connectionOptions,
  ...jsonOption,
  ...helpOption,
} as const;

function runner(action: 'suspend' | 'resume') {
  return (args: ParsedArgs, context: CommandContext) =>
    changeSuspension(
      action,
      {
        databaseUrl: databaseUrlOf(args),
        schemaName: requireString(args, 'schema', context.command),
        username: requireString(args, 'username', context.command),
        json: booleanValue(args, 'json'),
      },
      context,
    );
}

export const suspend: CommandDefinition = {
  name: 'suspend',
  summary: 'Suspend a tenant: no login for it or its credentials, sessions ended, data kept.',
  usage: ['suspend --schema <name> --username <name> [--json]'],
  description:
    "Suspends a tenant (the unpaid account, PostgreSQL only): its login and every credential of it can no longer log in, and their open sessions end. " +
    "Its schema, data and rights stay. list, show and verify show it as suspended (verify does not count it as broken). Undo with 'tenantry resume'.",
  options: tenantOptions,
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry suspend --schema tenant_acme --username acme_user'],
  run: runner('suspend'),
};

export const resume: CommandDefinition = {
  name: 'resume',
  summary: 'End a suspension: the tenant and its unexpired credentials log in again.',
  usage: ['resume --schema <name> --username <name> [--json]'],
  description: "Ends a tenant's suspension: its login works again, and so does each of its credentials that has not expired.",
  options: tenantOptions,
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry resume --schema tenant_acme --username acme_user'],
  run: runner('resume'),
};
