import { TenantryError, type MigrationsStoppedError, type MigrationsStopReason, type TenantMigrationOutcome } from '@tenantry/admin';
import type { MigrationProvider } from 'kysely';
import type { AdminHandle } from '../admin-handle.js';
import { booleanValue, connectionOptions, dryRunOption, helpOption, integerValue, jsonOption, stringValue, unqualifyPublicOption, type ParsedArgs } from '../args.js';
import { Progress } from '../bulk/progress.js';
import { databaseUrlOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatTable } from '../output.js';
import { UsageError } from '../usage-error.js';

export interface MigrateOptions {
  databaseUrl?: string | undefined;
  /** A folder of migrations: Kysely's (.js/.mjs files exporting up), or drizzle-kit's or Prisma's .sql files; optional with `status`. */
  migrations: string | undefined;
  /** Drop the `public.` qualifiers of drizzle-kit's or Prisma's files. */
  unqualifyPublic?: boolean | undefined;
  /** Tenants migrated at once, 1 to 64. Default 4. */
  concurrency?: number | undefined;
  /** Migrate this many tenants first; stop if any of them fails. */
  canary?: number | undefined;
  /** Stop once more tenants failed than this. */
  maxFailures?: number | undefined;
  /** How long one tenant waits for a lock before it is put aside (and tried again at the end). */
  lockTimeoutMillis?: number | undefined;
  /** A file to write every tenant's outcome to, as JSON. */
  report?: string | undefined;
  /** Only count the tenants at each migration. */
  status?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Brings every tenant to the latest migration (`admin.migrateTenants`): each
 * in its own transaction, as the tenant's role, `concurrency` at a time.
 * Exit 1 when any tenant failed (it was rolled back; the others went on), when
 * the run stopped (canary, failure threshold), or when a migrator role could
 * not be dropped (named on stderr, with the fix). An interrupt starts no
 * further tenant, lets those in flight finish, and exits 130; running again
 * goes on where it stopped.
 */
export async function migrateTenants(options: MigrateOptions, context: CommandContext): Promise<number> {
  const { output, io } = context;
  const { migrationFolder } = await import('../migrations.js');
  if (options.status) return status(options, context);
  const folder = await migrationFolder(requireFolder(options, context), context, { unqualifyPublic: options.unqualifyPublic });
  const names = await folder.names();
  const concurrency = options.concurrency ?? 4;
  return context.withAdmin(
    options.databaseUrl,
    async (handle) => {
      if (options.dryRun) return dryRun(handle, names, { migrations: folder.provider, concurrency, json: options.json ?? false }, context);
      const progress = new Progress(output, { succeeded: 'migrated', skipped: 'up to date', noun: 'tenants' });
      const allowInterrupts = io.deferInterrupts?.();
      const startedAt = new Date();
      let outcomes: readonly TenantMigrationOutcome[];
      let stopped: MigrationsStopReason | undefined;
      try {
        outcomes = await handle.admin.migrateTenants({
          migrations: folder.provider,
          concurrency,
          canary: options.canary,
          maxFailures: options.maxFailures,
          lockTimeoutMillis: options.lockTimeoutMillis,
          signal: io.signal,
          onProgress: ({ last, ...counts }) => {
            if (last.status === 'failed') progress.log(`${output.errStyle.red(`${last.schemaName}:`)} ${last.error?.message ?? 'failed'}`);
            if (last.leftoverRole !== undefined) progress.log(leftoverLine(last, context));
            progress.update(counts);
          },
        });
      } catch (error) {
        if (!isStopped(error)) throw error;
        ({ outcomes, reason: stopped } = error);
      } finally {
        allowInterrupts?.();
      }
      progress.finish();
      const migrated = outcomes.filter((outcome) => outcome.status === 'migrated').length;
      const failed = outcomes.filter((outcome) => outcome.status === 'failed').length;
      const upToDate = outcomes.length - migrated - failed;
      const leftovers = outcomes.filter((outcome) => outcome.leftoverRole !== undefined).length;
      const summary = { migrations: names, tenants: outcomes.map(jsonOutcome), migrated, upToDate, failed, leftoverRoles: leftovers, ...(stopped ? { stopped } : {}) };
      if (options.report !== undefined) {
        await writeReport(context.resolvePath(options.report), { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ...summary });
      }
      if (options.json) {
        await output.json(stopped === 'aborted' ? { interrupted: true, ...summary } : summary);
      } else {
        const { style } = output;
        const worthListing = outcomes.filter((outcome) => outcome.status !== 'up-to-date');
        if (worthListing.length > 0) {
          await output.out(
            formatTable(
              ['SCHEMA', 'STATUS', 'APPLIED'],
              worthListing.map((outcome) => [
                outcome.schemaName,
                outcome.status === 'failed' ? style.red(outcome.retried ? 'failed (busy)' : 'failed') : style.green('migrated'),
                outcome.status === 'failed' ? (outcome.error?.message ?? '') : outcome.applied.join(', '),
              ]),
              style,
            ),
          );
        }
        const left = leftovers > 0 ? `, ${leftovers} migrator roles left behind (see above)` : '';
        await output.out(`${outcomes.length} tenants: ${migrated} migrated, ${upToDate} up to date, ${failed} failed${left} (${names.length} migrations in ${folder.folder}).\n`);
      }
      if (stopped !== undefined) output.err(stopMessage(stopped));
      if (stopped === 'aborted') return ExitCode.interrupted;
      return failed > 0 || leftovers > 0 || stopped !== undefined ? ExitCode.failure : ExitCode.ok;
    },
    { poolSize: concurrency + 1 },
  );
}

function requireFolder(options: MigrateOptions, context: CommandContext): string {
  if (options.migrations === undefined) throw new UsageError('--migrations <dir> is required (except with --status).', { command: context.command });
  return options.migrations;
}

/** `migrateTenants` stopped early; matched by code, as several copies of the package may be loaded. */
function isStopped(error: unknown): error is MigrationsStoppedError {
  return TenantryError.isInstance(error) && error.code === 'MIGRATIONS_STOPPED';
}

function stopMessage(reason: MigrationsStopReason): string {
  const why = {
    'canary-failed': 'Stopped: a canary tenant failed; no other tenant was started.',
    'too-many-failures': 'Stopped: more tenants failed than --max-failures allows; no further tenant was started.',
    aborted: 'Interrupted: the tenants in flight finished; no further tenant was started.',
  }[reason];
  return `${why} Run migrate again to go on where it stopped (migrated tenants are not touched again).`;
}

/** The report file, written whole or not at all (a temporary file renamed into place). */
async function writeReport(file: string, report: unknown): Promise<void> {
  const { writeFile, rename } = await import('node:fs/promises');
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temporary, file);
}

