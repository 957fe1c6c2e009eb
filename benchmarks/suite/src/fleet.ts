/**
 * Issue 12, the fleet: N tenants with a small schema (fleet-schema.ts) on a
 * cluster of their own, then
 * (a) `migrateTenants` with nothing pending, over `smallLevel` tenants (while
 *     the fleet is being built) and over all N: does the cost per tenant grow
 *     with the fleet?
 * (b) `migrateTenants` with one pending migration (a column and an index on
 *     one table), at each concurrency: tenants per second;
 * (c) the baseline: the same DDL sent by pgbench as the superuser, one
 *     transaction (one query, `\;`-joined) per tenant, the same number of
 *     clients, every tenant exactly once (a sequence picks the next schema).
 *
 * Every pending run, Tenantry's and pgbench's, adds its OWN column (named
 * after the run) to the same fleet: each does the same DDL on the same
 * tenants, and nothing has to be undone in between. The table has one more
 * column per earlier run (three at most); the order alternates per
 * concurrency so neither side always comes first.
 *
 * Building the fleet (createTenants with the migrations) is timed and
 * reported, but it is setup, not a measurement.
 */
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin, type BulkProgress, type TenantMigrationOutcome } from '@tenantry/admin';
import { addColumnStatements, fleetMigrations } from './fleet-schema.js';
import { runPgbench } from './pgbench.js';
import { tenantName, withClient } from './setup.js';
import { ident, migrationProvider } from './statement-migrations.js';

/** Concurrency of fleet creation and of the no-op runs (`migrateTenants`' default). */
const BASE_CONCURRENCY = 4;
const SEQUENCE = 'public.bench_fleet_next';
/** Fleet sizes between the small level and N at which creation is timed apart. */
const CREATION_STAGES = [1000, 2000, 5000];
const fleetTenant = (i: number) => tenantName('fleet', 'f', i);
const SCHEMA_PREFIX = fleetTenant(0).schemaName.replace(/\d+$/, '');

export interface FleetStep {
  step: string;
  tenants: number;
  seconds: number;
  /** 1-minute load average when the step ended (the machine may be shared). */
  load1: number;
}

export interface NoopRun {
  tenants: number;
  concurrency: number;
  seconds: number;
  msPerTenant: number;
}

export interface PendingRun {
  concurrency: number;
  tenantry: { tenants: number; seconds: number; tenantsPerSecond: number; leftoverRoles: number };
  pgbench: { tenants: number; seconds: number; tenantsPerSecond: number };
  /** Tenantry's tenants/s over pgbench's. */
  ratio: number;
  /** Which side ran first at this concurrency. */
  order: string;
}

export interface FleetResult {
  tenants: number;
  steps: FleetStep[];
  noop: NoopRun[];
  /** ms per tenant of the no-op over all N, over the same at `smallLevel`. */
  noopGrowth: number | undefined;
  pending: PendingRun[];
}

