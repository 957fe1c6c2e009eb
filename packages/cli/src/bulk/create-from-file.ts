import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { redactConnectionString, TenantryError, validatePassword, type TenantConfig } from '@tenantry/core';
import { formatPlan, parseTenantSpec, type TenantryDialect } from '@tenantry/sql';
import type { TenantTargetSetting } from '../args.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import type { CreationFields } from '../tenant-options.js';
import { UsageError } from '../usage-error.js';
import { checkCredentialsTarget, CredentialsFile } from './credentials-file.js';
import { InputError } from './input-error.js';
import { Progress } from './progress.js';
import { formatOf, readTenantRows, type CsvDelimiter, type InputFormat, type TenantRow } from './tenant-rows.js';

export type InputFormatOption = InputFormat | undefined;

export interface CreateFromFileOptions {
  databaseUrl?: string | undefined;
  /** Where tenants connect, when not the admin's server (`--tenant-host`, ...). */
  tenantConnection?: TenantTargetSetting | undefined;
  /** A path, or `-` for standard input. */
  from: string;
  format?: InputFormatOption;
  /** The CSV delimiter; default: the one the header line holds (comma, semicolon or tab). */
  delimiter?: CsvDelimiter | undefined;
  /** Required unless `dryRun`: where the credentials go, one JSON line per created tenant. */
  credentialsOut?: string | undefined;
  append?: boolean;
  /** Tenants created at once, 1 to 64. Default 4. */
  concurrency?: number;
  /** Creation options applied to every row (a row's own values win; labels are merged). */
  defaults?: CreationFields;
  /** A folder of migrations (Kysely's, drizzle-kit's or Prisma's) to run in each new tenant, in its creating transaction. */
  migrations?: string | undefined;
  /** Drop the `public.` qualifiers of drizzle-kit's or Prisma's files. */
  unqualifyPublic?: boolean | undefined;
  dryRun?: boolean;
  json?: boolean;
}

/** A failed row, for the summary. */
export interface RowFailure {
  line: number;
  schemaName?: string | undefined;
  username?: string | undefined;
  code: string;
  message: string;
}

/** The summary of a bulk run (also its --json document). */
export interface BulkSummary {
  rows: number;
  created: number;
  skipped: number;
  failed: number;
  /** True when Ctrl-C stopped the run: rows after the last one read were not attempted. */
  interrupted: boolean;
  credentialsFile: string | undefined;
  /** The first failures (at most MAX_LISTED_FAILURES); every one was also reported on stderr as it happened. */
  failures: RowFailure[];
  /** Failures beyond those listed. */
  failuresNotListed: number;
  seconds: number;
}

/** Failures kept for the summary; the rest are only counted (each was reported on stderr). */
const MAX_LISTED_FAILURES = 1000;

/**
 * Creates every tenant of a CSV/JSON/JSON-lines file with bounded concurrency
 * (`admin.createTenantsStream`, skipping tenants that already exist, so a
 * rerun resumes). The input is streamed; credentials are written to a 0600
 * file as each tenant is created; bad rows are reported with their line
 * number and do not stop the others. Exit code 1 when any row failed.
 */
