import { booleanValue, connectionOptions, helpOption, jsonOption, requireString, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { usableTenantNames } from '../tenant-arguments.js';

export interface MoveOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  username: string;
  /** The node to move to, `host:port`. */
  to: string;
  json?: boolean;
}

/** Moves a tenant's schema to another node of the cluster (`admin.moveTenant`), and says where it lives now. */
export async function moveTenant(options: MoveOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  const ref = { schemaName: options.schemaName, username: options.username };
  await usableTenantNames(ref, options.databaseUrl, context);
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    await admin.moveTenant(ref, { to: options.to });
    const placement = (await admin.getTenant(ref.schemaName))?.placement;
    if (options.json) await output.json({ moved: true, ...ref, placement });
    else await output.out(`${output.style.green('✔')} Moved tenant ${output.style.bold(ref.schemaName)}: it lives on ${placement?.node ?? options.to} now.\n`);
    return ExitCode.ok;
  });
}

export const move: CommandDefinition = {
  name: 'move',
  summary: "Move a tenant's schema, every table in it, to another node of a Citus cluster.",
  usage: ['move --schema <name> --username <name> --to <host:port> [--json]'],
  description:
    "On a Citus cluster, moves the tenant's distributed schema to the worker named by --to, as the cluster names it (see `tenantry show`, which says where a tenant lives). " +
    "Its writes wait while its tables are copied; reads go on. Only a whole Tenantry tenant moves, under its locks. Elsewhere the command refuses and says why (exit 1).",
  options: {
    ...connectionOptions,
    schema: { type: 'string', value: '<name>', description: "The tenant's schema." },
    username: { type: 'string', value: '<name>', description: "The tenant's role." },
    to: { type: 'string', value: '<host:port>', description: 'The worker to move it to, as pg_dist_node names it.' },
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry show tenant_acme', 'tenantry move --schema tenant_acme --username acme_user --to 10.0.0.12:5432'],
  run: (args: ParsedArgs, context: CommandContext) =>
    moveTenant(
      {
        databaseUrl: databaseUrlOf(args),
        schemaName: requireString(args, 'schema', context.command),
        username: requireString(args, 'username', context.command),
        to: requireString(args, 'to', context.command),
        json: booleanValue(args, 'json'),
      },
      context,
    ),
};
