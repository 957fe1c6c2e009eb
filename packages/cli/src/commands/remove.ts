import { createInterface } from 'node:readline';
import { booleanValue, connectionOptions, dryRunOption, helpOption, jsonOption, requireString, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { usableTenantNames } from '../tenant-arguments.js';
import { UsageError } from '../usage-error.js';

export interface RemoveOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  username: string;
  /** Skip the confirmation. Required when standard input is not a terminal. */
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  /** Also drop what the tenant's role owns or holds in other databases (`dropOwnedInOtherDatabases`). */
  dropOwnedInOtherDatabases?: boolean;
}

/**
 * Removes a tenant (`admin.removeTenant`): its schema with every object in
 * it, its privileges, and its role. Asks first on a terminal unless `yes`;
 * without a terminal, `yes` is required (exit 2). An abort exits 1.
 */
export async function removeTenant(options: RemoveOptions, context: CommandContext): Promise<number> {
  const { output, io, command } = context;
  await usableTenantNames(options, options.databaseUrl, context);
  const ref = { schemaName: options.schemaName, username: options.username };
  const removeOptions = { dropOwnedInOtherDatabases: options.dropOwnedInOtherDatabases === true };
  if (!options.dryRun && !options.yes && !io.stdinIsTTY) {
    throw new UsageError(
      `refusing to remove tenant "${ref.schemaName}" without confirmation: standard input is not a terminal, so there is no one to ask.`,
      { command, hint: 'Add --yes to confirm (or --dry-run to see what would be dropped).' },
    );
  }
  return context.withAdmin(options.databaseUrl, async (handle) => {
    const { planDocument, planText } = await import('../plans.js');
    if (options.dryRun) {
      const plan = await handle.admin.planRemoveTenant(ref, removeOptions);
      if (options.json) await output.json(planDocument(plan, ref));
      else await output.out(planText(plan, 'nothing to run'));
      output.err('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    if (!options.yes) {
      // Check it exists and is Tenantry's before asking (the same checks removeTenant makes again), and show what would run.
      const plan = await handle.admin.planRemoveTenant(ref, removeOptions);
      const elsewhere = removeOptions.dropOwnedInOtherDatabases ? ', what its login owns or holds in other databases,' : '';
      const answer = await ask(
        context,
        `Remove tenant ${output.errStyle.bold(ref.schemaName)}: its schema with every table and row in it${elsewhere} and its login ${JSON.stringify(ref.username)}? It runs:\n` +
          planText(plan, 'nothing to run') +
          `This cannot be undone. Type the schema name to confirm: `,
      );
      if (answer !== ref.schemaName) {
        output.err(answer === undefined ? 'Aborted (no answer): nothing was removed.' : 'Aborted: the answer was not the schema name; nothing was removed.');
        if (options.json) await output.json({ removed: false, aborted: true, ...ref });
        return ExitCode.failure;
      }
    }
    await handle.admin.removeTenant(ref, removeOptions);
    if (options.json) await output.json({ removed: true, ...ref });
    else await output.out(`${output.style.green('✔')} Removed tenant ${output.style.bold(ref.schemaName)} (its schema with everything in it, and its login ${JSON.stringify(ref.username)}).\n`);
    return ExitCode.ok;
  });
}

/** One line from the terminal, the prompt on stderr; undefined at end of input. */
async function ask(context: CommandContext, prompt: string): Promise<string | undefined> {
  const { io } = context;
  io.stderr.write(prompt);
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of lines) return line.trim();
    return undefined;
  } finally {
    lines.close();
  }
}

export const remove: CommandDefinition = {
  name: 'remove',
  summary: 'Remove a tenant: its schema with everything in it, and its role. Asks first.',
  usage: ['remove --schema <name> --username <name> [--yes] [--drop-owned-in-other-databases] [--dry-run] [--json]'],
  description:
    "Drops the tenant's schema with every object in it (including those the tenant created), the role's remaining privileges and default privileges, and the role, in one transaction. " +
    "Only tenants Tenantry created (checked by their markers). The tenant's open sessions, in every database, are ended. " +
    'Objects the role owns or holds in other databases of the cluster (a large object or default privileges made in postgres, say) stop the removal (exit 1, naming them) unless --drop-owned-in-other-databases. ' +
    'On a terminal it asks you to type the schema name; otherwise --yes is required (exit 2 without it). Answering anything else aborts (exit 1).',
  options: {
    schema: { type: 'string', value: '<name>', description: "The tenant's schema." },
    username: { type: 'string', value: '<name>', description: "The tenant's role (must be the schema's tenant)." },
    yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation.' },
    'drop-owned-in-other-databases': {
      type: 'boolean',
      description: "Also drop what the tenant's role owns or holds in other databases of the cluster: connects to each as the admin and runs DROP OWNED BY there first.",
    },
    ...dryRunOption,
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry remove --schema tenant_acme --username acme_user', 'tenantry remove --schema tenant_acme --username acme_user --yes', 'tenantry remove --schema tenant_acme --username acme_user --dry-run'],
  run: (args: ParsedArgs, context) =>
    removeTenant(
      {
        databaseUrl: databaseUrlOf(args),
        schemaName: requireString(args, 'schema', context.command),
        username: requireString(args, 'username', context.command),
        yes: booleanValue(args, 'yes'),
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
        dropOwnedInOtherDatabases: booleanValue(args, 'drop-owned-in-other-databases'),
      },
      context,
    ),
};
