import { booleanValue, connectionOptions, helpOption, jsonOption, type ParsedArgs } from '../args.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTable } from '../output.js';
import { usableSchemaName } from '../tenant-arguments.js';

export interface VerifyOptions {
  databaseUrl?: string | undefined;
  schemaName: string;
  json?: boolean;
}

/** The isolation report of one tenant (`admin.verifyTenant`). Exit 1 when any check fails. */
export async function verifyTenant(options: VerifyOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  await usableSchemaName(options.schemaName, options.databaseUrl, context);
  return context.withAdmin(options.databaseUrl, async ({ admin }) => {
    const report = await admin.verifyTenant(options.schemaName);
    if (options.json) {
      await output.json(report);
    } else {
      const { style } = output;
      const failed = report.checks.filter((check) => !check.ok).length;
      const suspended = report.suspended ? ` ${style.yellow(`Suspended since ${report.suspended.since.toISOString()} (by ${report.suspended.by}): it cannot log in.`)}` : '';
      const headline = report.ok
        ? `${style.green('✔')} Tenant ${style.bold(report.schemaName)} (role ${JSON.stringify(report.username)}): all ${report.checks.length} checks hold.`
        : `${style.red('✘')} Tenant ${style.bold(report.schemaName)} (role ${JSON.stringify(report.username)}): ${failed} of ${report.checks.length} checks fail.`;
      await output.out(
        `${headline}${suspended}\n` +
          formatTable(
            ['RESULT', 'CHECK', 'PROMISE'],
            report.checks.map((check) => [
              check.ok ? style.green('ok') : style.red('FAIL'),
              check.id,
              check.ok || check.detail === undefined ? check.description : `${check.description}: ${check.detail}`,
            ]),
            style,
          ),
      );
    }
    return report.ok ? ExitCode.ok : ExitCode.failure;
  });
}

export const verify: CommandDefinition = {
  name: 'verify',
  summary: "Check a tenant's isolation in the catalog; exit 1 when a promise does not hold.",
  usage: ['verify <schema> [--json]'],
  description:
    "Reads the catalog and checks every promise Tenantry makes about a tenant (its role is no superuser, it has no rights on public or on other tenants' schemas, its search_path is its own schema, ...). Exit 0 when all hold, 1 otherwise.",
  options: { ...connectionOptions, ...jsonOption, ...helpOption },
  positionals: { min: 1, max: 1, names: '<schema>' },
  examples: ['tenantry verify tenant_acme', 'tenantry verify tenant_acme --json | jq ".checks[] | select(.ok | not)"'],
  run: (args: ParsedArgs, context) =>
    verifyTenant({ databaseUrl: databaseUrlOf(args), schemaName: args.positionals[0]!, json: booleanValue(args, 'json') }, context),
};
