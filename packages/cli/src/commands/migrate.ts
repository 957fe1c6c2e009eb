import type { TenantMigrationOutcome, TenantryError } from '@tenantry/admin';
import type { MigrationProvider } from 'kysely';
import type { AdminHandle } from '../admin-handle.js';
import { booleanValue, connectionOptions, dryRunOption, helpOption, integerValue, jsonOption, requireString, type ParsedArgs } from '../args.js';
import { Progress } from '../bulk/progress.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTable } from '../output.js';

export interface MigrateOptions {
  databaseUrl?: string | undefined;
  /** A folder of Kysely migrations (.js/.mjs files exporting up). */
  migrations: string;
  /** Tenants migrated at once, 1 to 64. Default 4. */
  concurrency?: number | undefined;
  dryRun?: boolean;
  json?: boolean;
}

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/**
 * Brings every tenant to the latest migration (`admin.migrateTenants`): each
 * in its own transaction, as the tenant's role, `concurrency` at a time.
 * Exit 1 when any tenant failed (it was rolled back; the others went on), or
 * when a migrator role could not be dropped (named on stderr, with the fix).
 */
export async function migrateTenants(options: MigrateOptions, context: CommandContext): Promise<number> {
  const { output, io } = context;
  const { migrationFolder } = await import('../migrations.js');
  const folder = await migrationFolder(options.migrations, context);
  const names = await folder.names();
  const concurrency = options.concurrency ?? 4;
  return context.withAdmin(
    options.databaseUrl,
    async (handle) => {
      if (options.dryRun) return dryRun(handle, names, { migrations: folder.provider, concurrency, json: options.json ?? false }, context);
      const progress = new Progress(output, { succeeded: 'migrated', skipped: 'up to date', noun: 'tenants' });
      const allowInterrupts = io.deferInterrupts?.();
      let outcomes: TenantMigrationOutcome[];
      try {
        outcomes = await handle.admin.migrateTenants({
          migrations: folder.provider,
          concurrency,
          onProgress: ({ last, ...counts }) => {
            if (last.status === 'failed') progress.log(`${output.errStyle.red(`${last.schemaName}:`)} ${last.error?.message ?? 'failed'}`);
            if (last.leftoverRole !== undefined) progress.log(leftoverLine(last, context));
            progress.update(counts);
            // Stops the run: no tenant starts after this one, those in flight finish.
            if (io.signal?.aborted) throw new Interrupted('interrupted');
          },
        });
      } catch (error) {
        if (error instanceof Interrupted) {
          progress.finish();
          output.err('Interrupted: the tenants in flight finished; no further tenant was started. Run migrate again to go on.');
          if (options.json) await output.json({ interrupted: true });
          return ExitCode.interrupted;
        }
        throw error;
      } finally {
        allowInterrupts?.();
      }
      progress.finish();
      const migrated = outcomes.filter((outcome) => outcome.status === 'migrated').length;
      const failed = outcomes.filter((outcome) => outcome.status === 'failed').length;
      const upToDate = outcomes.length - migrated - failed;
      const leftovers = outcomes.filter((outcome) => outcome.leftoverRole !== undefined).length;
      if (options.json) {
        await output.json({ migrations: names, tenants: outcomes.map(jsonOutcome), migrated, upToDate, failed, leftoverRoles: leftovers });
      } else {
        const { style } = output;
        if (outcomes.length > 0) {
          await output.out(
            formatTable(
              ['SCHEMA', 'STATUS', 'APPLIED'],
              outcomes.map((outcome) => [
                outcome.schemaName,
                outcome.status === 'failed' ? style.red('failed') : outcome.status === 'migrated' ? style.green('migrated') : 'up to date',
                outcome.status === 'failed' ? (outcome.error?.message ?? '') : outcome.applied.length > 0 ? outcome.applied.join(', ') : '-',
              ]),
              style,
            ),
          );
        }
        const left = leftovers > 0 ? `, ${leftovers} migrator roles left behind (see above)` : '';
        await output.out(`${outcomes.length} tenants: ${migrated} migrated, ${upToDate} up to date, ${failed} failed${left} (${names.length} migrations in ${options.migrations}).\n`);
      }
      return failed > 0 || leftovers > 0 ? ExitCode.failure : ExitCode.ok;
    },
    { poolSize: concurrency + 1 },
  );
}