export async function createFromFile(options: CreateFromFileOptions, context: CommandContext): Promise<number> {
  const { output, command } = context;
  const started = Date.now();
  if (!options.dryRun && options.credentialsOut === undefined) {
    throw new UsageError('--from needs --credentials-out <file>: the generated passwords are written there, and nowhere else.', { command });
  }
  const format = options.format ?? (options.from === '-' ? undefined : formatOf(options.from));
  if (format === undefined) {
    throw new UsageError(`cannot tell the format of ${options.from === '-' ? 'standard input' : options.from}: add --format csv, json or jsonl.`, { command });
  }
  const inputPath = options.from === '-' ? undefined : context.resolvePath(options.from);
  // Rows are checked by the rules of the dialect the admin will run.
  const dialect = await context.targetDialect(options.databaseUrl);
  if (inputPath !== undefined) {
    const info = await stat(inputPath).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`--from: ${options.from} is not a readable file.`, { command });
  }
  const openInput = (): Readable => (inputPath === undefined ? context.io.stdin : createReadStream(inputPath));
  const concurrency = options.concurrency ?? 4;
  const { migrationFolder } = await import('../migrations.js');
  const migrations = options.migrations === undefined ? undefined : await migrationFolder(options.migrations, context, { unqualifyPublic: options.unqualifyPublic });
  let credentialsPath: string | undefined;
  if (!options.dryRun && options.credentialsOut !== undefined) {
    credentialsPath = context.resolvePath(options.credentialsOut);
    await checkCredentialsTarget(credentialsPath, options.credentialsOut, options.append ?? false, command);
  }

  const summary: BulkSummary = {
    rows: 0,
    created: 0,
    skipped: 0,
    failed: 0,
    interrupted: false,
    credentialsFile: options.credentialsOut,
    failures: [],
    failuresNotListed: 0,
    seconds: 0,
  };
  // Counting first gives the bar its total: a second, cheap pass over a file (never over stdin).
  const total = context.io.stderrIsTTY && inputPath !== undefined && !options.json ? await countRows(openInput, format, options.delimiter) : undefined;
  const progress = new Progress(output, options.dryRun ? { succeeded: 'planned', skipped: 'would be skipped' } : { succeeded: 'created', skipped: 'skipped' });
  const report = () => progress.update({ done: summary.rows, total, succeeded: summary.created, skipped: summary.skipped, failed: summary.failed });
  const fail = (reported: RowFailure) => {
    const failure = clipped(reported);
    summary.failed++;
    if (summary.failures.length < MAX_LISTED_FAILURES) summary.failures.push(failure);
    else summary.failuresNotListed++;
    const who = failure.schemaName ? ` ${JSON.stringify(failure.schemaName)}` : '';
    progress.log(`${output.errStyle.red(`line ${failure.line}${who}:`)} ${failure.message}`);
    report();
  };

  /** The rows that can be attempted; bad ones are reported here and not passed on. */
  async function* goodRows(lines: Map<number, number>): AsyncGenerator<TenantConfig> {
    let index = 0;
    try {
      for await (const row of readTenantRows(openInput(), format!, { delimiter: options.delimiter })) {
        if (context.io.signal?.aborted) {
          summary.interrupted = true;
          return;
        }
        summary.rows++;
        const config = checkRow(dialect, row, options.defaults ?? {});
        if (!config.ok) {
          fail(config.failure);
          continue;
        }
        lines.set(index++, row.line);
        yield config.config;
      }
    } catch (error) {
      if (error instanceof InputError) {
        summary.rows++;
        fail({ line: error.line, code: 'INPUT', message: `${error.message}; nothing after this line was read` });
        return;
      }
      throw error;
    }
  }

  const run = context.withAdmin(
    options.databaseUrl,
    async (handle) => {
      await handle.admin.serverInfo(); // connect (and fail) before creating the credentials file
      if (options.dryRun) {
        await dryRun(handle.admin, goodRows, summary, output, options.json ?? false, report, migrations && { provider: migrations.provider, names: await migrations.names() });
        return;
      }
      const credentials = await CredentialsFile.open(credentialsPath!, { append: options.append ?? false, shownAs: options.credentialsOut!, command });
      // Ctrl-C now stops reading rows; tenants in flight finish and their credentials are written.
      const allowInterrupts = context.io.deferInterrupts?.();
      try {
        const lines = new Map<number, number>();
        const stream = handle.admin.createTenantsStream(goodRows(lines), {
          concurrency,
          skipExisting: true,
          ...(migrations ? { migrations: migrations.provider } : {}),
        });
        for await (const outcome of stream) {
          const line = lines.get(outcome.index) ?? 0;
          lines.delete(outcome.index);
          if (outcome.status === 'created') {
            await credentials.write({
              line,
              schemaName: outcome.credentials.schemaName,
              username: outcome.credentials.username,
              password: outcome.credentials.password,
              connectionString: outcome.credentials.connectionString,
              createdAt: new Date().toISOString(),
            });
            summary.created++;
            report();
          } else if (outcome.status === 'skipped') {
            summary.skipped++;
            report();
          } else {
            fail({ line, schemaName: outcome.schemaName, username: outcome.username, code: outcome.error.code, message: outcome.error.message });
          }
        }
      } finally {
        allowInterrupts?.();
        await credentials.close();
      }
    },
    { poolSize: concurrency + 1, tenantConnection: options.tenantConnection },
  );
  try {
    await run;
  } catch (error) {
    progress.finish();
    // A streamed --json dry run that fails midway still ends as one document, with the error.
    if (options.dryRun && options.json && output.jsonWritten) {
      const failure = TenantryError.isInstance(error) ? { code: error.code, message: error.message } : { code: 'UNEXPECTED', message: String(error).replace(/postgres(?:ql)?:\/\/\S+/gi, (url) => redactConnectionString(url)) };
      await output.out(`],\n  "error": ${JSON.stringify(failure)}\n}\n`);
    }
    throw error;
  }
  progress.finish();
  summary.seconds = Number(((Date.now() - started) / 1000).toFixed(3));
  if (options.dryRun) {
    if (options.json) {
      const { failures, failuresNotListed, rows, created, skipped, failed, interrupted } = summary;
      const tally = { rows, wouldCreate: created, wouldSkip: skipped, failed, interrupted, failures, failuresNotListed };
      await output.out(`],\n  "summary": ${JSON.stringify(tally)}\n}\n`);
    } else {
      await printSummary(output, summary, false, true);
    }
    output.err('Dry run: nothing was changed.');
  } else {
    await printSummary(output, summary, options.json ?? false, false);
  }
  return summary.interrupted ? ExitCode.interrupted : summary.failed > 0 ? ExitCode.failure : ExitCode.ok;
}

