import type { TenantMigrationOutcome } from '@tenantry/admin';
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
 * Exit 1 when any tenant failed (it was rolled back; the others went on).
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
      if (options.dryRun) return dryRun(handle, names, options.json ?? false, context);
      const progress = new Progress(output, { succeeded: 'migrated', skipped: 'up to date', noun: 'tenants' });
      const allowInterrupts = io.deferInterrupts?.();
      let outcomes: TenantMigrationOutcome[];
      try {
        outcomes = await handle.admin.migrateTenants({
          migrations: folder.provider,
          concurrency,
          onProgress: ({ last, ...counts }) => {
            if (last.status === 'failed') progress.log(`${output.errStyle.red(`${last.schemaName}:`)} ${last.error?.message ?? 'failed'}`);
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
      if (options.json) {
        await output.json({
          migrations: names,
          tenants: outcomes.map((outcome) => ({
            ...outcome,
            ...(outcome.error ? { error: { code: outcome.error.code, message: outcome.error.message, sqlState: outcome.error.sqlState } } : {}),
          })),
          migrated,
          upToDate,
          failed,
        });
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
        await output.out(`${outcomes.length} tenants: ${migrated} migrated, ${upToDate} up to date, ${failed} failed (${names.length} migrations in ${options.migrations}).\n`);
      }
      return failed > 0 ? ExitCode.failure : ExitCode.ok;
    },
    { poolSize: concurrency + 1 },
  );
}

/**
 * What migrate would do, per tenant: the migrations not yet in its
 * `kysely_migration` table, where the admin can read that table (a superuser
 * can; a least-privilege admin cannot read what the tenant owns, and then
 * every migration not yet applied would run, which it cannot tell apart).
 */
async function dryRun(handle: AdminHandle, names: readonly string[], json: boolean, context: CommandContext): Promise<number> {
  const { output } = context;
  const tenants = await handle.admin.listTenants();
  const rows: { schemaName: string; username: string; pending: string[] | null; reason?: string }[] = [];
  for (const tenant of tenants) {
    const applied = await appliedMigrations(handle, tenant.schemaName);
    if (applied === 'unreadable') {
      rows.push({ schemaName: tenant.schemaName, username: tenant.username, pending: null, reason: `the admin cannot read the tenant's migration history` });
    } else {
      rows.push({ schemaName: tenant.schemaName, username: tenant.username, pending: names.filter((name) => !applied.has(name)) });
    }
  }
  if (json) {
    await output.json({ dryRun: true, action: 'migrate-tenants', migrations: names, tenants: rows });
  } else {
    let text = `-- ${names.length} migrations: ${names.length > 0 ? names.join(', ') : '(none)'}\n`;
    text += '-- each tenant in its own transaction, under its locks, as its role, in its schema:\n';
    for (const row of rows) {
      const who = `${JSON.stringify(row.schemaName)} (role ${JSON.stringify(row.username)})`;
      if (row.pending === null) text += `-- ${who}: ${row.reason}: would apply whichever of them are not applied yet\n`;
      else if (row.pending.length === 0) text += `-- ${who}: up to date\n`;
      else text += `-- ${who}: would apply ${row.pending.join(', ')}\n`;
    }
    if (rows.length === 0) text += '-- no tenants\n';
    await output.out(text);
  }
  output.err('Dry run: nothing was changed.');
  return ExitCode.ok;
}

/** The migrations recorded in a tenant's `kysely_migration` table (empty when it has none yet). */
async function appliedMigrations(handle: AdminHandle, schemaName: string): Promise<Set<string> | 'unreadable'> {
  const { DEFAULT_MIGRATION_TABLE } = await import('kysely');
  return handle.read(`read the migrations of tenant "${schemaName}"`, async (client) => {
    const table = await client.query<{ present: boolean; readable: boolean | null }>(
      `SELECT t.oid IS NOT NULL AS present, pg_catalog.has_table_privilege(t.oid::oid, 'SELECT') AS readable
       FROM (SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1::text, $2::text)) AS oid) t`,
      [schemaName, DEFAULT_MIGRATION_TABLE],
    );
    const row = table.rows[0];
    if (!row?.present) return new Set<string>();
    if (!row.readable) return 'unreadable';
    const names = await client.query<{ name: string }>(
      `SELECT name FROM ${client.escapeIdentifier(schemaName)}.${client.escapeIdentifier(DEFAULT_MIGRATION_TABLE)}`,
    );
    return new Set(names.rows.map((applied) => applied.name));
  });
}

export const migrate: CommandDefinition = {
  name: 'migrate',
  summary: 'Run Kysely migrations in every tenant, each in its own transaction, as the tenant.',
  usage: ['migrate --migrations <dir> [--concurrency <n>] [--dry-run] [--json]'],
  description:
    "Brings every tenant to the latest migration of <dir> (compiled .js/.mjs files exporting up(db), applied in file-name order): each tenant in its own transaction, under its locks, as the tenant's role, so the tables are the tenant's; its history is in its own kysely_migration table. " +
    'A failing tenant is rolled back and reported; the others go on (exit 1 at the end). --dry-run lists the migrations each tenant still lacks, where the admin can read its history.',
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