/**
 * How many tenants stand at each migration (`admin.migrationStatus`), from
 * the admin's records: the listing only, fast at thousands of tenants. With
 * --migrations, also what each group lacks of that folder.
 */
async function status(options: MigrateOptions, context: CommandContext): Promise<number> {
  const { output } = context;
  const { migrationFolder } = await import('../migrations.js');
  const folder = options.migrations === undefined ? undefined : await migrationFolder(options.migrations, context, { unqualifyPublic: options.unqualifyPublic });
  return context.withAdmin(options.databaseUrl, async (handle) => {
    const report = await handle.admin.migrationStatus({ migrations: folder?.provider });
    if (options.json) {
      await output.json(report);
      return ExitCode.ok;
    }
    const rows = report.positions.map((position) => [
      position.last ?? '(no record)',
      position.applied === undefined ? '-' : String(position.applied),
      String(position.tenants),
      ...(folder ? [position.pending === undefined ? '?' : String(position.pending)] : []),
    ]);
    if (rows.length > 0) await output.out(formatTable(['LAST MIGRATION', 'APPLIED', 'TENANTS', ...(folder ? ['PENDING'] : [])], rows, output.style));
    const current = folder ? `; ${report.upToDate} have every migration in ${folder.folder}` : '';
    await output.out(`${report.total} tenants${current}.\n`);
    return ExitCode.ok;
  });
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
  summary: 'Run migrations (Kysely, drizzle-kit or Prisma) in every tenant, each in its own transaction, as the tenant.',
  usage: [
    'migrate --migrations <dir> [--unqualify-public] [--concurrency <n>] [--canary <n>] [--max-failures <n>] [--lock-timeout <ms>] [--report <file>] [--dry-run] [--json]',
    'migrate --status [--migrations <dir>] [--json]',
  ],
  description:
    "Brings every tenant to the latest migration of <dir>: each tenant in its own transaction, under its locks, as the tenant's role, so the tables are the tenant's; its history is in its own kysely_migration table. " +
    "<dir> holds Kysely migrations (compiled .js/.mjs files exporting up(db), applied in file-name order), or the .sql files drizzle-kit generates (<n>_<name>.sql, split at --> statement-breakpoint, in the order of meta/_journal.json) or Prisma does (<timestamp>_<name>/migration.sql beside migration_lock.toml, in folder-name order), each recorded under its file or folder name. " +
    'A failing tenant is rolled back and reported; the others go on (exit 1 at the end, also when a short-lived migrator role could not be dropped). --dry-run lists the migrations each tenant still lacks, reading its history as the tenant, never as the admin. ' +
    "After each tenant, the admin records where it stands (in the role's marker, which the tenant cannot change): tenants recorded as having every migration are reported up to date without being opened, so a run with nothing to do over 10,000 tenants takes seconds. " +
    '--canary <n> migrates n tenants first and stops if any fails; --max-failures <n> stops once more than n failed; --lock-timeout <ms> puts a tenant whose tables are busy aside and tries it once more at the end. ' +
    'Stopped or interrupted (Ctrl-C: the tenants in flight finish), running again goes on where it stopped: no tenant is migrated twice, none is skipped. ' +
    "--report <file> writes every tenant's outcome as JSON. --status counts the tenants at each migration from those records (no tenant opened).",
  options: {
    migrations: { type: 'string', value: '<dir>', description: "The folder of migrations: Kysely's, drizzle-kit's or Prisma's (told apart by their files)." },
    ...unqualifyPublicOption,
    concurrency: { type: 'string', value: '<n>', description: 'Tenants migrated at once, 1 to 64. Default 4.' },
    canary: { type: 'string', value: '<n>', description: 'Migrate n tenants first; stop if any of them fails.' },
    'max-failures': { type: 'string', value: '<n>', description: 'Stop once more than n tenants failed. Default: never stop.' },
    'lock-timeout': { type: 'string', value: '<ms>', description: "How long a tenant's migrations wait for a lock before the tenant is put aside and tried again at the end. Default: the admin's (30000)." },
    report: { type: 'string', value: '<file>', description: "Write every tenant's outcome to <file> as JSON (also when the run stops)." },
    status: { type: 'boolean', description: 'Count the tenants at each migration (from the admin\'s records; no tenant opened).' },
    ...dryRunOption,
    ...connectionOptions,
    ...jsonOption,
    ...helpOption,
  },
  positionals: { min: 0, max: 0, names: '' },
  examples: [
    'tenantry migrate --migrations ./dist/migrations',
    'tenantry migrate --migrations ./dist/migrations --dry-run',
    'tenantry migrate --migrations ./dist/migrations --canary 10 --max-failures 5 --lock-timeout 2000 --report migrate-report.json',
    'tenantry migrate --status --migrations ./dist/migrations',
    'tenantry migrate --migrations ./drizzle --unqualify-public',
    'tenantry migrate --migrations ./prisma/migrations',
  ],
  run: (args: ParsedArgs, context) =>
    migrateTenants(
      {
        databaseUrl: databaseUrlOf(args),
        migrations: stringValue(args, 'migrations') ?? context.defaults.migrations,
        unqualifyPublic: booleanValue(args, 'unqualify-public'),
        concurrency: integerValue(args, 'concurrency', context.command, { min: 1, max: 64 }) ?? context.defaults.concurrency,
        canary: integerValue(args, 'canary', context.command, { min: 0, max: 1_000_000_000 }),
        maxFailures: integerValue(args, 'max-failures', context.command, { min: 0, max: 1_000_000_000 }),
        lockTimeoutMillis: integerValue(args, 'lock-timeout', context.command, { min: 0, max: 2_147_483_647 }),
        report: stringValue(args, 'report'),
        status: booleanValue(args, 'status'),
        dryRun: booleanValue(args, 'dry-run'),
        json: booleanValue(args, 'json'),
      },
      context,
    ),
};