/**
 * What migrate would do, per tenant: the migrations its history lacks
 * (`admin.planMigrateTenants`). The history is read only in a short-lived
 * migrator's session, as the tenant's role, read-only and rolled back: never
 * in the admin's (a tenant can turn that table into a view over its own
 * function). Exit 1 when a tenant's history could not be read, or a migrator
 * role was left behind.
 */
async function dryRun(handle: AdminHandle, names: readonly string[], options: { migrations: MigrationProvider; concurrency: number; json: boolean }, context: CommandContext): Promise<number> {
  const { output } = context;
  const plans = await handle.admin.planMigrateTenants({ migrations: options.migrations, concurrency: options.concurrency });
  for (const plan of plans) if (plan.leftoverRole !== undefined) output.err(leftoverLine(plan, context));
  const failed = plans.filter((plan) => plan.status === 'failed').length;
  const leftovers = plans.filter((plan) => plan.leftoverRole !== undefined).length;
  if (options.json) {
    await output.json({ dryRun: true, action: 'migrate-tenants', migrations: names, tenants: plans.map(jsonOutcome), failed, leftoverRoles: leftovers });
  } else {
    let text = `-- ${names.length} migrations: ${names.length > 0 ? names.join(', ') : '(none)'}\n`;
    text += '-- each tenant in its own transaction, under its locks, as its role, in its schema:\n';
    for (const plan of plans) {
      const who = `${JSON.stringify(plan.schemaName)} (role ${JSON.stringify(plan.username)})`;
      if (plan.status === 'failed') text += `-- ${who}: could not read its history: ${plan.error?.message ?? 'failed'}\n`;
      else if (plan.pending.length === 0) text += `-- ${who}: up to date\n`;
      else text += `-- ${who}: would apply ${plan.pending.join(', ')}\n`;
    }
    if (plans.length === 0) text += '-- no tenants\n';
    await output.out(text);
  }
  output.err('Dry run: nothing was changed.');
  return failed > 0 || leftovers > 0 ? ExitCode.failure : ExitCode.ok;
}

/** A per-tenant result as JSON: errors as { code, message, sqlState }. */
function jsonOutcome<T extends { error?: TenantryError | undefined; cleanupError?: TenantryError | undefined }>(outcome: T) {
  const plain = (error: TenantryError) => ({ code: error.code, message: error.message, sqlState: error.sqlState });
  return {
    ...outcome,
    ...(outcome.error ? { error: plain(outcome.error) } : {}),
    ...(outcome.cleanupError ? { cleanupError: plain(outcome.cleanupError) } : {}),
  };
}

/** A migrator role that could not be dropped is never silent: one line on stderr, naming the fix. */
function leftoverLine(outcome: { schemaName: string; leftoverRole?: string | undefined; cleanupError?: TenantryError | undefined }, context: CommandContext): string {
  return `${context.output.errStyle.red(`${outcome.schemaName}:`)} the migrator role "${outcome.leftoverRole}" was left behind: ${outcome.cleanupError?.message ?? 'it could not be dropped'}`;
}

export const migrate: CommandDefinition = {
  name: 'migrate',
  summary: 'Run Kysely migrations in every tenant, each in its own transaction, as the tenant.',
  usage: ['migrate --migrations <dir> [--concurrency <n>] [--dry-run] [--json]'],
  description:
    "Brings every tenant to the latest migration of <dir> (compiled .js/.mjs files exporting up(db), applied in file-name order): each tenant in its own transaction, under its locks, as the tenant's role, so the tables are the tenant's; its history is in its own kysely_migration table. " +
    'A failing tenant is rolled back and reported; the others go on (exit 1 at the end, also when a short-lived migrator role could not be dropped). --dry-run lists the migrations each tenant still lacks, reading its history as the tenant, never as the admin.',
  options: {
    migrations: { type: 'string', value: '<dir>', description: 'The folder of migrations.' },
    concurrency: { type: 'string', value: '<n>', description: 'Tenants migrated at once, 1 to 64. Default 4.' },
    ...dryRunOption,
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: ['tenantry migrate --migrations ./dist/migrations', 'tenantry migrate --migrations ./dist/migrations --dry-run', 'tenantry migrate --migrations ./dist/migrations --concurrency 16 --json'],
  run: (args: ParsedArgs, context) =>
    migrateTenants(
      {
        databaseUrl: databaseUrlOf(args),
        migrations: requireString(args, 'migrations', context.command),
        concurrency: integerValue(args, 'concurrency', context.command, { min: 1, max: 64 }),
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
      },
      context,
    ),
};
