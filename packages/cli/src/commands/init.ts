import { booleanValue, connectionOptions, dryRunOption, helpOption, jsonOption, listValue, stringValue, type ParsedArgs } from '../args.js';
import { UsageError } from '../usage-error.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatFields } from '../output.js';

export interface InitOptions {
  databaseUrl?: string | undefined;
  /** Roles that keep USAGE on schema public (the admin always does). */
  keepPublicFor: readonly string[];
  /** Install the login lookup a pooler's auth_query calls, callable by this role (PgBouncer's auth_user). */
  poolerAuthRole?: string | undefined;
  /** Its schema; default `tenantry_pooler`. */
  poolerAuthSchema?: string | undefined;
  dryRun: boolean;
  json: boolean;
}

/**
 * Prepares the database for tenants (`admin.prepare`): PUBLIC loses its rights
 * on schema `public`; the admin and `keepPublicFor` keep USAGE. Idempotent.
 */
export async function initDatabase(options: InitOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  const prepareOptions = {
    keepPublicFor: options.keepPublicFor,
    ...(options.poolerAuthRole === undefined ? {} : { poolerAuth: { role: options.poolerAuthRole, schema: options.poolerAuthSchema } }),
  };
  return context.withAdmin(options.databaseUrl, async (handle) => {
    if (options.dryRun) {
      const { planDocument, planText } = await import('../plans.js');
      const plan = await handle.admin.planPrepare(prepareOptions);
      if (options.json) await output.json(planDocument(plan, { changed: plan.statements.length > 0 }));
      else await output.out(planText(plan, 'nothing to change: the database is already prepared'));
      output.err('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    const report = await handle.admin.prepare(prepareOptions);
    if (options.json) {
      await output.json(report);
      return ExitCode.ok;
    }
    const { style } = output;
    const authQuery = report.poolerAuthQuery === undefined ? '' : `${style.dim('for pgbouncer.ini:')}\n  auth_user = ${options.poolerAuthRole}\n  auth_query = ${report.poolerAuthQuery}\n`;
    if (!report.changed) {
      await output.out(`${style.green('✔')} Database "${report.database}" is already prepared: nothing to change.\n${authQuery}`);
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
        `${style.dim('statements:')}\n${report.statements.map((statement) => `  ${statement}`).join('\n')}\n` +
        authQuery,
    );
    return ExitCode.ok;
  });
}

export const init: CommandDefinition = {
  name: 'init',
  summary: 'Prepare a database for tenants (revoke PUBLIC\'s rights on schema public). Idempotent.',
  usage: ['init [--keep-public-for <role>]... [--pooler-auth-role <role> [--pooler-auth-schema <schema>]] [--dry-run] [--json]'],
  description:
    "Takes PUBLIC's rights on schema public away, so tenants can neither create nor reach anything there. The admin and the roles named with --keep-public-for (your application's own role, say) keep USAGE. Run it once per database, before the first create; running it again changes nothing and says so.",
  options: {
    'keep-public-for': { type: 'string', multiple: true, value: '<role>', description: 'A role that keeps USAGE on schema public. Repeatable.' },
    'pooler-auth-role': {
      type: 'string',
      value: '<role>',
      description:
        "Also install the login lookup PgBouncer's auth_query calls, callable by this existing role (PgBouncer's auth_user): it answers with the SCRAM verifier of Tenantry's tenants and their valid credentials only, never of the admin or any other role. Needs a superuser admin. Prints the auth_query line.",
    },
    'pooler-auth-schema': { type: 'string', value: '<schema>', description: 'The schema the lookup goes in. Default: tenantry_pooler.' },
    ...dryRunOption,
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: [
    'DATABASE_URL=postgresql://admin@db.internal/app tenantry init',
    'tenantry init --keep-public-for app_role --dry-run',
    'tenantry init --pooler-auth-role pgbouncer_auth   # then auth_user and auth_query in pgbouncer.ini',
  ],
  run: (args: ParsedArgs, context) =>
    initDatabase(
      {
        databaseUrl: databaseUrlOf(args),
        keepPublicFor: listValue(args, 'keep-public-for'),
        poolerAuthRole: stringValue(args, 'pooler-auth-role'),
        poolerAuthSchema: poolerAuthSchemaOf(args, context.command),
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
      },
      context,
    ),
};

function poolerAuthSchemaOf(args: ParsedArgs, command: string): string | undefined {
  const schema = stringValue(args, 'pooler-auth-schema');
  if (schema !== undefined && stringValue(args, 'pooler-auth-role') === undefined) throw new UsageError('--pooler-auth-schema only goes with --pooler-auth-role.', { command });
  return schema;
}
