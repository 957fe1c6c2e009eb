import { booleanValue, connectionOptions, helpOption, jsonOption, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { usableSchemaName } from '../tenant-arguments.js';
import { formatFields, printable } from '../output.js';
import { formatLabels } from './list.js';

export interface ShowOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  json?: boolean;
}

/** One tenant with its role's settings (`admin.getTenant`). Exit 1 when there is no such tenant. */
export async function showTenant(options: ShowOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  await usableSchemaName(options.schemaName, options.databaseUrl, context);
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    const tenant = await admin.getTenant(options.schemaName);
    if (tenant === undefined) {
      const message = `No Tenantry tenant with schema "${options.schemaName}" in this database.`;
      if (options.json) await output.json({ error: { code: 'TENANT_NOT_FOUND', message } });
      output.err(`${output.errStyle.red('error:')} ${message}`);
      return ExitCode.failure;
    }
    if (options.json) {
      await output.json(tenant);
      return ExitCode.ok;
    }
    const { style } = output;
    const list = (items: readonly string[]) => (items.length === 0 ? '-' : items.join(', '));
    await output.out(
      `Tenant ${style.bold(tenant.schemaName)}\n` +
        formatFields(
          [
            ['schema', tenant.schemaName],
            ['username', tenant.username],
            ['created', tenant.createdAt.toISOString()],
            ['role intact', tenant.removing ? style.yellow(`no: being removed since ${tenant.removing.since.toISOString()} by ${printable(tenant.removing.by)} (tenantry remove resumes it)`) : tenant.roleIntact ? 'yes' : style.red('no: the role is gone or its marker does not point back')],
            ['suspended', tenant.suspended ? style.yellow(`since ${tenant.suspended.since.toISOString()}, by ${printable(tenant.suspended.by)}`) : 'no'],
            ['connection limit', tenant.connectionLimit === -1 ? 'none' : String(tenant.connectionLimit)],
            ['valid until', tenant.validUntil ? tenant.validUntil.toISOString() : 'never'],
            ['settings', list(Object.entries(tenant.settings).map(([key, value]) => `${key}=${value}`))],
            ['member of', list(tenant.memberOf)],
            ['members', list(tenant.members)],
            ['labels', formatLabels(tenant.labels)],
            ...(tenant.placement === undefined
              ? []
              : [['lives on', tenant.placement.node ?? (tenant.placement.distributed ? 'no node yet (no table)' : 'the coordinator (not distributed)')] as [string, string]]),
          ],
          style,
        ),
    );
    return ExitCode.ok;
  });
}

export const show: CommandDefinition = {
  name: 'show',
  summary: "Show one tenant: its role, limits, settings, memberships and labels.",
  usage: ['show <schema> [--json]'],
  description: "Shows one tenant Tenantry created, by its schema name, with its role's connection limit, password expiry, settings in this database, memberships and labels. Exit 1 when there is no such tenant.",
  options: { ...connectionOptions, ...jsonOption, ...helpOption },
  positionals: { min: 1, max: 1, names: '<schema>' },
  examples: ['tenantry show tenant_acme', 'tenantry show tenant_acme --json'],
  run: (args: ParsedArgs, context) =>
    showTenant({ databaseUrl: databaseUrlOf(args), schemaName: args.positionals[0]!, json: booleanValue(args, 'json') }, context),
};