/** Longest schema or user name a failure keeps (a valid one is at most 63 bytes). */
const MAX_SHOWN_NAME = 80;
/** Longest failure message kept (Tenantry's own are far shorter; some quote the input). */
const MAX_SHOWN_MESSAGE = 500;

/**
 * The failure with its names and message cut to a few hundred characters: a
 * bad row of up to 64 KiB must not be kept whole for the summary, a thousand
 * times over, nor printed whole.
 */
function clipped(failure: RowFailure): RowFailure {
  const clip = (text: string | undefined, max: number) => (text !== undefined && text.length > max ? `${text.slice(0, max).replace(/[\uD800-\uDBFF]$/, '')}... (${text.length} characters)` : text);
  return { ...failure, schemaName: clip(failure.schemaName, MAX_SHOWN_NAME), username: clip(failure.username, MAX_SHOWN_NAME), message: clip(failure.message, MAX_SHOWN_MESSAGE)! };
}

type RowCheck = { ok: true; config: TenantConfig } | { ok: false; failure: RowFailure };

/** The row with the command-line defaults applied, checked as createTenant would check it (names and options by the target dialect's rules, password). */
function checkRow(dialect: TenantryDialect, row: TenantRow, defaults: CreationFields): RowCheck {
  if (!row.ok) return { ok: false, failure: { line: row.line, schemaName: row.schemaName, username: row.username, code: 'INPUT', message: row.error } };
  const config: TenantConfig = {
    ...defaults,
    ...row.config,
    ...(defaults.labels || row.config.labels ? { labels: { ...defaults.labels, ...row.config.labels } } : {}),
  };
  try {
    parseTenantSpec(config, dialect);
    if (config.password !== undefined && config.password !== '') validatePassword(config.password);
    return { ok: true, config };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = TenantryError.isInstance(error) ? error.code : 'INPUT';
    return { ok: false, failure: { line: row.line, schemaName: config.schemaName, username: config.username, code, message } };
  }
}

async function countRows(openInput: () => Readable, format: InputFormat, delimiter: CsvDelimiter | undefined): Promise<number | undefined> {
  let rows = 0;
  try {
    for await (const row of readTenantRows(openInput(), format, { delimiter })) {
      void row;
      rows++;
    }
  } catch {
    return undefined; // the real pass reports the problem
  }
  return rows;
}