export async function measureFleet(options: { url: string; tenants: number; smallLevel: number; concurrencies: readonly number[]; threads: number; log: (line: string) => void }): Promise<FleetResult> {
  const { url, tenants, log } = options;
  if (tenants < 1 || options.concurrencies.some((c) => c < 1)) throw new RangeError('fleet: tenants and concurrencies must be at least 1');
  const smallLevel = Math.min(options.smallLevel, tenants);
  const admin = new DatabaseAdmin(url, { scramIterations: 4096 });
  const result: FleetResult = { tenants, steps: [], noop: [], noopGrowth: undefined, pending: [] };
  // A step's seconds are the wall clock around it, or what `measured` picks out of its value (pgbench's own figure).
  const step = async <T>(name: string, count: number, work: () => Promise<T>, measured?: (value: T) => number): Promise<T> => {
    log(`  fleet: ${name} (${count.toLocaleString('en-US')} tenants)`);
    const started = performance.now();
    const value = await work();
    const seconds = measured?.(value) ?? (performance.now() - started) / 1000;
    result.steps.push({ step: name, tenants: count, seconds, load1: loadavg()[0]! });
    log(`  fleet: ${name}: ${seconds.toFixed(1)} s (${((seconds * 1000) / Math.max(1, count)).toFixed(1)} ms/tenant)`);
    return value;
  };
  const noop = async (count: number) => {
    const seconds = await step(`migrateTenants, nothing pending, concurrency ${BASE_CONCURRENCY}`, count, async () => {
      const started = performance.now();
      const outcomes = await admin.migrateTenants({ migrations: migrationProvider(fleetMigrations()), concurrency: BASE_CONCURRENCY, onProgress: progressLog(log, count, 'no-op') });
      const elapsed = (performance.now() - started) / 1000;
      requireOutcomes(outcomes, count, 'up-to-date');
      return elapsed;
    }, (elapsed) => elapsed);
    result.noop.push({ tenants: count, concurrency: BASE_CONCURRENCY, seconds, msPerTenant: (seconds * 1000) / count });
  };
  const scriptPath = join(tmpdir(), `tenantry-bench-${process.pid}.fleet.pgbench.sql`);
  try {
    await admin.prepare();
    // Built in stages, so the steps show what creating a tenant costs as the fleet grows.
    const levels = [smallLevel, ...CREATION_STAGES.filter((level) => level > smallLevel && level < tenants), tenants].filter((level, index, all) => all.indexOf(level) === index);
    let built = 0;
    for (const level of levels) {
      const range = `tenants ${(built + 1).toLocaleString('en-US')} to ${level.toLocaleString('en-US')}`;
      await step(`createTenants with the 2 migrations, ${range}, concurrency ${BASE_CONCURRENCY} (setup)`, level - built, () => createFleet(admin, built + 1, level, log));
      built = level;
      if (level === smallLevel) await noop(smallLevel);
    }
    if (tenants > smallLevel) {
      await noop(tenants);
      result.noopGrowth = result.noop[1]!.msPerTenant / result.noop[0]!.msPerTenant;
    }
    await withClient(url, (client) => client.query(`CREATE SEQUENCE ${SEQUENCE}`));
    const added: string[] = [];
    for (const [index, concurrency] of options.concurrencies.entries()) {
      const sides = index % 2 === 0 ? (['tenantry', 'pgbench'] as const) : (['pgbench', 'tenantry'] as const);
      const run: Partial<PendingRun> = { concurrency, order: sides.join(' then ') };
      for (const side of sides) {
        const column = `${side}_c${concurrency}`;
        if (side === 'tenantry') {
          added.push(column);
          const migrations = migrationProvider(fleetMigrations(added));
          run.tenantry = await step(`migrateTenants, one pending migration (add ${column}), concurrency ${concurrency}`, tenants, async () => {
            const started = performance.now();
            const outcomes = await admin.migrateTenants({ migrations, concurrency, onProgress: progressLog(log, tenants, `migrate c=${concurrency}`) });
            const seconds = (performance.now() - started) / 1000;
            requireOutcomes(outcomes, tenants, 'migrated');
            return { tenants, seconds, tenantsPerSecond: tenants / seconds, leftoverRoles: outcomes.filter((outcome) => outcome.leftoverRole !== undefined).length };
          }, (measuredRun) => measuredRun.seconds);
        } else {
          const perClient = Math.floor(tenants / concurrency);
          run.pgbench = await step(`pgbench, the same DDL (add ${column}), ${concurrency} clients`, perClient * concurrency, async () => {
            await withClient(url, (client) => client.query(`SELECT setval('${SEQUENCE}', 1, false)`));
            const outcome = await runPgbench(url, { scriptPath, script: fleetPgbenchScript(column), clients: concurrency, threads: Math.min(concurrency, options.threads), transactionsPerClient: perClient });
            if (outcome.failed > 0) throw new Error(`pgbench: ${outcome.failed} failed transactions`);
            return { tenants: outcome.tenants, seconds: outcome.tenants / outcome.tps, tenantsPerSecond: outcome.tps };
          }, (measuredRun) => measuredRun.seconds);
        }
        const found = await tenantsWithColumn(url, column);
        const expected = side === 'tenantry' ? tenants : run.pgbench!.tenants;
        if (found !== expected) throw new Error(`fleet: ${column} and its index are on ${found} tenants' accounts table, expected ${expected}`);
      }
      result.pending.push({ ...(run as PendingRun), ratio: run.tenantry!.tenantsPerSecond / run.pgbench!.tenantsPerSecond });
    }
  } finally {
    await admin.close();
    await rm(scriptPath, { force: true });
  }
  return result;
}

/** Creates fleet tenants `from..to` (1-based, inclusive) with the small schema; fails on any tenant that failed. */
async function createFleet(admin: DatabaseAdmin, from: number, to: number, log: (line: string) => void): Promise<void> {
  function* configs() {
    for (let i = from; i <= to; i++) yield fleetTenant(i);
  }
  const results = await admin.createTenants(configs(), {
    migrations: migrationProvider(fleetMigrations()),
    concurrency: BASE_CONCURRENCY,
    onProgress: progressLog(log, to - from + 1, 'create'),
  });
  const failed = results.filter((r) => r.status !== 'created');
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new Error(`fleet: ${failed.length} tenants not created; first ${first.schemaName}: ${first.status === 'failed' ? first.error.message : first.status}`);
  }
}

/** Logs about every tenth of `total`. */
function progressLog(log: (line: string) => void, total: number, label: string): (progress: BulkProgress) => void {
  const every = Math.max(1, Math.round(total / 10));
  const started = performance.now();
  return (progress) => {
    if (progress.done % every !== 0 && progress.done !== total) return;
    const seconds = (performance.now() - started) / 1000;
    log(`    ${label}: ${progress.done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${progress.failed} failed) after ${seconds.toFixed(1)} s`);
  };
}

function requireOutcomes(outcomes: readonly TenantMigrationOutcome[], tenants: number, status: TenantMigrationOutcome['status']): void {
  const other = outcomes.filter((outcome) => outcome.status !== status);
  if (outcomes.length !== tenants || other.length > 0) {
    const first = other[0];
    throw new Error(`migrateTenants: ${outcomes.length} outcomes for ${tenants} tenants, ${other.length} not ${status}${first ? `; first ${first.schemaName}: ${first.status} ${first.error?.message ?? ''}` : ''}`);
  }
}

/**
 * One tenant per transaction: the next fleet schema from the sequence
 * (`\gset`), then the two statements as one query (`\;`), so they commit
 * together in one round trip. pgbench substitutes `:i` inside the quotes.
 */
export function fleetPgbenchScript(column: string): string {
  const table = `${ident(`${SCHEMA_PREFIX}:i`)}.accounts`;
  return `SELECT lpad(nextval('${SEQUENCE}')::text, 6, '0') AS i \\gset\n${addColumnStatements(column, table).join(' \\;\n')};\n`;
}

/** How many fleet tenants' `accounts` table has `column` and the index on it (read from the catalog, as the superuser). */
async function tenantsWithColumn(url: string, column: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
        WHERE starts_with(s.nspname, $1) AND c.relname = 'accounts' AND a.attname = $2 AND NOT a.attisdropped
          AND EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum)`,
      [SCHEMA_PREFIX, column],
    );
    return Number(rows[0]!.n);
  });
}
