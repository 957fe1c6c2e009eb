import { booleanValue, connectionOptions, dryRunOption, helpOption, jsonOption, listValue, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields } from '../output.js';

export interface InitOptions {
  databaseUrl?: string | undefined;
  /** Roles that keep USAGE on schema public (the admin always does). */
  keepPublicFor: readonly string[];
  dryRun: boolean;
  json: boolean;
}

/**
 * Prepares the database for tenants (`admin.prepare`): PUBLIC loses its rights
 * on schema `public`; the admin and `keepPublicFor` keep USAGE. Idempotent.
 */
export async function initDatabase(options: InitOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  return context.withAdmin(options.databaseUrl, async (handle) => {
    if (options.dryRun) {
      const { planDocument, planText } = await import('../plans.js');
      const plan = await handle.admin.planPrepare({ keepPublicFor: options.keepPublicFor });
      if (options.json) await output.json(planDocument(plan, { changed: plan.statements.length > 0 }));
      else await output.out(planText(plan, 'nothing to change: the database is already prepared'));
      output.err('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    const report = await handle.admin.prepare({ keepPublicFor: options.keepPublicFor });
    if (options.json) {
      await output.json(report);
      return ExitCode.ok;
    }
    const { style } = output;
    if (!report.changed) {
      await output.out(`${style.green('✔')} Database "${report.database}" is already prepared: nothing to change.\n`);
      return ExitCode.ok;
    }
    await output.out(
      `${style.green('✔')} Prepared database "${report.database}" for tenants.\n` +
        formatFields(
          [
            ['revoked from PUBLIC', report.revokedFromPublic.length > 0 ? `${report.revokedFromPublic.join(', ')} on schema public` : '-'],
            ['kept USAGE for', report.grantedUsageTo.length > 0 ? report.grantedUsageTo.join(', ') : '-'],
          ],
          style,
        ) +
        `${style.dim('statements:')}\n${report.statements.map((statement) => `  ${statement}`).join('\n')}\n`,
    );
    return ExitCode.ok;
  });
}

export const init: CommandDefinition = {
  name: 'init',
  summary: 'Prepare a database for tenants (revoke PUBLIC\'s rights on schema public). Idempotent.',
  usage: ['init [--keep-public-for <role>]... [--dry-run] [--json]'],
  description:
    "Takes PUBLIC's rights on schema public away, so tenants can neither create nor reach anything there. The admin and the roles named with --keep-public-for (your application's own role, say) keep USAGE. Run it once per database, before the first create; running it again changes nothing and says so.",
  options: {
    'keep-public-for': { type: 'string', multiple: true, value: '<role>', description: 'A role that keeps USAGE on schema public. Repeatable.' },
    ...dryRunOption,
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['DATABASE_URL=postgresql://admin@db.internal/app tenantry init', 'tenantry init --keep-public-for app_role --dry-run'],
  run: (args: ParsedArgs, context) =>
    initDatabase(
      {
        databaseUrl: databaseUrlOf(args),
        keepPublicFor: listValue(args, 'keep-public-for'),
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
      },
      context,
    ),
};