/**
 * The dry run of a bulk create: for each row, the statements createTenant
 * would run (admin.planCreateTenant), or that it would be skipped or fail.
 * The --json document is streamed as one object, so any number of rows fits;
 * the caller closes it with the summary.
 */
async function dryRun(
  admin: import('@tenantry/admin').DatabaseAdmin,
  goodRows: (lines: Map<number, number>) => AsyncGenerator<TenantConfig>,
  summary: BulkSummary,
  output: Output,
  json: boolean,
  report: () => void,
  migrations: { provider: import('kysely').MigrationProvider; names: string[] } | undefined,
): Promise<void> {
  const lines = new Map<number, number>();
  let index = 0;
  let first = true;
  if (json) {
    output.claimJson();
    await output.out('{\n  "dryRun": true,\n  "action": "create-tenants",\n  "tenants": [');
  }
  for await (const config of goodRows(lines)) {
    const line = lines.get(index) ?? 0;
    lines.delete(index++);
    const tenant = { line, schemaName: config.schemaName, username: config.username };
    let entry: Record<string, unknown>;
    if (await admin.tenantExists(config.schemaName)) {
      summary.skipped++;
      entry = { ...tenant, status: 'would-skip', reason: 'a Tenantry tenant with this schema exists' };
      if (!json) await output.out(`-- line ${line}: tenant ${JSON.stringify(config.schemaName)} exists: would be skipped\n\n`);
    } else {
      const plan = await admin.planCreateTenant(config, migrations ? { migrations: migrations.provider } : {});
      summary.created++;
      entry = {
        ...tenant,
        status: 'would-create',
        statements: plan.statements.map((statement) => statement.toJSON()),
        ...(migrations ? { migrations: migrations.names } : {}),
      };
      const then = migrations ? `-- then, in the same transaction, as the tenant: the migrations ${migrations.names.join(', ') || '(none)'}\n` : '';
      if (!json) await output.out(`-- line ${line}: create tenant ${JSON.stringify(config.schemaName)} (role ${JSON.stringify(config.username)})\n${formatPlan(plan)}\n${then}\n`);
    }
    if (json) {
      await output.out(`${first ? '' : ','}\n    ${JSON.stringify(entry)}`);
      first = false;
    }
    report();
  }
  if (json && !first) await output.out('\n  ');
}

async function printSummary(output: Output, summary: BulkSummary, json: boolean, dryRun: boolean): Promise<void> {
  if (json) {
    await output.json(summary);
    return;
  }
  const { style } = output;
  const counts = dryRun
    ? `${summary.created} would be created, ${summary.skipped} would be skipped (exist), ${summary.failed} failed`
    : `${style.green(`${summary.created} created`)}, ${summary.skipped} skipped (already existed), ${summary.failed > 0 ? style.red(`${summary.failed} failed`) : '0 failed'}`;
  let text = `${dryRun ? '-- ' : ''}${summary.rows} ${summary.rows === 1 ? 'row' : 'rows'}: ${counts}${dryRun ? '' : ` in ${summary.seconds.toFixed(1)} s`}.\n`;
  if (!dryRun && summary.credentialsFile !== undefined) {
    text += `Credentials of the created tenants: ${summary.credentialsFile} (mode 0600; one JSON line each).\n`;
  }
  if (summary.interrupted) text += `${style.yellow('Interrupted')}: rows after the last one read were not attempted. Rerun with --append to resume.\n`;
  if (summary.failures.length > 0) {
    const prefix = dryRun ? '-- ' : '';
    text += `${prefix}Failed rows:\n`;
    for (const failure of summary.failures) {
      text += `${prefix}  line ${failure.line}${failure.schemaName ? ` ${JSON.stringify(failure.schemaName)}` : ''}: ${failure.message}\n`;
    }
    if (summary.failuresNotListed > 0) text += `${prefix}  ... and ${summary.failuresNotListed} more (each was reported on stderr)\n`;
  }
  await output.out(text);
}
